"""The data sandbox's column detectors: per column of an uploaded table, which kind of personal
data it holds, proposed for a person to review. Each detector VALIDATES a value (check digits, a
real calendar date, a numbering plan), it does not only match a pattern. Pure Python (no Django).

Values are strings (polars ``Utf8``, nulls allowed); surrounding spaces are ignored and empty
values are not counted. A ``Proposal`` names the column, the kind, how many values were looked at
and how many validated, and a stable reason code; it never holds a value (it is stored and shown).

The rules
---------

**Luxembourg national identification number** (``lu_matricule``, the 13-digit "matricule"):
``YYYYMMDD`` (birth date), ``SSS`` (a serial unique per birth date), then two check digits:

- digit 12 is the **Luhn** (mod 10) check digit of digits 1-11, and
- digit 13 is the **Verhoeff** check digit of the same digits 1-11 (not of 1-12: the Luhn digit
  is not part of the Verhoeff input).

Sources: the structure and the two algorithms are fixed by the *Règlement grand-ducal du 28
novembre 2013 fixant les modalités d'application de la loi du 19 juin 2013 relative à
l'identification des personnes physiques*, Art. 1er
(https://legilux.public.lu/eli/etat/leg/rgd/2013/11/28/n1/jo: "e) un numéro de contrôle
calculé suivant l'algorithme dit «de Luhn»; f) un numéro de contrôle calculé suivant
l'algorithme dit «de Verhoeff»"), which does not say which digits each check covers. That both
are computed over the first 11 digits comes from the OECD sheet *Luxembourg - Information on Tax
Identification Numbers*
(https://www.oecd.org/tax/automatic-exchange/crs-implementation-and-assistance/tax-identification-numbers/Luxembourg-TIN.pdf),
as restated by https://github.com/reducktion/socrates/issues/76 (Luhn "and the first 11 digits
of the ID" for the 12th digit, Verhoeff "and the first 11 digits of the ID" for the 13th) and
by the Luxembourg TIN guide of lookuptax.com
(https://lookuptax.com/docs/zh-Hans/tax-identification-number/luxembourg-tax-id-guide: the 13th
digit "again calculated based on the initial 11 digits"). The open-source validator of
DataDog/dd-sensitive-data-scanner
(``sds/src/secondary_validation/luxembourg_individual_nin_checksum.rs``: "a first check on
YYYYMMDDXXX using the Luhn10 algorithm, and finally a check on YYYYMMDDXXX using the Verhoeff
algorithm") does the same; its five published test numbers satisfy this reading and four of
them fail the "Verhoeff over 12 digits" one (see the tests). The check digits are computed with
python-stdnum's ``stdnum.luhn`` and ``stdnum.verhoeff``.

The date: the same Art. 1er says that an unknown birth month is written ``00`` and an unknown
birth day ``00`` (and an unknown year as the year of registration), so **a 00 month and/or a 00
day are accepted**; any other month must be 01-12 and any other day must exist in that month
(19850230 is refused). The date (its first possible day when a part is 00) must not be after
``today`` and the year must be 1850 or later (a generous bound: a table may hold the
numbers of people long dead).
Spaces, dots and dashes between the digits are ignored.

**IBAN** (``iban``): ISO 13616 mod-97 check, the country's length and BBAN structure and, where
stdnum has one, the country's own account check, through ``stdnum.iban``; spaces, dots and
dashes ignored, any letter case.

**E-mail** (``email``): ``local@domain.tld`` without whitespace; the local part is dot-separated
atoms of letters, digits and ``!#$%&'*+/=?^`{|}~_-``, at most 64 characters; the domain is
labels of letters, digits and inner hyphens, the last one alphabetic (2-63) or punycode
(``xn--``); at most 254 characters in all (RFC 5321 limits; quoted local parts and IP-address
domains are not accepted).

**Phone** (``phone``), with the ``phonenumbers`` library (Google's libphonenumber metadata),
region ``LU`` for numbers without a country code: only digits, spaces and ``+ ( ) . - /``;
6 to 15 digits; ``is_possible_number`` then ``is_valid_number``. An international number (``+``
or ``00``) counts when valid. A national one (no prefix) counts when it is a valid Luxembourg
**mobile** number (``621 123 456``, ``621123456``); a fixed-line number only when written in at
least three groups with a two-digit group after the first (``26 12 34 56``, ``44 55 66``), or in
any valid form when the column heading says phone. Why: Luxembourg's fixed-line plan accepts
4-11 digit numbers, so amounts (``452300``), thousands (``23 456 789``) and dates (``23.03.1985``)
would otherwise pass; a value that reads as a calendar date is never a phone number.

**Person name** (``person_name``), a heuristic (no library covers it): 1-4 capitalised words
(``Jean``, ``DUPONT``, ``Jean-Pierre``, ``O'Brien``, ``d'Ancona``, an initial ``J.``), with up
to 3 particles from the catalogue (``de``, ``van``, ``von``, ``da``), one comma between the
surname and the given names allowed (``Dupont, Jean``, ``da Silva, Ana``), no digits, at most
80 characters. Without a name heading, a column is only proposed when, besides the shape, at
least half of its values contain a common first name of the catalogue
(``laif.catalogue.sandbox``): a column of towns or products has the shape but not the names.

**Street address** (``street_address``): a house number (``12``, ``12a``, ``12bis``, ``12-14``;
not the digits of ``L-1234``) and a street word of the catalogue (``rue``, ``route``, ``avenue``,
``boulevard``, ``allée``, ``place``, ``Strooss``, ``Wee``, ``Strasse``, ``street``, ``road``...),
or a word ending in a street suffix (``Hauptstrooss``, ``Bahnhofstrasse``), in either order,
optionally followed by a postcode and a town; at most 120 characters.

**Luxembourg postcode** (``postcode_lu``): ``L-NNNN``, ``L NNNN`` or ``LNNNN`` (any case of L),
``NNNN`` from 1000 to 9999; a plain ``NNNN`` only when the column heading says postcode.

**Date of birth** (``date_of_birth``): ``YYYY-MM-DD``, ``DD/MM/YYYY``, ``DD.MM.YYYY`` or
``DD-MM-YYYY``, a real calendar date from 1900-01-01 to ``today``. A column is proposed with a
birth heading when enough values are such dates; without one only when they are plausible birth
dates: at least 14 years before ``today`` (so a column of recent transaction dates is not
called a date of birth).

**Free text** (``free_text``): when no single kind covers the column, every value with an ``@``
or a digit is scanned for validated e-mails, IBANs, matricules, phone numbers (international, or
national in the grouped or mobile forms above) and ``L-NNNN`` postcodes, in that order, each
found span masked before the next kind is looked for; the proposal counts, per kind, the values
where it was found, never the values. This also covers mixed columns (a "contact" column of
e-mails and phone numbers).

Thresholds and precedence
-------------------------

A kind is proposed when the share of the non-empty sampled values that validate reaches
``THRESHOLD`` (0.8); for the checksummed kinds (matricule, IBAN: a random value passes by
chance about once in a hundred or less) ``CHECKSUM_THRESHOLD`` (0.5); when the column heading
announces the kind (catalogue ``header_hints``), ``HEADER_THRESHOLD`` (0.5) at most, and the
confidence is the share plus ``HEADER_BONUS`` (0.1), capped at 1. The kinds are tried in the
order of ``PRECEDENCE`` and the first one that reaches its threshold is proposed: matricule
(two check digits and a date), IBAN (mod 97), e-mail, date of birth, phone, postcode, street
address, person name. So a 13-digit matricule is never a phone number, a date never a phone
number, and the stricter validations win over the looser ones. When none reaches its
threshold: free text if anything was found in the values (reason ``found_in_text``); else the
kind the heading announces (``header_only``, confidence = its share plus the bonus); else
``not_personal`` (``no_personal_data``, confidence = the share of values that validated as no
personal kind). An empty column is ``not_personal`` with reason ``empty``.

Vectorised: the values of a column are reduced to their unique values and counts
(``value_counts``), narrowed per kind with polars expressions (``str.replace_all`` to normalise,
``str.contains`` as a prefilter), and only the remaining unique candidates go through the
library validators (``map_elements``); no Python loop over rows.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

import phonenumbers
import polars as pl
from phonenumbers import NumberParseException, PhoneNumberType
from stdnum import iban as stdnum_iban
from stdnum import luhn, verhoeff

from laif.catalogue.sandbox import SandboxCatalogue, fold, load_sandbox


class Kind(StrEnum):
    """A column's kind of data; the values are stable storage codes."""

    LU_MATRICULE = "lu_matricule"
    IBAN = "iban"
    EMAIL = "email"
    PHONE = "phone"
    PERSON_NAME = "person_name"
    STREET_ADDRESS = "street_address"
    POSTCODE_LU = "postcode_lu"
    DATE_OF_BIRTH = "date_of_birth"
    FREE_TEXT = "free_text"  # free text (or a mixed column) holding personal data
    NOT_PERSONAL = "not_personal"


