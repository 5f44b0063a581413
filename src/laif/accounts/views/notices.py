"""My notices: the list under the bell of the header, mark one or all read (htmx)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from laif.accounts import notices
from laif.accounts.views._base import is_htmx, page, request_user


@page
@require_GET
def notice_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    return render(request, "accounts/notices.html", {
        "notices": notices.notices_of(user)[:notices.MAX_LIST]})


@page
@require_POST
def notice_read(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = notices.notice_mark_read(user=request_user(request), notice_id=notice_id)
    if is_htmx(request):
        return render(request, "accounts/_notice_row.html", {"n": notice})
    return redirect("notices")


@page
@require_POST
def notice_read_all(request: HttpRequest) -> HttpResponse:
    notices.notices_of(request_user(request), unread_only=True).update(read_at=timezone.now())
    return redirect("notices")
