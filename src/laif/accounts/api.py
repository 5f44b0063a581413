"""REST endpoints of the accounts context: thin wrappers over services and selectors."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.contrib.auth import authenticate
from django.http import HttpRequest
from ninja import Router, Status
from ninja.utils import check_csrf
from pydantic import Field

from laif.accounts import schemas as s
from laif.accounts import selectors, services, sme, throttle
from laif.accounts.audit import Actor
from laif.accounts.audit_chain import KnownHead
from laif.accounts.errors import DomainError, PermissionDenied, Unauthenticated
from laif.accounts.models import ApiToken, Membership, Organisation, Project, User
from laif.accounts.requestinfo import access_of, actor_of, client_ip, current_user
from laif.config.apitypes import Id, ShortText

# a day of the audit log (site time zone); bounded so that no date arithmetic overflows
AuditDay = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2100, 12, 31))]

router = Router(tags=["accounts"])


def api_user(request: HttpRequest) -> User:
    user = current_user(request)
    assert user is not None  # every authenticated route
    return user


def _whole(amount: Decimal | None) -> int | None:
    return None if amount is None else int(amount)


def _decimal(amount: int | None) -> Decimal | None:
    return None if amount is None else Decimal(amount)


def _org_out(org: Organisation) -> s.OrganisationOut:
    return s.OrganisationOut(
        id=org.pk, name=org.name, country=org.country, sector=org.sector, kind=org.kind,
        rcs_number=org.rcs_number, vat_number=org.vat_number, address=org.address,
        staff_headcount=org.staff_headcount,
        annual_turnover_eur=_whole(org.annual_turnover_eur),
        balance_sheet_eur=_whole(org.balance_sheet_eur), sme_class=org.sme_class,
        created_at=org.created_at,
    )


def _user_out(user: User) -> s.UserOut:
    return s.UserOut(id=user.pk, email=user.email, first_name=user.first_name,
                     last_name=user.last_name)


def _project_out(project: Project) -> s.ProjectOut:
    return s.ProjectOut(
        id=project.pk, name=project.name, code=project.code, description=project.description,
        organisation_id=project.organisation_id, organisation_name=project.organisation.name,
        created_at=project.created_at,
        members=[s.ProjectMemberOut(user=_user_out(m.user), role=m.role)
                 for m in project.memberships.all()],
    )


def _token_out(token: ApiToken) -> s.TokenOut:
    return s.TokenOut(id=token.pk, name=token.name, prefix=token.prefix,
                      created_at=token.created_at, expires_at=token.expires_at,
                      revoked_at=token.revoked_at, last_used_at=token.last_used_at)


def _org_data(data: s.OrganisationIn) -> services.OrganisationData:
    return services.OrganisationData(
        name=data.name, country=data.country, sector=data.sector, kind=data.kind,
        staff_headcount=data.staff_headcount,
        annual_turnover_eur=_decimal(data.annual_turnover_eur),
        balance_sheet_eur=_decimal(data.balance_sheet_eur),
        rcs_number=data.rcs_number, vat_number=data.vat_number, address=data.address,
    )


# ---------------------------------------------------------------- sign-up, login, me


@router.post("/signup", auth=None, response={201: s.SignUpOut},
             summary="Register an organisation: its admin's account now, the organisation once "
                     "the e-mail address is confirmed by the mailed link")
def signup(request: HttpRequest, data: s.SignUpIn) -> Status[Any]:
    _pending, user = services.organisation_sign_up(
        organisation=_org_data(data.organisation), email=data.email, password=data.password,
        first_name=data.first_name, last_name=data.last_name, ip=client_ip(request),
    )
    organisation = services.pending_organisation_data(user)
    assert organisation is not None  # just created with the account
    return Status(201, s.SignUpOut(
        user=_user_out(user), email_verified=False,
        organisation=s.PendingOrganisationOut(
            name=organisation.name, country=organisation.country, sector=organisation.sector,
            kind=organisation.kind, rcs_number=organisation.rcs_number,
            vat_number=organisation.vat_number, address=organisation.address,
            staff_headcount=organisation.staff_headcount,
            annual_turnover_eur=_whole(organisation.annual_turnover_eur),
            balance_sheet_eur=_whole(organisation.balance_sheet_eur),
            sme_class=services.sme_class_of(organisation),
        ),
        detail=f"A confirmation link was mailed to {user.email}; the organisation is "
               "registered when it is followed.",
    ))


@router.post("/auth/token", auth=None, response={201: s.TokenCreatedOut},
             summary="Log in with e-mail and password; returns a new API token")
def token_login(request: HttpRequest, data: s.TokenLoginIn) -> Status[Any]:
    ip = client_ip(request)
    email = data.email.strip().lower()
    # django-axes refuses a locked (account, address) and counts failures: throttle.py.
    user = authenticate(request, email=email, password=data.password)
    if not isinstance(user, User):
        if throttle.password_was_checked(request):
            services.login_record(email=email, ip=ip, user=None)
        locked = throttle.refused(request, {"email": email})
        if locked is not None:
            raise locked
        raise Unauthenticated("Wrong e-mail address or password.")
    services.login_record(email=email, ip=ip, user=user)
    throttle.login_succeeded(request, user.email)
    token, secret = services.api_token_create(
        actor=Actor.of(user, ip), user=user, name=data.name,
        expires_days=data.expires_days,
    )
    return Status(201, s.TokenCreatedOut(**_token_out(token).dict(), token=secret))


@router.get("/me", response=s.MeOut, summary="Who am I: roles, organisations, projects")
def me(request: HttpRequest) -> s.MeOut:
    user = api_user(request)
    access = access_of(request)
    orgs = Membership.objects.filter(user=user).select_related("organisation")
    projects = user.project_memberships.select_related("project")
    identity = selectors.identity_of(user.pk)
    return s.MeOut(
        user=_user_out(user),
        email_verified=user.email_verified_at is not None,
        staff_roles=sorted(access.staff_roles),
        organisations=[s.OrgRef(id=m.organisation_id, name=m.organisation.name, role=m.role)
                       for m in orgs],
        projects=[s.ProjectRef(id=pm.project_id, name=pm.project.name, code=pm.project.code,
                               organisation_id=pm.project.organisation_id, role=pm.role)
                  for pm in projects],
        identity=s.IdentityOut(username=identity.username, uid=identity.uid) if identity else None,
    )


# ---------------------------------------------------------------- organisations


@router.get("/organisations", response=list[s.OrganisationOut])
def organisation_list(request: HttpRequest) -> list[s.OrganisationOut]:
    return [_org_out(o) for o in selectors.organisations_for(access_of(request))]


@router.get("/organisations/{org_id}", response=s.OrganisationOut)
def organisation_detail(request: HttpRequest, org_id: Id) -> s.OrganisationOut:
    org = selectors.organisation_get(access=access_of(request), actor=actor_of(request),
                                     organisation_id=org_id)
    return _org_out(org)


@router.put("/organisations/{org_id}", response=s.OrganisationOut)
def organisation_update(request: HttpRequest, org_id: Id, data: s.OrganisationIn) -> s.OrganisationOut:
    org = services.organisation_update(access=access_of(request), actor=actor_of(request),
                                       organisation_id=org_id, data=_org_data(data))
    return _org_out(org)


@router.get("/organisations/{org_id}/members", response=list[s.MembershipOut])
def member_list(request: HttpRequest, org_id: Id) -> list[s.MembershipOut]:
    return [s.MembershipOut(user=_user_out(m.user), role=m.role)
            for m in selectors.members_of(access=access_of(request), actor=actor_of(request),
                                       organisation_id=org_id)]


@router.put("/organisations/{org_id}/members/{user_id}", response=s.MembershipOut)
def member_set_role(request: HttpRequest, org_id: Id, user_id: Id, data: s.RoleIn) -> s.MembershipOut:
    membership = services.membership_set_role(
        access=access_of(request), actor=actor_of(request), organisation_id=org_id,
        user_id=user_id, role=data.role,
    )
    return s.MembershipOut(user=_user_out(membership.user), role=membership.role)


@router.post("/organisations/{org_id}/invitations", response={201: s.InvitationOut})
def invitation_create(request: HttpRequest, org_id: Id, data: s.InvitationIn) -> Status[Any]:
    inv = services.invitation_create(access=access_of(request), actor=actor_of(request),
                                     organisation_id=org_id, email=data.email, role=data.role)
    return Status(201, s.InvitationOut(id=inv.pk, email=inv.email, role=inv.role,
                                       expires_at=inv.expires_at))


@router.get("/organisations/{org_id}/invitations", response=list[s.PendingInvitationOut],
            summary="Pending invitations of an organisation (its admins)")
def invitation_list(request: HttpRequest, org_id: Id) -> list[s.PendingInvitationOut]:
    return [
        s.PendingInvitationOut(id=inv.pk, email=inv.email, role=inv.role,
                               expires_at=inv.expires_at, created_at=inv.created_at,
                               invited_by=inv.invited_by.email if inv.invited_by else None)
        for inv in selectors.invitations_open(access=access_of(request), organisation_id=org_id)
    ]


@router.delete("/organisations/{org_id}/invitations/{invitation_id}", response={204: None},
               summary="Revoke an invitation: its link stops working (its organisation's admins)")
def invitation_revoke(request: HttpRequest, org_id: Id, invitation_id: Id) -> Status[Any]:
    services.invitation_revoke(access=access_of(request), actor=actor_of(request),
                               organisation_id=org_id, invitation_id=invitation_id)
    return Status(204, None)


def _optional_caller(request: HttpRequest) -> User | None:
    """The caller of a route open to anonymous people: a Bearer token's user (an invalid token is
    refused, not taken as anonymous), a session user (whose POST needs the CSRF token, as on every
    session route), or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() == "bearer":
        user = services.api_token_authenticate(secret=secret.strip())
        if user is None:
            raise Unauthenticated("Authentication required: log in or send a valid API token.")
        return user
    user = current_user(request)
    if user is not None and check_csrf(request) is not None:
        raise PermissionDenied("CSRF check failed: reload the page and try again.")
    return user