# The order in which kinds are tried on a column: the first that reaches its threshold wins.
PRECEDENCE: tuple[Kind, ...] = (
    Kind.LU_MATRICULE, Kind.IBAN, Kind.EMAIL, Kind.DATE_OF_BIRTH, Kind.PHONE, Kind.POSTCODE_LU,
    Kind.STREET_ADDRESS, Kind.PERSON_NAME)
THRESHOLD = 0.8
CHECKSUM_THRESHOLD = 0.5
HEADER_THRESHOLD = 0.5
HEADER_BONUS = 0.1
NAME_KNOWN_SHARE = 0.5  # without a name heading: share of values holding a catalogue first name
THRESHOLDS: dict[Kind, float] = {
    kind: CHECKSUM_THRESHOLD if kind in (Kind.LU_MATRICULE, Kind.IBAN) else THRESHOLD
    for kind in PRECEDENCE}
# the order in which free text is scanned (each found span is masked before the next kind)
TEXT_KINDS: tuple[Kind, ...] = (
    Kind.EMAIL, Kind.IBAN, Kind.LU_MATRICULE, Kind.PHONE, Kind.POSTCODE_LU)

REASON_VALIDATED = "validated"
REASON_HEADER_AND_VALIDATED = "header_and_validated"
REASON_FOUND_IN_TEXT = "found_in_text"
REASON_HEADER_ONLY = "header_only"
REASON_NO_PERSONAL_DATA = "no_personal_data"
REASON_EMPTY = "empty"
REASONS = (REASON_VALIDATED, REASON_HEADER_AND_VALIDATED, REASON_FOUND_IN_TEXT,
           REASON_HEADER_ONLY, REASON_NO_PERSONAL_DATA, REASON_EMPTY)

