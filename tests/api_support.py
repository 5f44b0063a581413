"""Helpers shared by the API test modules (tenancy matrix, fuzzing, behaviour)."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.test import Client

from laif.accounts.models import User

BACKEND = "django.contrib.auth.backends.ModelBackend"


def ssh_public_key(comment: str = "me@laptop") -> str:
    """A fresh OpenSSH ed25519 public key line, as in ``~/.ssh/id_ed25519.pub``."""
    public = ed25519.Ed25519PrivateKey.generate().public_key()
    return public.public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode() + " " + comment


def client_as(user: User | None, **kwargs: Any) -> Client:
    """A test client with a browser session of ``user`` (anonymous for None)."""
    client = Client(**kwargs)
    if user is not None:
        client.force_login(user, backend=BACKEND)
    return client
