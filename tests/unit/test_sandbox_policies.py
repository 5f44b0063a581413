"""Sandbox column policies: keyed pseudonyms, AES-SIV, generalisation, suppression (pure)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import time

import polars as pl
import pytest

from laif.sandbox import policies
from laif.sandbox.policies import (
    POSTCODE_REGIONS,
    ColumnPolicy,
    DomainKey,
    PolicyError,
    _hmac_states,
    apply_policies,
    decrypt_values,
    derive_domain_key,
    distinct_values,
    domain_key,
    encrypt_values,
    mac_inputs,
    normalise_values,
    pseudonym_text,
    pseudonymise_values,
    pseudonyms_from_text,
    put_back,
    validate_policies,
    value_buffers,
)

PROJECT_KEY = bytes(range(32))
OTHER_PROJECT_KEY = bytes(range(1, 33))


def _key(domain: str = "default", version: int = 1, purpose: str = "pseudonym") -> DomainKey:
    return derive_domain_key(PROJECT_KEY, domain=domain, version=version, purpose=purpose)


def _keys(*domains: str, version: int = 1) -> dict[tuple[str, str], DomainKey]:
    return {
        (purpose, domain): _key(domain, version, purpose)
        for domain in domains or ("default",)
        for purpose in ("pseudonym", "siv")
    }


def _series(*values: str | None) -> pl.Series:
    return pl.Series("v", list(values), dtype=pl.String)


def _generalise(values: list[str | None], **policy: object) -> list[str | None]:
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    out = apply_policies(frame, [ColumnPolicy("v", "generalise", **policy)], {})  # type: ignore[arg-type]
    return out.get_column("v").to_list()


# --- keys ---------------------------------------------------------------------------------


def test_domain_key_lengths_and_binding() -> None:
    base = domain_key(PROJECT_KEY, domain="crm", version=1, purpose="pseudonym")
    assert len(base) == 32
    assert len(domain_key(PROJECT_KEY, domain="crm", version=1, purpose="siv")) == 64
    assert base == domain_key(PROJECT_KEY, domain="crm", version=1, purpose="pseudonym")
    others = {
        domain_key(PROJECT_KEY, domain="hr", version=1, purpose="pseudonym"),
        domain_key(PROJECT_KEY, domain="crm", version=2, purpose="pseudonym"),
        domain_key(PROJECT_KEY, domain="crm", version=1, purpose="siv")[:32],
        domain_key(OTHER_PROJECT_KEY, domain="crm", version=1, purpose="pseudonym"),
    }
    assert base not in others
    assert len(others) == 4


@pytest.mark.parametrize(
    ("domain", "version", "purpose", "project_key"),
    [
        ("CRM", 1, "pseudonym", PROJECT_KEY),
        ("", 1, "pseudonym", PROJECT_KEY),
        ("a" * 41, 1, "pseudonym", PROJECT_KEY),
        ("crm", 0, "pseudonym", PROJECT_KEY),
        ("crm", 1, "hmac", PROJECT_KEY),
        ("crm", 1, "pseudonym", b"short"),
    ],
)
def test_domain_key_refuses_bad_parameters(
    domain: str, version: int, purpose: str, project_key: bytes
) -> None:
    with pytest.raises(PolicyError):
        domain_key(project_key, domain=domain, version=version, purpose=purpose)


def test_domain_key_repr_hides_the_key() -> None:
    key = _key(purpose="siv")
    shown = repr(key) + str(key)
    assert "siv" in shown
    assert "default" in shown
    assert key.key.hex() not in shown
    assert repr(key.key) not in shown
    assert base64.b64encode(key.key).decode() not in shown
    assert "key=" not in shown


def test_domain_key_checks_its_key_length() -> None:
    with pytest.raises(PolicyError, match="64 bytes"):
        DomainKey(domain="default", version=1, purpose="siv", key=bytes(32))


# --- pseudonymisation ------------------------------------------------------------------------


def test_pseudonyms_are_deterministic_within_a_domain() -> None:
    values = _series("Anna Muller", "Jean Weber", "Anna Muller", None)
    first = pseudonymise_values(values, kind="person_name", key=_key("crm"))
    second = pseudonymise_values(values, kind="person_name", key=_key("crm"))
    assert first.to_list() == second.to_list()
    assert first[0] == first[2]
    assert first[0] != first[1]
    assert first.name == "v"


def test_pseudonym_format_is_the_truncated_hmac_of_kind_and_value() -> None:
    key = _key("crm")
    (pseudonym,) = pseudonymise_values(_series("Anna"), kind="person_name", key=key).to_list()
    expected = hmac.digest(key.key, b"person_name\x00Anna", hashlib.sha256)[:16].hex()
    assert pseudonym == f"name_{expected}"
    assert len(pseudonym) == len("name_") + 32


def test_pseudonyms_differ_across_domains_versions_projects_and_kinds() -> None:
    values = _series("LU28 0019 4006 4475 0000")
    crm = pseudonymise_values(values, kind="iban", key=_key("crm"))[0]
    hr = pseudonymise_values(values, kind="iban", key=_key("hr"))[0]
    rotated = pseudonymise_values(values, kind="iban", key=_key("crm", version=2))[0]
    other = derive_domain_key(OTHER_PROJECT_KEY, domain="crm", version=1, purpose="pseudonym")
    foreign = pseudonymise_values(values, kind="iban", key=other)[0]
    as_text = pseudonymise_values(values, kind="free_text", key=_key("crm"))[0]
    assert len({crm, hr, rotated, foreign}) == 4
    assert as_text.split("_", 1)[1] != crm.split("_", 1)[1]


def test_same_domain_joins_across_tables() -> None:
    key = _key("customers")
    policies = [ColumnPolicy("email", "pseudonymise", "email", domain="customers")]
    keys = {("pseudonym", "customers"): key}
    orders = apply_policies(pl.DataFrame({"email": ["a@x.lu", "b@x.lu"]}), policies, keys)
    tickets = apply_policies(pl.DataFrame({"email": ["B@X.LU", "c@x.lu"]}), policies, keys)
    assert orders.join(tickets, on="email").height == 1


@pytest.mark.parametrize(
    ("kind", "variants"),
    [
        (
            "iban",
            ["LU28 0019 4006 4475 0000", "LU280019400644750000", "lu28 0019 4006 4475 0000 "],
        ),
        ("email", ["Anna.Muller@Example.LU", " anna.muller@example.lu", "ANNA.MULLER@EXAMPLE.LU"]),
        ("lu_matricule", ["1980 0517 123 45", "1980-0517-12345", "1980051712345"]),
        ("phone", ["+352 621 123 456", "+352-621-123-456", " +352 (621) 123456"]),
        ("person_name", ["Anna Muller", "  Anna Muller\t"]),
    ],
)
def test_formatting_variants_share_a_pseudonym(kind: str, variants: list[str]) -> None:
    out = pseudonymise_values(_series(*variants), kind=kind, key=_key())
    assert out.null_count() == 0
    assert out.n_unique() == 1


def test_normalisation_keeps_real_differences() -> None:
    key = _key()
    phones = pseudonymise_values(_series("+352621123456", "00352621123456"), kind="phone", key=key)
    names = pseudonymise_values(_series("Anna Muller", "anna muller"), kind="person_name", key=key)
    assert phones.n_unique() == 2
    assert names.n_unique() == 2


def test_nulls_and_empty_values_stay_null() -> None:
    out = pseudonymise_values(
        _series(None, "", "   ", "n/a", "1980051712345"), kind="lu_matricule", key=_key()
    )
    assert out.to_list()[:4] == [None, None, None, None]
    assert out[4] is not None
    all_null = pseudonymise_values(_series(None, None), kind="email", key=_key())
    assert all_null.to_list() == [None, None]
    assert all_null.dtype == pl.String


def test_pseudonymise_needs_a_pseudonym_key() -> None:
    with pytest.raises(PolicyError, match="pseudonym key"):
        pseudonymise_values(_series("x"), kind="email", key=_key(purpose="siv"))
    with pytest.raises(PolicyError, match="unknown kind"):
        pseudonymise_values(_series("x"), kind="ssn", key=_key())


# --- encryption --------------------------------------------------------------------------------


def test_aes_siv_round_trip_and_determinism() -> None:
    key = _key("crm", purpose="siv")
    values = _series("Anna Müller", None, "", "Anna Müller", "Jean")
    first = encrypt_values(values, key=key)
    second = encrypt_values(values, key=key)
    assert first.to_list() == second.to_list()
    assert first[0] == first[3]
    assert first[0] != first[4]
    assert first[1] is None
    assert all(v.startswith("enc_v1_") for v in first.drop_nulls())
    assert decrypt_values(first, key).to_list() == values.to_list()


def test_encryption_differs_across_domains_and_versions() -> None:
    values = _series("Anna")
    crm = encrypt_values(values, key=_key("crm", purpose="siv"))[0]
    hr = encrypt_values(values, key=_key("hr", purpose="siv"))[0]
    rotated = encrypt_values(values, key=_key("crm", version=2, purpose="siv"))[0]
    assert len({crm, hr, rotated}) == 3


def test_a_wrong_key_does_not_decrypt() -> None:
    encrypted = encrypt_values(_series("Anna", "Jean"), key=_key("crm", purpose="siv"))
    with pytest.raises(PolicyError, match="does not decrypt") as caught:
        decrypt_values(encrypted, _key("hr", purpose="siv"))
    assert "Anna" not in str(caught.value)
    with pytest.raises(PolicyError, match="version"):
        decrypt_values(encrypted, _key("crm", version=2, purpose="siv"))
    with pytest.raises(PolicyError, match="siv key"):
        decrypt_values(encrypted, _key("crm"))


def test_tampered_or_foreign_values_do_not_decrypt() -> None:
    key = _key(purpose="siv")
    (good,) = encrypt_values(_series("Anna"), key=key).to_list()
    flipped = good[:-2] + ("A" if good[-2] != "A" else "B") + good[-1]
    with pytest.raises(PolicyError, match="does not decrypt"):
        decrypt_values(_series(flipped), key)
    with pytest.raises(PolicyError, match="not an encrypted value"):
        decrypt_values(_series("Anna"), key)
    with pytest.raises(PolicyError, match="does not decrypt"):
        decrypt_values(_series("enc_v1_A"), key)


# --- generalisation ----------------------------------------------------------------------------


def test_dates_generalise_to_month_or_year_and_invalid_dates_become_null() -> None:
    values = ["1980-05-17", " 1980-12-01 ", "2020-02-30", "17/05/1980", "", None]
    assert _generalise(values, kind="date_of_birth", granularity="month") == [
        "1980-05",
        "1980-12",
        None,
        None,
        None,
        None,
    ]
    assert _generalise(values, kind="date_of_birth", granularity="year") == [
        "1980",
        "1980",
        None,
        None,
        None,
        None,
    ]


def test_postcodes_generalise_to_their_region() -> None:
    values = [
        "L-1234",
        "2920",
        "l-4002",
        "L 9010",
        "0161",
        "0012",
        "L-123",
        "12345",
        "A-1234",
        None,
    ]
    assert _generalise(values, kind="postcode_lu") == [
        "luxembourg_city",
        "luxembourg_city",
        "esch_sur_alzette",
        "north",
        "luxembourg_city",  # PackUp: the second digit's region
        None,  # PackUp with no documented region
        None,
        None,
        None,
        None,
    ]
    assert set(POSTCODE_REGIONS) == set("123456789")


def test_numbers_generalise_to_bands_and_non_numbers_become_null() -> None:
    values = ["30000", "39999.5", " 40000 ", "0", "-5", "1e3", "abc", "30 000", "nan", "inf", None]
    assert _generalise(values, kind="not_personal", band_width=10000) == [
        "30000-39999",
        "30000-39999",
        "40000-49999",
        "0-9999",
        "-10000--1",
        "0-9999",
        None,
        None,
        None,
        None,
        None,
    ]
    assert _generalise(["7", "12"], kind="not_personal", band_width=1) == ["7-7", "12-12"]


# --- the whole table -----------------------------------------------------------------------------


def _table() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "customer": ["C-1", "C-2", "C-3"],
            "iban": ["LU28 0019 4006 4475 0000", "lu280019400644750000", None],
            "email": ["Anna@Example.lu", "jean@example.lu", None],
            "name": ["Anna Muller", "Jean Weber", "Lea Schmit"],
            "birth": ["1980-05-17", "1975-01-02", None],
            "postcode": ["L-1234", "L-4002", "9010"],
            "salary": ["30000", "52000", "x"],
            "notes": ["called on Monday", None, "VIP"],
            "segment": ["retail", "retail", "private"],
        }
    )


def _policies() -> list[ColumnPolicy]:
    return [
        ColumnPolicy("customer", "pseudonymise", "not_personal", domain="customers"),
        ColumnPolicy("iban", "pseudonymise", "iban", domain="customers"),
        ColumnPolicy("email", "encrypt", "email", domain="customers"),
        ColumnPolicy("name", "encrypt", "person_name"),
        ColumnPolicy("birth", "generalise", "date_of_birth", granularity="year"),
        ColumnPolicy("postcode", "generalise", "postcode_lu"),
        ColumnPolicy("salary", "generalise", "not_personal", band_width=10000),
        ColumnPolicy("notes", "suppress", "free_text"),
        ColumnPolicy("segment", "keep", "not_personal"),
    ]


def test_apply_policies_on_a_table() -> None:
    out = apply_policies(_table(), _policies(), _keys("customers", "default"))
    assert out.columns == [
        "customer",
        "iban",
        "email",
        "name",
        "birth",
        "postcode",
        "salary",
        "segment",
    ]
    assert all(dtype == pl.String for dtype in out.dtypes)
    assert out.height == 3
    assert out["iban"][0] == out["iban"][1]
    assert out["iban"][2] is None
    assert out["birth"].to_list() == ["1980", "1975", None]
    assert out["postcode"].to_list() == ["luxembourg_city", "esch_sur_alzette", "north"]
    assert out["salary"].to_list() == ["30000-39999", "50000-59999", None]
    assert out["segment"].to_list() == ["retail", "retail", "private"]
    siv = _key("customers", purpose="siv")
    assert decrypt_values(out["email"], siv).to_list() == [
        "Anna@Example.lu",
        "jean@example.lu",
        None,
    ]
    names = decrypt_values(out["name"], _key("default", purpose="siv"))
    assert names.to_list() == ["Anna Muller", "Jean Weber", "Lea Schmit"]


def test_no_key_material_and_no_protected_value_in_the_output() -> None:
    table = _table()
    keys = _keys("customers", "default")
    out = apply_policies(table, _policies(), keys)
    cells = [
        value
        for column in out.columns
        for value in out.get_column(column).cast(pl.String).to_list()
        if value is not None
    ]
    cells.extend(out.columns)
    forbidden: set[str] = set()
    for key in [*keys.values(), DomainKey("x", 1, "pseudonym", PROJECT_KEY)]:
        raw = key.key
        forbidden |= {
            raw.hex(),
            raw.hex().upper(),
            base64.b64encode(raw).decode(),
            base64.urlsafe_b64encode(raw).decode().rstrip("="),
            base64.b32encode(raw).decode().rstrip("="),
            raw.decode("latin-1"),
        }
    for column in ("customer", "iban", "email", "name", "notes"):
        forbidden |= {v for v in table.get_column(column).to_list() if v is not None}
    forbidden |= {"LU280019400644750000", "anna@example.lu", "1980-05-17"}
    for cell in cells:
        for secret in forbidden:
            assert secret not in cell
            # case-folded too, for the values long enough not to turn up in base64 by chance
            if len(secret) >= 8:
                assert secret.lower() not in cell.lower()


def test_suppressing_every_column_keeps_the_row_count() -> None:
    frame = pl.DataFrame({"a": ["x", "y"]})
    out = apply_policies(frame, [ColumnPolicy("a", "suppress", "free_text")], {})
    assert out.shape == (2, 0)


def test_an_all_null_column_is_accepted() -> None:
    frame = pl.DataFrame({"a": [None, None]})
    out = apply_policies(frame, [ColumnPolicy("a", "pseudonymise", "email")], _keys())
    assert out["a"].to_list() == [None, None]
    assert out["a"].dtype == pl.String


def test_apply_refuses_missing_keys_and_non_string_columns() -> None:
    frame = pl.DataFrame({"email": ["a@x.lu"]})
    policy = [ColumnPolicy("email", "pseudonymise", "email", domain="crm")]
    with pytest.raises(PolicyError, match="no pseudonym key for domain 'crm'"):
        apply_policies(frame, policy, _keys("hr"))
    mislabelled = {("pseudonym", "crm"): _key("hr")}
    with pytest.raises(PolicyError, match="of domain 'hr'"):
        apply_policies(frame, policy, mislabelled)
    with pytest.raises(PolicyError, match="not a string column"):
        apply_policies(pl.DataFrame({"n": [1, 2]}), [ColumnPolicy("n", "keep", "not_personal")], {})


# --- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policies", "message"),
    [
        ([ColumnPolicy("a", "keep", "not_personal")], "columns without a policy: 'b'"),
        (
            [
                ColumnPolicy("a", "keep", "not_personal"),
                ColumnPolicy("a", "suppress", "not_personal"),
                ColumnPolicy("b", "suppress", "email"),
            ],
            "more than one policy",
        ),
        (
            [ColumnPolicy("a", "keep", "not_personal"), ColumnPolicy("c", "keep", "not_personal")],
            "unknown column 'c'",
        ),
        ([ColumnPolicy("a", "hash", "email"), ColumnPolicy("b", "suppress", "email")], "action"),
        ([ColumnPolicy("a", "keep", "ssn"), ColumnPolicy("b", "suppress", "email")], "kind"),
        (
            [ColumnPolicy("a", "keep", "email"), ColumnPolicy("b", "suppress", "email")],
            "not valid for kind 'email'",
        ),
        (
            [ColumnPolicy("a", "generalise", "iban"), ColumnPolicy("b", "suppress", "email")],
            "not valid for kind 'iban'",
        ),
        (
            [
                ColumnPolicy("a", "pseudonymise", "email", domain="Bad Domain"),
                ColumnPolicy("b", "suppress", "email"),
            ],
            "domain name",
        ),
        (
            [
                ColumnPolicy("a", "generalise", "date_of_birth"),
                ColumnPolicy("b", "suppress", "email"),
            ],
            "granularity month or year",
        ),
        (
            [
                ColumnPolicy("a", "generalise", "date_of_birth", granularity="day"),
                ColumnPolicy("b", "suppress", "email"),
            ],
            "granularity month or year",
        ),
        (
            [
                ColumnPolicy("a", "pseudonymise", "email", granularity="month"),
                ColumnPolicy("b", "suppress", "email"),
            ],
            "granularity only applies",
        ),
        (
            [
                ColumnPolicy("a", "generalise", "not_personal"),
                ColumnPolicy("b", "suppress", "email"),
            ],
            "band_width",
        ),
        (
            [
                ColumnPolicy("a", "generalise", "not_personal", band_width=0),
                ColumnPolicy("b", "suppress", "email"),
            ],
            "band_width",
        ),
        (
            [
                ColumnPolicy("a", "generalise", "postcode_lu", band_width=10),
                ColumnPolicy("b", "suppress", "email"),
            ],
            "band_width only applies",
        ),
    ],
)
def test_validate_policies_errors(policies: list[ColumnPolicy], message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        validate_policies(["a", "b"], policies)


def test_validate_policies_accepts_a_complete_set_and_reports_every_problem() -> None:
    validate_policies(_table().columns, _policies())
    with pytest.raises(PolicyError) as caught:
        validate_policies(
            ["a", "b"],
            [ColumnPolicy("a", "keep", "iban", domain="X"), ColumnPolicy("b", "keep", "email")],
        )
    message = str(caught.value)
    assert "'a'" in message
    assert "'b'" in message
    assert "domain name" in message


def test_apply_validates_before_doing_anything() -> None:
    with pytest.raises(PolicyError, match="without a policy"):
        apply_policies(_table(), _policies()[:-1], _keys("customers", "default"))


# --- speed ------------------------------------------------------------------------------------------


def test_two_identifying_columns_of_200k_rows_take_well_under_a_few_seconds() -> None:
    rows = 200_000
    frame = pl.DataFrame(
        {
            "iban": [f"LU28 0019 4006 {i:06d} 0000" for i in range(rows)],
            "email": [f"user{i % 150_000}@example.lu" if i % 11 else None for i in range(rows)],
        }
    )
    policies = [
        ColumnPolicy("iban", "pseudonymise", "iban"),
        ColumnPolicy("email", "encrypt", "email"),
    ]
    started = time.perf_counter()
    out = apply_policies(frame, policies, _keys())
    elapsed = time.perf_counter() - started
    assert out.height == rows
    assert out["iban"].n_unique() == rows
    assert out["email"].null_count() == frame["email"].null_count()
    assert elapsed < 3.0, elapsed


def test_empty_tables_and_all_null_ciphertexts() -> None:
    empty = pl.DataFrame({"a": [], "b": []}, schema={"a": pl.String, "b": pl.String})
    policies = [
        ColumnPolicy("a", "pseudonymise", "email"),
        ColumnPolicy("b", "encrypt", "iban"),
    ]
    out = apply_policies(empty, policies, _keys())
    assert out.shape == (0, 2)
    assert decrypt_values(_series(None, None), _key(purpose="siv")).to_list() == [None, None]


# --- the pieces of pseudonymisation, as the streamed release calls them ----------------------------


def test_pseudonym_text_is_the_truncated_hmac_of_each_value() -> None:
    key = _key("crm")
    values = _series("anna@example.lu", "jean@example.lu", "ünïcode@example.lu", "")
    data, offsets = value_buffers(values)
    text = pseudonym_text(data, offsets, kind="email", key=key)
    expected = [
        "email_" + hmac.digest(key.key, b"email\x00" + v.encode(), hashlib.sha256)[:16].hex()
        for v in values.to_list()
        if v is not None
    ]
    assert text == "".join(expected).encode("ascii")
    assert pseudonyms_from_text(text, kind="email").to_list() == expected
    assert pseudonym_text(*value_buffers(_series()), kind="email", key=key) == b""
    with pytest.raises(PolicyError, match="unexpected length"):
        pseudonyms_from_text(text[:-1], kind="email")
    with pytest.raises(PolicyError, match="a pseudonym key is needed"):
        pseudonym_text(data, offsets, kind="email", key=_key(purpose="siv"))


def test_value_buffers_of_a_slice_and_without_nulls() -> None:
    values = _series("a", "bb", "ccc", "dddd").slice(1, 2)
    data, offsets = value_buffers(values)
    bounds = memoryview(offsets).cast("q").tolist()
    assert [data[s:e] for s, e in itertools.pairwise(bounds)] == [b"bb", b"ccc"]
    with pytest.raises(PolicyError, match="no null"):
        value_buffers(_series("a", None))


def test_the_hmac_states_are_rfc_2104_for_any_key_length() -> None:
    for key in (b"k", bytes(range(32)), bytes(range(64)), bytes(range(100))):
        inner, outer = _hmac_states(key, b"label")
        inner.update(b"value")
        outer.update(inner.digest())
        assert outer.digest() == hmac.digest(key, b"labelvalue", hashlib.sha256)


@pytest.mark.parametrize("share", [0.0, 2.0], ids=["every-value", "distinct-values"])
def test_deduplicating_or_not_gives_the_same_pseudonyms(
    share: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    values = _series(*[f" User{i % 40}@Example.lu " if i % 7 else None for i in range(300)])
    key = _key()
    expected = [
        None
        if v is None
        else "email_"
        + hmac.digest(key.key, b"email\x00" + v.strip().lower().encode(), hashlib.sha256)[:16].hex()
        for v in values.to_list()
    ]
    monkeypatch.setattr(policies, "DEDUPLICATE_BELOW", share)
    normalised = normalise_values(values, "email")
    inputs, codes = mac_inputs(normalised)
    assert inputs.len() == (40 if share > 1 else 300 - values.null_count())
    assert put_back(inputs, codes, "v").equals(normalised)
    assert pseudonymise_values(values, kind="email", key=key).to_list() == expected


def test_distinct_values_and_put_back_round_trip() -> None:
    values = _series("b", None, "a", "b", "c", None, "a")
    distinct, codes = distinct_values(values)
    assert distinct.to_list() == ["a", "b", "c"]
    assert put_back(distinct, codes, "w").to_list() == values.to_list()
    assert put_back(distinct, codes, "w").name == "w"
    empty, none = distinct_values(_series(None, None))
    assert empty.len() == 0
    assert put_back(empty, none, "v").to_list() == [None, None]
