"""Template filters of the AI governance pages."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def grouped(value: int | None) -> str:
    """A count grouped by thousands in the page's language (12,000 / 12 000)."""
    return "—" if value is None else number_format(int(value), force_grouping=True)
