"""Names and tags of the platform's Slurm accounts (pure: no Django; docs/adr/0011).

A project's account is the installation's reserved prefix (``LAIF_SLURM_ACCOUNT_PREFIX``, default
``laif_``) followed by the project's code, lowercased: no project can take an account of the
machine (``root``, a department's) by its name. What Slurm 22.05 does with names, checked on the
test cluster: it stores them lowercased; a comma splits one argument into several accounts
(``add account a,b`` adds two); ``=`` reads as an assignment and a leading ``-`` as an option;
quotes are turned into backquotes; and its accounting database keys accounts on their first 42
characters only (``acct_table``: ``PRIMARY KEY (name(42))``), so two longer names that share them
collide. A name is therefore lowercase letters, digits, ``_`` and ``-``, starting with a letter,
at most 42 characters (a code has at most 32, a prefix at most 10).

An account the platform creates is tagged ``Organization=laif`` and ``Description=laif project
<code> <installation key>``; before the prefix, accounts were created with ``Description=laif
project <code>`` (``legacy_tag``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from laif.cluster.scheduler.base import AccountTag, SchedulerError

MAX_NAME = 42
MAX_PREFIX = 10
ORGANIZATION = "laif"
DEFAULT_PREFIX = "laif_"
_NAME = re.compile(r"[a-z][a-z0-9_-]*")
_CODE = re.compile(r"[a-z0-9_-]+")
ACCOUNTS_CHARS = 16_000
"""The longest account list one ``sacct -A`` is given (``accounting_chunks``)."""


class AccountNameError(SchedulerError):
    """A project code that cannot name a Slurm account (the account is not touched)."""


def check_prefix(prefix: str) -> str:
    """The prefix, or ``ValueError`` saying what a prefix may be."""
    if not (0 < len(prefix) <= MAX_PREFIX and _NAME.fullmatch(prefix)):
        raise ValueError(f"expected 1 to {MAX_PREFIX} lowercase letters, digits, '_' or '-', "
                         f"starting with a letter (e.g. {DEFAULT_PREFIX}), got {prefix!r}")
    return prefix


def account_name(code: str, prefix: str) -> str:
    """The Slurm account of the project whose code is ``code``: ``<prefix><code>``, lowercased.
    ``AccountNameError`` when the code has other characters than a name may have, or is too
    long."""
    lowered = code.lower()
    name = check_prefix(prefix) + lowered
    if not _CODE.fullmatch(lowered) or len(name) > MAX_NAME:
        raise AccountNameError(
            f"project code {code!r} cannot name a Slurm account (lowercase letters, digits, "
            f"'_' and '-', at most {MAX_NAME - len(prefix)} characters)")
    return name


def is_account_name(name: str) -> bool:
    """Whether ``name`` is a name the platform gives or reads (``sacctmgr`` takes it as one
    account, whatever follows it on the command line)."""
    return len(name) <= MAX_NAME and bool(_NAME.fullmatch(name))


def platform_tag(code: str, installation: str) -> AccountTag:
    """The tag of the platform's account of a project, for this installation."""
    return AccountTag(ORGANIZATION, f"laif project {code.lower()} {installation.lower()}")


def legacy_tag(code: str) -> AccountTag:
    """The tag accounts were created with before the prefix (no installation key)."""
    return AccountTag(ORGANIZATION, f"laif project {code.lower()}")


def accounting_chunks(accounts: Sequence[str], max_chars: int = ACCOUNTS_CHARS) -> list[list[str]]:
    """The accounts, sorted and without repeats, in lists whose comma-joined text stays within
    ``max_chars`` (one ``sacct -A`` each); no list when there is no account."""
    chunks: list[list[str]] = []
    size = max_chars + 1
    for name in sorted(set(accounts)):
        if size + 1 + len(name) > max_chars:
            chunks.append([])
            size = -1
        chunks[-1].append(name)
        size += 1 + len(name)
    return chunks
