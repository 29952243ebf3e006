"""clean_image: only JPEG, PNG and WebP by content, limits checked before decoding, output without metadata."""

from __future__ import annotations

import os
import re
import struct
import warnings
import zlib
from collections.abc import Iterator
from io import BytesIO
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import ExifTags, Image, PngImagePlugin

from gansu_mall.core.errors import ApplicationError, ErrorCode
from gansu_mall.core.uploads import clean_image, image_dimensions

NOT_AN_IMAGE = "Upload a JPEG, PNG or WebP image."
DAMAGED = "The image file is damaged."
ANIMATED = "Animated images are not accepted."
RED = (255, 0, 0)
BLUE = (0, 0, 255)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def _upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def _encoded(image: Image.Image, fmt: str, **options: Any) -> bytes:
    out = BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def _noise(size: tuple[int, int] = (64, 64), mode: str = "RGB") -> Image.Image:
    return Image.frombytes(mode, size, os.urandom(size[0] * size[1] * Image.getmodebands(mode)))


def _refusal(
    upload: SimpleUploadedFile,
    field: str = "photo",
    *,
    max_bytes: int | None = None,
    max_pixels: int | None = None,
    max_side: int | None = None,
) -> ApplicationError:
    with pytest.raises(ApplicationError) as excinfo:
        clean_image(upload, field=field, max_bytes=max_bytes, max_pixels=max_pixels, max_side=max_side)
    error = excinfo.value
    assert error.code == ErrorCode.VALIDATION_ERROR
    assert error.fields is not None
    assert list(error.fields) == [field]
    assert [str(m) for m in error.fields[field]] == [str(error.message)]
    return error


def _message(
    upload: SimpleUploadedFile,
    *,
    max_bytes: int | None = None,
    max_pixels: int | None = None,
    max_side: int | None = None,
) -> str:
    error = _refusal(upload, max_bytes=max_bytes, max_pixels=max_pixels, max_side=max_side)
    return str(error.message)


def _name(result: ContentFile) -> str:
    assert result.name is not None
    return result.name


def _alpha(image: Image.Image, xy: tuple[int, int]) -> int:
    pixel = image.getpixel(xy)
    assert isinstance(pixel, tuple)
    return pixel[3]


def _opened(result: ContentFile) -> Image.Image:
    result.seek(0)
    return Image.open(BytesIO(result.read()))


def _png(
    width: int,
    height: int,
    *,
    chunks: tuple[tuple[bytes, bytes], ...] = (),
    trailing: tuple[tuple[bytes, bytes], ...] = (),
) -> bytes:
    """A genuine 1-bit PNG of the given size, built row by row: huge sizes stay small on disk.

    ``chunks`` go before the image data, ``trailing`` after it.
    """

    def chunk(cid: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + cid + data + struct.pack(">I", zlib.crc32(cid + data))

    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    before = b"".join(chunk(cid, data) for cid, data in chunks)
    after = b"".join(chunk(cid, data) for cid, data in trailing)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + before
        + chunk(b"IDAT", idat)
        + after
        + chunk(b"IEND", b"")
    )


def _half_red_half_blue(size: tuple[int, int] = (20, 10)) -> Image.Image:
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, size[0] // 2, size[1]))
    return image


