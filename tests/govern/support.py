"""Shared by the AI governance tests: an AI system of Acme registered through the API."""

from __future__ import annotations

from tests.api_support import JSON, client_as
from tests.factories import World


def registered_system(world: World) -> int:
    """Acme's "Loan pre-screening", tied to its project (its lead may change it too)."""
    response = client_as(world.org_admin).post(
        f"/api/organisations/{world.org.pk}/ai-systems",
        {"name": "Loan pre-screening", "purpose": "Scores applicants.",
         "project_id": world.project.pk}, content_type=JSON)
    assert response.status_code == 201, response.content
    return int(response.json()["id"])
