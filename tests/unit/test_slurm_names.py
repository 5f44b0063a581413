"""Names and tags of the platform's Slurm accounts (laif.cluster.scheduler.names): pure, no database.
What Slurm 22.05 does with names was checked on the test cluster (docs/adr/0011)."""

from __future__ import annotations

import pytest

from laif.cluster.scheduler.base import AccountTag
from laif.cluster.scheduler.names import (
    MAX_NAME,
    AccountNameError,
    account_name,
    accounting_chunks,
    check_prefix,
    is_account_name,
    legacy_tag,
    platform_tag,
)


def test_an_account_is_the_prefix_and_the_lowercased_code() -> None:
    assert account_name("root", "laif_") == "laif_root"
    assert account_name("P0001", "laif_") == "laif_p0001"  # Slurm stores names lowercased
    assert account_name("quality-control-lin", "x-") == "x-quality-control-lin"
    longest = "a" * 32  # a project code has at most 32 characters, a prefix at most 10
    assert len(account_name(longest, "abcdefghij")) == MAX_NAME == 42


@pytest.mark.parametrize("code", [
    "a,root",  # sacctmgr would add or modify two accounts, one of them root
    "x=1", "with space", "quote'", "", "é", "a/b", "a" * 38,  # 38 + 5 > 42: slurmdbd keys on 42
])
def test_a_code_that_cannot_name_an_account_is_refused(code: str) -> None:
    with pytest.raises(AccountNameError, match="cannot name a Slurm account"):
        account_name(code, "laif_")


@pytest.mark.parametrize("prefix", ["", "Laif_", "-laif", "1laif", "laif,", "laif_longer_", "la if"])
def test_a_prefix_is_short_lowercase_and_starts_with_a_letter(prefix: str) -> None:
    with pytest.raises(ValueError, match="lowercase letters"):
        check_prefix(prefix)
    assert check_prefix("laif_") == "laif_"


def test_names_the_platform_reads() -> None:
    assert is_account_name("laif_root")
    assert is_account_name("laiftest")
    assert not is_account_name("-A")
    assert not is_account_name("a,b")
    assert not is_account_name("a" * 43)


def test_tags_carry_the_code_and_the_installation_lowercased() -> None:
    assert platform_tag("P0001", "3F9A2C1B") == AccountTag("laif", "laif project p0001 3f9a2c1b")
    assert legacy_tag("P0001") == AccountTag("laif", "laif project p0001")
    assert platform_tag("x", "k1") != platform_tag("x", "k2")  # another installation's
    assert platform_tag("x", "k1") != legacy_tag("x")


def test_accounting_reads_the_accounts_in_bounded_lists() -> None:
    assert accounting_chunks([]) == []
    assert accounting_chunks(["b", "a", "b"]) == [["a", "b"]]
    names = [f"laif_p{i:05d}" for i in range(5000)]
    chunks = accounting_chunks(names, max_chars=1000)
    assert [n for chunk in chunks for n in chunk] == sorted(names)
    assert all(len(",".join(chunk)) <= 1000 for chunk in chunks)
    assert len(chunks) == -(-5000 // (1001 // 12))  # 11 characters and a comma each
