"""The SSH page names the host to log in to (issue 22, point 2), from the cluster catalogue with
where it comes from; a catalogue without one shows none; a host that is no host name is
refused when the file is read."""

from __future__ import annotations

import copy
import dataclasses
import json
from typing import Any

import pytest
from pytest_django.fixtures import Settings

from laif.accounts.models import ClusterIdentity
from laif.catalogue import CATALOGUE_DIR, CatalogueError
from laif.catalogue.cluster import load_cluster, parse_cluster
from tests.api_support import client_as
from tests.factories import World

SHIPPED: dict[str, Any] = json.loads((CATALOGUE_DIR / "cluster.json").read_text("utf-8"))


def test_the_shipped_login_host_and_its_command() -> None:
    login = load_cluster().login
    assert login is not None
    assert (login.host, login.port) == ("login.lxp.lu", 8822)
    assert login.command == "ssh -p 8822 login.lxp.lu"
    assert "not from an operator's document" in login.source


@pytest.mark.parametrize("host", ["bad host", "login.lxp.lu;rm -rf /", "-oProxyCommand=x", ""])
def test_a_host_that_is_no_host_name_is_refused(host: str) -> None:
    data = copy.deepcopy(SHIPPED)
    data["cluster"]["login"]["host"] = host
    with pytest.raises(CatalogueError, match="host"):
        parse_cluster(data)


@pytest.mark.django_db
def test_the_account_page_gives_the_command_to_connect(world: World,
                                                       settings: Settings) -> None:
    username = ClusterIdentity.objects.get(user=world.project_lead).username
    client = client_as(world.project_lead)
    page = client.get("/account/").content.decode()
    assert f"<code>ssh -p 8822 {username}@login.lxp.lu</code>" in page
    assert "MeluXina-AI&#x27;s own login host is to be confirmed" in page
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    french = client.get("/account/").content.decode()
    assert "reste à confirmer par LuxProvide" in french
    settings.LAIF_CLUSTER = dataclasses.replace(settings.LAIF_CLUSTER, login=None)
    assert 'id="ssh-login"' not in client.get("/account/").content.decode()
