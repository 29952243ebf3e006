"""A private Redis and real Celery worker processes for integration tests.

- :func:`private_redis` starts ``redis-server`` on a free loopback port (never the machine's shared Redis
  on 6379), with ``.url``, ``.stop()`` (the server goes down; its port is kept for ``.start()``) and
  ``.start()``.
- :func:`celery_worker` starts ``celery -A gansu_mall worker --pool=prefork`` in its own process group,
  pointed at the pytest test database and the private broker, not eager; waits until it is ready; gives
  ``.kill(sig)`` (the worker and its pool children), ``.restart()``, ``.log()`` and ``.wait_for()``.
- :func:`celery_sends_to` makes this (the test) process publish to the private broker instead of running
  tasks eagerly, and restores the app afterwards.

Tests using them are ``@pytest.mark.django_db(transaction=True)``: the worker only sees committed rows.
Without the ``redis-server`` binary they are skipped — and fail under REQUIRE_SERVICES=1 (CI).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest

ROOT = Path(__file__).resolve().parents[2]
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
T = TypeVar("T")


def require_binary(name: str) -> str:
    """The path of ``name``; skip the test without it (fail under REQUIRE_SERVICES=1)."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not on PATH (apt-get install redis-server)"
        if REQUIRE_SERVICES:
            pytest.fail(f"REQUIRE_SERVICES=1 but {message}")
        pytest.skip(message)
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(predicate: Callable[[], T], timeout: float, *, interval: float = 0.1, what: str = "") -> T:
    """Poll ``predicate`` until it returns something truthy (returned); AssertionError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or predicate}")
        time.sleep(interval)


class PrivateRedis:
    def __init__(self, binary: str, port: int, directory: Path) -> None:
        self.binary = binary
        self.port = port
        self.directory = directory
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        log = (self.directory / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        wait_for(self.ping, 10, what=f"redis-server on port {self.port}")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None
        wait_for(lambda: not self.ping(), 5, what=f"redis-server on port {self.port} to stop")


@contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    binary = require_binary("redis-server")
    directory = Path(tempfile.mkdtemp(prefix="gansu-redis-"))
    server = PrivateRedis(binary, free_port(), directory)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


def database_url(database_name: str) -> str:
    """The test database's URL (the live one pytest-django created), from the default connection."""
    from django.db import connection

    params = connection.settings_dict
    user = params.get("USER") or ""
    password = params.get("PASSWORD") or ""
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = params.get("HOST") or "127.0.0.1"
    port = params.get("PORT") or "5432"
    return f"postgres://{credentials}{host}:{port}/{database_name}"


class CeleryWorker:
    def __init__(
        self,
        *,
        broker_url: str,
        database_name: str,
        concurrency: int = 1,
        env: dict[str, str] | None = None,
        beat: bool = False,
    ) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="gansu-worker-"))
        self.log_path = self.directory / "worker.log"
        self.concurrency = concurrency
        self.beat = beat
        self.name = f"test-{uuid.uuid4().hex[:8]}@%h"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "gansu_mall.settings",
            "DEBUG": "1",
            "DATABASE_URL": database_url(database_name),
            "REDIS_URL": broker_url,
            "GANSU_TESTING": "0",
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def command(self) -> list[str]:
        celery = Path(sys.executable).parent / "celery"
        command = [
            str(celery) if celery.exists() else "celery",
            "-A",
            "gansu_mall",
            "worker",
            "--pool=prefork",
            f"--concurrency={self.concurrency}",
            "--loglevel=INFO",
            "--hostname",
            self.name,
            "--without-gossip",
            "--without-mingle",
        ]
        if self.beat:
            command += ["--beat", "--schedule", str(self.directory / "beat-schedule")]
        return command

    def start(self, timeout: float = 60) -> None:
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"\n--- start {self.starts} ---\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                self.command(),
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: kill() reaches the pool children too
            )
        marker = f"--- start {self.starts} ---"

        def ready() -> bool:
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"the worker exited with {self.process.returncode}:\n{self.log()}")
            return " ready." in self.log().rsplit(marker, 1)[-1]

        wait_for(ready, timeout, interval=0.2, what="the Celery worker to be ready")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to the worker's whole process group (the main process and its pool children)."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass
        if sig in (signal.SIGKILL, signal.SIGTERM):
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
            self._reap_group()

    def _reap_group(self) -> None:
        """Pool children left behind (their parent killed) are killed too."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.kill(signal.SIGTERM)
        else:
            self._reap_group()
        self.process = None

    def restart(self, timeout: float = 60) -> None:
        self.stop()
        self.start(timeout)

    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def wait_for(self, predicate: Callable[[], T], timeout: float = 30, *, interval: float = 0.2) -> T:
        try:
            return wait_for(predicate, timeout, interval=interval)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n--- worker log ---\n{self.log()[-5000:]}") from None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


@contextmanager
def celery_worker(
    *,
    broker_url: str,
    database_name: str,
    concurrency: int = 1,
    env: dict[str, str] | None = None,
    beat: bool = False,
) -> Iterator[CeleryWorker]:
    """A real worker (``beat=True``: with the beat scheduler embedded) until the block ends."""
    worker = CeleryWorker(
        broker_url=broker_url, database_name=database_name, concurrency=concurrency, env=env, beat=beat
    )
    try:
        worker.start()
        yield worker
    finally:
        worker.cleanup()


def _reset_connections(app: Any) -> None:
    """Drop the app's broker connections and producers. kombu keeps its pools in a process-wide registry
    keyed by the connection's URL; ``pools.reset()`` closes and forgets them all, so the next publish
    opens a fresh pool for the broker then configured (a closed pool must not be found again)."""
    from kombu import pools

    try:
        pools.reset()
    except Exception:  # noqa: BLE001, S110 - a pool to a dead broker may fail to close
        pass
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@contextmanager
def celery_sends_to(broker_url: str) -> Iterator[None]:
    """In this process, publish tasks to ``broker_url`` instead of running them eagerly; restored after."""
    from gansu_mall.celery import app

    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    _reset_connections(app)
    app.conf.broker_url = broker_url
    app.conf.task_always_eager = False
    try:
        yield
    finally:
        _reset_connections(app)
        app.conf.update(saved)
