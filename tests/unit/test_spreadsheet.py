"""CSV cells are never formulas to a spreadsheet (laif.accounts.spreadsheet)."""

from __future__ import annotations

import pytest

from laif.accounts.spreadsheet import cell


@pytest.mark.parametrize(("value", "written"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+1+1", "'+1+1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tcmd", "'\tcmd"), ("\rcmd", "'\rcmd"),
    ("admin@acme.lu", "admin@acme.lu"), ("a=b", "a=b"), ("", ""), (None, ""),
    (42, "42"), ("x\x00y", "xy"),
])
def test_cells(value: object, written: str) -> None:
    assert cell(value) == written