MATRICULE_MIN_YEAR = 1850
DOB_EARLIEST = date(1900, 1, 1)
DOB_MIN_AGE_YEARS = 14
MAX_ADDRESS_CHARS = 120
MAX_NAME_CHARS = 80


@dataclass(frozen=True)
class Proposal:
    """What the detectors propose for one column; never holds a value of the column."""

    column: str
    kind: Kind
    confidence: float  # 0..1: share of non-empty sampled values validated as `kind` (+ heading)
    sampled: int  # non-empty values looked at
    matched: int  # of those, how many validated
    reason: str  # one of REASONS
    found_in_text: dict[str, int] = field(default_factory=dict)  # FREE_TEXT: kind code -> values


# --- Luxembourg national identification number --------------------------------------------

_ID_SEPARATORS = re.compile(r"[\s.\-]")
_THIRTEEN_DIGITS = re.compile(r"^\d{13}$")


def matricule_check_digits(first_eleven: str) -> str:
    """The two check digits of a matricule's first 11 digits: Luhn, then Verhoeff, each over
    those 11 digits."""
    return luhn.calc_check_digit(first_eleven) + verhoeff.calc_check_digit(first_eleven)


def _matricule_date_ok(year: int, month: int, day: int, today: date) -> bool:
    if year < MATRICULE_MIN_YEAR or month > 12:
        return False
    if month == 0:  # unknown month (RGD 28.11.2013 Art. 1er); the day may still be 00
        if day > 31:
            return False
        earliest = date(year, 1, 1)
    elif day == 0:  # unknown day
        earliest = date(year, month, 1)
    else:
        if day > calendar.monthrange(year, month)[1]:
            return False
        earliest = date(year, month, day)
    return earliest <= today


