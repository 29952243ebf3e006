"""Reading configuration from the environment, with a record of what was read.

Every variable the settings read goes through :class:`Env`, which remembers its name and whether a
production deployment (DEBUG off) must provide it. The docker-compose test reads that record to check
that the compose file provides every required variable, so the two cannot drift apart.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


@dataclass
class Env:
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    read: dict[str, bool] = field(default_factory=dict)  # name -> required in production

    def _get(self, name: str, *, required: bool) -> str | None:
        self.read[name] = self.read.get(name, False) or required
        value = self.environ.get(name)
        return value if value is None else value.strip()

    def str(self, name: str, default: str = "", *, required_in_production: bool = False) -> str:
        value = self._get(name, required=required_in_production)
        return default if value is None or value == "" else value

    def bool(self, name: str, default: bool = False) -> bool:
        value = self._get(name, required=False)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in TRUE_WORDS:
            return True
        if lowered in FALSE_WORDS:
            return False
        raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")

    def int(self, name: str, default: int) -> int:
        value = self._get(name, required=False)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from exc

    def list(
        self, name: str, default: list[str] | None = None, *, required_in_production: bool = False
    ) -> list[str]:
        value = self._get(name, required=required_in_production)
        if value is None or value == "":
            return list(default or [])
        return [item.strip() for item in value.split(",") if item.strip()]

    def required_in_production(self) -> list[str]:
        return sorted(name for name, required in self.read.items() if required)
