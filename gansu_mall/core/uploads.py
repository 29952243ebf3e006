"""Validation and re-encoding of uploaded images.

Business licences, qualification documents, shop logos and product photos all pass through
:func:`clean_image` before they are stored. It never trusts the file name or the content type the client
sent: the format is whatever Pillow recognises in the bytes, and only JPEG, PNG and WebP are accepted.

Why re-encode instead of storing the upload as it came:

* Metadata leaks. A photo taken on a phone carries EXIF, often with the GPS position where it was taken
  -- for a farmer photographing produce in the yard, that is the family's home. Camera serial numbers,
  owner names, XMP edit histories and embedded thumbnails (which may still show a part that was cropped
  away) ride along too. The stored file is rebuilt from the pixels only: no EXIF, XMP, ICC profile or
  text chunks survive. The EXIF orientation is applied to the pixels first, so the photo still shows the
  right way up.
* Polyglot files. A file can be a valid JPEG and at the same time a valid HTML page, ZIP archive or
  script (data appended after the end-of-image marker, or hidden in comments and metadata segments).
  Served back from our domain, such a file can be abused. Decoding to pixels and encoding a new file
  keeps only the picture.
* Decompression bombs. A few kilobytes of PNG can declare 20000 x 20000 pixels and inflate to gigabytes
  on decoding. Size limits (bytes, pixels, side length) are checked from the header, before any pixel
  is decoded, and Pillow's own decompression-bomb warning is turned into a refusal.

Pillow's global ``Image.MAX_IMAGE_PIXELS`` is never touched: changing a module global per request is not
safe with threads (two overlapping requests can restore each other's value and leave it changed for
good). Our own check of the declared size right after ``Image.open`` gives the per-call limit instead.
"""

from __future__ import annotations

import uuid
import warnings
from io import BytesIO

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext
from PIL import Image, ImageOps, UnidentifiedImageError

from gansu_mall.core.errors import ApplicationError, ErrorCode

__all__ = ["clean_image", "image_dimensions"]

DEFAULT_MAX_BYTES = 8 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_MAX_SIDE = 10_000

# Output format -> file extension. The output always has the format of the input.
_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
# Plugins Pillow may try on the content. MPO (a JPEG carrying extra images, written by some phones and
# stereo cameras) comes in through the JPEG plugin and is treated as a JPEG: only its first image is kept.
_OPEN_FORMATS = ("JPEG", "PNG", "WEBP")
# Signatures of the accepted formats: bytes that start like one of them but do not open are damaged,
# anything else is simply not an accepted image.
_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")

_JPEG_QUALITY = 88
_WEBP_QUALITY = 88
# PNG modes that Pillow writes as they are.
_PNG_MODES = frozenset({"1", "L", "LA", "I;16", "P", "RGB", "RGBA"})


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _amount(value: float) -> str:
    """8.0 -> "8", 12.5 -> "12.5", small values keep two significant digits."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text if text != "0" else f"{value:.2g}"


def _refuse(field: str, message: str) -> ApplicationError:
    return ApplicationError(code=ErrorCode.VALIDATION_ERROR, message=message, fields={field: [message]})


def _too_many_bytes(field: str, max_bytes: int) -> ApplicationError:
    return _refuse(
        field, gettext("The file is larger than %(max)s MB.") % {"max": _amount(max_bytes / (1024 * 1024))}
    )


def _unsupported(field: str) -> ApplicationError:
    return _refuse(field, gettext("Upload a JPEG, PNG or WebP image."))


def _too_many_pixels(field: str, max_pixels: int) -> ApplicationError:
    return _refuse(
        field,
        gettext("The image is too large (at most %(max)s megapixels).") % {"max": _amount(max_pixels / 1e6)},
    )


def _too_long_side(field: str, max_side: int) -> ApplicationError:
    return _refuse(
        field, gettext("The image is too large (at most %(max)s pixels on each side).") % {"max": max_side}
    )


def _damaged(field: str) -> ApplicationError:
    return _refuse(field, gettext("The image file is damaged."))


def _animated(field: str) -> ApplicationError:
    return _refuse(field, gettext("Animated images are not accepted."))


def _looks_like_accepted_format(data: bytes) -> bool:
    if data.startswith(_SIGNATURES):
        return True
    return data[:4] == b"RIFF" and data[8:12] == b"WEBP"


def _read(upload: UploadedFile, *, field: str, max_bytes: int) -> bytes:
    """The upload's bytes, refusing it before reading when its size is known to be too large."""
    if upload.size is not None and upload.size > max_bytes:
        raise _too_many_bytes(field, max_bytes)
    parts: list[bytes] = []
    total = 0
    for chunk in upload.chunks():
        total += len(chunk)
        if total > max_bytes:
            raise _too_many_bytes(field, max_bytes)
        parts.append(chunk)
    return b"".join(parts)