@router.post("/invitations/accept", auth=None, response={201: s.MembershipOut},
             summary="Accept an invitation (logged in, or creating the account)")
def invitation_accept(request: HttpRequest, data: s.InvitationAcceptIn) -> Status[Any]:
    user = _optional_caller(request)
    if user is None and not data.password:
        raise DomainError("Choose a password to create your account.", field="password")
    membership, member = services.invitation_accept(
        token=data.token, user=user, password=data.password or "", first_name=data.first_name,
        last_name=data.last_name, ip=client_ip(request),
    )
    return Status(201, s.MembershipOut(user=_user_out(member), role=membership.role))


# ---------------------------------------------------------------- projects


@router.get("/projects", response=list[s.ProjectOut])
def project_list(request: HttpRequest) -> list[s.ProjectOut]:
    return [_project_out(p) for p in selectors.projects_for(access_of(request))]


@router.post("/organisations/{org_id}/projects", response={201: s.ProjectOut})
def project_create(request: HttpRequest, org_id: Id, data: s.ProjectIn) -> Status[Any]:
    access, actor = access_of(request), actor_of(request)
    project = services.project_create(access=access, actor=actor, organisation_id=org_id,
                                      name=data.name, description=data.description,
                                      lead_id=data.lead_id)
    project = selectors.project_get(access=access_of(request, refresh=True), actor=actor,
                                    project_id=project.pk)
    return Status(201, _project_out(project))


