"""The parser's refusals and row problems in the reader's language. The parser (pure) speaks
English with stable codes; the figures its English carries are taken back from it."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from laif.sandbox import ingest


def _numbers(text: str) -> list[str]:
    return re.findall(r"\d+", text)


def ingest_message(exc: ingest.IngestError) -> str:
    numbers = _numbers(exc.message)
    first = numbers[0] if numbers else "?"
    code = exc.code
    if code == "malformed_rows":
        more = _(" (reading stopped there: there may be more)") if exc.stopped_early else ""
        return _("The file is refused whole: %(n)s malformed rows, listed with their line "
                 "numbers. Nothing was imported; fix them and upload it again.") % {
                     "n": exc.problem_count} + more
    texts = {
        "too_large": _("The file is larger than this site accepts."),
        "too_many_rows": _("The file has more rows than this site accepts."),
        "too_many_columns": _("The file has more columns than this site accepts."),
        "empty": _("The file is empty."),
        "unreadable": _("The file cannot be read: upload a CSV or a Parquet file."),
        "bad_encoding": _("Unknown text encoding."),
        "bad_delimiter": _("The delimiter is a comma, a semicolon, a tab or a vertical bar."),
        "header_missing": _("The file has no header row naming its columns."),
        "header_unreadable": _("The header row cannot be read (it must be the first line, on "
                               "one line)."),
        "header_empty_name": _("Column %(n)s of the header row has no name.") % {"n": first},
        "header_duplicate_name": _("Columns %(list)s of the header row have the same name.") % {
            "list": ", ".join(numbers)},
        "header_name_too_long": _("The name of column %(n)s is longer than 200 characters.") % {
            "n": first},
        "header_nul": _("The header row holds a NUL character."),
        "unsupported_type": _("A column's type is not supported (nested, binary or duration "
                              "columns are refused)."),
    }
    return texts.get(code, exc.message)


def problem_text(problem: ingest.RowProblem) -> str:
    code, _sep, text = problem.reason.partition(": ")
    numbers = _numbers(text)
    if code in ("too_many_fields", "too_few_fields") and len(numbers) >= 2:
        found = _("expected %(expected)s fields, found %(found)s") % {
            "expected": numbers[0], "found": numbers[1]}
        return found + (_(" (a quoted field may not be closed)") if "quoted" in text else "")
    texts = {
        "invalid_encoding": _("bytes that are not valid in the file's encoding"),
        "nul_character": _("a NUL character"),
        "field_too_large": _("a field larger than this site accepts"),
        "row_too_large": _("a row larger than this site accepts"),
    }
    return texts.get(code, text or code)
