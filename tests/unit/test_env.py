"""Settings readers (laif.config.env): typed values, errors that name the variable, secrets from
``NAME_FILE``. Pure module: no Django needed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from laif.config.env import (
    Env,
    SettingError,
    format_errors,
    parse_bool,
    parse_choice,
    parse_int,
    parse_list,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1", True), ("true", True), ("TRUE", True), (" yes ", True), ("on", True),
     ("0", False), ("false", False), ("No", False), ("off", False)],
)
def test_parse_bool(text: str, expected: bool) -> None:
    assert parse_bool(text) is expected


@pytest.mark.parametrize("text", ["maybe", "", "2", "y", "t", "enabled", "true!"])
def test_parse_bool_refuses_anything_else(text: str) -> None:
    with pytest.raises(ValueError, match="expected true/false"):
        parse_bool(text)


@pytest.mark.parametrize(("text", "expected"), [("5", 5), (" 7 ", 7), ("-3", -3), ("10", 10)])
def test_parse_int(text: str, expected: int) -> None:
    assert parse_int(text, -5, 10) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [("abc", "expected an integer, got 'abc'"), ("1.5", "expected an integer, got"),
     ("", "expected an integer, got"), ("1e3", "expected an integer, got"),
     ("0x10", "expected an integer, got"), ("+5", "expected an integer, got"),
     ("٣", "expected an integer, got"),  # an Arabic-Indic digit: int() would read 3
     ("\uff15", "expected an integer, got"),  # a full-width digit 5
     ("11", "between -5 and 10, got 11"), ("-6", "between -5 and 10, got -6")],
)
def test_parse_int_refuses(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_int(text, -5, 10)


def test_parse_choice() -> None:
    assert parse_choice(" Production ", ("development", "production")) == "production"
    with pytest.raises(ValueError, match="expected one of development, production, got 'prod'"):
        parse_choice("prod", ("development", "production"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("a,b", ["a", "b"]), (" a , b ,, ", ["a", "b"]), ("", []), ("one", ["one"])],
)
def test_parse_list(text: str, expected: list[str]) -> None:
    assert parse_list(text) == expected


def test_env_reads_typed_values_and_defaults() -> None:
    env = Env({"A_BOOL": "yes", "A_INT": "42", "A_CHOICE": "Slurm", "A_LIST": "x, y",
               "A_STR": "hello", "EMPTY": ""})
    assert env.bool("A_BOOL", False) is True
    assert env.int("A_INT", 0, minimum=1, maximum=100) == 42
    assert env.choice("A_CHOICE", "local", ("local", "slurm")) == "slurm"
    assert env.list("A_LIST", []) == ["x", "y"]
    assert env.str("A_STR", "") == "hello"
    assert env.str("UNSET", "default") == "default"
    assert env.int("EMPTY", 9, minimum=1, maximum=10) == 9  # empty counts as unset
    assert env.errors == []


@pytest.mark.parametrize(
    ("name", "value", "read", "problem"),
    [
        ("LAIF_DEBUG", "maybe", lambda e: e.bool("LAIF_DEBUG", False), "expected true/false"),
        ("LAIF_UID_MIN", "abc", lambda e: e.int("LAIF_UID_MIN", 1, minimum=1, maximum=9),
         "expected an integer"),
        ("LAIF_UID_MIN", "99", lambda e: e.int("LAIF_UID_MIN", 1, minimum=1, maximum=9),
         "between 1 and 9"),
        ("LAIF_ENV", "staging", lambda e: e.choice("LAIF_ENV", "development", ("development",)),
         "expected one of development"),
        ("LAIF_SITE_URL", "http://x\x00", lambda e: e.str("LAIF_SITE_URL", ""), "NUL"),
    ],
)
def test_errors_name_the_variable_and_keep_the_default(name: str, value: str,
                                                      read: Callable[[Env], object],
                                                      problem: str) -> None:
    env = Env({name: value})
    default_result = read(Env({}))
    assert read(env) == default_result
    assert len(env.errors) == 1
    error = env.errors[0]
    assert isinstance(error, SettingError)
    assert error.name == name
    assert str(error).startswith(f"{name}: ")
    assert problem in str(error)


def test_every_error_is_collected_and_reported_together() -> None:
    env = Env({"LAIF_DEBUG": "maybe", "LAIF_UID_MIN": "abc"})
    env.bool("LAIF_DEBUG", False)
    env.int("LAIF_UID_MIN", 1, minimum=1, maximum=9)
    env.require("LAIF_SECRET_KEY", "required in production")
    report = format_errors(env.errors)
    lines = report.splitlines()
    assert lines[0] == "laif cannot start: invalid configuration"
    assert [line.split(":")[0].strip(" -") for line in lines[1:]] == [
        "LAIF_DEBUG", "LAIF_UID_MIN", "LAIF_SECRET_KEY"]


def test_secret_from_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("s3cr3t-value\n")
    env = Env({"LAIF_SECRET_KEY_FILE": str(secret)})
    assert env.raw("LAIF_SECRET_KEY") == "s3cr3t-value"  # trailing newline dropped
    assert env.errors == []


def test_typed_value_from_file(tmp_path: Path) -> None:
    path = tmp_path / "port"
    path.write_text("2525\n")
    env = Env({"LAIF_EMAIL_PORT_FILE": str(path)})
    assert env.int("LAIF_EMAIL_PORT", 25, minimum=1, maximum=65535) == 2525


def test_unreadable_secret_file_names_the_file_variable(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    env = Env({"LAIF_SECRET_KEY_FILE": str(missing)})
    assert env.raw("LAIF_SECRET_KEY") is None
    assert [e.name for e in env.errors] == ["LAIF_SECRET_KEY_FILE"]
    assert str(missing) in str(env.errors[0])


def test_value_and_file_both_set_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    path.write_text("from-file")
    env = Env({"LAIF_SECRET_KEY": "from-env", "LAIF_SECRET_KEY_FILE": str(path)})
    env.raw("LAIF_SECRET_KEY")
    assert [e.name for e in env.errors] == ["LAIF_SECRET_KEY"]
    assert "LAIF_SECRET_KEY_FILE" in env.errors[0].problem
    assert "choose one" in env.errors[0].problem



@pytest.mark.parametrize(
    ("content", "problem"),
    [(b"", "is empty"), (b"  \n\n", "is empty"), (b"\xff\xfe\x00binary", "not UTF-8 text")],
    ids=["empty", "blank", "binary"],
)
def test_unusable_secret_file_is_an_error_not_a_silent_default(tmp_path: Path, content: bytes,
                                                               problem: str) -> None:
    """A secret mount that failed (empty or garbage file) must stop start-up, not quietly fall
    back to the development default."""
    path = tmp_path / "secret"
    path.write_bytes(content)
    env = Env({"LAIF_AUDIT_KEY_FILE": str(path)})
    assert env.raw("LAIF_AUDIT_KEY") is None
    assert [e.name for e in env.errors] == ["LAIF_AUDIT_KEY_FILE"]
    assert problem in env.errors[0].problem


def test_directory_as_secret_file_is_an_error(tmp_path: Path) -> None:
    env = Env({"LAIF_SECRET_KEY_FILE": str(tmp_path)})
    assert env.raw("LAIF_SECRET_KEY") is None
    assert [e.name for e in env.errors] == ["LAIF_SECRET_KEY_FILE"]
    assert "cannot read" in env.errors[0].problem


def test_retired_keys_one_per_line_or_comma_separated(tmp_path: Path) -> None:
    one, two = "k" * 32, "an older key that may have leaked: B"
    path = tmp_path / "retired"
    path.write_text(f"{one}\n\n  {two}  \n")
    env = Env({"LAIF_AUDIT_KEYS_RETIRED_FILE": str(path)})
    assert env.keys("LAIF_AUDIT_KEYS_RETIRED", minimum_length=32) == [one, two]
    assert Env({"X": f"{one},{'j' * 40}"}).keys("X", minimum_length=32) == [one, "j" * 40]
    assert Env({}).keys("X", minimum_length=32) == []


@pytest.mark.parametrize(("value", "message"), [
    ("k" * 32 + ",tiny-secret", "key 2 of 2 is 11 characters long; each must be at least 32 "
     "characters long"),
    ("k" * 32 + "\n" + "k" * 32, "key 2 of 2 is listed twice"),
])
def test_retired_keys_are_checked_and_never_echoed(value: str, message: str) -> None:
    env = Env({"LAIF_AUDIT_KEYS_RETIRED": value})
    assert env.keys("LAIF_AUDIT_KEYS_RETIRED", minimum_length=32) == []
    [error] = env.errors
    assert str(error) == f"LAIF_AUDIT_KEYS_RETIRED: {message}"
    assert "tiny-secret" not in str(error)
    assert "k" * 32 not in str(error)