def is_lu_matricule(value: str, *, today: date | None = None) -> bool:
    """A Luxembourg national identification number: 13 digits (spaces, dots, dashes ignored),
    a possible birth date not after ``today`` (00 month/day allowed), Luhn and Verhoeff check
    digits over the first 11 digits."""
    digits = _ID_SEPARATORS.sub("", value.strip())
    if not _THIRTEEN_DIGITS.match(digits):
        return False
    if matricule_check_digits(digits[:11]) != digits[11:]:
        return False
    return _matricule_date_ok(int(digits[:4]), int(digits[4:6]), int(digits[6:8]),
                              today or date.today())


# --- IBAN -------------------------------------------------------------------------------------

_IBAN_SHAPE = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")


def is_iban(value: str) -> bool:
    """An IBAN whose mod-97 check digits, length and BBAN structure are right (``stdnum.iban``);
    spaces, dots and dashes ignored, any case."""
    compact = _ID_SEPARATORS.sub("", value).upper()
    return bool(_IBAN_SHAPE.match(compact)) and stdnum_iban.is_valid(compact)


# --- e-mail -----------------------------------------------------------------------------------

_ATOM = r"[\w!#$%&'*+/=?^`{|}~-]+"
_LABEL = r"[^\W_](?:(?:[^\W_]|-){0,61}[^\W_])?"
_EMAIL = re.compile(
    rf"^(?P<local>{_ATOM}(?:\.{_ATOM})*)@(?P<domain>(?:{_LABEL}\.)+(?:[^\W\d_]{{2,63}}|xn--[a-z0-9-]{{2,59}}))$",
    re.IGNORECASE)


def is_email(value: str) -> bool:
    """``local@domain.tld``: no whitespace, dot-separated atoms, labelled domain, RFC 5321
    lengths."""
    v = value.strip()
    if len(v) > 254:
        return False
    match = _EMAIL.match(v)
    return match is not None and len(match.group("local")) <= 64


# --- phone ------------------------------------------------------------------------------------

_PHONE_CHARS = re.compile(r"^\+?[\d\s().\-/]+$")
_NON_DIGITS = re.compile(r"\D")
_GROUP_SPLIT = re.compile(r"[\s().\-/]+")
_DMY_LIKE = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{2}|\d{4})$")
_ISO_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _reads_as_date(value: str) -> bool:
    if _ISO_LIKE.match(value):
        return True
    match = _DMY_LIKE.match(value)
    return match is not None and 1 <= int(match[1]) <= 31 and 1 <= int(match[2]) <= 12


def is_phone(value: str, *, bare_fixed_line: bool = False) -> bool:
    """A phone number: international (``+``/``00``) and valid, or a valid Luxembourg number
    without prefix: mobile in any form, fixed-line grouped (``26 12 34 56``), or fixed-line in
    any form when ``bare_fixed_line`` (the column heading says phone)."""
    v = value.strip()
    if not _PHONE_CHARS.match(v.lstrip("(")) or _reads_as_date(v):
        return False
    digits = _NON_DIGITS.sub("", v)
    if not 6 <= len(digits) <= 15:
        return False
    try:
        number = phonenumbers.parse(v, "LU")
    except NumberParseException:
        return False
    if not (phonenumbers.is_possible_number(number) and phonenumbers.is_valid_number(number)):
        return False
    lead = v.lstrip("( ")
    if lead.startswith(("+", "00")):
        return True
    if phonenumbers.number_type(number) == PhoneNumberType.MOBILE or bare_fixed_line:
        return True
    groups = [g for g in _GROUP_SPLIT.split(v) if g]
    return (len(groups) >= 3 and all(len(g) <= 4 for g in groups)
            and any(len(g) == 2 for g in groups[1:]))


