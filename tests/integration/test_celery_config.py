"""The Celery configuration, proven for every registered task of the project (gansu_mall/celery.py lists
the rules): time limits, late acknowledgement of idempotent tasks, automatic retries for transient errors
only, and a visibility timeout above the longest countdown anywhere in the code."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings

from gansu_mall.celery import TRANSIENT_ERRORS, app

ROOT = Path(__file__).resolve().parents[2]
PROJECT_TASK_PREFIXES = ("gansu_mall.", "orders.", "logistics.", "catalog.", "vendors.", "credit.")
SOURCE_PACKAGES = ("gansu_mall", "orders", "logistics", "catalog", "vendors", "credit")


def project_tasks():
    app.loader.import_default_modules()  # autodiscovery: every app's tasks module
    return sorted((name, task) for name, task in app.tasks.items() if name.startswith(PROJECT_TASK_PREFIXES))


TASKS = project_tasks()


def test_the_project_has_tasks():
    names = [name for name, _ in TASKS]
    assert "gansu_mall.notifications.tasks.relay_notifications" in names
    assert "orders.tasks.execute_refund" in names
    assert len(names) >= 15


@pytest.mark.parametrize(("name", "task"), TASKS, ids=[name for name, _ in TASKS])
def test_task_has_time_limits(name, task):
    assert task.soft_time_limit, f"{name}: no soft time limit"
    assert task.time_limit, f"{name}: no hard time limit"
    assert task.soft_time_limit < task.time_limit, f"{name}: the soft limit must come first"
    # A task still running is never handed to a second worker by the broker.
    assert task.time_limit < settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]


@pytest.mark.parametrize(("name", "task"), TASKS, ids=[name for name, _ in TASKS])
def test_idempotent_tasks_are_acknowledged_late_and_requeued_when_the_worker_dies(name, task):
    if getattr(task, "idempotent", True):
        assert task.acks_late is True, f"{name}: idempotent, so acks_late"
        assert task.reject_on_worker_lost is True, f"{name}: idempotent, so reject_on_worker_lost"
    else:
        assert task.acks_late is False, f"{name}: not idempotent, so acknowledged before it runs"


@pytest.mark.parametrize(("name", "task"), TASKS, ids=[name for name, _ in TASKS])
def test_automatic_retries_are_for_transient_errors_only_with_backoff(name, task):
    retry_on = tuple(getattr(task, "autoretry_for", ()) or ())
    for error in retry_on:
        assert issubclass(error, TRANSIENT_ERRORS), f"{name}: {error.__name__} is not a transient error"
        assert error not in (Exception, BaseException, OSError), f"{name}: retries on everything"
    if retry_on:
        assert task.retry_backoff, f"{name}: retries without backoff"
        assert task.max_retries is not None, f"{name}: retries forever"
        backoff_max = getattr(task, "retry_backoff_max", 600)
        assert backoff_max <= settings.TASK_MAX_COUNTDOWN_SECONDS


def test_transient_errors_are_not_catch_alls():
    assert Exception not in TRANSIENT_ERRORS
    assert OSError not in TRANSIENT_ERRORS
    assert not any(issubclass(ValueError, error) or issubclass(KeyError, error) for error in TRANSIENT_ERRORS)


def test_the_running_app_has_the_settings():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert (
        app.conf.broker_transport_options["visibility_timeout"]
        == (settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"])
    )
    # a broker that is down fails a publish fast
    assert app.conf.broker_transport_options["socket_connect_timeout"] <= 5
    assert app.conf.task_publish_retry_policy["max_retries"] <= 3


# --- countdowns ---------------------------------------------------------------------------------------


def _constant(node: ast.AST) -> float | None:
    """The value of an arithmetic expression of number literals, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return node.value
    if isinstance(node, ast.BinOp):
        left, right = _constant(node.left), _constant(node.right)
        if left is None or right is None:
            return None
        ops = {ast.Add: left + right, ast.Sub: left - right, ast.Mult: left * right}
        if isinstance(node.op, ast.Pow):
            return left**right
        return ops.get(type(node.op))
    return None


def _bound(node: ast.AST) -> float | None:
    """An upper bound read off the expression: a constant, or min(..., constant, ...)."""
    value = _constant(node)
    if value is not None:
        return value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "min":
        bounds = [b for b in (_bound(arg) for arg in node.args) if b is not None]
        return min(bounds) if bounds else None
    return None


def _sandbox_notify_bound() -> float:
    from orders.payments.tasks import NOTIFY_COUNTDOWNS, retry_countdown

    assert all(retry_countdown(n) <= max(NOTIFY_COUNTDOWNS) for n in range(20))
    return max(NOTIFY_COUNTDOWNS)


# Countdowns computed at run time, with how to bound each. A new one fails the test below until it is
# bounded here (and kept within TASK_MAX_COUNTDOWN_SECONDS).
COMPUTED_COUNTDOWNS = {
    ("orders/payments/tasks.py", "countdown"): _sandbox_notify_bound,
}


def countdowns_in_code():
    found = []
    for package in SOURCE_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/tests/" in relative or "/migrations/" in relative:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Call):
                    for keyword in node.keywords:
                        if keyword.arg in ("countdown", "eta"):
                            found.append((relative, node.lineno, keyword))
    return found


def test_every_countdown_is_bounded_and_below_the_visibility_timeout():
    limit = settings.TASK_MAX_COUNTDOWN_SECONDS
    found = countdowns_in_code()
    assert len(found) >= 2  # the sandbox's notifications, the refunds' retries
    largest = 0.0
    for relative, line, keyword in found:
        assert keyword.arg == "countdown", f"{relative}:{line}: an eta= must be bounded here first"
        bound = _bound(keyword.value)
        if bound is None:
            source = ast.unparse(keyword.value)
            compute = COMPUTED_COUNTDOWNS.get((relative, source))
            assert compute is not None, f"{relative}:{line}: countdown={source} has no known upper bound"
            bound = compute()
        assert bound <= limit, f"{relative}:{line}: countdown up to {bound} s exceeds {limit} s"
        largest = max(largest, bound)
    assert largest == limit  # the constant is the figure the code uses, not a guess above it
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > limit
    # The outbox waits in the database, not in the broker, but stays within the same figure.
    assert settings.NOTIFICATION_RETRY_MAX_SECONDS <= limit


def test_beat_schedule_has_the_outbox_sweep():
    entry = settings.CELERY_BEAT_SCHEDULE["relay-notifications"]
    assert entry["task"] == "gansu_mall.notifications.tasks.relay_notifications"
    assert entry["schedule"].total_seconds() == 30
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, f"beat entry {name}: no such task"
