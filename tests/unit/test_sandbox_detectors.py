"""The data sandbox's column detectors (laif.sandbox.detectors) and their reference lists
(catalogue/sandbox.json): each detector on valid and invalid values, the matricule built by its
rule here, whole columns classified, and no proposal ever holding a value. Pure: no database."""

from __future__ import annotations

import json
import random
import string
from collections.abc import Sequence
from dataclasses import fields
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from stdnum import iban as stdnum_iban
from stdnum import luhn, verhoeff

from laif.catalogue import CATALOGUE_DIR, CatalogueError
from laif.catalogue.sandbox import HINT_KINDS, load_sandbox, parse_sandbox, words
from laif.sandbox.detectors import (
    PRECEDENCE,
    REASONS,
    Kind,
    Proposal,
    classify_column,
    classify_frame,
    is_birth_date,
    is_email,
    is_iban,
    is_lu_matricule,
    is_lu_postcode,
    is_person_name,
    is_phone,
    is_plausible_birth_date,
    is_street_address,
    kinds_in_text,
    looks_like_person_name,
    matricule_check_digits,
    parse_date,
)

TODAY = date(2026, 6, 1)
CATALOGUE = load_sandbox()

# --- reference implementations of the two check digits (independent of stdnum) ---------------

VERHOEFF_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6), (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8), (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2), (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4), (9, 8, 7, 6, 5, 4, 3, 2, 1, 0))
VERHOEFF_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2), (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0), (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5), (7, 0, 4, 6, 9, 1, 3, 2, 5, 8))
VERHOEFF_INV = (0, 4, 3, 2, 1, 5, 6, 7, 8, 9)


