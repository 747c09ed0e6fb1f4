"""Photos as phones make them, for the tests of core.uploads.clean_photo and visit photos: a
JPEG carrying where it was taken (GPS EXIF), a PNG with a text chunk, and files that only
pretend to be photos."""

import io

from PIL import Image, PngImagePlugin
from PIL.ExifTags import IFD

# Where the photo was taken (Chengdu): what must never be stored.
GPS = {1: "N", 2: (30.0, 39.0, 36.5), 3: "E", 4: (104.0, 4.0, 2.25)}


def jpeg_with_gps(width: int = 2400, height: int = 1200, orientation: int = 6) -> bytes:
    """A phone photo: GPS position, maker, a comment, and EXIF orientation 6 (the camera was
    held upright: the picture is shown turned 90° clockwise)."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, width // 2, height // 2))  # a blue top-left corner
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = orientation
    exif[IFD.GPSInfo] = GPS
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, comment=b"taken at Li family home", quality=90)
    return out.getvalue()


def png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "home of household 42, GPS 30.66 104.07")
    out = io.BytesIO()
    Image.new("RGBA", (300, 200), (0, 128, 0, 128)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def exif_of(data: bytes) -> dict:
    with Image.open(io.BytesIO(data)) as image:
        return dict(image.getexif())


PDF_AS_JPG = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
HTML_AS_JPG = b"<!doctype html><script>alert(document.cookie)</script>"
# Starts like a JPEG (passes the sniffing) but is no picture at all.
FAKE_JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200
