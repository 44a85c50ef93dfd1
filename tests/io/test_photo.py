import io

import pytest
from PIL import Image

from buitengebied.io import photo
from buitengebied.io.photo import MAX_PHOTO_PIXELS, PhotoError, clean_photo


def _image_bytes(fmt: str, size=(64, 48), exif: bool = False) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    if exif:
        meta = Image.Exif()
        meta[0x010F] = "PhoneMaker"  # Make
        meta[0x0112] = 6  # Orientation: rotate 90 clockwise to show upright
        meta.get_ifd(0x8825)[2] = (52.0, 6.0, 0.0)  # GPSInfo: a latitude
        image.save(out, format=fmt, exif=meta)
    else:
        image.save(out, format=fmt)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_accepted_formats_come_back_as_jpeg(fmt: str) -> None:
    cleaned = clean_photo(_image_bytes(fmt))
    assert cleaned.jpeg.startswith(b"\xff\xd8")
    with Image.open(io.BytesIO(cleaned.jpeg)) as back:
        assert back.format == "JPEG" and back.size == (64, 48)


def test_exif_and_gps_are_stripped_and_the_photo_is_upright() -> None:
    raw = _image_bytes("JPEG", exif=True)
    with Image.open(io.BytesIO(raw)) as original:
        assert original.getexif().get(0x010F) == "PhoneMaker"
        assert original.getexif().get_ifd(0x8825)
    cleaned = clean_photo(raw)
    with Image.open(io.BytesIO(cleaned.jpeg)) as back:
        assert len(back.getexif()) == 0
        assert "exif" not in back.info
        assert back.size == (48, 64)  # turned by its orientation
    assert b"PhoneMaker" not in cleaned.jpeg


def test_the_content_decides_not_the_name() -> None:
    with pytest.raises(PhotoError, match="not a JPEG"):
        clean_photo(b"GIF89a" + b"\x00" * 100, shown_as="foto.jpg")
    gif = io.BytesIO()
    Image.new("RGB", (8, 8)).save(gif, format="GIF")
    with pytest.raises(PhotoError, match="not a JPEG"):
        clean_photo(gif.getvalue(), shown_as="foto.jpg")
    with pytest.raises(PhotoError, match="empty"):
        clean_photo(b"")


def test_damaged_and_oversized_uploads_are_refused(monkeypatch) -> None:
    whole = _image_bytes("PNG", size=(400, 400))
    with pytest.raises(PhotoError):
        clean_photo(whole[: len(whole) // 2])
    monkeypatch.setattr(photo, "MAX_PHOTO_BYTES", 100)
    with pytest.raises(PhotoError, match="at most 100 bytes"):
        clean_photo(whole)


def test_a_decompression_bomb_is_refused_before_decoding() -> None:
    side = int(MAX_PHOTO_PIXELS**0.5) + 10
    bomb = io.BytesIO()
    Image.new("1", (side, side)).save(bomb, format="PNG")  # tiny file, huge image
    assert len(bomb.getvalue()) < 2_000_000
    with pytest.raises(PhotoError, match="pixels"):
        clean_photo(bomb.getvalue())


def test_large_photos_are_scaled_down() -> None:
    cleaned = clean_photo(_image_bytes("JPEG", size=(4000, 3000)))
    assert max(cleaned.width, cleaned.height) == photo.STORED_PHOTO_SIDE
