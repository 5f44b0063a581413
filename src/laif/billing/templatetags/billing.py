"""Template filters of statements: euro cents, hours, energy ("not reported", never 0)."""

from __future__ import annotations

from decimal import Decimal

from django import template

from laif.billing.money import energy_text, euros_text, money_text

register = template.Library()


@register.filter
def euros(cents: int | None) -> str:
    """``123456`` -> ``EUR 1,234.56``, ``1 234,56 EUR`` in French (``billing.money``)."""
    return "—" if cents is None else money_text(int(cents))


@register.filter
def whole_euros(value: Decimal | int | None) -> str:
    """Whole euros: ``150000`` -> ``EUR 150,000``, ``150 000 EUR`` in French."""
    return "—" if value is None else euros_text(Decimal(value))


@register.filter
def energy_kwh(joules: int | None) -> str:
    """Joules as kWh (3 decimals, by locale); ``None`` is "not reported", never 0."""
    return energy_text(joules)


@register.filter
def project_name(label: str) -> str:
    """A statement line's project, ``"<code> <name>"`` as issued: its name."""
    code, _space, name = label.partition(" ")
    return name or code


@register.filter
def project_code(label: str) -> str:
    """A statement line's project, ``"<code> <name>"`` as issued: its code ("" if none)."""
    code, _space, name = label.partition(" ")
    return code if name else ""
