"""Template filters of the AI governance pages."""

from __future__ import annotations

from django import template

from laif.accounts.templatetags.numbers import grouped

register = template.Library()
register.filter("grouped", grouped)
