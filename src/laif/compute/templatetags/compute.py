"""Template filters of the compute pages."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

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


@register.filter
def seconds_as_hours(value: int | None) -> str:
    """GPU-seconds as GPU-hours with two decimals (rounded half up), in the page's language."""
    if value is None:
        return "—"
    shown = (Decimal(int(value)) / 3600).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return number_format(shown, decimal_pos=2, force_grouping=True)


@register.filter
def duration(seconds: int | None) -> str:
    """A run time as people read it: ``2 h 05 min``, ``4 min 10 s``, ``12 s``."""
    if seconds is None:
        return "—"
    hours_part, rest = divmod(max(int(seconds), 0), 3600)
    minutes, secs = divmod(rest, 60)
    if hours_part:
        return _("%(h)s h %(m)02d min") % {"h": number_format(hours_part, force_grouping=True),
                                          "m": minutes}
    if minutes:
        return _("%(m)d min %(s)02d s") % {"m": minutes, "s": secs}
    return _("%(s)d s") % {"s": secs}