# --- postcode ---------------------------------------------------------------------------------

_POSTCODE = re.compile(r"^[Ll][\s-]?[1-9]\d{3}$")
_PLAIN_POSTCODE = re.compile(r"^[1-9]\d{3}$")


def is_lu_postcode(value: str, *, plain_digits: bool = False) -> bool:
    """A Luxembourg postcode ``L-NNNN`` (``L NNNN``, ``LNNNN``; 1000-9999), or a plain ``NNNN``
    when ``plain_digits`` (the column heading says postcode)."""
    v = value.strip()
    return bool(_POSTCODE.match(v) or (plain_digits and _PLAIN_POSTCODE.match(v)))


# --- dates of birth ---------------------------------------------------------------------------

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DMY_DATE = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})$")


def parse_date(value: str) -> date | None:
    """``YYYY-MM-DD``, ``DD/MM/YYYY``, ``DD.MM.YYYY`` or ``DD-MM-YYYY`` as a real calendar date,
    else None."""
    v = value.strip()
    iso = _ISO_DATE.match(v)
    if iso:
        year, month, day = int(iso[1]), int(iso[2]), int(iso[3])
    else:
        dmy = _DMY_DATE.match(v)
        if not dmy:
            return None
        year, month, day = int(dmy[4]), int(dmy[3]), int(dmy[1])
    try:
        return date(year, month, day)
    except ValueError:
        return None


def years_before(today: date, years: int) -> date:
    """The same day ``years`` years before (28 February for 29 February)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def is_birth_date(value: str, *, today: date) -> bool:
    """A real calendar date from 1900-01-01 to ``today`` in one of the accepted formats."""
    parsed = parse_date(value)
    return parsed is not None and DOB_EARLIEST <= parsed <= today


def is_plausible_birth_date(value: str, *, today: date) -> bool:
    """A birth date (``is_birth_date``) at least ``DOB_MIN_AGE_YEARS`` years before ``today``."""
    parsed = parse_date(value)
    return (parsed is not None
            and DOB_EARLIEST <= parsed <= years_before(today, DOB_MIN_AGE_YEARS))


# --- person names -----------------------------------------------------------------------------

_APOSTROPHE = "'\u2019"  # straight and typographic
_APOSTROPHE_PREFIX = re.compile(r"^[DdLlO]['\u2019]")
_INITIAL = re.compile(r"^[^\W\d_]\.?$")


def _name_part(part: str) -> bool:
    bare = _APOSTROPHE_PREFIX.sub("", part).translate({ord(a): None for a in _APOSTROPHE})
    if len(bare) < 2 or not bare.isalpha() or not bare[0].isupper():
        return False
    return bare.isupper() or any(c.islower() for c in bare[1:])


def _name_words(value: str, particles: frozenset[str]) -> list[str] | None:
    """The name words of a value with a person's name shape (parts of hyphenated words
    separately, apostrophe prefixes removed), or None."""
    v = value.strip()
    if not v or len(v) > MAX_NAME_CHARS or any(c.isdigit() or c == "@" for c in v):
        return None
    if v.count(",") > 1 or v.endswith(","):
        return None
    tokens = v.replace(",", " ").split()
    if "," in v and not v.split(",")[0].strip():
        return None
    names: list[str] = []
    n_particles = 0
    for token in tokens:
        if fold(token) in particles and len(tokens) > 1:
            n_particles += 1
            continue
        if _INITIAL.match(token) and token[0].isupper():
            names.append("")
            continue
        parts = token.split("-")
        if not all(_name_part(p) for p in parts):
            return None
        names.extend(_APOSTROPHE_PREFIX.sub("", p) for p in parts)
        names.append("")  # word boundary marker (a hyphenated word counts once)
    n_words = len([n for n in names if n == ""])
    if not 1 <= n_words <= 4 or n_particles > 3 or all(n == "" for n in names):
        return None
    return [n for n in names if n]


def looks_like_person_name(value: str, *, catalogue: SandboxCatalogue | None = None) -> bool:
    """The shape of a person's name (1-4 capitalised words, particles, hyphens, no digits)."""
    cat = catalogue or load_sandbox()
    return _name_words(value, cat.name_particles) is not None


