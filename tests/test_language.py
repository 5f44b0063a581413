"""The person's language: the EN/FR switcher saves a logged-in person's choice on their account;
each login (password, sign-up, invitation; OpenID Connect in test_oidc.py) restores it with the
language cookie, so their next page is in their language on any browser."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from laif.accounts import services
from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.errors import DomainError
from laif.accounts.models import AuditEntry, User
from tests.factories import PASSWORD, World
from tests.views_support import ClientFor, html

pytestmark = pytest.mark.django_db

COOKIE = settings.LANGUAGE_COOKIE_NAME
NEW_PASSWORD = "Quiet-Harbour-Lantern-2026"


def language_of(user: User) -> str:
    return User.objects.get(pk=user.pk).language


def test_switching_saves_the_choice_of_a_logged_in_person(world: World,
                                                          client_for: ClientFor) -> None:
    client = client_for(world.member)
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/account/"})
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    assert response.cookies[COOKIE].value == "fr"
    assert language_of(world.member) == "fr"
    [entry] = AuditEntry.objects.filter(action="user.language_changed")
    assert entry.actor_ref == world.member.pk
    assert entry.detail == {"from": "en", "to": "fr"}
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})  # unchanged: no new entry
    assert AuditEntry.objects.filter(action="user.language_changed").count() == 1
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert language_of(world.member) == "en"


def test_unknown_language_or_anonymous_switch_saves_nothing(world: World,
                                                            client_for: ClientFor) -> None:
    client = client_for(world.member)
    response = client.post("/i18n/setlang/", {"language": "de", "next": "/"})
    assert response.status_code == 302
    assert language_of(world.member) == "en"
    assert '<html lang="en">' in html(client.get("/"))
    assert client.get("/i18n/setlang/?language=fr").status_code == 302  # GET changes nothing
    assert language_of(world.member) == "en"
    anonymous = Client()
    response = anonymous.post("/i18n/setlang/", {"language": "fr", "next": "/login/"})
    assert response.cookies[COOKIE].value == "fr"
    assert not AuditEntry.objects.filter(action="user.language_changed").exists()


def test_the_switch_needs_the_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.member, backend="django.contrib.auth.backends.ModelBackend")
    assert client.post("/i18n/setlang/", {"language": "fr"}).status_code == 403
    assert language_of(world.member) == "en"


def test_user_set_language_refuses_a_language_not_offered(world: World) -> None:
    with pytest.raises(DomainError):
        services.user_set_language(actor=Actor.of(world.member), user=world.member,
                                   language="xx")


def test_password_login_restores_the_saved_language(world: World,
                                                    client_for: ClientFor) -> None:
    client_for(world.member).post("/i18n/setlang/", {"language": "fr", "next": "/"})
    browser = Client()  # another browser, in English
    assert '<html lang="en">' in html(browser.get("/login/"))
    response = browser.post("/login/", {"email": world.member.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "fr"
    assert response.cookies[COOKIE]["path"] == settings.LANGUAGE_COOKIE_PATH
    page = html(browser.get("/"))
    assert '<html lang="fr">' in page
    assert "Accueil" in page


def test_the_language_chosen_on_the_login_page_survives_the_login(world: World) -> None:
    assert world.member.language == "en"
    browser = Client()
    browser.post("/i18n/setlang/", {"language": "fr", "next": "/login/"})
    assert '<html lang="fr">' in html(browser.get("/login/"))
    response = browser.post("/login/", {"email": world.member.email, "password": PASSWORD})
    assert response.cookies[COOKIE].value == "fr"
    assert '<html lang="fr">' in html(browser.get("/"))
    world.member.refresh_from_db()
    assert world.member.language == "fr"  # and the account remembers it
    assert AuditEntry.objects.filter(action="user.language_changed",
                                     target=f"user:{world.member.pk}").exists()


def test_a_language_cookie_left_from_an_earlier_session_does_not_override_the_account(
        world: World) -> None:
    browser = Client()
    browser.post("/i18n/setlang/", {"language": "fr", "next": "/login/"})
    browser.session.flush()  # the browser is closed: the cookie stays, the session is gone
    browser.cookies.pop(settings.SESSION_COOKIE_NAME, None)
    assert browser.cookies[COOKIE].value == "fr"
    response = browser.post("/login/", {"email": world.member.email, "password": PASSWORD})
    assert response.cookies[COOKIE].value == "en"  # the account's own language
    assert '<html lang="en">' in html(browser.get("/"))
    world.member.refresh_from_db()
    assert world.member.language == "en"


def test_failed_login_sets_no_language(world: World) -> None:
    world.member.language = "fr"
    world.member.save()
    response = Client().post("/login/", {"email": world.member.email, "password": "wrong"})
    assert response.status_code == 200
    assert COOKIE not in response.cookies


def test_sign_up_keeps_the_language_it_was_made_in(client: Client) -> None:
    client.post("/i18n/setlang/", {"language": "fr", "next": "/signup/"})
    response = client.post("/signup/", {
        "name": "Moselle Vision S.A.", "country": "LU", "sector": "industry",
        "kind": "startup", "staff_headcount": "8", "annual_turnover_eur": "1500000",
        "balance_sheet_eur": "900000", "first_name": "Anne", "last_name": "Kremer",
        "email": "anne@moselle-vision.lu", "password": NEW_PASSWORD, "password2": NEW_PASSWORD,
    })
    assert response.status_code == 302
    assert User.objects.get(email="anne@moselle-vision.lu").language == "fr"
    assert response.cookies[COOKIE].value == "fr"


def test_accepting_an_invitation_keeps_the_language_it_was_made_in(world: World) -> None:
    admin = world.org_admin
    invitation = services.invitation_create(
        access=access_for(admin), actor=Actor.of(admin), organisation_id=world.org.pk,
        email="nina@example.lu", role="member")
    browser = Client(HTTP_ACCEPT_LANGUAGE="fr")  # no cookie: the browser's own preference
    response = browser.post(f"/invitations/{invitation.plain_token}/", {  # type: ignore[attr-defined]
        "first_name": "Nina", "last_name": "New", "password": NEW_PASSWORD,
        "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert User.objects.get(email="nina@example.lu").language == "fr"
    assert response.cookies[COOKIE].value == "fr"


def test_api_sign_up_uses_accept_language(client: Client) -> None:
    body = {
        "organisation": {"name": "Initech", "country": "LU", "sector": "finance",
                         "kind": "company", "staff_headcount": 12,
                         "annual_turnover_eur": 3_000_000, "balance_sheet_eur": 2_500_000},
        "email": "peter@initech.lu", "password": PASSWORD, "first_name": "Peter",
        "last_name": "Gibbons",
    }
    response = client.post("/api/signup", body, content_type="application/json",
                           headers={"Accept-Language": "fr-BE,fr;q=0.9"})
    assert response.status_code == 201, response.content
    assert User.objects.get(email="peter@initech.lu").language == "fr"


def test_switcher_on_a_page_answering_a_form_error_goes_back_to_the_form_page(
    world: World, client_for: ClientFor
) -> None:
    client = client_for(world.org_admin)
    org_page = f"/organisations/{world.org.pk}/"
    # Inviting an existing member fails: the error page is rendered at the POST-only URL.
    response = client.post(f"/organisations/{world.org.pk}/invitations/",
                           {"email": world.member.email, "role": "member"},
                           HTTP_REFERER=f"http://testserver{org_page}")
    assert response.status_code == 200
    page = html(response)
    assert f'name="next" value="http://testserver{org_page}"' in page
    switched = client.post("/i18n/setlang/", {"language": "fr",
                                              "next": f"http://testserver{org_page}"})
    assert switched.status_code == 302
    assert client.get(switched["Location"]).status_code == 200