def _open(data: bytes, *, field: str) -> Image.Image:
    try:
        return Image.open(BytesIO(data), formats=_OPEN_FORMATS)
    except UnidentifiedImageError:
        if _looks_like_accepted_format(data):
            raise _damaged(field) from None
        raise _unsupported(field) from None


def _decode(data: bytes, *, field: str, max_pixels: int, max_side: int) -> tuple[Image.Image, str]:
    """Check the header, verify the file, then decode it. Returns the pixels and the output format."""
    with _open(data, field=field) as probe:
        fmt = "JPEG" if probe.format == "MPO" else probe.format
        if fmt not in _EXTENSIONS:
            raise _unsupported(field)
        # Limits from the header, before a single pixel is decoded.
        width, height = probe.size
        if width * height > max_pixels:
            raise _too_many_pixels(field, max_pixels)
        if width > max_side or height > max_side:
            raise _too_long_side(field, max_side)
        if fmt != "JPEG" and getattr(probe, "n_frames", 1) > 1:
            raise _animated(field)
        probe.verify()

    # verify() leaves the image unusable: open the bytes again to decode them.
    with _open(data, field=field) as image:
        image.load()
        transposed = ImageOps.exif_transpose(image)
    return transposed, fmt


def _encode(image: Image.Image, fmt: str) -> bytes:
    has_alpha = image.has_transparency_data
    if fmt == "JPEG":
        if image.mode not in ("L", "RGB"):
            image = image.convert("RGB")
        options: dict[str, object] = {"quality": _JPEG_QUALITY, "optimize": True}
    elif fmt == "PNG":
        if has_alpha and image.mode not in ("LA", "RGBA"):
            # Transparency kept in the metadata (tRNS) would be dropped with it: move it into an alpha band.
            image = image.convert("RGBA")
        elif image.mode not in _PNG_MODES:
            image = image.convert("RGB")
        options = {"optimize": True}
    else:
        wanted = "RGBA" if has_alpha else "RGB"
        if image.mode != wanted:
            image = image.convert(wanted)
        options = {"quality": _WEBP_QUALITY}
    # No metadata at all: savers pick up ICC profiles, transparency and the like from ``info``.
    image.info = {}
    out = BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def clean_image(
    upload: UploadedFile,
    *,
    field: str,
    max_bytes: int | None = None,
    max_pixels: int | None = None,
    max_side: int | None = None,
) -> ContentFile:
    """Check an uploaded image and return it re-encoded, without metadata, under a generated name.

    The result is a new in-memory file named ``<uuid4 hex>.<jpg|png|webp>`` in the format of the input,
    with the EXIF orientation applied to the pixels. The limits default to the settings
    ``IMAGE_UPLOAD_MAX_BYTES``, ``IMAGE_MAX_PIXELS`` and ``IMAGE_MAX_SIDE``.

    Raises :class:`ApplicationError` (``validation_error``, with the message under ``field``) when the
    file is too large, not a JPEG, PNG or WebP image, too large in pixels, animated or damaged.
    """
    max_bytes = _setting("IMAGE_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES) if max_bytes is None else max_bytes
    max_pixels = _setting("IMAGE_MAX_PIXELS", DEFAULT_MAX_PIXELS) if max_pixels is None else max_pixels
    max_side = _setting("IMAGE_MAX_SIDE", DEFAULT_MAX_SIDE) if max_side is None else max_side

    data = _read(upload, field=field, max_bytes=max_bytes)
    with warnings.catch_warnings():
        # Pillow warns (and above twice its global limit raises) on huge declared sizes: refuse both.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image, fmt = _decode(data, field=field, max_pixels=max_pixels, max_side=max_side)
        except ApplicationError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels(field, max_pixels) from None
        except Exception:  # Pillow reports broken input with many exception types.
            raise _damaged(field) from None

    try:
        content = _encode(image, fmt)
    except (OSError, ValueError):  # an exotic mode we cannot convert or write
        raise _unsupported(field) from None
    finally:
        image.close()
    return ContentFile(content, name=f"{uuid.uuid4().hex}.{_EXTENSIONS[fmt]}")


def image_dimensions(content: bytes) -> tuple[int, int]:
    """Width and height of a JPEG, PNG or WebP image, read from its header without decoding the pixels.

    Meant for images that :func:`clean_image` produced. Raises ``ValueError`` for anything else.
    """
    try:
        with Image.open(BytesIO(content), formats=_OPEN_FORMATS) as image:
            return image.size
    except (UnidentifiedImageError, Image.DecompressionBombError) as error:
        raise ValueError("not a JPEG, PNG or WebP image of an acceptable size") from error