def has_known_first_name(value: str, *, catalogue: SandboxCatalogue | None = None) -> bool:
    """A person's name shape holding one of the catalogue's first names."""
    cat = catalogue or load_sandbox()
    names = _name_words(value, cat.name_particles)
    return names is not None and any(fold(n) in cat.first_names for n in names)


def is_person_name(value: str, *, catalogue: SandboxCatalogue | None = None) -> bool:
    """A value that is a person's name without context: the shape and a known first name."""
    return has_known_first_name(value, catalogue=catalogue)


# --- street addresses -------------------------------------------------------------------------

_HOUSE_NUMBER = re.compile(
    r"(?<![\w-])\d{1,4}[^\W\d_]{0,3}(?:-\d{1,4}[^\W\d_]{0,3})?(?![\w-])")
_LETTER_WORDS = re.compile(r"[^\W\d_]+")


def is_street_address(value: str, *, catalogue: SandboxCatalogue | None = None) -> bool:
    """A house number and a street word (or a word ending in a street suffix), in either
    order; a postcode and a town may follow."""
    cat = catalogue or load_sandbox()
    v = value.strip()
    if len(v) > MAX_ADDRESS_CHARS or "@" in v or not _HOUSE_NUMBER.search(v):
        return False
    for word in _LETTER_WORDS.findall(v):
        folded = fold(word)
        if folded in cat.street_words or any(
                folded.endswith(s) and len(folded) > len(s) for s in cat.street_suffixes):
            return True
    return False


# --- free text --------------------------------------------------------------------------------

_TEXT_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
_TEXT_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,30}")
_TEXT_MATRICULE = re.compile(r"(?<![\d+])\d(?:[ .\-]?\d){12}(?!\d)")
_TEXT_PHONE = re.compile(
    r"(?<![\w+])(?:\+|00)\d[\d \-./()]{5,20}\d(?!\d)"
    r"|(?<![\w.\-/])\d{2,3}(?:[ .\-/]\d{2,3}){2,4}(?![\d\-/])"
    r"|(?<!\d)6\d{8}(?!\d)")
_TEXT_POSTCODE = re.compile(r"(?<![\w-])L[- ]?[1-9]\d{3}(?!\d)")


def _accept_email(raw: str, today: date) -> int:
    candidate = raw.rstrip(".-")
    return len(candidate) if is_email(candidate) else 0


def _accept_iban(raw: str, today: date) -> int:
    for end in range(len(raw), 14, -1):
        if raw[end - 1] != " " and is_iban(raw[:end]):
            return end
    return 0


def _accept_matricule(raw: str, today: date) -> int:
    return len(raw) if is_lu_matricule(raw, today=today) else 0


def _accept_phone(raw: str, today: date) -> int:
    ends = [i + 1 for i, c in enumerate(raw) if c.isdigit()
            and (i + 1 == len(raw) or not raw[i + 1].isdigit())]
    for end in reversed(ends):
        if is_phone(raw[:end]):
            return end
    return 0


def _accept_postcode(raw: str, today: date) -> int:
    return len(raw)


_TEXT_FINDERS: dict[Kind, tuple[re.Pattern[str], Callable[[str, date], int]]] = {
    Kind.EMAIL: (_TEXT_EMAIL, _accept_email),
    Kind.IBAN: (_TEXT_IBAN, _accept_iban),
    Kind.LU_MATRICULE: (_TEXT_MATRICULE, _accept_matricule),
    Kind.PHONE: (_TEXT_PHONE, _accept_phone),
    Kind.POSTCODE_LU: (_TEXT_POSTCODE, _accept_postcode),
}


