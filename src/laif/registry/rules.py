"""What the registry accepts (pure: no Django): model and environment names, a code reference,
parameters and metrics. Each refusal is a ``RuleError`` naming its field; the caller words it."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
ENVIRONMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,59}")
CODE_REF = re.compile(r"[\x21-\x7e]{1,200}")  # a commit, a tag, sha256:..., a URL: no spaces
MAX_ENTRIES = 100
MAX_KEY = 100
MAX_TEXT = 500
MAX_NUMBER = 1e15


class RuleError(ValueError):
    def __init__(self, field: str, code: str) -> None:
        super().__init__(f"{field}: {code}")
        self.field, self.code = field, code


def model_name(name: str) -> str:
    if not MODEL_NAME.fullmatch(name or ""):
        raise RuleError("name", "model_name")
    return name


def environment(name: str) -> str:
    if not ENVIRONMENT.fullmatch(name or ""):
        raise RuleError("environment", "environment")
    return name


def code_ref(text: str) -> str:
    if text and not CODE_REF.fullmatch(text):
        raise RuleError("code_ref", "code_ref")
    return text


def _value(field: str, value: Any) -> str | int | float | bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if not math.isfinite(value) or abs(value) > MAX_NUMBER:
            raise RuleError(field, "number")
        return value
    if isinstance(value, str):
        if len(value) > MAX_TEXT or "\x00" in value:
            raise RuleError(field, "text")
        return value
    raise RuleError(field, "value")


def entries(field: str, given: Mapping[str, Any] | None, *, numbers: bool = False
            ) -> dict[str, str | int | float | bool]:
    """Parameters (any scalar) or metrics (``numbers``: finite numbers only) as a flat mapping:
    at most ``MAX_ENTRIES`` keys of printable text up to ``MAX_KEY`` characters."""
    if not given:
        return {}
    if not isinstance(given, Mapping) or len(given) > MAX_ENTRIES:
        raise RuleError(field, "entries")
    found: dict[str, str | int | float | bool] = {}
    for key, value in given.items():
        if (not isinstance(key, str) or not 1 <= len(key) <= MAX_KEY or not key.isprintable()):
            raise RuleError(field, "key")
        cleaned = _value(field, value)
        if numbers and (isinstance(cleaned, bool) or not isinstance(cleaned, int | float)):
            raise RuleError(field, "number")
        found[key] = cleaned
    return found

