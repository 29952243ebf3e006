"""Reads of the credit registry, keyed by legal identity (USCC or ID number).

The registry itself arrives with the credit issue. Until then the black-list lookup answers "not listed"
for every identity; vendors call it on approval, so filling it in is all the credit issue has to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ListStatus:
    listed: bool
    reasons: list[str] = field(default_factory=list)


def subject_blacklist_status(*, subject_code: str) -> ListStatus:
    """Whether the identity is on the credit black list (失信黑名单), and why."""
    return ListStatus(listed=False)
