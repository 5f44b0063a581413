"""What the compute fuzz runs share: one call of a generated case, rolled back, never a 5xx."""

from __future__ import annotations

from typing import Any

import schemathesis
from django.db import transaction
from schemathesis.checks import not_a_server_error


def call_rolled_back(case: schemathesis.Case[Any], authorization: str) -> None:
    """Send the case with the Bearer token inside a transaction that is rolled back (each case
    starts from the same world); a server error fails with the request and the response."""
    with transaction.atomic():
        response = case.call(headers={"Authorization": authorization})
        transaction.set_rollback(True)
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} -> {response.status_code}\n{response.text[:2000]}")
    case.validate_response(response, checks=[not_a_server_error])
