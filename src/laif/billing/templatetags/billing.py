"""Template filters of statements: euro cents, hours, energy ("not reported", never 0)."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from laif.billing.pricing import euros_text

register = template.Library()


@register.filter
def euros(cents: int | None) -> str:
    """``123456`` -> ``EUR 1,234.56``."""
    return "—" if cents is None else euros_text(int(cents))


@register.filter
def energy_kwh(joules: int | None) -> str:
    """Joules as kWh (3 decimals); ``None`` is "not reported", never 0."""
    if joules is None:
        return _("not reported")
    return f"{joules / 3_600_000:,.3f} kWh"
