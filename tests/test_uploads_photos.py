"""core.uploads.clean_photo: a photo is decoded, turned upright, shrunk and encoded again from
its pixels, so nothing of the original file is stored (no EXIF, GPS, comments, PNG text); a
file that is not a real JPEG, PNG or WebP, or has too many pixels, is refused."""

import io

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from lianxin.core import uploads
from lianxin.core.errors import InvalidInput

from .participation_helpers import upload
from .photo_helpers import (
    FAKE_JPEG,
    HTML_AS_JPG,
    PDF_AS_JPG,
    exif_of,
    jpeg_with_gps,
    png_with_text,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def clean(data: bytes, name: str) -> uploads.Upload:
    (checked,) = uploads.check_uploads([upload(data, name)], max_count=1, kinds=uploads.PHOTOS)
    return uploads.clean_photo(checked)


def test_a_phone_photo_loses_its_gps_and_every_other_metadata(settings):
    settings.PHOTO_MAX_SIDE = 1600
    original = jpeg_with_gps(2400, 1200, orientation=6)
    assert exif_of(original)  # the test's photo does carry them
    photo = clean(original, "IMG_0001.jpg")
    data = photo.file.read()
    assert exif_of(data) == {}
    for trace in (b"Exif", b"PhoneMaker", b"taken at", b"GPS"):
        assert trace not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert "exif" not in image.info and "comment" not in image.info
        # Turned upright by the orientation (portrait now), then shrunk to the longest side.
        assert image.size == (800, 1600)
        # The blue corner was top-left; turned 90° clockwise it is top-right.
        assert image.getpixel((790, 10))[2] > 150 and image.getpixel((10, 10))[0] > 150
    assert (photo.size, photo.kind.code, photo.name) == (len(data), "jpeg", "IMG_0001.jpg")


def test_a_png_loses_its_text_and_keeps_its_transparency():
    photo = clean(png_with_text(), "map.png")
    data = photo.file.read()
    assert b"tEXt" not in data and b"household 42" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG" and image.mode == "RGBA" and image.size == (300, 200)
        assert not image.text


@pytest.mark.parametrize("exif", [b"valid", b"Exif\x00\x00MM\x00*"], ids=["exif", "broken"])
def test_a_webp_is_encoded_again(exif):
    if exif == b"valid":
        tags = Image.Exif()
        tags[0x010F] = "PhoneMaker"
        exif = tags.tobytes()
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "white").save(out, format="WEBP", exif=exif)
    assert b"EXIF" in out.getvalue()
    photo = clean(out.getvalue(), "p.webp")
    data = photo.file.read()
    assert b"EXIF" not in data and b"PhoneMaker" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert (image.format, image.size) == ("WEBP", (64, 48))


@pytest.mark.parametrize(
    "data",
    [PDF_AS_JPG, HTML_AS_JPG, FAKE_JPEG, jpeg_with_gps()[:600]],
    ids=["pdf", "html", "jpeg-header-only", "truncated-jpeg"],
)
def test_a_file_that_is_not_a_real_photo_is_refused(data):
    with pytest.raises(InvalidInput) as refused:
        clean(data, "photo.jpg")
    assert refused.value.code == uploads.Code.TYPE
    assert "不是 JPEG、PNG 或 WebP 照片" in str(refused.value.message)


def test_a_gif_or_a_document_is_not_a_photo():
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, format="GIF")
    with pytest.raises(InvalidInput) as refused:
        clean(gif.getvalue(), "a.gif")
    assert refused.value.code == uploads.Code.TYPE


def test_too_many_pixels_is_refused_before_decoding(settings):
    settings.IMAGE_MAX_PIXELS = 1000 * 1000
    with pytest.raises(InvalidInput) as refused:
        clean(jpeg_with_gps(1200, 1000), "huge.jpg")
    assert refused.value.code == uploads.Code.TOO_LARGE
    assert "1200 × 1000" in str(refused.value.message)


def test_nothing_stays_in_storage_when_a_photo_is_refused(media):
    good = clean(jpeg_with_gps(), "a.jpg")
    with pytest.raises(InvalidInput), uploads.storing("test") as save:
        save(good)
        clean(PDF_AS_JPG, "b.jpg")
    assert not default_storage.listdir("test")[1]
