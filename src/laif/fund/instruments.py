"""Funding instruments in force: the catalogue file's, replaced from their dates by the versions
the factory's operators publish (``InstrumentVersion``), without code. A version is checked as
the file is (``catalogue.funding.parse_instrument``): a wrong one is refused, naming the field.
Read by the funding check and the applications: one source for every page, the API and the
CLI."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.audit import Actor, audit_record
from laif.accounts.errors import DomainError, NotFound, PermissionDenied
from laif.billing.selectors import can_bill
from laif.catalogue import CatalogueError
from laif.catalogue.funding import Funding, Instrument, load_funding, parse_instrument
from laif.fund.models import InstrumentVersion

LATEST_START = 3650  # a version may be dated at most ten years ahead


def funding_in_force(on: date) -> Funding:
    """The instruments in force on a day: each file instrument, or its latest version published
    with an effective date on or before that day."""
    base = load_funding()
    latest: dict[str, InstrumentVersion] = {}
    for version in InstrumentVersion.objects.filter(effective_from__lte=on):
        latest[version.code] = version  # ordered by date then publication: the last wins
    instruments = tuple(parse_instrument(latest[i.code].data, f"version of {i.code}")
                        if i.code in latest else i for i in base.instruments)
    return replace(base, instruments=instruments)


def instrument_in_force(code: str, on: date | None = None) -> Instrument:
    found = next((i for i in funding_in_force(on or timezone.localdate()).instruments
                  if i.code == code), None)
    if found is None:
        raise NotFound(_("No such instrument."))
    return found


def versions_of(code: str) -> list[InstrumentVersion]:
    return list(InstrumentVersion.objects.filter(code=code))


def instrument_publish(*, access: Access, actor: Actor, code: str, data: dict[str, Any],
                       effective_from: date, note: str,
                       today: date | None = None) -> InstrumentVersion:
    """Publish a new version of an instrument of the catalogue (operators), in force from its
    date; checked as the catalogue file is."""
    today = today or timezone.localdate()
    if not can_bill(access):
        raise PermissionDenied(_("The factory's operators publish funding rules."))
    if code not in {i.code for i in load_funding().instruments}:
        raise NotFound(_("No such instrument."))
    if not date(2000, 1, 1) <= effective_from <= date.fromordinal(today.toordinal()
                                                                   + LATEST_START):
        raise DomainError(_("The date is between 2000 and ten years from now."),
                          field="effective_from")
    note = " ".join(note.split())
    if not note or len(note) > 300 or "\x00" in note:
        raise DomainError(_("Say what changed and from which text (at most 300 characters)."),
                          field="note")
    data = {**data, "code": code, "effective_from": effective_from.isoformat()}
    try:
        parse_instrument(data, code)
    except CatalogueError as exc:
        raise DomainError(_("This version is not valid: %(problem)s") % {"problem": str(exc)},
                          field="data") from exc
    with transaction.atomic():
        version = InstrumentVersion.objects.create(
            code=code, effective_from=effective_from, data=data, note=note,
            published_by_id=actor.user_id)
        audit_record(actor=actor, action="funding.instrument_published",
                     target=f"instrument:{code}", detail={
                         "version": version.pk, "effective_from": effective_from.isoformat(),
                         "status": data.get("status"), "note": note})
    return version


def as_data(instrument: Instrument) -> dict[str, Any]:
    """An instrument back in the file's format (the form starts from the one in force)."""
    data: dict[str, Any] = {
        "code": instrument.code, "name": {"en": instrument.name.en, "fr": instrument.name.fr},
        "provider": instrument.provider, "status": instrument.status,
        "effective_from": instrument.effective_from.isoformat(), "kind": instrument.kind,
        "eligible_sme_classes": sorted(instrument.eligible_sme_classes),
        "eligible_kinds": sorted(instrument.eligible_kinds), "source": instrument.source}
    if instrument.source_fr:
        data["source_fr"] = instrument.source_fr
    if instrument.kind == "share_of_costs":
        data["rate_percent"] = instrument.rate_percent
        data["caps_eur"] = dict(instrument.caps_eur)
        if instrument.costs is not None:
            data["costs"] = {"en": instrument.costs.en, "fr": instrument.costs.fr}
    if instrument.condition is not None:
        data["condition"] = {"en": instrument.condition.en, "fr": instrument.condition.fr}
    return data
