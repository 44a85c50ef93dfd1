"""A photo attached to a field report: checked by its content, re-encoded, stripped.

A phone's photo carries the place and time it was taken, the phone's make and sometimes
the owner's name (EXIF, GPS). None of that may reach the store. :func:`clean_photo`
decodes the upload with Pillow, accepts JPEG, PNG and WebP by what the bytes are (never by
the file name), refuses files and images that are too large (a small file may decode to
billions of pixels: a decompression bomb), turns the image upright, scales it down and
encodes it anew as a JPEG without any metadata.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Final

from buitengebied.errors import BuitengebiedError

#: Formats accepted, as Pillow names what it decoded.
PHOTO_FORMATS: Final = ("JPEG", "PNG", "WEBP")
#: Largest upload accepted (bytes).
MAX_PHOTO_BYTES: Final = 15 * 1024 * 1024
#: Largest image accepted (pixels), checked before decoding.
MAX_PHOTO_PIXELS: Final = 40_000_000
#: Longest side of the stored photo (pixels).
STORED_PHOTO_SIDE: Final = 2048
STORED_PHOTO_QUALITY: Final = 85


class PhotoError(BuitengebiedError, ValueError):
    """The upload is not a photo that may be stored (the message says why)."""


@dataclass(frozen=True)
class CleanPhoto:
    """A re-encoded photo: JPEG bytes without metadata, and its size in pixels."""

    jpeg: bytes
    width: int
    height: int


def clean_photo(data: bytes, *, shown_as: str = "foto") -> CleanPhoto:
    """Return ``data`` decoded, checked and re-encoded as a JPEG without metadata.

    Parameters
    ----------
    data : bytes
        The uploaded file.
    shown_as : str, default "foto"
        How the upload is named in an error message.

    Raises
    ------
    PhotoError
        Empty, too large, not an image, a format other than JPEG/PNG/WebP, too many
        pixels, or damaged.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not data:
        raise PhotoError(f"{shown_as}: the file is empty")
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoError(
            f"{shown_as}: {len(data)} bytes; at most {MAX_PHOTO_BYTES} bytes are accepted"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(PHOTO_FORMATS)) as image:
                _check_size(image.size, shown_as)
                image.load()
                upright = ImageOps.exif_transpose(image).convert("RGB")
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise PhotoError(
            f"{shown_as}: not a JPEG, PNG or WebP photo of at most {MAX_PHOTO_PIXELS} pixels ({exc})"
        ) from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise PhotoError(f"{shown_as}: the image is damaged ({exc})") from exc
    upright.thumbnail((STORED_PHOTO_SIDE, STORED_PHOTO_SIDE))
    out = io.BytesIO()
    upright.save(out, format="JPEG", quality=STORED_PHOTO_QUALITY, optimize=True)
    return CleanPhoto(jpeg=out.getvalue(), width=upright.width, height=upright.height)


def _check_size(size: tuple[int, int], shown_as: str) -> None:
    width, height = size
    if width < 1 or height < 1 or width * height > MAX_PHOTO_PIXELS:
        raise PhotoError(
            f"{shown_as}: {width} x {height} pixels; at most {MAX_PHOTO_PIXELS} pixels are accepted"
        )
