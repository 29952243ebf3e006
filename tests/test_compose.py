"""docker-compose.yml against the settings: the app services get every variable production requires,
the settings load with exactly that environment and pass `check --deploy`, and the stack is wired up.

No database is used: the settings are read in subprocesses, never in the test process (where
pytest-django has already loaded them with the test values).
"""

from __future__ import annotations

import json
import os
import re
import string
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
APP_SERVICES = ("web", "worker", "beat")
# Variables of the outer environment that would otherwise leak into the subprocesses' settings.
OUTER_VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DEBUG",
    "HTTPS",
    "PROXY_COUNT",
    "MEDIA_ROOT",
    "STATIC_ROOT",
    "GANSU_TESTING",
    "DJANGO_SETTINGS_MODULE",
)
# 50 characters, 50 distinct: passes security.W009 like a real generated key.
TEST_SECRET = string.ascii_letters[:50]
# `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?message}`, `${NAME?message}`; `$$` escapes.
SUBSTITUTION = re.compile(r"(?<!\$)\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")
DEPLOY_WARNINGS = {"security.W004", "security.W008", "security.W012", "security.W016"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def _resolve(value: object) -> str:
    """A compose environment value with its substitutions done as `docker compose` would do them
    with no variable set: `:?` (required) gets a test value, `:-` its default."""

    def substitute(match: re.Match[str]) -> str:
        op = match["op"] or ""
        if op.endswith("?"):
            return TEST_SECRET
        if op.endswith("-"):
            return match["arg"]
        return ""

    return SUBSTITUTION.sub(substitute, str(value)).replace("$$", "$")


def _service_env(compose: dict[str, Any], service: str) -> dict[str, str]:
    environment = compose["services"][service]["environment"]
    assert isinstance(environment, dict), f"{service}: environment should be a mapping"
    return {name: _resolve(value) for name, value in environment.items()}


def _manage_check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_variable_required_in_production_is_given_to_the_app_services(
    compose: dict[str, Any],
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in OUTER_VARIABLES}
    env |= {"DEBUG": "1", "GANSU_TESTING": "1"}  # loads without secrets, writes nothing
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, gansu_mall.settings as s; print(json.dumps(s.ENV.required_in_production()))",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    required = json.loads(result.stdout.strip().splitlines()[-1])

    assert required, "the settings recorded no variable as required in production"
    assert {"ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "SECRET_KEY"} <= set(required)
    for service in APP_SERVICES:
        missing = sorted(set(required) - set(compose["services"][service]["environment"]))
        assert not missing, f"{service} lacks variables required in production: {missing}"


def test_settings_pass_check_deploy_with_the_web_environment(compose: dict[str, Any], tmp_path: Path) -> None:
    web_env = _service_env(compose, "web")
    assert web_env["DEBUG"] == "0"
    assert web_env["SECRET_KEY"] == TEST_SECRET  # required, with no default
    assert web_env["HTTPS"] == "0"  # plain HTTP for a local trial, unless the caller says otherwise
    # No host named "postgres" here, and `check` needs no connection: SQLite stands in for it.
    web_env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    web_env["MEDIA_ROOT"] = str(tmp_path / "media")
    web_env["PATH"] = os.environ.get("PATH", "")

    behind_tls = _manage_check(web_env | {"HTTPS": "1", "PROXY_COUNT": "1"})
    assert behind_tls.returncode == 0, behind_tls.stdout + behind_tls.stderr

    # Plain HTTP is reported: the check can fail, and fails for the expected reasons only.
    plain_http = _manage_check(web_env)
    assert plain_http.returncode != 0
    reported = set(re.findall(r"security\.W\d+", plain_http.stdout + plain_http.stderr))
    assert reported == DEPLOY_WARNINGS, plain_http.stdout + plain_http.stderr


def test_substitution_of_compose_values() -> None:
    assert _resolve("${SECRET_KEY:?set SECRET_KEY}") == TEST_SECRET
    assert _resolve("${ALLOWED_HOSTS:-localhost,127.0.0.1}") == "localhost,127.0.0.1"
    assert _resolve("x$${HOME}y") == "x${HOME}y"
    assert _resolve(0) == "0"


def test_stack_structure(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert "version" not in compose
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    for name in ("postgres", "redis", "web", "worker", "beat"):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no healthcheck"

    builds = {json.dumps(services[name].get("build"), sort_keys=True) for name in APP_SERVICES}
    images = {services[name].get("image") for name in APP_SERVICES}
    assert services["web"].get("build"), "web is built from the Dockerfile"
    assert len(builds) == 1, "web, worker and beat share one build"
    assert len(images) == 1, "web, worker and beat share one image"

    worker = services["worker"]
    assert "container_name" not in worker, "worker must be scalable"
    assert "ports" not in worker, "worker must be scalable"
    assert all("container_name" not in service for service in services.values())

    assert {"pgdata", "media"} <= set(compose.get("volumes") or {})
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    for name in ("web", "worker"):
        assert "media:/app/media" in services[name]["volumes"]
        assert services[name]["environment"]["MEDIA_ROOT"] == "/app/media"

    web = services["web"]
    assert "8000:8000" in web["ports"]
    assert "migrate --noinput" in " ".join(web["command"])
    assert "/readyz" in " ".join(web["healthcheck"]["test"])
    for dependency in ("postgres", "redis"):
        assert web["depends_on"][dependency]["condition"] == "service_healthy"
