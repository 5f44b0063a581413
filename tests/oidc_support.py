"""An OpenID Connect provider for tests: oidc-provider-mock served on 127.0.0.1 in a thread.

The mock takes its issuer from the Host header, so it is always called as 127.0.0.1. ``tamper``
lets a test rewrite the ID token the token endpoint returns (claims, or the signing key) to prove
the relying party refuses it.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import flask
import httpx
import jwt
import oidc_provider_mock
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

Claims = dict[str, Any]
Tamper = Callable[[Claims], None]


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def _b64json(part: str) -> Claims:
    data: Claims = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return data


def free_port() -> int:
    """A port nothing listens on (for "provider down")."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class MockProvider:
    def __init__(self) -> None:
        self.app: flask.Flask = oidc_provider_mock.app()
        self.app.after_request(self._rewrite_token_response)
        self.tamper: Tamper | None = None
        self.sign_with_foreign_key = False
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> MockProvider:
        self._server = make_server(
            "127.0.0.1", 0, self.app, threaded=True, request_handler=_QuietHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)
        self._server = self._thread = None

    @property
    def issuer(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_port}"

    def reset(self) -> None:
        self.tamper = None
        self.sign_with_foreign_key = False

    # ------------------------------------------------------------------ the person at the provider

    def set_user(self, sub: str, claims: Claims) -> None:
        response = httpx.put(f"{self.issuer}/users/{sub}", json=claims)
        assert response.status_code == 204, response.text

    def authorize(self, authorize_url: str, sub: str) -> tuple[str, dict[str, str]]:
        """Log in as ``sub`` on the provider's authorize page; returns the callback path and
        query the browser is sent back with."""
        return self._submit(authorize_url, {"sub": sub})

    def deny(self, authorize_url: str) -> tuple[str, dict[str, str]]:
        return self._submit(authorize_url, {"action": "deny"})

    def _submit(self, authorize_url: str, form: dict[str, str]) -> tuple[str, dict[str, str]]:
        assert authorize_url.startswith(self.issuer + "/"), authorize_url
        response = httpx.post(authorize_url, data=form)
        assert response.status_code == 302, response.text
        location = urlsplit(response.headers["location"])
        query = {key: values[0] for key, values in parse_qs(location.query).items()}
        return location.path, query

    # ------------------------------------------------------------------ tampering

    def _rewrite_token_response(self, response: flask.Response) -> flask.Response:
        if flask.request.path != "/oauth2/token" or response.status_code != 200:
            return response
        if self.tamper is None and not self.sign_with_foreign_key:
            return response
        body = response.get_json()
        header_part, claims_part, _signature = body["id_token"].split(".")
        header, claims = _b64json(header_part), _b64json(claims_part)
        if self.tamper is not None:
            self.tamper(claims)
        if self.sign_with_foreign_key:
            key: Any = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        else:
            key = flask.g.oidc_provider_mock_storage.jwk.get_private_key()
        body["id_token"] = jwt.encode(
            claims, key, algorithm="RS256", headers={"kid": header.get("kid")}
        )
        response.set_data(json.dumps(body))
        return response
