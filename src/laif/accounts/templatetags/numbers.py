"""Numbers as every page writes them, in the page's language."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format
from django.utils.translation import get_language

register = template.Library()


@register.filter
def grouped(value: int | None) -> str:
    """A count grouped by thousands in the page's language (12,000 / 12 000)."""
    return "—" if value is None else number_format(int(value), force_grouping=True)


@register.filter
def percent(share: float | None) -> str:
    """A share (0 to 1) as a whole percentage in the page's language (42 % in French)."""
    if share is None:
        return "—"
    sign = "\u00a0%" if (get_language() or "").startswith("fr") else "%"
    return f"{number_format(round(share * 100), force_grouping=True)}{sign}"