def ref_luhn(body: str) -> str:
    """The Luhn digit to append to ``body``: from the right, every other digit doubled
    (starting with the rightmost of the body), digits of products summed, complement to 10."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def ref_verhoeff(body: str) -> str:
    c = 0
    for i, ch in enumerate(reversed(body)):
        c = VERHOEFF_D[c][VERHOEFF_P[(i + 1) % 8][int(ch)]]
    return str(VERHOEFF_INV[c])


def build_matricule(yyyymmdd: str, serial: int) -> str:
    """By the documented rule: date, 3-digit serial, Luhn(first 11), Verhoeff(first 11)."""
    body = f"{yyyymmdd}{serial:03d}"
    return body + ref_luhn(body) + ref_verhoeff(body)


def other_digits(digit: str) -> list[str]:
    return [d for d in string.digits if d != digit]


# --- the catalogue ---------------------------------------------------------------------------

def shipped() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CATALOGUE_DIR / "sandbox.json").read_text("utf-8"))
    return data


def test_the_shipped_catalogue() -> None:
    data = shipped()
    assert (data["catalogue"], data["version"], data["effective_date"]) == (
        "sandbox", 1, "2026-12-06")
    assert CATALOGUE.version == 1
    assert CATALOGUE.effective_date == date(2026, 12, 6)
    assert "not extracted from any register" in CATALOGUE.source
    assert set(data["first_names"]) == {"lb", "fr", "de", "pt", "it", "en"}
    assert 200 <= len(CATALOGUE.first_names) <= 400
    assert {"jean", "joao", "zoe", "jurgen", "giulia", "olivia"} <= CATALOGUE.first_names
    assert {"de", "van", "von", "da"} <= CATALOGUE.name_particles
    assert {"rue", "route", "strooss", "strasse", "street", "allee", "montee"} <= CATALOGUE.street_words
    assert set(CATALOGUE.header_hints) == set(HINT_KINDS)


def test_the_hint_kinds_are_the_detectors_codes() -> None:
    assert set(HINT_KINDS) == {k.value for k in Kind} - {"free_text", "not_personal"}
    assert set(PRECEDENCE) == {Kind(k) for k in HINT_KINDS}


def test_the_storage_codes_are_stable() -> None:
    assert [k.value for k in Kind] == [
        "lu_matricule", "iban", "email", "phone", "person_name", "street_address",
        "postcode_lu", "date_of_birth", "free_text", "not_personal"]


@pytest.mark.parametrize(("path", "value"), [
    (("catalogue",), "entry"),
    (("version",), 0),
    (("effective_date",), "soon"),
    (("source",), ""),
    (("first_names",), {}),
    (("first_names", "xx"), ["Jean"]),
    (("first_names", "fr"), ["Jean", "jean"]),
    (("first_names", "fr"), ["Jean2"]),
    (("first_names", "fr"), []),
    (("street_words",), ["rue", "Rue"]),
    (("street_suffixes",), [" weg"]),
    (("header_hints", "shoe_size"), ["shoe"]),
    (("header_hints", "email"), ["--"]),
    (("header_exclusions", "nothing"), ["x"]),
    (("header_flag_words",), "count"),
])
def test_broken_catalogues_are_refused(path: tuple[str, ...], value: Any) -> None:
    data = shipped()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(CatalogueError):
        parse_sandbox(data)


def test_a_missing_hint_kind_is_refused() -> None:
    data = shipped()
    del data["header_hints"]["phone"]
    with pytest.raises(CatalogueError, match="missing kinds phone"):
        parse_sandbox(data)


def test_an_unreadable_file_names_itself(tmp_path: Path) -> None:
    broken = tmp_path / "sandbox.json"
    broken.write_text("{", "utf-8")
    with pytest.raises(CatalogueError, match=r"sandbox\.json"):
        load_sandbox(broken)


@pytest.mark.parametrize(("heading", "kinds"), [
    ("date_of_birth", {"date_of_birth"}), ("DateOfBirth", {"date_of_birth"}),
    ("Geburtsdatum", {"date_of_birth"}), ("birthdate", {"date_of_birth"}),
    ("place_of_birth", set()), ("birthplace", set()),
    ("e-mail", {"email"}), ("email_address", {"email"}), ("emailVerified", set()),
    ("Nom", {"person_name"}), ("prénom", {"person_name"}), ("last_name", {"person_name"}),
    ("company_name", set()), ("nom_commune", set()),
    ("Adresse", {"street_address"}), ("Straße", {"street_address"}), ("ip_address", set()),
    ("Code postal", {"postcode_lu"}), ("PLZ", {"postcode_lu"}),
    ("Numéro de téléphone", {"phone"}), ("mobile_phone", {"phone"}), ("hotel", set()),
    ("phone_type", set()), ("IBAN", {"iban"}), ("matricule", {"lu_matricule"}),
    ("amount", set()), ("customer_id", set()),
])
def test_heading_hints(heading: str, kinds: set[str]) -> None:
    assert CATALOGUE.hinted_kinds(heading) == kinds


def test_heading_words() -> None:
    assert words("dateOfBirth") == words("date_of_birth") == words("Date of birth") == (
        "date", "of", "birth")
    assert words("Straße") == ("strasse",)


# --- the matricule ---------------------------------------------------------------------------

def test_the_reference_check_digits_agree_with_stdnum() -> None:
    rng = random.Random(11)
    for _ in range(500):
        body = "".join(rng.choice(string.digits) for _ in range(11))
        assert ref_luhn(body) == luhn.calc_check_digit(body)
        assert ref_verhoeff(body) == verhoeff.calc_check_digit(body)
        assert matricule_check_digits(body) == ref_luhn(body) + ref_verhoeff(body)


DATES = ("19850315", "19000101", "19440229", "20000229", "19991231", "20260601", "20111111")


@pytest.mark.parametrize("yyyymmdd", DATES)
def test_matricules_built_by_the_rule_are_valid(yyyymmdd: str) -> None:
    for serial in (0, 7, 123, 999):
        number = build_matricule(yyyymmdd, serial)
        assert is_lu_matricule(number, today=TODAY), number
        spaced = f"{number[:4]} {number[4:8]} {number[8:11]} {number[11:]}"
        dotted = f"{number[:4]}.{number[4:6]}.{number[6:8]}-{number[8:]}"
        assert is_lu_matricule(spaced, today=TODAY)
        assert is_lu_matricule(dotted, today=TODAY)
        assert is_lu_matricule(f"  {number}  ", today=TODAY)


@pytest.mark.parametrize("yyyymmdd", DATES)
def test_changing_either_check_digit_alone_invalidates(yyyymmdd: str) -> None:
    number = build_matricule(yyyymmdd, 456)
    for d in other_digits(number[11]):
        assert not is_lu_matricule(number[:11] + d + number[12], today=TODAY)
    for d in other_digits(number[12]):
        assert not is_lu_matricule(number[:12] + d, today=TODAY)


def test_both_check_digits_cover_the_first_eleven_digits_only() -> None:
    differing = 0
    rng = random.Random(5)
    for _ in range(200):
        born = date(1930, 1, 1) + timedelta(days=rng.randrange(30_000))
        body = born.strftime("%Y%m%d") + f"{rng.randrange(1000):03d}"
        good = body + ref_luhn(body) + ref_verhoeff(body)
        assert is_lu_matricule(good, today=TODAY)
        # the other reading (Verhoeff over the 12 digits including the Luhn digit) is refused
        # whenever it gives another digit
        twelve = body + ref_luhn(body)
        other = twelve + ref_verhoeff(twelve)
        if other != good:
            differing += 1
            assert not is_lu_matricule(other, today=TODAY)
        # a Luhn digit over 12 digits (body + Verhoeff) is not the rule either
        swapped = body + ref_verhoeff(body)
        luhn_last = swapped + ref_luhn(swapped)
        if luhn_last != good:
            assert not is_lu_matricule(luhn_last, today=TODAY)
    assert differing > 150  # the two readings really differ: the test discriminates


def test_published_test_numbers_of_another_validator() -> None:
    # DataDog/dd-sensitive-data-scanner, sds/src/secondary_validation/
    # luxembourg_individual_nin_checksum.rs: generated numbers, Luhn and Verhoeff over 1-11
    numbers = ("1990093012358", "1993102814564", "2001120308757", "1979122003208",
               "1966051507682")
    for number in numbers:
        assert is_lu_matricule(number, today=TODAY)
    # the other reading (Verhoeff over digits 1-12) fits only one of them
    assert [n for n in numbers if verhoeff.calc_check_digit(n[:12]) == n[12]] == ["2001120308757"]


@pytest.mark.parametrize("yyyymmdd", [
    "19850000",  # month and day unknown (RGD 28.11.2013, Art. 1er)
    "19850300",  # day unknown
    "19850015",  # month unknown, day known
    "20260000",  # this year, month unknown: its first possible day is not in the future
])
def test_unknown_month_or_day_written_00_is_accepted(yyyymmdd: str) -> None:
    assert is_lu_matricule(build_matricule(yyyymmdd, 42), today=TODAY)


@pytest.mark.parametrize("yyyymmdd", [
    "19850230",  # 30 February
    "19850431",  # 31 April
    "19851301",  # month 13
    "19850032",  # month unknown, day 32
    "19010229",  # not a leap year
    "20260602",  # tomorrow
    "20270000",  # next year, even with an unknown month and day
    "18491231",  # before 1850
])
def test_impossible_or_future_dates_are_refused(yyyymmdd: str) -> None:
    number = build_matricule(yyyymmdd, 42)
    assert luhn.is_valid(number[:12])
    assert verhoeff.is_valid(number[:11] + number[12])
    assert not is_lu_matricule(number, today=TODAY)


@pytest.mark.parametrize("value", [
    "", "198503151234", "19850315123456", "1985031512a45", "1985/03/15/123/45", "+1985031512345"])
def test_not_thirteen_digits(value: str) -> None:
    assert not is_lu_matricule(value, today=TODAY)


def test_a_matricule_is_not_a_phone_number() -> None:
    number = build_matricule("19850315", 123)
    assert is_lu_matricule(number, today=TODAY)
    assert not is_phone(number)
    assert PRECEDENCE.index(Kind.LU_MATRICULE) < PRECEDENCE.index(Kind.PHONE)


# --- IBAN, e-mail, phone, postcode, dates, names, addresses ----------------------------------

@pytest.mark.parametrize("value", [
    "LU28 0019 4006 4475 0000", "lu280019400644750000", "DE89 3704 0044 0532 0130 00",
    "DE89370400440532013000", "GB82 WEST 1234 5698 7654 32", "FR76 3000 6000 0112 3456 7890 189",
    "BE71 0961 2345 6769", "LU28-0019-4006-4475-0000"])
def test_valid_ibans(value: str) -> None:
    assert is_iban(value)


@pytest.mark.parametrize("value", [
    "LU28 0019 4006 4475 0001",  # one digit changed: mod 97 fails
    "LU29 0019 4006 4475 0000",  # wrong check digits
    "DE89 3704 0044 0532 0130",  # too short for DE
    "XX28 0019 4006 4475 0000",  # no such country
    "LU28 0019 4006 4475", "", "IBAN", "0019 4006 4475 0000 1234"])
def test_invalid_ibans(value: str) -> None:
    assert not is_iban(value)


@pytest.mark.parametrize("value", [
    "jean.dupont@example.lu", "Jean.Dupont+bank@Example.COM", "j_d-1@mail.post.lu",
    "josé@exemple.lu", "a@b.co", "x@xn--bcher-kva.de", " padded@example.lu "])
def test_valid_emails(value: str) -> None:
    assert is_email(value)


@pytest.mark.parametrize("value", [
    "jean.dupont", "jean@", "@example.lu", "jean@example", "jean dupont@example.lu",
    "jean@exa mple.lu", "jean..dupont@example.lu", ".jean@example.lu", "jean.@example.lu",
    "jean@-example.lu", "jean@example.l", "jean@example.123", "a@b@c.lu",
    "x" * 65 + "@example.lu", "jean@" + "a" * 250 + ".lu"])
def test_invalid_emails(value: str) -> None:
    assert not is_email(value)


@pytest.mark.parametrize("value", [
    "+352 621 123 456", "+352621123456", "00352 621 123 456", "(+352) 26 12 34 56",
    "+352 26 12 34 56", "621 123 456", "621123456", "691-234-567", "26 12 34 56", "44 55 66",
    "+33 1 42 68 53 00", "+49 30 1234567", "+44 20 7946 0958", "+351 912 345 678"])
def test_valid_phones(value: str) -> None:
    assert is_phone(value)


@pytest.mark.parametrize("value", [
    "+352 12",  # too short
    "+1 012 345 6789",  # impossible US area code
    "+33 0 42 68 53 00",  # French numbers do not start with 0 after +33
    "+999 123 456 789",  # no such country code
    "123",
    "452300", "26123456",  # bare fixed-line digits: amounts look the same
    "23 456 789",  # thousands grouping
    "23.03.1985", "1985-03-23", "12/04/70",  # dates
    "1234.56", "phone", "+352 621 ABC 456", ""])
def test_invalid_phones(value: str) -> None:
    assert not is_phone(value)


def test_bare_fixed_line_digits_count_under_a_phone_heading() -> None:
    assert is_phone("26123456", bare_fixed_line=True)
    assert is_phone("452300", bare_fixed_line=True)
    assert not is_phone("4512", bare_fixed_line=True)  # fewer than 6 digits


@pytest.mark.parametrize(("value", "plain", "valid"), [
    ("L-1234", False, True), ("L 1234", False, True), ("L1234", False, True),
    ("l-9999", False, True), (" L-1009 ", False, True),
    ("1234", False, False), ("1234", True, True), ("0123", True, False),
    ("L-0123", False, False), ("L-12345", False, False), ("D-1234", False, False),
    ("F-57000", False, False), ("B-1000", False, False), ("L--1234", False, False),
    ("L-1234 Luxembourg", False, False), ("", True, False)])
def test_postcodes(value: str, plain: bool, valid: bool) -> None:
    assert is_lu_postcode(value, plain_digits=plain) is valid


@pytest.mark.parametrize(("value", "parsed"), [
    ("1985-03-15", date(1985, 3, 15)), ("15/03/1985", date(1985, 3, 15)),
    ("15.03.1985", date(1985, 3, 15)), ("5.3.1985", date(1985, 3, 5)),
    ("15-03-1985", date(1985, 3, 15)), ("1985-02-30", None), ("31.04.1985", None),
    ("29/02/1900", None), ("29/02/2000", date(2000, 2, 29)), ("15/03/85", None),
    ("15.03/1985", None), ("1985/03/15", None), ("yesterday", None)])
def test_parse_date(value: str, parsed: date | None) -> None:
    assert parse_date(value) == parsed


@pytest.mark.parametrize(("value", "birth", "plausible"), [
    ("1985-03-15", True, True), ("1900-01-01", True, True), ("1899-12-31", False, False),
    ("2026-06-01", True, False), ("2026-06-02", False, False), ("2012-06-01", True, True),
    ("2012-06-02", True, False), ("30.02.1985", False, False), ("", False, False)])
def test_birth_dates(value: str, birth: bool, plausible: bool) -> None:
    assert is_birth_date(value, today=TODAY) is birth
    assert is_plausible_birth_date(value, today=TODAY) is plausible


@pytest.mark.parametrize(("value", "shape", "known"), [
    ("Jean Dupont", True, True), ("DUPONT, Jean", True, True), ("DUPONT Jean", True, True),
    ("Maria da Silva dos Santos", True, True), ("Jean-Pierre O'Brien", True, True), ("Siobhan O'Brien-Kowalski", True, False),
    ("Anna von der Heide", True, True), ("Marie d\u2019Ancona", True, True),
    ("J. Weber", True, False), ("João Silva", True, True), ("Zoe Muller", True, True),
    ("Dupont", True, False), ("Luxembourg", True, False), ("Esch-sur-Alzette", False, False),
    ("jean dupont", False, False), ("Jean Dupont 2", False, False), ("jean@example.lu", False, False),
    ("Anna Maria Luisa Sofia Rossi", False, False), ("Premium account", False, False),
    ("Dupont, Jean, Paul", False, False), ("Dupont,", False, False), (", Jean", False, False),
    ("da Silva, Ana", True, True),
    ("", False, False)])
def test_person_names(value: str, shape: bool, known: bool) -> None:
    assert looks_like_person_name(value) is shape
    assert is_person_name(value) is known


@pytest.mark.parametrize(("value", "valid"), [
    ("12 rue de la Gare", True), ("12, rue de la Gare, L-1234 Luxembourg", True),
    ("rue de la Gare 12", True), ("45 route d'Arlon", True), ("Hauptstrooss 12", True),
    ("3a Bahnhofstraße", True), ("Kierchewee 7, L-9999 Wemperhardt", True),
    ("12-14 Avenue de la Liberté", True), ("10 Downing Street", True), ("221B Baker Street", True),
    ("Rua Augusta 24", True), ("Grand-Rue 3", True),
    ("rue de la Gare", False),  # no house number
    ("rue de la Gare, L-1234 Luxembourg", False),  # the postcode is no house number
    ("12 apples", False), ("Luxembourg 2", False), ("jean@rue.lu 12", False),
    ("12 " + "rue " * 40, False)])
def test_street_addresses(value: str, valid: bool) -> None:
    assert is_street_address(value) is valid


def test_kinds_in_text() -> None:
    text = ("Refund to IBAN LU28 0019 4006 4475 0000 please; write to jean.dupont@example.lu "
            "or call +352 621 123 456 (office at L-1234 Luxembourg). Matricule "
            f"{build_matricule('19850315', 123)}.")
    assert kinds_in_text(text, today=TODAY) == {
        Kind.IBAN, Kind.EMAIL, Kind.PHONE, Kind.POSTCODE_LU, Kind.LU_MATRICULE}
    harmless = ("Order 4512 shipped on 2024-03-15 for 1 250,00 EUR (23 456 789 units, "
                "ref AB12-3456, 15/03/2024, v1.2.3, 98.6%).")
    assert kinds_in_text(harmless, today=TODAY) == frozenset()
    invalid = "IBAN LU28 0019 4006 4475 0001, mail jean@example, tel +352 12, 1985031512345"
    assert kinds_in_text(invalid, today=TODAY) == frozenset()


# --- whole columns -----------------------------------------------------------------------------

FIRST = ("Jean", "Marie", "Luc", "Anne", "João", "Ana", "Giulia", "Peter", "Sophie", "Tom",
         "Maria", "Paul", "Emma", "Carlos", "Sarah", "Michel")
LAST = ("Dupont", "Schmit", "Weber", "Wagner", "Hoffmann", "da Silva", "dos Santos", "Rodrigues",
        "Klein", "Schroeder", "Rossi", "Muller", "van den Berg", "Ferreira", "Thill", "Kremer")
STREETS = ("rue de la Gare", "route d'Arlon", "avenue de la Liberté", "boulevard Royal",
           "Grand-Rue", "rue des Bains", "allée Scheffer", "montée de la Pétrusse",
           "chemin Rouge", "impasse des Lilas", "place de Paris")
COMPOUND_STREETS = ("Hauptstrooss", "Kierchewee", "Bahnhofstrasse", "Schlassgaass")
TOWNS = ("Luxembourg", "Esch-sur-Alzette", "Differdange", "Dudelange", "Ettelbruck", "Diekirch")


def matricule_column(rng: random.Random, n: int = 300) -> list[str]:
    out = []
    for _ in range(n):
        born = date(1935, 1, 1) + timedelta(days=rng.randrange(32_000))
        number = build_matricule(born.strftime("%Y%m%d"), rng.randrange(1000))
        out.append(number if rng.random() < 0.7 else f"{number[:4]} {number[4:8]} {number[8:]}")
    return out


def iban_column(rng: random.Random, n: int = 300) -> list[str]:
    out = []
    for _ in range(n):
        if rng.random() < 0.7:
            bban = f"{rng.randrange(1000):03d}" + "".join(rng.choices(string.digits, k=13))
            number = "LU00" + bban
        else:
            number = "DE00" + "".join(rng.choices(string.digits, k=18))
        number = number[:2] + stdnum_iban.calc_check_digits(number) + number[4:]
        out.append(stdnum_iban.format(number) if rng.random() < 0.5 else number.lower())
    return out


def email_column(rng: random.Random, n: int = 300) -> list[str]:
    domains = ("example.lu", "post.lu", "mail.example.com", "bank.example.de")
    return [f"{fold_ascii(rng.choice(FIRST))}.{fold_ascii(rng.choice(LAST))}{rng.randrange(100)}"
            f"@{rng.choice(domains)}" for _ in range(n)]


def fold_ascii(text: str) -> str:
    return text.lower().replace(" ", "").replace("ã", "a").replace("é", "e")


def phone_column(rng: random.Random, n: int = 300) -> list[str]:
    def one() -> str:
        a, b = rng.randrange(1000), rng.randrange(1000)
        return rng.choice((
            f"+352 621 {a:03d} {b:03d}", f"691 {a:03d} {b:03d}", f"00352 661{a:03d}{b:03d}",
            f"+352 26 {a % 100:02d} {b % 100:02d} {a // 10:02d}", f"+49 30 {a:03d}{b:04d}",
            f"+33 6 12 {a % 100:02d} {b % 100:02d} {a // 10:02d}"))
    return [one() for _ in range(n)]


def name_column(rng: random.Random, n: int = 300) -> list[str]:
    out = []
    for _ in range(n):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        out.append(rng.choice((f"{first} {last}", f"{last.upper()} {first}",
                               f"{last[0].upper()}{last[1:]}, {first}")))
    return out


def address_column(rng: random.Random, n: int = 300) -> list[str]:
    out = []
    for _ in range(n):
        number = rng.randrange(1, 250)
        street, compound = rng.choice(STREETS), rng.choice(COMPOUND_STREETS)
        postcode, town = rng.randrange(1000, 10000), rng.choice(TOWNS)
        out.append(rng.choice((
            f"{number} {street}", f"{number}, {street}, L-{postcode} {town}",
            f"{compound} {number}", f"{compound} {number}a, L-{postcode} {town}")))
    return out


def birth_column(rng: random.Random, n: int = 300, *, start: date = date(1940, 1, 1),
                 days: int = 22_000) -> list[str]:
    out = []
    for _ in range(n):
        day = start + timedelta(days=rng.randrange(days))
        out.append(rng.choice((day.isoformat(), day.strftime("%d/%m/%Y"),
                               day.strftime("%d.%m.%Y"))))
    return out


def free_text_column(n: int = 300) -> tuple[list[str], int, int]:
    templates = (
        "Customer called about the mortgage renewal, will come back next week.",
        "Order 4512 shipped on 2024-03-15 for 1 250,00 EUR.",
        "Asked for a new card; branch in Esch, 3 items pending.",
        "Meeting moved to 15/03/2024 at 10.30, room 2.",
    )
    out, ibans, emails = [], 0, 0
    for i in range(n):
        text = templates[i % len(templates)]
        if i % 10 == 0:
            text += " Please refund to LU28 0019 4006 4475 0000 before Friday."
            ibans += 1
        if i % 7 == 0:
            text = f"Client wrote from anne.klein{i}@example.lu: " + text
            emails += 1
        out.append(text)
    return out, ibans, emails


def series(values: Sequence[str | None]) -> pl.Series:
    return pl.Series(list(values), dtype=pl.Utf8)


def classify(name: str, values: Sequence[str | None]) -> Proposal:
    return classify_column(name, series(values), today=TODAY)


@pytest.mark.parametrize(("heading", "make", "kind", "reason"), [
    ("ref", matricule_column, Kind.LU_MATRICULE, "validated"),
    ("matricule", matricule_column, Kind.LU_MATRICULE, "header_and_validated"),
    ("col_b", iban_column, Kind.IBAN, "validated"),
    ("col_c", email_column, Kind.EMAIL, "validated"),
    ("courriel", email_column, Kind.EMAIL, "header_and_validated"),
    ("col_d", phone_column, Kind.PHONE, "validated"),
    ("client", name_column, Kind.PERSON_NAME, "validated"),
    ("col_f", address_column, Kind.STREET_ADDRESS, "validated"),
    ("Adresse", address_column, Kind.STREET_ADDRESS, "header_and_validated"),
    ("col_g", birth_column, Kind.DATE_OF_BIRTH, "validated"),
    ("date_naissance", birth_column, Kind.DATE_OF_BIRTH, "header_and_validated"),
])
def test_realistic_columns(heading: str, make: Any, kind: Kind, reason: str) -> None:
    values = make(random.Random(heading))
    proposal = classify(heading, [*values, None, "", "  "])
    assert (proposal.kind, proposal.reason) == (kind, reason)
    assert proposal.sampled == 300
    assert proposal.matched == 300
    assert proposal.confidence == 1.0
    assert proposal.found_in_text == {}


def test_a_column_with_some_errors_keeps_its_kind_with_a_lower_confidence() -> None:
    rng = random.Random(3)
    values = email_column(rng, 255) + ["not an address"] * 45
    proposal = classify("contact_1", values)
    assert (proposal.kind, proposal.matched, proposal.confidence) == (Kind.EMAIL, 255, 0.85)
    proposal = classify("email", values)  # the heading adds its bonus
    assert (proposal.kind, proposal.reason, proposal.confidence) == (
        Kind.EMAIL, "header_and_validated", 0.95)


def test_checksummed_kinds_need_only_half_the_values() -> None:
    rng = random.Random(4)
    values = matricule_column(rng, 160) + [f"{rng.randrange(10**12, 10**13)}" for _ in range(140)]
    proposal = classify("ref", values)
    assert proposal.kind is Kind.LU_MATRICULE
    assert 0.5 <= proposal.confidence < 0.8


def test_postcodes_columns() -> None:
    rng = random.Random(6)
    prefixed = [rng.choice(("L-{}", "L {}", "L{}")).format(rng.randrange(1000, 10000))
                for _ in range(300)]
    assert classify("col_h", prefixed).kind is Kind.POSTCODE_LU
    plain = [str(rng.randrange(1000, 10000)) for _ in range(300)]
    proposal = classify("code_postal", plain)
    assert (proposal.kind, proposal.reason) == (Kind.POSTCODE_LU, "header_and_validated")
    assert classify("quantity", plain).kind is Kind.NOT_PERSONAL
    assert classify("col_i", [f"F-{rng.randrange(10000, 99999)}" for _ in range(300)]).kind is (
        Kind.NOT_PERSONAL)


def test_surnames_are_names_only_under_a_name_heading() -> None:
    values = [random.Random(i).choice(LAST).title() for i in range(300)]
    proposal = classify("Nachname", values)
    assert (proposal.kind, proposal.reason) == (Kind.PERSON_NAME, "header_and_validated")
    assert classify("col_j", values).kind is Kind.NOT_PERSONAL
    assert classify("town", [random.Random(i).choice(TOWNS) for i in range(300)]).kind is (
        Kind.NOT_PERSONAL)


def test_recent_dates_are_not_dates_of_birth_without_a_heading() -> None:
    rng = random.Random(7)
    recent = birth_column(rng, start=date(2023, 1, 1), days=1200)
    proposal = classify("booking_date", recent)
    assert (proposal.kind, proposal.reason) == (Kind.NOT_PERSONAL, "no_personal_data")
    # under a birth heading, any real date up to today counts (a child's birth date)
    assert classify("birth_date", recent).kind is Kind.DATE_OF_BIRTH
    # impossible dates do not validate even under the heading
    proposal = classify("dob", ["1985-02-30", "31.04.1985", "2099-01-01"] * 100)
    assert (proposal.kind, proposal.reason, proposal.matched) == (
        Kind.DATE_OF_BIRTH, "header_only", 0)


def test_non_personal_columns() -> None:
    rng = random.Random(8)
    amounts = [f"{rng.uniform(0, 100_000):.2f}" for _ in range(300)]
    integers = [str(rng.randrange(100_000, 99_999_999)) for _ in range(300)]
    grouped = [f"{rng.randrange(10, 99)} {rng.randrange(100, 999)} {rng.randrange(100, 999)}"
               for _ in range(300)]
    categories = [rng.choice(("Gold", "Silver", "Bronze", "Premium account", "n/a"))
                  for _ in range(300)]
    for heading, values in (("amount", amounts), ("balance_cents", integers),
                            ("units", grouped), ("segment", categories)):
        proposal = classify(heading, values)
        assert (proposal.kind, proposal.reason) == (Kind.NOT_PERSONAL, "no_personal_data"), heading
        assert proposal.confidence == 1.0
        assert proposal.matched == proposal.sampled == 300
    numeric = classify_column("amount", pl.Series([1.5, 2.25, None, 1e6]), today=TODAY)
    assert (numeric.kind, numeric.sampled) == (Kind.NOT_PERSONAL, 3)


def test_free_text_with_an_iban_and_an_email_buried_in_sentences() -> None:
    values, ibans, emails = free_text_column()
    proposal = classify("notes", values)
    assert (proposal.kind, proposal.reason) == (Kind.FREE_TEXT, "found_in_text")
    assert proposal.found_in_text == {"email": emails, "iban": ibans}
    with_any = sum(1 for i in range(300) if i % 10 == 0 or i % 7 == 0)
    assert (proposal.sampled, proposal.matched) == (300, with_any)
    assert proposal.confidence == round(with_any / 300, 4)


def test_a_mixed_contact_column_is_free_text() -> None:
    rng = random.Random(9)
    values = email_column(rng, 150) + phone_column(rng, 150)
    proposal = classify("contact", values)
    assert proposal.kind is Kind.FREE_TEXT
    assert proposal.found_in_text == {"email": 150, "phone": 150}


def test_precedence_matricule_before_phone_and_heading() -> None:
    values = matricule_column(random.Random(10))
    proposal = classify("telephone", values)  # the heading says phone, the check digits win
    assert (proposal.kind, proposal.reason) == (Kind.LU_MATRICULE, "validated")
    assert PRECEDENCE[:4] == (Kind.LU_MATRICULE, Kind.IBAN, Kind.EMAIL, Kind.DATE_OF_BIRTH)


def test_dates_are_not_phone_numbers() -> None:
    values = [f"{d:02d}.{m:02d}.{y}" for d, m, y in zip(range(1, 29), range(1, 13), range(2020, 2026), strict=False)]
    assert classify("col_k", values * 20).kind is Kind.NOT_PERSONAL


def test_heading_only_and_empty_columns() -> None:
    proposal = classify("email", ["n/a", "unknown", "-"] * 10)
    assert (proposal.kind, proposal.reason, proposal.matched) == (Kind.EMAIL, "header_only", 0)
    assert proposal.confidence == 0.1
    proposal = classify("phone", [None, "", "   "])
    assert (proposal.kind, proposal.reason, proposal.sampled) == (Kind.NOT_PERSONAL, "empty", 0)
    assert proposal.confidence == 0.0


def test_classify_frame_samples_deterministically() -> None:
    rng = random.Random(12)
    frame = pl.DataFrame({
        "email": email_column(rng, 5000),
        "amount": [f"{rng.uniform(0, 1000):.2f}" for _ in range(5000)],
    })
    first = classify_frame(frame, today=TODAY, sample_rows=500)
    assert [p.column for p in first] == ["email", "amount"]
    assert [p.kind for p in first] == [Kind.EMAIL, Kind.NOT_PERSONAL]
    assert all(p.sampled == 500 for p in first)
    assert classify_frame(frame, today=TODAY, sample_rows=500) == first
    assert all(p.sampled == 5000 for p in classify_frame(frame, today=TODAY, sample_rows=10_000))
    with pytest.raises(ValueError, match="sample_rows"):
        classify_frame(frame, today=TODAY, sample_rows=0)


def test_no_proposal_holds_a_value() -> None:
    rng = random.Random(13)
    texts, _, _ = free_text_column()
    columns: dict[str, list[str]] = {
        "ref": matricule_column(rng), "iban": iban_column(rng), "mail": email_column(rng),
        "tel": phone_column(rng), "holder": name_column(rng), "street": address_column(rng),
        "zip": [f"L-{rng.randrange(1000, 10000)}" for _ in range(300)],
        "born": birth_column(rng), "remarks": texts,
        "contact": email_column(rng, 150) + phone_column(rng, 150),
        "segment": [rng.choice(("Gold", "Silver", "Bronze")) for _ in range(300)],
        "email": ["n/a"] * 300,
    }
    frame = pl.DataFrame(columns)
    proposals = classify_frame(frame, today=TODAY)
    assert len(proposals) == len(columns)
    kinds = {p.column: p.kind for p in proposals}
    assert kinds == {
        "ref": Kind.LU_MATRICULE, "iban": Kind.IBAN, "mail": Kind.EMAIL, "tel": Kind.PHONE,
        "holder": Kind.PERSON_NAME, "street": Kind.STREET_ADDRESS, "zip": Kind.POSTCODE_LU,
        "born": Kind.DATE_OF_BIRTH, "remarks": Kind.FREE_TEXT, "contact": Kind.FREE_TEXT,
        "segment": Kind.NOT_PERSONAL, "email": Kind.EMAIL}
    values = {v for vs in columns.values() for v in vs}
    # the values and their pieces: an IBAN's or a matricule's digits, an e-mail's local part
    pieces = {p for v in values for p in (v, v.replace(" ", ""), v.split("@")[0]) if len(p) >= 4}
    assert not pieces & set(columns)  # so a heading in a proposal is never mistaken for a value
    planted = Proposal("mail", Kind.EMAIL, 1.0, 1, 1, columns["mail"][0])
    assert any(p in repr(planted) for p in pieces)  # the check below would see a leak
    for proposal in proposals:
        assert proposal.reason in REASONS
        assert 0.0 <= proposal.confidence <= 1.0
        assert set(proposal.found_in_text) <= {k.value for k in Kind}
        for f in fields(proposal):
            assert isinstance(getattr(proposal, f.name), (str, int, float, dict)), f.name
        shown = repr(proposal)
        leaked = sorted(p for p in pieces if p in shown)
        assert leaked == [], (proposal.column, leaked)
