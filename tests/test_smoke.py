import pytest

pytestmark = pytest.mark.django_db


def test_world_builds(world, client_for):
    r = client_for(world.member).get("/api/me")
    assert r.status_code == 200, r.content
    assert r.json()["organisations"][0]["name"] == "Acme Vision"
    r = client_for(world.other_member).get(f"/api/projects/{world.project.pk}")
    assert r.status_code == 404
    r = client_for(world.project_lead).get(f"/api/projects/{world.project.pk}")
    assert r.status_code == 200
