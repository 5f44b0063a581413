"""Field types shared by every API schema: bounded integers, NUL-free bounded strings.

PostgreSQL rejects NUL bytes in text and integers past 2^31-1 with a 500; every schema uses these
types so such input is refused with a 422 instead.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

INT32_MAX = 2_147_483_647


def no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


NoNul = AfterValidator(no_nul)
Id = Annotated[int, Field(ge=1, le=INT32_MAX)]
Count = Annotated[int, Field(ge=0, le=10_000_000)]
# Organisation.annual_turnover_eur and balance_sheet_eur are numeric(15, 2): below 10^13.
Euros = Annotated[int, Field(ge=0, le=10**13 - 1)]
Days = Annotated[int, Field(ge=1, le=730)]
Name = Annotated[str, Field(min_length=1, max_length=200), NoNul]
ShortText = Annotated[str, Field(max_length=200), NoNul]
LongText = Annotated[str, Field(max_length=5000), NoNul]
KeyText = Annotated[str, Field(min_length=1, max_length=16_384), NoNul]
Secret = Annotated[str, Field(min_length=1, max_length=256), NoNul]
Email = Annotated[
    str, Field(min_length=3, max_length=254, pattern=r"^[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+$")
]
CountryCode = Annotated[str, Field(pattern=r"^[A-Za-z]{2}$")]