def _close(pixel: Any, expected: tuple[int, ...], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


# --- accepted images ---------------------------------------------------------------------------------


def test_jpeg_loses_exif_and_gps_and_is_turned_upright() -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # stored landscape, shown rotated 90 degrees clockwise
    exif[ExifTags.Base.Make] = "FarmPhone"
    exif[ExifTags.Base.ImageDescription] = "Home of the Ma family"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (36.0, 3.0, 41.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (103.0, 49.0, 13.0),
    }
    data = _encoded(_half_red_half_blue(), "JPEG", quality=95, exif=exif, icc_profile=b"not really an ICC")
    source = Image.open(BytesIO(data))
    assert source.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the fixture really carries a location
    assert source.getexif()[ExifTags.Base.Orientation] == 6

    result = clean_image(_upload(data), field="photo")

    image = _opened(result)
    assert image.format == "JPEG"
    assert not image.getexif()
    assert "exif" not in image.info
    assert "icc_profile" not in image.info
    assert image.size == (10, 20)
    # The left (red) half of the stored image is at the top once turned clockwise.
    rgb = image.convert("RGB")
    assert _close(rgb.getpixel((5, 2)), RED)
    assert _close(rgb.getpixel((5, 17)), BLUE)
    result.seek(0)
    raw = result.read()
    assert b"Exif" not in raw
    assert b"FarmPhone" not in raw
    assert b"Ma family" not in raw


def test_jpeg_without_orientation_keeps_its_shape_and_colours() -> None:
    result = clean_image(_upload(_encoded(_half_red_half_blue(), "JPEG", quality=95)), field="photo")
    image = _opened(result).convert("RGB")
    assert image.size == (20, 10)
    assert _close(image.getpixel((2, 5)), RED)
    assert _close(image.getpixel((17, 5)), BLUE)


def test_polyglot_jpeg_loses_appended_data_and_comments() -> None:
    payload = b"<html><script>alert(document.cookie)</script></html>"
    data = _encoded(_noise(), "JPEG", comment=b"<?php system($_GET['c']); ?>") + payload
    result = clean_image(_upload(data), field="photo")
    result.seek(0)
    raw = result.read()
    assert b"<script>" not in raw
    assert b"<?php" not in raw
    assert raw.endswith(b"\xff\xd9")


@pytest.mark.parametrize("mode", ["CMYK", "L"])
def test_jpeg_modes(mode: str) -> None:
    result = clean_image(_upload(_encoded(_noise(mode=mode), "JPEG")), field="photo")
    image = _opened(result)
    assert image.format == "JPEG"
    assert image.mode == ("L" if mode == "L" else "RGB")
    assert image.size == (64, 64)


def test_mpo_from_a_phone_is_kept_as_a_jpeg_of_its_first_image() -> None:
    data = _encoded(_half_red_half_blue((30, 10)), "MPO", save_all=True, append_images=[_noise((8, 8))])
    assert Image.open(BytesIO(data)).format == "MPO"
    result = clean_image(_upload(data), field="photo")
    assert _name(result).endswith(".jpg")
    image = _opened(result)
    assert image.format == "JPEG"
    assert image.size == (30, 10)
    assert getattr(image, "n_frames", 1) == 1


def test_png_with_alpha_stays_png_with_alpha_and_loses_text_chunks() -> None:
    image = Image.new("RGBA", (16, 8), (0, 128, 0, 255))
    image.putpixel((3, 3), (255, 255, 255, 0))
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "GPS 36.06N 103.82E")
    data = _encoded(image, "PNG", pnginfo=info, icc_profile=b"not really an ICC")
    assert Image.open(BytesIO(data)).info.get("Comment")
    assert Image.open(BytesIO(data)).info.get("icc_profile")

    result = clean_image(_upload(data, "logo.png", "image/png"), field="logo")

    assert _name(result).endswith(".png")
    cleaned = _opened(result)
    assert cleaned.format == "PNG"
    assert cleaned.mode == "RGBA"
    assert cleaned.size == (16, 8)
    assert _alpha(cleaned, (3, 3)) == 0
    assert cleaned.getpixel((0, 0)) == (0, 128, 0, 255)
    assert "Comment" not in cleaned.info
    assert "icc_profile" not in cleaned.info
    result.seek(0)
    assert b"103.82E" not in result.read()


def test_palette_png_keeps_its_transparency() -> None:
    image = Image.new("P", (8, 8), 1)
    image.putpalette([255, 255, 255, 200, 0, 0] + [0, 0, 0] * 254)
    image.putpixel((0, 0), 0)
    data = _encoded(image, "PNG", transparency=0)

    cleaned = _opened(clean_image(_upload(data, "logo.png"), field="logo")).convert("RGBA")

    assert _alpha(cleaned, (0, 0)) == 0
    assert cleaned.getpixel((4, 4)) == (200, 0, 0, 255)


