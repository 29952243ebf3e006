"""Private files (licences, qualification documents): stored outside MEDIA_ROOT, never served directly."""

from __future__ import annotations

import mimetypes
import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse


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


def private_file_response(file: FieldFile) -> HttpResponse:
    """A private document (licence, evidence) for a caller already checked: inline, never cached, its type
    not sniffed; 404 when the file is missing."""
    if not file or not file.name or not file.storage.exists(file.name):
        raise Http404
    content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    response = FileResponse(file.storage.open(file.name, "rb"), content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response
