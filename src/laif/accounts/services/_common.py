"""Helpers shared by the accounts services."""

from __future__ import annotations

import hashlib
import re

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

from laif.accounts.errors import DomainError
from laif.accounts.models import (
    User,
)

TOKEN_PREFIX = "laif_"
RCS_RE = re.compile(r"^[A-Z]\d{1,7}$")

def password_check(password: str, user: User | None = None) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="password") from exc


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