def test_plain_png_stays_opaque() -> None:
    cleaned = _opened(clean_image(_upload(_encoded(_noise(), "PNG"), "scan.png"), field="licence"))
    assert cleaned.format == "PNG"
    assert cleaned.mode == "RGB"


@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
def test_webp_is_accepted_and_stays_webp(mode: str) -> None:
    image = Image.new(mode, (24, 12), (10, 200, 30, 255) if mode == "RGBA" else (10, 200, 30))
    if mode == "RGBA":
        image.putpixel((0, 0), (0, 0, 0, 0))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "FarmPhone"
    data = _encoded(image, "WEBP", exif=exif)

    result = clean_image(_upload(data, "product.webp", "image/webp"), field="photo")

    assert _name(result).endswith(".webp")
    cleaned = _opened(result)
    assert cleaned.format == "WEBP"
    assert cleaned.size == (24, 12)
    assert not cleaned.getexif()
    assert cleaned.mode == mode
    if mode == "RGBA":
        assert _alpha(cleaned, (0, 0)) == 0


@pytest.mark.parametrize(
    ("fmt", "extension"), [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp")], ids=["jpeg", "png", "webp"]
)
def test_generated_name_owes_nothing_to_the_upload(fmt: str, extension: str) -> None:
    # The name and the content type claim something else: only the content decides.
    upload = _upload(_encoded(_noise(), fmt), "../../evil shop<script>.php.gif", "application/x-php")
    result = clean_image(upload, field="photo")
    assert isinstance(result, ContentFile)
    assert re.fullmatch(rf"[0-9a-f]{{32}}\.{extension}", _name(result))
    assert "evil" not in _name(result)
    assert _opened(result).format == fmt


def test_each_result_gets_a_new_name() -> None:
    data = _encoded(_noise(), "JPEG")
    assert clean_image(_upload(data), field="photo").name != clean_image(_upload(data), field="photo").name


# --- refusals ----------------------------------------------------------------------------------------


def test_text_file_named_like_a_jpeg_is_refused() -> None:
    upload = _upload(b"Just some text pretending to be a photo.\n" * 10, "photo.jpg", "image/jpeg")
    error = _refusal(upload, field="licence")
    assert error.message == NOT_AN_IMAGE
    assert error.fields == {"licence": [NOT_AN_IMAGE]}


def test_empty_file_is_refused() -> None:
    assert _message(_upload(b"")) == NOT_AN_IMAGE


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_other_image_formats_are_refused(fmt: str) -> None:
    assert _message(_upload(_encoded(_noise((8, 8)), fmt), "photo.jpg")) == NOT_AN_IMAGE


def test_svg_is_refused() -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert _message(_upload(svg, "logo.png", "image/png")) == NOT_AN_IMAGE


def test_too_many_bytes_is_refused_before_reading() -> None:
    upload = _upload(b"\xff\xd8\xff" + b"\x00" * (1024 * 1024))
    assert _message(upload, max_bytes=1024 * 1024) == "The file is larger than 1 MB."


def test_byte_limit_holds_even_when_the_reported_size_is_wrong() -> None:
    upload = _upload(b"x" * 5000)
    upload.size = 10
    assert _message(upload, max_bytes=4096) == "The file is larger than 0.0039 MB."


def test_byte_limit_defaults_to_the_setting(settings: Any) -> None:
    settings.IMAGE_UPLOAD_MAX_BYTES = 3 * 1024 * 1024 // 2
    upload = _upload(b"\x00" * (3 * 1024 * 1024 // 2 + 1))
    assert _message(upload) == "The file is larger than 1.5 MB."


def test_decompression_bomb_is_refused_without_touching_pillow_globals() -> None:
    bomb = _png(20_000, 20_000)
    assert len(bomb) < 200_000  # 400 megapixels in a small file
    limit_before = Image.MAX_IMAGE_PIXELS
    filters_before = list(warnings.filters)

    message = _message(_upload(bomb, "photo.png", "image/png"), max_pixels=10_000_000)

    assert message == "The image is too large (at most 10 megapixels)."
    assert Image.MAX_IMAGE_PIXELS == limit_before
    assert warnings.filters == filters_before


def test_declared_size_above_the_pixel_limit_is_refused() -> None:
    # 12.5 megapixels: below Pillow's own limit, above ours.
    upload = _upload(_png(5_000, 2_500), "scan.png", "image/png")
    assert _message(upload, max_pixels=10_000_000) == "The image is too large (at most 10 megapixels)."


def test_pixel_limit_defaults_to_the_setting(settings: Any) -> None:
    settings.IMAGE_MAX_PIXELS = 2_500_000
    upload = _upload(_png(2_000, 1_500), "scan.png", "image/png")
    assert _message(upload) == "The image is too large (at most 2.5 megapixels)."


@pytest.mark.parametrize(
    ("width", "height"),
    [(10_000, 10_000), (20_000, 20_000)],
    ids=["above-pillow-warning", "above-pillow-error"],
)
def test_pillow_bomb_check_is_a_refusal_even_with_a_generous_limit(width: int, height: int) -> None:
    limit_before = Image.MAX_IMAGE_PIXELS
    assert limit_before is not None
    assert limit_before < width * height
    upload = _upload(_png(width, height), "photo.png", "image/png")
    with warnings.catch_warnings():
        # As in production, where a warning is only a warning (pytest here turns RuntimeWarning into errors).
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        message = _message(upload, max_pixels=1_000_000_000, max_side=100_000)
    assert message == "The image is too large (at most 1000 megapixels)."
    assert Image.MAX_IMAGE_PIXELS == limit_before


def test_too_long_side_is_refused() -> None:
    upload = _upload(_encoded(Image.new("RGB", (200, 10)), "PNG"), "banner.png")
    assert _message(upload, max_side=100) == "The image is too large (at most 100 pixels on each side)."


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_truncated_image_is_damaged(fmt: str) -> None:
    data = _encoded(_noise((128, 128)), fmt)
    assert _message(_upload(data[: len(data) // 2])) == DAMAGED


@pytest.mark.parametrize("where", ["chunks", "trailing"], ids=["before-image-data", "after-image-data"])
def test_png_with_a_bad_checksum_is_damaged(where: str) -> None:
    # After the image data only verify() notices: decoding alone never reads that chunk.
    data = bytearray(_png(64, 64, **{where: ((b"tEXt", b"Comment\x00hello"),)}))
    data[data.index(b"hello")] ^= 0xFF
    assert _message(_upload(bytes(data), "photo.png")) == DAMAGED


def test_garbage_after_a_jpeg_signature_is_damaged() -> None:
    assert _message(_upload(b"\xff\xd8\xff" + os.urandom(500))) == DAMAGED


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_animated_images_are_refused(fmt: str) -> None:
    frames = [Image.new("RGB", (16, 16), colour) for colour in (RED, BLUE, (0, 255, 0))]
    data = _encoded(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert getattr(Image.open(BytesIO(data)), "n_frames", 1) == 3
    assert _message(_upload(data, "photo.png")) == ANIMATED


# --- image_dimensions --------------------------------------------------------------------------------


def test_image_dimensions_reads_the_header() -> None:
    assert image_dimensions(_encoded(Image.new("RGB", (33, 7)), "WEBP")) == (33, 7)
    assert image_dimensions(_png(12_000, 5_000)[:200]) == (12_000, 5_000)


def test_image_dimensions_refuses_other_content() -> None:
    with pytest.raises(ValueError, match="not a JPEG, PNG or WebP image"):
        image_dimensions(b"GIF89a not really")
