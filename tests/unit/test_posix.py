"""POSIX usernames for cluster identities: derived from the person's name, valid on every Linux
system, never a system account, and unique (collisions get a numeric suffix)."""

from __future__ import annotations

import pytest

from laif.accounts.posix import RESERVED, USERNAME_RE, choose_username, username_base


@pytest.mark.parametrize(
    ("first", "last", "email", "expected"),
    [
        ("Marie", "Dupont", "m@x.lu", "mdupont"),
        ("Élodie", "Müller", "e@x.lu", "emuller"),
        ("Jean-Luc", "Lévêque-Martin", "j@x.lu", "jlevequemartin"),
        ("Seán", "O'Brien", "s@x.lu", "sobrien"),
        ("Łukasz", "Wałęsa", "l@x.pl", "lwalesa"),
        ("Bjørn", "Sørensen", "b@x.dk", "bsorensen"),
        ("Johann", "Strauß", "j@x.at", "jstrauss"),
        ("Æsa", "Þórðardóttir", "a@x.is", "athordardottir"),
        ("ANNE", "SCHMIT", "a@x.lu", "aschmit"),
        ("", "Weber", "w@x.lu", "weber"),
        ("Ada", "", "ada.lovelace@x.lu", "adalovelace"),
        ("李", "小龙", "bruce.lee@x.cn", "brucelee"),  # no Latin letters: e-mail local part
        ("Ivan", "Петров", "ipetrov@x.lu", "ipetrov"),
        ("X", "2pac", "t@x.lu", "x2pac"),
        ("", "2pac", "t@x.lu", "pac"),  # a username cannot start with a digit
        ("", "", "42@x.lu", "usr"),
        ("", "Li", "l@x.lu", "liu"),  # padded to the 3-character minimum
        ("Maximilian", "Wolfeschlegelsteinhausenbergerdorff", "m@x.de", "mwolfeschlegelsteinhause"),
    ],
)
def test_username_base(first: str, last: str, email: str, expected: str) -> None:
    base = username_base(first, last, email)
    assert base == expected
    assert USERNAME_RE.match(base)


@pytest.mark.parametrize(
    ("first", "last", "email"),
    [("'; DROP TABLE users; --", "../../etc/passwd", "x@y.lu"),
     ("root", "", "root@x.lu"), ("\x00", "\n", "\t@x.lu"), ("-", "-", "-@x.lu"),
     ("Ⅻ", "ﬁ", "a@b.lu"), ("😀", "😀", "😀@x.lu"), ("A" * 500, "B" * 500, "c@x.lu")],
)
def test_any_name_gives_a_valid_posix_username(first: str, last: str, email: str) -> None:
    username = choose_username(username_base(first, last, email), lambda name: False)
    assert USERNAME_RE.match(username), username
    assert username not in RESERVED
    assert len(username) <= 32


def test_collisions_get_the_next_free_suffix() -> None:
    taken = {"mdupont", "mdupont2", "mdupont3"}
    assert choose_username("mdupont", taken.__contains__) == "mdupont4"
    assert choose_username("jdoe", taken.__contains__) == "jdoe"


@pytest.mark.parametrize("name", sorted(RESERVED & {"root", "admin", "slurm", "postgres"}))
def test_system_accounts_are_never_handed_out(name: str) -> None:
    assert choose_username(name, lambda n: False) == f"{name}2"


def test_suffix_keeps_within_32_characters() -> None:
    base = username_base("M", "x" * 100, "m@x.lu")
    taken = {base} | {f"{base}{n}" for n in range(2, 1000)}
    username = choose_username(base, taken.__contains__)
    assert username == f"{base}1000"
    assert USERNAME_RE.match(username)


def test_exhaustion_is_an_error_not_a_duplicate() -> None:
    with pytest.raises(RuntimeError, match="no free username"):
        choose_username("mdupont", lambda name: True)