def _find(pattern: re.Pattern[str], accept: Callable[[str, date], int], text: str,
          today: date) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    pos = 0
    while (match := pattern.search(text, pos)) is not None:
        length = accept(match.group(), today)
        if length:
            spans.append((match.start(), match.start() + length))
            pos = match.start() + length
        else:
            pos = match.start() + 1
    return spans


def kinds_in_text(text: str, *, today: date) -> frozenset[Kind]:
    """The kinds of personal data found in a text (validated e-mails, IBANs, matricules, phone
    numbers, postcodes); never the values."""
    found: set[Kind] = set()
    rest = text
    for kind in TEXT_KINDS:
        pattern, accept = _TEXT_FINDERS[kind]
        spans = _find(pattern, accept, rest, today)
        if spans:
            found.add(kind)
            for start, end in spans:
                rest = rest[:start] + " " * (end - start) + rest[end:]
    return frozenset(found)


# --- columns ----------------------------------------------------------------------------------

_V = "v"  # the column of unique values in a value-counts frame
_N = "n"  # their counts


def _value_counts(values: pl.Series) -> pl.DataFrame:
    """The non-empty values (stripped) with their counts, one row per unique value."""
    s = values.cast(pl.Utf8, strict=False).str.strip_chars().alias(_V)
    s = s.filter(s.is_not_null() & (s.str.len_chars() > 0))
    return s.value_counts(name=_N)


def _validated(counts: pl.DataFrame, prefilter: pl.Expr,
               check: Callable[[str], bool]) -> pl.DataFrame:
    """The rows of ``counts`` whose value passes the polars ``prefilter`` and then ``check``
    (applied once per unique candidate)."""
    candidates = counts.filter(prefilter)
    if candidates.height == 0:
        return candidates
    ok = candidates.get_column(_V).map_elements(check, return_dtype=pl.Boolean)
    return candidates.filter(ok)


def _total(frame: pl.DataFrame) -> int:
    return int(frame.get_column(_N).sum()) if frame.height else 0


@dataclass(frozen=True)
class _Evidence:
    by_kind: dict[Kind, pl.DataFrame]  # kind -> validated unique values with their counts
    known_names: int  # values with a catalogue first name (person names without a heading)


