"""Start-up refuses a bad configuration: ``manage.py check`` in a fresh process exits non-zero
with one clear message naming the variable (no traceback), and a good one starts."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
GOOD_SECRET = "k" * 60
PROD = {"LAIF_ENV": "production", "LAIF_SECRET_KEY": GOOD_SECRET, "LAIF_AUDIT_KEY": "a" * 40}
# what production also needs (issue 17): PostgreSQL, Slurm, SMTP, an https:// site
PROD_SITE = {"DATABASE_URL": "postgres://laif@db.internal:5432/laif", "LAIF_EXECUTOR": "slurm",
             "LAIF_SITE_URL": "https://portal.example.lu"}


def _base_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LAIF_", "DATABASE_URL", "DJANGO_"))}
    env["LAIF_DATA_DIR"] = str(tmp)
    return env


def run_check(tmp: Path, extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(REPO / "manage.py"), "check"],
                          env={**_base_env(tmp), **extra}, cwd=REPO, capture_output=True,
                          text=True, timeout=120, check=False)


def _file(tmp: Path, name: str, content: str) -> str:
    path = tmp / name
    path.write_text(content)
    return str(path)


# (id, variables, the variable the message must name, words it must contain)
BAD: list[tuple[str, dict[str, str], str, str]] = [
    ("debug-maybe", {"LAIF_DEBUG": "maybe"}, "LAIF_DEBUG", "expected true/false"),
    ("production-without-secret", {"LAIF_ENV": "production", "LAIF_AUDIT_KEY": "a" * 40},
     "LAIF_SECRET_KEY", "required in production"),
    ("production-without-audit-key", {"LAIF_ENV": "production", "LAIF_SECRET_KEY": GOOD_SECRET},
     "LAIF_AUDIT_KEY", "required in production"),
    ("production-with-debug", {**PROD, "LAIF_DEBUG": "true"}, "LAIF_DEBUG",
     "DEBUG must be off"),
    ("short-secret", {"LAIF_SECRET_KEY": "short"}, "LAIF_SECRET_KEY", "at least 50"),
    ("database-url-nonsense", {"DATABASE_URL": "nonsense://"}, "DATABASE_URL",
     "not a database URL"),
    ("database-url-bad-port", {"DATABASE_URL": "postgres://laif:hunter2@db:notaport/laif"},
     "DATABASE_URL", "not a database URL"),
    ("uid-min-abc", {"LAIF_UID_MIN": "abc"}, "LAIF_UID_MIN", "expected an integer"),
    ("conn-max-age-negative", {"LAIF_DB_CONN_MAX_AGE": "-1"}, "LAIF_DB_CONN_MAX_AGE",
     "between 0 and 3600"),
    ("uid-max-below-min", {"LAIF_UID_MIN": "300000", "LAIF_UID_MAX": "200000"}, "LAIF_UID_MAX",
     "greater than LAIF_UID_MIN"),
    ("env-unknown", {"LAIF_ENV": "staging"}, "LAIF_ENV", "expected one of"),
    ("time-zone", {"LAIF_TIME_ZONE": "Mars/Olympus_Mons"}, "LAIF_TIME_ZONE", "unknown time zone"),
    ("oidc-without-client", {"LAIF_OIDC_ISSUER": "https://sso.example.lu/realms/x"},
     "LAIF_OIDC_CLIENT_ID", "LAIF_OIDC_ISSUER is set"),
    ("short-audit-key", {**PROD, "LAIF_AUDIT_KEY": "x"}, "LAIF_AUDIT_KEY", "at least 32"),
    ("short-retired-audit-key", {**PROD, "LAIF_AUDIT_KEYS_RETIRED": "r" * 40 + ",tiny-old-key"},
     "LAIF_AUDIT_KEYS_RETIRED", "key 2 of 2 is 12 characters long"),
    ("audit-key-also-retired", {**PROD, "LAIF_AUDIT_KEYS_RETIRED": "r" * 40 + "\n" + "a" * 40},
     "LAIF_AUDIT_KEYS_RETIRED", "a key in force cannot be retired"),
    ("token-ttl-out-of-range", {"LAIF_TOKEN_TTL_DAYS": "10000"}, "LAIF_TOKEN_TTL_DAYS",
     "between 1 and 730"),
    ("cashback-cap-negative", {"LAIF_CASHBACK_CAP_EUR": "-5"}, "LAIF_CASHBACK_CAP_EUR",
     "between 0 and 10000000"),
    ("cashback-cap-text", {"LAIF_CASHBACK_CAP_EUR": "lots"}, "LAIF_CASHBACK_CAP_EUR",
     "expected an integer"),
    ("prices-file-missing", {"LAIF_PRICES_FILE": "/nonexistent/prices.json"},
     "LAIF_PRICES_FILE", "cannot read it"),
    ("slurm-prefix-quotes", {"LAIF_SLURM_COMMAND_PREFIX": "chroot '/var/lib/laif-slurm24/root"},
     "LAIF_SLURM_COMMAND_PREFIX", "not a command line"),
    ("slurm-prefix-missing", {"LAIF_SLURM_COMMAND_PREFIX": "/nonexistent/chroot /srv/root"},
     "LAIF_SLURM_COMMAND_PREFIX", "not an executable"),
    ("trusted-proxies-not-addresses", {"LAIF_TRUSTED_PROXIES": "10.0.0.5, the-proxy"},
     "LAIF_TRUSTED_PROXIES", "expected IP addresses or networks"),
    ("reset-link-too-short", {"LAIF_PASSWORD_RESET_MINUTES": "1"},
     "LAIF_PASSWORD_RESET_MINUTES", "between 10 and 10080"),
    ("production-sqlite", {**PROD, **PROD_SITE, "DATABASE_URL": "sqlite:////tmp/x.sqlite3"},
     "DATABASE_URL", "SQLite is refused in production"),
    ("production-default-sqlite", {**PROD, **PROD_SITE, "DATABASE_URL": ""}, "DATABASE_URL",
     "SQLite is refused in production"),
    ("production-local-executor", {**PROD, **PROD_SITE, "LAIF_EXECUTOR": "local"},
     "LAIF_EXECUTOR", "local executor is refused in production"),
    ("production-console-mail", {**PROD, **PROD_SITE, "LAIF_EMAIL_BACKEND": "console"},
     "LAIF_EMAIL_BACKEND", "'console' is refused in production"),
    ("production-file-mail", {**PROD, **PROD_SITE, "LAIF_EMAIL_BACKEND": "file"},
     "LAIF_EMAIL_BACKEND", "'file' is refused in production"),
    ("production-http-site", {**PROD, **PROD_SITE, "LAIF_SITE_URL": "http://portal.example.lu"},
     "LAIF_SITE_URL", "https:// address in production"),
    ("staff-network-nonsense", {"LAIF_STAFF_NETWORKS": "10.0.0.0/8,intranet"},
     "LAIF_STAFF_NETWORKS", "expected IP addresses or networks"),
    ("trusted-proxy-nonsense", {"LAIF_TRUSTED_PROXIES": "10.0.0.0/33"}, "LAIF_TRUSTED_PROXIES",
     "expected IP addresses or networks"),
    ("schedule-nonsense", {"LAIF_SCHEDULE_JOBS_POLL": "every minute"},
     "LAIF_SCHEDULE_JOBS_POLL", "expected an interval"),
    ("schedule-bad-crontab", {"LAIF_SCHEDULE_ALLOCATIONS_TICK": "5 25 * * *"},
     "LAIF_SCHEDULE_ALLOCATIONS_TICK", "not a valid crontab line"),
    ("docs-access-unknown", {"LAIF_API_DOCS_ACCESS": "everyone"}, "LAIF_API_DOCS_ACCESS",
     "expected one of public, staff, off"),
    ("metrics-token-short", {"LAIF_METRICS_TOKEN": "short"}, "LAIF_METRICS_TOKEN",
     "at least 32"),
    ("proxy-header-nonsense", {"LAIF_PROXY_SSL_HEADER": "X Forwarded: Proto"},
     "LAIF_PROXY_SSL_HEADER", "not a header name"),
]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess[str]]:
    """Every start-up case, run in parallel (each is a fresh Python process)."""
    tmp = tmp_path_factory.mktemp("startup")
    cases: dict[str, dict[str, str]] = {case_id: env for case_id, env, _, _ in BAD}
    cases["secret-both-ways"] = {
        "LAIF_SECRET_KEY": GOOD_SECRET,
        "LAIF_SECRET_KEY_FILE": _file(tmp, "secret", GOOD_SECRET),
    }
    cases["secret-file-missing"] = {"LAIF_SECRET_KEY_FILE": str(tmp / "no-such-file")}
    cases["production-empty-audit-key-file"] = {
        **PROD, "LAIF_AUDIT_KEY": "", "LAIF_AUDIT_KEY_FILE": _file(tmp, "empty-audit", "\n")}
    cases["many-errors"] = {"LAIF_DEBUG": "maybe", "LAIF_UID_MIN": "abc",
                            "DATABASE_URL": "nonsense://"}
    cases["good-development"] = {}
    cases["good-production-from-files"] = {
        "LAIF_ENV": "production",
        "LAIF_SECRET_KEY_FILE": _file(tmp, "prod-secret", GOOD_SECRET + "\n"),
        "LAIF_AUDIT_KEY_FILE": _file(tmp, "prod-audit", "b" * 40 + "\n"),
        "LAIF_AUDIT_KEYS_RETIRED_FILE": _file(tmp, "prod-audit-retired",
                                              "c" * 40 + "\n" + "d" * 40 + "\n"),
        **PROD_SITE,
        "DATABASE_URL": "postgres://laif:hunter2@db.internal:5432/laif",
    }
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = {case_id: pool.submit(run_check, tmp, env) for case_id, env in cases.items()}
        return {case_id: future.result() for case_id, future in futures.items()}


@pytest.mark.parametrize(("case_id", "variable", "words"),
                         [(c[0], c[2], c[3]) for c in BAD], ids=[c[0] for c in BAD])
def test_bad_value_stops_start_up(results: dict[str, subprocess.CompletedProcess[str]],
                                  case_id: str, variable: str, words: str) -> None:
    result = results[case_id]
    assert result.returncode != 0, result.stdout + result.stderr
    assert "laif cannot start: invalid configuration" in result.stderr
    error_lines = [line.strip() for line in result.stderr.splitlines() if line.startswith("  - ")]
    assert any(line.startswith(f"- {variable}: ") and words in line for line in error_lines), (
        result.stderr)
    assert "Traceback" not in result.stderr


def test_database_password_is_not_echoed(
        results: dict[str, subprocess.CompletedProcess[str]]) -> None:
    assert "hunter2" not in results["database-url-bad-port"].stderr


def test_retired_audit_keys_are_not_echoed(
        results: dict[str, subprocess.CompletedProcess[str]]) -> None:
    assert "tiny-old-key" not in results["short-retired-audit-key"].stderr
    assert "r" * 40 not in results["audit-key-also-retired"].stderr


def test_secret_and_secret_file_together_are_refused(
        results: dict[str, subprocess.CompletedProcess[str]]) -> None:
    result = results["secret-both-ways"]
    assert result.returncode != 0
    assert "LAIF_SECRET_KEY: set both LAIF_SECRET_KEY and LAIF_SECRET_KEY_FILE" in result.stderr


def test_missing_secret_file_names_the_file_variable(
        results: dict[str, subprocess.CompletedProcess[str]]) -> None:
    result = results["secret-file-missing"]
    assert result.returncode != 0
    assert "LAIF_SECRET_KEY_FILE: cannot read" in result.stderr
    assert "no-such-file" in result.stderr


def test_empty_audit_key_file_in_production_is_refused(
        results: dict[str, subprocess.CompletedProcess[str]]) -> None:
    """Not a silent fall-back to a key derived from the secret key."""
    result = results["production-empty-audit-key-file"]
    assert result.returncode != 0
    assert "LAIF_AUDIT_KEY_FILE: " in result.stderr
    assert "is empty" in result.stderr


def test_all_errors_are_reported_at_once(
        results: dict[str, subprocess.CompletedProcess[str]]) -> None:
    result = results["many-errors"]
    assert result.returncode != 0
    for variable in ("LAIF_DEBUG", "LAIF_UID_MIN", "DATABASE_URL"):
        assert f"  - {variable}: " in result.stderr


@pytest.mark.parametrize("case_id", ["good-development", "good-production-from-files"])
def test_good_configuration_starts(results: dict[str, subprocess.CompletedProcess[str]],
                                   case_id: str) -> None:
    result = results[case_id]
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_pass_the_deployment_checks(tmp_path: Path) -> None:
    """``manage.py check --deploy`` has nothing to say about the production settings (HSTS,
    TLS redirect, secure cookies, DEBUG off, a strong secret key)."""
    secret = "x7Kp2mQ9vR4tL8wZ3nB6yH1jF5dS0aG" * 2
    env = {**_base_env(tmp_path), **PROD, **PROD_SITE, "LAIF_SECRET_KEY": secret}
    done = subprocess.run([sys.executable, str(REPO / "manage.py"), "check", "--deploy",
                           "--fail-level", "WARNING"], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_development_without_settings_passes_no_deployment_check(tmp_path: Path) -> None:
    """The check above can fail: development settings fail it."""
    done = subprocess.run([sys.executable, str(REPO / "manage.py"), "check", "--deploy",
                           "--fail-level", "WARNING"], env=_base_env(tmp_path), cwd=REPO,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode != 0
    assert "security.W004" in done.stderr + done.stdout  # no HSTS