@router.get("/projects/{project_id}", response=s.ProjectOut)
def project_detail(request: HttpRequest, project_id: Id) -> s.ProjectOut:
    return _project_out(selectors.project_get(access=access_of(request), actor=actor_of(request),
                                              project_id=project_id))


@router.post("/projects/{project_id}/members", response={201: s.ProjectOut})
def project_member_add(request: HttpRequest, project_id: Id, data: s.ProjectMemberIn) -> Status[Any]:
    services.project_member_add(access=access_of(request), actor=actor_of(request),
                                project_id=project_id, user_id=data.user_id, role=data.role)
    project = selectors.project_get(access=access_of(request, refresh=True),
                                    actor=actor_of(request), project_id=project_id)
    return Status(201, _project_out(project))


@router.delete("/projects/{project_id}/members/{user_id}", response={204: None})
def project_member_remove(request: HttpRequest, project_id: Id, user_id: Id) -> Status[Any]:
    services.project_member_remove(access=access_of(request), actor=actor_of(request),
                                   project_id=project_id, user_id=user_id)
    return Status(204, None)


# ---------------------------------------------------------------- cluster identity, SSH keys


@router.get("/me/identity", response={200: s.IdentityOut, 404: s.Message},
            summary="My cluster identity (POSIX username and uid)")
def my_identity(request: HttpRequest) -> Status[Any]:
    identity = selectors.identity_of(api_user(request).pk)
    if identity is None:
        return Status(404, s.Message(detail="No cluster identity yet: it is allocated when you "
                                     "join a project."))
    return Status(200, s.IdentityOut(username=identity.username, uid=identity.uid))


@router.get("/me/ssh-keys", response=list[s.SshKeyOut])
def ssh_key_list(request: HttpRequest) -> list[s.SshKeyOut]:
    return [s.SshKeyOut.from_orm(k) for k in selectors.ssh_keys_of(api_user(request))]


