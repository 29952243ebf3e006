"""Private files (licences, qualification documents): stored outside MEDIA_ROOT, never served directly."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """Files under PRIVATE_MEDIA_ROOT, read at use time (so the setting can change, e.g. in tests)."""

    def __init__(self) -> None:
        super().__init__(base_url=None)

    @property  # type: ignore[override]
    def base_location(self) -> str:
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property  # type: ignore[override]
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("private files have no public URL; serve them through a permission-checked view")


_private = PrivateStorage()


def private_storage() -> PrivateStorage:
    """Callable for FileField(storage=...), so migrations do not record a path."""
    return _private
