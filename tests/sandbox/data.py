"""Sensitive test tables built by the rules (valid check digits, real dates), and a scan for
their raw values in any normalised form."""

from __future__ import annotations

import random
from datetime import date, timedelta

import polars as pl
from stdnum import iban as stdnum_iban
from stdnum import luhn, verhoeff

FIRST = ["Marie", "Luc", "Anne", "Jean", "Sophie", "Paul", "Laura", "Marc", "Julie", "Tom"]
LAST = ["Weber", "Schmit", "Muller", "Hoffmann", "Wagner", "Klein", "Reuter", "Kremer"]
STREETS = ["rue de la Gare", "avenue de la Liberté", "route d'Arlon", "boulevard Royal"]


def matricule(born: date, serial: int) -> str:
    """A Luxembourg matricule by the rule: YYYYMMDD, a 3-digit serial, the Luhn digit then the
    Verhoeff digit, both over the first 11 digits."""
    head = f"{born:%Y%m%d}{serial:03d}"
    return head + luhn.calc_check_digit(head) + verhoeff.calc_check_digit(head)


def lu_iban(n: int) -> str:
    bban = f"001{n:013d}"  # bank code 001, account number
    check = stdnum_iban.calc_check_digits(f"LU00{bban}")
    return f"LU{check}{bban}"


def customers(rows: int, *, seed: int = 7) -> pl.DataFrame:
    """A bank's customers: identifying columns unique per row, plus plain ones."""
    rnd = random.Random(seed)
    born = [date(1950, 1, 1) + timedelta(days=rnd.randrange(0, 18_000)) for _ in range(rows)]
    return pl.DataFrame({
        "customer_id": [f"C{i:07d}" for i in range(rows)],
        "matricule": [matricule(b, i % 1000) for i, b in enumerate(born)],
        "iban": [lu_iban(i) for i in range(rows)],
        "email": [f"{FIRST[i % 10].lower()}.{LAST[i % 8].lower()}{i}@example.lu"
                  for i in range(rows)],
        "phone": [f"+352 621 {100_000 + i:06d}"[:16] for i in range(rows)],
        "birth_date": [b.isoformat() for b in born],
        "postcode": [f"L-{rnd.randrange(1000, 9999)}" for _ in range(rows)],
        "income_eur": [str(rnd.randrange(20_000, 150_000)) for _ in range(rows)],
        "segment": [rnd.choice(["retail", "premium", "private"]) for _ in range(rows)],
    })


def csv_bytes(frame: pl.DataFrame, *, separator: str = ",") -> bytes:
    return frame.write_csv(separator=separator).encode()


def raw_forms(value: str) -> set[bytes]:
    """The forms a raw value may take once normalised: as is, in both cases, without spaces,
    without separators."""
    forms = {value, value.lower(), value.upper(), value.replace(" ", ""),
             "".join(ch for ch in value if ch.isalnum())}
    return {f.encode() for f in forms if len(f) >= 6}
