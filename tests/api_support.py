"""Helpers shared by the API test modules (tenancy matrix, fuzzing, behaviour)."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.test import Client

from laif.accounts.models import User
from tests.factories import PASSWORD

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


JSON = "application/json"


def token_for(user: User, client: Client | None = None) -> str:
    response = (client or Client()).post(
        "/api/auth/token", {"email": user.email, "password": PASSWORD}, content_type=JSON
    )
    assert response.status_code == 201, response.content
    return str(response.json()["token"])


class Api:
    """A client that speaks JSON with a Bearer token, as the CLI does."""

    def __init__(self, token: str | None = None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, url: str, **params: Any) -> Any:
        return self.client.get(url, params, headers=self.headers)

    def post(self, url: str, body: dict[str, Any]) -> Any:
        return self.client.post(url, body, content_type=JSON, headers=self.headers)

    def put(self, url: str, body: dict[str, Any]) -> Any:
        return self.client.put(url, body, content_type=JSON, headers=self.headers)

    def delete(self, url: str) -> Any:
        return self.client.delete(url, headers=self.headers)
