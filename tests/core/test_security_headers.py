"""S12: production settings pass Django's deployment checklist, and every kind of
page answers with the security headers. Run in a fresh interpreter with the
production environment (DEBUG off), as the settings are read once at start-up."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from tests.figures import report

ROOT = Path(__file__).resolve().parents[2]
HOST = "helpdesk.example.com"
PATHS = [
    "/",
    "/login/",
    "/w/acme/tickets/",
    "/reports/",
    "/admin/login/",
    "/api/v1/workspaces/acme/tickets/",
    "/api/schema/",
    "/api/docs/",
    "/no/such/page/",
    "/api/no/such/endpoint/",
]
# Fetches PATHS over HTTPS (as behind the TLS proxy) and once over plain HTTP; no
# path reads the database.
PROBE = """
import json, sys
import django
django.setup()
from django.test import Client
paths, host = json.loads(sys.argv[1]), sys.argv[2]
client = Client(HTTP_HOST=host)
answers = {}
for path in paths:
    response = client.get(path, secure=True)
    answers[path] = {"status": response.status_code, "headers": dict(response.headers)}
plain = client.get("/login/")
answers["http"] = {"status": plain.status_code, "headers": dict(plain.headers)}
print(json.dumps(answers))
"""


def production_env(tmp_path) -> dict:
    # DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser tests (tests/e2e) in this
    # process; a deployment never has it (check --deploy says so).
    dropped = {"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    return {
        **env,
        "DEBUG": "false",
        "ALLOWED_HOSTS": HOST,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
    }


def run(args, env) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def missing_headers(headers: dict) -> list[str]:
    headers = {name.lower(): value for name, value in headers.items()}
    missing = []
    hsts = re.search(r"max-age=(\d+)", headers.get("strict-transport-security", ""))
    if not hsts or int(hsts.group(1)) < 31536000:
        missing.append("Strict-Transport-Security")
    expected = {
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
        "referrer-policy": "same-origin",
        "cross-origin-opener-policy": "same-origin",
    }
    for name, value in expected.items():
        if headers.get(name) != value:
            missing.append(name)
    policy = headers.get("content-security-policy", "")
    if "script-src 'self'" not in policy or "frame-ancestors 'none'" not in policy:
        missing.append("content-security-policy")
    return missing


def test_production_settings_pass_the_deployment_checklist_and_send_the_headers(
    tmp_path,
):
    env = production_env(tmp_path)

    check = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    probe = run(["-c", PROBE, json.dumps(PATHS), HOST], env)

    issues = re.search(r"identified (\d+) issues?", check.stdout + check.stderr)
    warnings = int(issues.group(1)) if issues else 0
    assert "no issues" in check.stdout or warnings, check.stdout + check.stderr
    assert probe.returncode == 0, probe.stderr
    answers = json.loads(probe.stdout.splitlines()[-1])
    missing = {
        path: gaps
        for path in PATHS
        if (gaps := missing_headers(answers[path]["headers"]))
    }
    statuses = {path: answers[path]["status"] for path in PATHS}
    assert statuses["/login/"] == 200 and statuses["/api/docs/"] == 200
    assert statuses["/no/such/page/"] == 404
    # Plain HTTP is sent to HTTPS before anything else happens.
    assert answers["http"]["status"] == 301
    assert answers["http"]["headers"]["Location"] == f"https://{HOST}/login/"
    report(
        "S12",
        {"warnings": 0, "headers_missing": 0, "paths_probed": len(PATHS)},
        warnings=warnings,
        headers_missing=sum(len(gaps) for gaps in missing.values()),
        paths_probed=len(PATHS),
    )
    assert (check.returncode, warnings, missing) == (0, 0, {}), check.stderr
