"""Template filters of the compute pages."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html

from laif.allocations.services import hours
from laif.usage.balance import hours_and_minutes_text, hours_text

register = template.Library()


@register.filter
def gpu_hours(value: int | None) -> str:
    """A number of GPU-hours grouped by thousands in the page's language (12,000 / 12 000)."""
    return "—" if value is None else hours(int(value))


@register.filter
def gpu_minutes_as_hours(value: int | None) -> str:
    """A balance figure (GPU-minutes) as GPU-hours with two decimals, the minutes in a tooltip."""
    if value is None:
        return "—"
    return format_html('<span title="{}">{}</span>', hours_and_minutes_text(int(value)),
                       hours_text(int(value)))


@register.filter
def hours_float(value: float | None) -> str:
    """A forecast's GPU-hours (a float): whole hours from 10 on, one decimal below, in the
    page's language (a forecast is no balance: it is rounded)."""
    if value is None:
        return "—"
    return number_format(value, decimal_pos=0 if value >= 10 else 1, force_grouping=True)
