"""``laif network`` and ``laif referrals`` against the API: who offers what we lack, a request
referred to LUMI and moved along, an incoming referral converted into a local request; a
company user is refused."""

from __future__ import annotations

import pytest

from laif.network.models import Referral
from tests.api_support import token_for
from tests.cli_support import run_cli
from tests.factories import World
from tests.network.test_network import incoming, intake

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # rich wraps tables at the terminal's width


def test_referrals_from_the_terminal(world: World) -> None:
    w = world
    token = token_for(w.operator)
    listed = run_cli(["network", "factories", "--capability", "amd_gpu"], token)
    assert listed.exit_code == 0, listed.output
    assert listed.output.index("LUMI") < listed.output.index("AI Factory France")
    check = run_cli(["network", "check", "amd_gpu", "neuromorphic"], token)
    assert "missing: amd_gpu, neuromorphic" in check.output
    assert "offered nowhere in the network: neuromorphic" in check.output

    request = intake(w)
    made = run_cli(["referrals", "refer", str(request.pk), "--factory", "lumi_aif",
                    "--capability", "amd_gpu", "--note", "ROCm port"], token)
    assert made.exit_code == 0, made.output
    referral = Referral.objects.get(intake=request)
    moved = run_cli(["referrals", "status", str(referral.pk), "sent", "--reference",
                     "LUMI-42"], token)
    assert "next: accepted, declined" in moved.output
    assert "LUMI" in run_cli(["referrals", "list", "--direction", "outgoing"], token).output
    # a status the life cycle does not allow: a clear error, a non-zero exit
    assert run_cli(["referrals", "status", str(referral.pk), "completed"], token).exit_code != 0

    came = incoming(w)
    run_cli(["referrals", "status", str(came.pk), "accepted"], token)
    converted = run_cli(["referrals", "convert", str(came.pk)], token)
    assert "Became a local request" in converted.output
    came.refresh_from_db()
    assert came.intake_id is not None

    refused = run_cli(["referrals", "list"], token_for(w.member))
    assert refused.exit_code != 0
