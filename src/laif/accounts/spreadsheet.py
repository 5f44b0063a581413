"""Cells of a CSV file that people open in a spreadsheet (pure, no Django).

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to
Excel and LibreOffice: a name or a label typed by someone else (an actor, an organisation, a
job name) could run one on the reader's machine (CSV injection, OWASP). Such a cell is written
with a leading apostrophe, which the spreadsheet shows as text; NUL characters are dropped."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    text = "" if value is None else str(value).replace("\x00", "")
    return "'" + text if text.startswith(FORMULA_STARTS) else text
