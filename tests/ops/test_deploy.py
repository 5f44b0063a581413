"""What a site operator installs (deploy/): the systemd units render and pass
``systemd-analyze verify``; the environment file names every setting the platform reads, as
docs/CONFIGURATION.md does, and is itself a production configuration that passes
``manage.py check --deploy``."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
UNITS = ("laif-web.service", "laif-worker@.service", "laif-schedule.service", "laif.target")


def read_variables() -> set[str]:
    """Every variable the settings and gunicorn's configuration read."""
    names: set[str] = set()
    for source in ("settings.py", "gunicorn.py"):
        text = (ROOT / "src" / "laif" / "config" / source).read_text()
        names |= set(re.findall(r'"((?:LAIF|DATABASE)_[A-Z_]+)"', text))
    names |= {f"LAIF_SCHEDULE_{name.upper()}" for name in settings.LAIF_SCHEDULE}
    return names


def test_the_units_render_and_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian's systemd package)")
    env_file = tmp_path / "laif.env"
    env_file.write_text("LAIF_ENV=production\n")
    out = tmp_path / "units"
    subprocess.run([str(ROOT / "deploy" / "render-units.sh"), str(out)], check=True,
                   capture_output=True, timeout=60, env={
                       **os.environ, "LAIF_HOME": str(ROOT), "LAIF_ENV_FILE": str(env_file),
                       "LAIF_DATA_DIR": str(tmp_path / "data")})
    rendered = {path.name: path.read_text() for path in out.iterdir()}
    assert set(rendered) == set(UNITS)
    for text in rendered.values():
        assert "@LAIF_" not in text
    assert "ExecStart=" + str(ROOT / ".venv/bin/python") + " -m gunicorn" in \
        rendered["laif-web.service"]
    assert "NoNewPrivileges=yes" in rendered["laif-schedule.service"]
    (out / "laif-worker@1.service").symlink_to(out / "laif-worker@.service")
    done = subprocess.run([analyze, "verify", *(str(out / name) for name in (
        "laif-web.service", "laif-worker@1.service", "laif-schedule.service", "laif.target"))],
        capture_output=True, text=True, timeout=120, check=False)
    problems = [line for line in (done.stdout + done.stderr).splitlines()
                if str(out) in line or "laif" in line]
    assert done.returncode == 0, done.stdout + done.stderr
    assert not problems, problems


@pytest.mark.parametrize("document", ["docs/CONFIGURATION.md", "deploy/laif.env"])
def test_every_setting_is_documented(document: str) -> None:
    text = (ROOT / document).read_text()
    missing = sorted(name for name in read_variables() if name not in text)
    assert not missing, f"{document} does not mention {missing}"


def test_the_environment_file_is_a_production_configuration(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LAIF_", "DATABASE_URL", "DJANGO_"))}
    for line in (ROOT / "deploy" / "laif.env").read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, value = line.partition("=")
        value = value.split("  #")[0].strip()
        if name.endswith("_FILE"):  # the secrets, made up here
            secret = tmp_path / name.lower()
            secret.write_text(secrets.token_urlsafe(48) + "\n")
            value = str(secret)
        env[name.strip()] = value
    assert env["LAIF_ENV"] == "production"
    env["LAIF_DATA_DIR"] = str(tmp_path)
    env["LAIF_JOBS_DIR"] = str(tmp_path / "jobs")
    done = subprocess.run([sys.executable, str(ROOT / "manage.py"), "check", "--deploy",
                           "--fail-level", "WARNING"], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
