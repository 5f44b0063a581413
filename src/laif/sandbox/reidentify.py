"""Re-identification of encrypted values of a release (services).

A column released with the ``encrypt`` action holds AES-SIV ciphertexts that the platform alone
can reverse. A data owner of the project asks for the original values behind named ciphertexts
(the rows a model flagged, say), with a reason; another data owner (never the requester) approves
or refuses; the requester then sees the values once, within ``LAIF_SANDBOX_REID_MINUTES`` of the
approval. Every step is audited, never with a value. ``reidentification_reveal`` is the only code
that derives a decryption key, and it does so only while consuming an approved request under its
row lock: there is no other way through the platform to a plaintext.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import polars as pl
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.audit import Actor, audit_record
from laif.accounts.errors import Conflict, DomainError, NotFound, PermissionDenied
from laif.accounts.notices import notify
from laif.accounts.selectors import org_admins, project_lead_ids, project_of, users_of
from laif.sandbox import keys, policies, selectors
from laif.sandbox.models import PolicyAction, Reidentification, ReidState, Release
from laif.sandbox.selectors import data_owner

if TYPE_CHECKING:
    from laif.accounts.models import User

MAX_TOKENS = 100
TOKEN = re.compile(r"enc_v[0-9]{1,9}_[A-Za-z0-9_-]{16,400}")


def _encrypted_column(release: Release, column: str) -> dict[str, object]:
    for row in release.record.get("policy", []):
        if row.get("column") == column and row.get("action") == PolicyAction.ENCRYPT:
            return dict(row)
    raise DomainError(_("This column is not encrypted in this release: only encrypted columns "
                        "can be re-identified."), field="column")


def reidentification_request(*, access: Access, actor: Actor, release_id: int, column: str,
                             tokens: list[str], reason: str) -> Reidentification:
    release = selectors.release_get(access=access, release_id=release_id)
    project_id = release.version.dataset.project_id
    organisation_id = data_owner(access, project_id)
    _encrypted_column(release, column)
    tokens = list(dict.fromkeys(t.strip() for t in tokens if t.strip()))
    if not 0 < len(tokens) <= MAX_TOKENS:
        raise DomainError(_("Name between 1 and %(n)s encrypted values.") % {"n": MAX_TOKENS},
                          field="tokens")
    if not all(TOKEN.fullmatch(t) for t in tokens):
        raise DomainError(_("Give the encrypted values as they appear in the release "
                            "(enc_v1_...)."), field="tokens")
    reason = " ".join(reason.split())
    if not 10 <= len(reason) <= 1000:
        raise DomainError(_("Say why (10 to 1,000 characters): the approver reads it."),
                          field="reason")
    with transaction.atomic():
        assert actor.user_id is not None  # a data owner is a person
        found = Reidentification.objects.create(release=release, column=column, tokens=tokens,
                                                reason=reason, requested_by_id=actor.user_id)
        audit_record(actor=actor, action="sandbox.reidentification_requested",
                     target=f"reidentification:{found.pk}", organisation_id=organisation_id,
                     detail={"release_id": release.pk, "column": column, "values": len(tokens)})
        others = [u for u in _owners(project_id) if u.pk != actor.user_id]
        link = reverse("sandbox_release", kwargs={"release_id": release.pk})
        notify(others, kind="sandbox.reidentification",
               text=lambda: _("A re-identification to approve or refuse: %(n)s values of %(name)s")
               % {"n": len(tokens), "name": release.version.dataset.name}, link=link)
    return found


def _owners(project_id: int) -> list[User]:
    project = project_of(project_id)
    assert project is not None
    leads = users_of(project_lead_ids(project_id))
    admins = org_admins(project.organisation_id)
    return list({u.pk: u for u in [*leads, *admins]}.values())


def _locked(access: Access, request_id: int) -> tuple[Reidentification, int]:
    found = (Reidentification.objects.select_for_update()
             .select_related("release__version__dataset").filter(pk=request_id).first())
    if found is None:
        raise NotFound(_("No such re-identification request."))
    try:
        selectors.release_get(access=access, release_id=found.release_id)
    except NotFound:
        raise NotFound(_("No such re-identification request.")) from None
    return found, data_owner(access, found.release.version.dataset.project_id)


def reidentification_decide(*, access: Access, actor: Actor, request_id: int,
                            approve: bool) -> Reidentification:
    """Another data owner approves (valid once, for a limited time) or refuses."""
    with transaction.atomic():
        found, organisation_id = _locked(access, request_id)
        if found.requested_by_id == actor.user_id:
            raise PermissionDenied(_("A second person decides: not the one who asked."))
        if found.state != ReidState.REQUESTED:
            raise Conflict(_("This request is already decided."))
        now = timezone.now()
        found.state = ReidState.APPROVED if approve else ReidState.REFUSED
        found.decided_at, found.decided_by_id = now, actor.user_id
        if approve:
            found.expires_at = now + timedelta(minutes=settings.LAIF_SANDBOX_REID_MINUTES)
        found.save(update_fields=["state", "decided_at", "decided_by", "expires_at"])
        audit_record(actor=actor, action=f"sandbox.reidentification_{found.state}",
                     target=f"reidentification:{found.pk}", organisation_id=organisation_id,
                     detail={"expires_at": found.expires_at.isoformat()
                             if found.expires_at else None})
        notify(users_of([found.requested_by_id]), kind="sandbox.reidentification",
               text=lambda: (_("Your re-identification was approved: reveal it once.")
                             if approve else _("Your re-identification was refused.")),
               link=reverse("sandbox_release", kwargs={"release_id": found.release_id}))
    return found


@dataclass(frozen=True)
class Revealed:
    token: str
    value: str | None  # None: not a value of this release's column


def reidentification_reveal(*, access: Access, actor: Actor, request_id: int) -> list[Revealed]:
    """The original values, once, to the requester, while the approval lasts."""
    with transaction.atomic():
        found, organisation_id = _locked(access, request_id)
        if found.requested_by_id != actor.user_id:
            raise PermissionDenied(_("Only the person who asked sees the values."))
        now = timezone.now()
        expired = (found.state == ReidState.APPROVED and found.expires_at is not None
                   and found.expires_at <= now)
        if expired:  # recorded, then refused (outside this transaction, which must commit)
            found.state = ReidState.EXPIRED
            found.save(update_fields=["state"])
            audit_record(actor=actor, action="sandbox.reidentification_expired",
                         target=f"reidentification:{found.pk}", organisation_id=organisation_id)
        elif found.state != ReidState.APPROVED:
            raise Conflict(_("Nothing to reveal: the request is %(state)s.") % {
                "state": found.get_state_display().lower()})
        else:
            values = _decrypt(found)
            found.state, found.revealed_at = ReidState.REVEALED, now
            found.save(update_fields=["state", "revealed_at"])
            audit_record(actor=actor, action="sandbox.reidentification_revealed",
                         target=f"reidentification:{found.pk}", organisation_id=organisation_id,
                         detail={"values": sum(v.value is not None for v in values),
                                 "not_of_this_release": sum(v.value is None for v in values)})
    if expired:
        raise Conflict(_("The approval has expired: ask again."))
    return values


def _decrypt(found: Reidentification) -> list[Revealed]:
    release = found.release
    row = _encrypted_column(release, found.column)
    domain = str(row.get("domain") or "default")
    version = int(release.record.get("domain_key_versions", {}).get(domain, 1))
    project_id = release.version.dataset.project_id
    _kv, project_key = keys.data_key(project_id, version=int(release.record["data_key_version"]))
    key = policies.derive_domain_key(project_key, domain=domain, version=version,
                                     purpose=policies.PURPOSE_SIV)
    out = []
    for token in found.tokens:
        try:
            value = policies.decrypt_values(pl.Series([token]), key)[0]
        except policies.PolicyError:
            value = None
        out.append(Revealed(token=token, value=value))
    return out