@router.post("/me/ssh-keys", response={201: s.SshKeyOut})
def ssh_key_add(request: HttpRequest, data: s.SshKeyIn) -> Status[Any]:
    key = services.ssh_key_add(actor=actor_of(request), user=api_user(request), title=data.title,
                               public_key=data.public_key)
    return Status(201, s.SshKeyOut.from_orm(key))


@router.delete("/me/ssh-keys/{key_id}", response={204: None})
def ssh_key_remove(request: HttpRequest, key_id: Id) -> Status[Any]:
    services.ssh_key_remove(actor=actor_of(request), user=api_user(request), key_id=key_id)
    return Status(204, None)


@router.get("/identities/export", response=list[s.IdentityExportOut],
            summary="Every cluster identity with its SSH keys (operators, auditors)")
def identities_export(request: HttpRequest) -> list[s.IdentityExportOut]:
    records = selectors.identities_export(access=access_of(request), actor=actor_of(request))
    return [s.IdentityExportOut(**r.__dict__) for r in records]


# ---------------------------------------------------------------- API tokens


@router.get("/tokens", response=list[s.TokenOut])
def token_list(request: HttpRequest) -> list[s.TokenOut]:
    return [_token_out(t) for t in selectors.tokens_of(api_user(request))]


@router.post("/tokens", response={201: s.TokenCreatedOut})
def token_create(request: HttpRequest, data: s.TokenIn) -> Status[Any]:
    token, secret = services.api_token_create(actor=actor_of(request), user=api_user(request),
                                              name=data.name, expires_days=data.expires_days)
    return Status(201, s.TokenCreatedOut(**_token_out(token).dict(), token=secret))


@router.delete("/tokens/{token_id}", response=s.TokenOut)
def token_revoke(request: HttpRequest, token_id: Id) -> s.TokenOut:
    return _token_out(services.api_token_revoke(actor=actor_of(request), user=api_user(request),
                                                token_id=token_id))


# ---------------------------------------------------------------- audit


@router.get("/audit", response=list[s.AuditEntryOut], summary="Audit log, newest first (auditors)")
def audit_list(request: HttpRequest, limit: int = 100, before_seq: Id | None = None,
               action: ShortText | None = None,
               kind: Literal["all", "actions", "reads"] = "all",
               actor: ShortText | None = None, target: ShortText | None = None,
               since: AuditDay | None = None,
               until: AuditDay | None = None) -> list[s.AuditEntryOut]:
    filters = selectors.AuditFilter(kind=kind, action=action or "", actor=actor or "",
                                    target=target or "", since=since, until=until)
    entries = selectors.audit_entries(access=access_of(request), limit=max(1, min(limit, 500)),
                                      before_seq=before_seq, filters=filters)
    return [s.AuditEntryOut(seq=e.seq, at=e.at, actor_label=e.actor_label, action=e.action,
                            organisation_id=e.organisation_id_ref, target=e.target, ip=e.ip,
                            detail=e.detail, hash=e.hash) for e in entries]


@router.get("/audit/verify", response=s.AuditVerifyOut,
            summary="Verify the audit chain, its sealed head and its anchors (auditors)",
            description="Checks every entry's keyed hash, the sealed checkpoint and the heads "
            "anchored outside the database (the anchor file). Pass `known_seq` and `known_hash` "
            "of a head verified earlier (kept outside the platform; `laif audit verify` does) to "
            "check that one too.")
def audit_verify(request: HttpRequest, known_seq: Id | None = None,
                 known_hash: s.HexDigest | None = None) -> s.AuditVerifyOut:
    if (known_seq is None) != (known_hash is None):
        raise DomainError("Give both known_seq and known_hash, or neither.", field="known_seq")
    known = KnownHead(known_seq, known_hash) if known_seq and known_hash else None
    result = selectors.audit_check(access=access_of(request), known=known)
    return s.AuditVerifyOut(ok=result.ok, entries=result.entries, problems=result.problems,
                            head_seq=result.head_seq, head_hash=result.head_hash,
                            anchors=result.anchors)


# ---------------------------------------------------------------- tools


@router.post("/tools/sme-class", auth=None, response=s.SmeOut,
             summary="EU SME class (Recommendation 2003/361/EC) from headcount and finances")
def sme_class(request: HttpRequest, data: s.SmeIn) -> s.SmeOut:
    klass = sme.sme_class(headcount=data.staff_headcount,
                          turnover_eur=Decimal(data.annual_turnover_eur),
                          balance_sheet_eur=Decimal(data.balance_sheet_eur))
    return s.SmeOut(sme_class=klass.value, is_sme=sme.is_sme(klass))
