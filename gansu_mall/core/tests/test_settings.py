"""Settings come from the environment; production-like environments pass check --deploy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from gansu_mall.env import Env

ROOT = Path(__file__).resolve().parents[3]
STRONG_KEY = "k3y-" + "a1B2c3D4e5F6g7H8i9J0" * 3


def run_django(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "VIRTUAL_ENV"}}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def settings_of(env: dict[str, str]) -> dict:
    code = (
        "import json, gansu_mall.settings as s;"
        "print(json.dumps({'debug': s.DEBUG, 'eager': s.CELERY_TASK_ALWAYS_EAGER, 'cache': s.CACHES['default']['BACKEND'],"
        "'db': s.DATABASES['default']['ENGINE'], 'hosts': s.ALLOWED_HOSTS, 'broker': s.CELERY_BROKER_URL,"
        "'https': s.HTTPS, 'hasher': s.PASSWORD_HASHERS[0], 'lang': s.LANGUAGE_CODE, 'tz': s.TIME_ZONE}))"
    )
    result = run_django(code, env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_env_parsing():
    env = Env(environ={"A": "yes", "B": "0", "N": "12", "L": "a.cn, b.cn,,", "BAD": "maybe"})
    assert env.bool("A") is True
    assert env.bool("B") is False
    assert env.bool("MISSING", True) is True
    assert env.int("N", 1) == 12
    assert env.list("L") == ["a.cn", "b.cn"]
    assert env.str("S", "dflt", required_in_production=True) == "dflt"
    assert env.required_in_production() == ["S"]
    with pytest.raises(ImproperlyConfigured):
        env.bool("BAD")
    with pytest.raises(ImproperlyConfigured):
        Env(environ={"N": "x"}).int("N", 0)


def test_demo_defaults_sqlite_eager_locmem(tmp_path):
    s = settings_of({"DEBUG": "1"})
    assert s["db"] == "django.db.backends.sqlite3"
    assert s["eager"] is True
    assert s["broker"] == "memory://"
    assert s["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert s["https"] is False
    assert s["lang"] == "zh-hans"
    assert s["tz"] == "Asia/Shanghai"
    assert s["hasher"] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_production_uses_redis_and_postgres():
    s = settings_of(
        {
            "SECRET_KEY": STRONG_KEY,
            "ALLOWED_HOSTS": "mall.example.cn",
            "REDIS_URL": "redis://127.0.0.1:6379/3",
            "DATABASE_URL": "postgres://u:p@db:5432/gansu",
        }
    )
    assert s["debug"] is False
    assert s["https"] is True
    assert s["eager"] is False
    assert s["db"] == "django.db.backends.postgresql"
    assert s["cache"] == "gansu_mall.core.redis_cache.ReusedClientRedisCache"
    assert s["broker"] == "redis://127.0.0.1:6379/3"
    assert s["hosts"] == ["mall.example.cn"]


def test_secret_key_is_required_when_debug_is_off():
    result = run_django("import gansu_mall.settings", {"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_check_deploy_passes_in_a_production_like_environment(tmp_path):
    env = {
        "SECRET_KEY": STRONG_KEY,
        "ALLOWED_HOSTS": "mall.example.cn",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": "redis://127.0.0.1:6379/3",
    }
    cmd = "import sys; from django.core.management import execute_from_command_line as e; e(sys.argv)"
    code = f"import os, sys; os.environ.setdefault('DJANGO_SETTINGS_MODULE','gansu_mall.settings'); sys.argv=['manage.py','check','--deploy','--fail-level','WARNING']; {cmd}"
    ok = run_django(code, env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # The check can fail: without HTTPS it warns about the redirect and cookies.
    bad = run_django(code, {**env, "HTTPS": "0"})
    assert bad.returncode != 0
    assert "security.W008" in bad.stderr + bad.stdout