def _evidence(counts: pl.DataFrame, hinted: frozenset[Kind], today: date,
              cat: SandboxCatalogue) -> _Evidence:
    v = pl.col(_V)
    compact = v.str.replace_all(r"[\s.\-]", "")
    by_kind: dict[Kind, pl.DataFrame] = {
        Kind.LU_MATRICULE: _validated(
            counts, compact.str.contains(r"^\d{13}$"),
            lambda s: is_lu_matricule(s, today=today)),
        Kind.IBAN: _validated(
            counts, compact.str.to_uppercase().str.contains(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$"),
            is_iban),
        Kind.EMAIL: _validated(counts, v.str.contains("@") & ~v.str.contains(r"\s"), is_email),
        Kind.PHONE: _validated(
            counts, v.str.contains(r"^\(?[+\d][\d\s().\-/]{4,}$"),
            lambda s: is_phone(s, bare_fixed_line=Kind.PHONE in hinted)),
        Kind.POSTCODE_LU: _validated(
            counts, v.str.contains(r"^[Ll]?[\s-]?\d{4}$"),
            lambda s: is_lu_postcode(s, plain_digits=Kind.POSTCODE_LU in hinted)),
        Kind.STREET_ADDRESS: _validated(
            counts, v.str.contains(r"\d") & v.str.contains(r"\p{L}{2}"),
            lambda s: is_street_address(s, catalogue=cat)),
    }
    dob_check = is_birth_date if Kind.DATE_OF_BIRTH in hinted else is_plausible_birth_date
    by_kind[Kind.DATE_OF_BIRTH] = _validated(
        counts, v.str.contains(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$"),
        lambda s: dob_check(s, today=today))
    names = _validated(counts, ~v.str.contains(r"[\d@]") & v.str.contains(r"\p{L}"),
                       lambda s: looks_like_person_name(s, catalogue=cat))
    known = _validated(names, pl.lit(True), lambda s: has_known_first_name(s, catalogue=cat))
    # without a name heading, only values with a known first name count as validated names
    by_kind[Kind.PERSON_NAME] = names if Kind.PERSON_NAME in hinted else known
    return _Evidence(by_kind=by_kind, known_names=_total(known))


def _scan_text(counts: pl.DataFrame, today: date) -> tuple[dict[str, int], int]:
    """Per kind code, the number of values where free-text scanning found it; and the number of
    values where anything was found."""
    candidates = counts.filter(pl.col(_V).str.contains(r"[@\d]"))
    if candidates.height == 0:
        return {}, 0
    found = candidates.with_columns(
        pl.col(_V).map_elements(lambda s: sorted(k.value for k in kinds_in_text(s, today=today)),
                                return_dtype=pl.List(pl.Utf8)).alias("kinds"))
    found = found.filter(pl.col("kinds").list.len() > 0)
    if found.height == 0:
        return {}, 0
    per_kind = found.explode("kinds", empty_as_null=False).group_by("kinds").agg(pl.col(_N).sum())
    counted = {str(k): int(n) for k, n in per_kind.iter_rows()}
    return dict(sorted(counted.items())), _total(found)


def _confidence(matched: int, sampled: int, hinted: bool) -> float:
    share = matched / sampled if sampled else 0.0
    return round(min(1.0, share + HEADER_BONUS) if hinted else share, 4)


def classify_column(name: str, values: pl.Series, *, today: date,
                    catalogue: SandboxCatalogue | None = None) -> Proposal:
    """The proposal for one column (its heading ``name`` and its sampled ``values``)."""
    cat = catalogue or load_sandbox()
    counts = _value_counts(values)
    sampled = _total(counts)
    if sampled == 0:
        return Proposal(name, Kind.NOT_PERSONAL, 0.0, 0, 0, REASON_EMPTY)
    hinted = frozenset(Kind(k) for k in cat.hinted_kinds(name))
    evidence = _evidence(counts, hinted, today, cat)
    matched = {kind: _total(frame) for kind, frame in evidence.by_kind.items()}
    for kind in PRECEDENCE:
        needed = min(THRESHOLDS[kind], HEADER_THRESHOLD) if kind in hinted else THRESHOLDS[kind]
        if matched[kind] / sampled < needed:
            continue
        if (kind is Kind.PERSON_NAME and kind not in hinted
                and evidence.known_names / sampled < NAME_KNOWN_SHARE):
            continue
        reason = REASON_HEADER_AND_VALIDATED if kind in hinted else REASON_VALIDATED
        return Proposal(name, kind, _confidence(matched[kind], sampled, kind in hinted), sampled,
                        matched[kind], reason)
    found, with_any = _scan_text(counts, today)
    if with_any:
        return Proposal(name, Kind.FREE_TEXT, _confidence(with_any, sampled, False), sampled,
                        with_any, REASON_FOUND_IN_TEXT, found)
    for kind in PRECEDENCE:
        if kind in hinted:
            return Proposal(name, kind, _confidence(matched[kind], sampled, True), sampled,
                            matched[kind], REASON_HEADER_ONLY)
    personal = pl.concat([frame.select(_V, _N) for frame in evidence.by_kind.values()]).unique(_V)
    not_personal = sampled - _total(personal)
    return Proposal(name, Kind.NOT_PERSONAL, _confidence(not_personal, sampled, False), sampled,
                    not_personal, REASON_NO_PERSONAL_DATA)


def classify_frame(frame: pl.DataFrame, *, today: date, sample_rows: int = 2000,
                   catalogue: SandboxCatalogue | None = None) -> list[Proposal]:
    """A proposal per column of ``frame``, from a sample of at most ``sample_rows`` rows (all
    of them when fewer; otherwise a seeded random sample, so the same frame gives the same
    proposals)."""
    if sample_rows < 1:
        raise ValueError("sample_rows must be at least 1")
    sample = frame if frame.height <= sample_rows else frame.sample(n=sample_rows, seed=0)
    return [classify_column(name, sample.get_column(name), today=today, catalogue=catalogue)
            for name in frame.columns]
