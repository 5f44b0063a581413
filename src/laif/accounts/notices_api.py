"""REST endpoints of in-app notices: everyone sees and marks read only their own."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from laif.accounts import notices
from laif.accounts.api import api_user
from laif.accounts.models import Notice
from laif.config.apitypes import Id

router = Router(tags=["notices"])


class NoticeOut(Schema):
    id: int
    kind: str
    text: str
    link: str
    created_at: datetime
    read_at: datetime | None


def _out(n: Notice) -> NoticeOut:
    return NoticeOut(id=n.pk, kind=n.kind, text=n.text, link=n.link, created_at=n.created_at,
                     read_at=n.read_at)


@router.get("/notices", response=list[NoticeOut], summary="My notices, newest first")
def notice_list(request: HttpRequest, unread: bool = False) -> list[NoticeOut]:
    user = api_user(request)
    return [_out(n) for n in notices.notices_of(user, unread_only=unread)[:notices.MAX_LIST]]


@router.post("/notices/{notice_id}/read", response=NoticeOut,
             summary="Mark one of my notices read")
def notice_read(request: HttpRequest, notice_id: Id) -> NoticeOut:
    return _out(notices.notice_mark_read(user=api_user(request), notice_id=notice_id))
