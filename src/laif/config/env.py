"""Settings from environment variables, validated at start-up.

A pure module (no Django import): every reader takes the environment mapping and either returns a
typed value or raises :class:`SettingError`, whose message names the variable and says what was
expected. ``settings.py`` collects all errors and stops the process with one clear message.
Secrets may come from ``NAME_FILE`` (a path whose content is the value), as container platforms do.
"""

from __future__ import annotations

import builtins
import ipaddress
import os
import re
import shlex
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class SettingError(ValueError):
    """A bad environment value; ``str()`` names the variable."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")
        self.name = name
        self.problem = problem


class Env:
    """Reads typed values from an environment mapping and remembers every error."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.errors: list[SettingError] = []

    def raw(self, name: str) -> str | None:
        """The value of NAME, or the content of the file named by NAME_FILE; None when unset."""
        value = self.environ.get(name)
        file_name = self.environ.get(f"{name}_FILE")
        if value not in (None, "") and file_name:
            self.errors.append(SettingError(name, f"set both {name} and {name}_FILE; choose one"))
            return value
        if value not in (None, ""):
            return value
        if file_name:
            try:
                content = Path(file_name).read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as exc:
                why = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
                self.errors.append(SettingError(f"{name}_FILE", f"cannot read {file_name!r}: {why}"))
                return None
            if not content:  # a secret mount that failed: never fall back to a default silently
                self.errors.append(SettingError(f"{name}_FILE", f"{file_name!r} is empty"))
                return None
            return content
        return None

    def _typed(self, name: str, default: T, parse: Callable[[str], T]) -> T:
        value = self.raw(name)
        if value is None:
            return default
        try:
            return parse(value)
        except SettingError as exc:
            self.errors.append(SettingError(name, exc.problem))
        except ValueError as exc:
            self.errors.append(SettingError(name, str(exc)))
        return default

    def str(self, name: builtins.str, default: builtins.str) -> builtins.str:
        return self._typed(name, default, _check_no_nul)

    def bool(self, name: builtins.str, default: builtins.bool) -> builtins.bool:
        return self._typed(name, default, parse_bool)

    def int(
        self,
        name: builtins.str,
        default: builtins.int,
        *,
        minimum: builtins.int,
        maximum: builtins.int,
    ) -> builtins.int:
        return self._typed(name, default, lambda v: parse_int(v, minimum, maximum))

    def choice(
        self, name: builtins.str, default: builtins.str, choices: tuple[builtins.str, ...]
    ) -> builtins.str:
        return self._typed(name, default, lambda v: parse_choice(v, choices))

    def list(
        self, name: builtins.str, default: builtins.list[builtins.str]
    ) -> builtins.list[builtins.str]:
        return self._typed(name, default, parse_list)

    def command(self, name: builtins.str) -> tuple[builtins.str, ...]:
        return self._typed(name, (), parse_command)
    def keys(self, name: builtins.str, *, minimum_length: builtins.int
             ) -> builtins.list[builtins.str]:
        """Secret keys, one per line or separated by commas (also from NAME_FILE); none when
        unset. Never echoed in an error."""
        return self._typed(name, [], lambda v: parse_keys(v, minimum_length))

    def networks(self, name: builtins.str, default: builtins.str = "") -> builtins.list[Network]:
        """A comma-separated list of IP addresses or networks (CIDR); ``default`` when unset."""
        return self._typed(name, parse_networks(default), parse_networks)

    def require(self, name: builtins.str, problem: builtins.str) -> None:
        self.errors.append(SettingError(name, problem))


def _check_no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    return value


def parse_bool(value: str) -> bool:
    low = value.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ValueError(f"expected true/false (or 1/0, yes/no, on/off), got {value!r}")


def parse_int(value: str, minimum: int, maximum: int) -> int:
    if not re.fullmatch(r"-?[0-9]+", value.strip()):  # ASCII digits only
        raise ValueError(f"expected an integer, got {value!r}")
    number = int(value)
    if not minimum <= number <= maximum:
        raise ValueError(f"expected an integer between {minimum} and {maximum}, got {number}")
    return number


def parse_choice(value: str, choices: tuple[str, ...]) -> str:
    low = value.strip().lower()
    if low not in choices:
        raise ValueError(f"expected one of {', '.join(choices)}, got {value!r}")
    return low


def parse_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def parse_command(value: str) -> tuple[str, ...]:
    """A command line split as a POSIX shell would (quotes, no expansion); its program must be an
    absolute path to an executable file or a name found on PATH. Blank: no command."""
    _check_no_nul(value)
    try:
        words = tuple(shlex.split(value))
    except ValueError as exc:
        raise ValueError(f"not a command line ({exc}): {value!r}") from exc
    if not words:
        return ()
    program = words[0]
    if os.path.isabs(program):
        found = os.path.isfile(program) and os.access(program, os.X_OK)
    else:
        found = "/" not in program and shutil.which(program) is not None
    if not found:
        raise ValueError(f"{program!r} is not an executable (an absolute path, or a name on PATH)")
    return words
def parse_keys(value: str, minimum_length: int) -> list[str]:
    """Keys separated by newlines or commas (blanks around each ignored); each at least
    ``minimum_length`` characters, none twice. Errors say which key (by position), never what."""
    _check_no_nul(value)
    keys = [item.strip() for item in re.split(r"[,\n]", value) if item.strip()]
    for number, key in enumerate(keys, start=1):
        if len(key) < minimum_length:
            raise ValueError(f"key {number} of {len(keys)} is {len(key)} characters long; each "
                             f"must be at least {minimum_length} characters long")
        if key in keys[:number - 1]:
            raise ValueError(f"key {number} of {len(keys)} is listed twice")
    return keys


def parse_networks(value: str) -> list[Network]:
    """``10.0.0.1, 192.0.2.0/24, ::1`` -> networks (an address is a network of one)."""
    networks: list[Network] = []
    for item in parse_list(value):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(
                f"expected IP addresses or networks separated by commas (e.g. 10.0.0.5, "
                f"192.0.2.0/24), got {item!r}"
            ) from None
    return networks


def format_errors(errors: list[SettingError]) -> str:
    lines = ["laif cannot start: invalid configuration"]
    lines += [f"  - {error}" for error in errors]
    return "\n".join(lines)
