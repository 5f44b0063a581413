"""Template filters of the compute pages."""

from __future__ import annotations

from django import template

from laif.compute.services import hours

register = template.Library()


@register.filter
def gpu_hours(value: int | None) -> str:
    """A number of GPU-hours grouped by thousands in the page's language (12,000 / 12 000)."""
    return "—" if value is None else hours(int(value))
