"""Files people upload (notice attachments, visit and appeal photos, report evidence): judged by
content, not their name or the browser's content type; limited in size (UPLOAD_MAX_BYTES) and
number; stored through Django's storage under a random name; removed again when the transaction
that stored them does not commit; served back as downloads, photos inline (`clean_photo` made
them plain pixels first).

A service uses it in three steps: `check_uploads(...)` (refusals are InvalidInput with a code
and a Chinese message), `with storing(folder) as save:` around its own transaction, and
`download(...)` for the view that serves the file. A view that receives files first calls
`read_files(request, field)`, which streams each file through `LimitedUploadHandler` and turns
Django's own upload limits into the same refusals."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import uuid
import warnings
import zipfile
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.db import transaction
from django.http import FileResponse, HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from lianxin.core.errors import InvalidInput


class Code(StrEnum):
    TOO_LARGE = "file_too_large"
    TYPE = "file_type_not_allowed"
    TOO_MANY = "too_many_files"
    EMPTY = "file_empty"


DESCRIPTIONS = {
    Code.TOO_LARGE: "A file larger than UPLOAD_MAX_BYTES, or a request past Django's limits.",
    Code.TYPE: "A file whose content is not one of the accepted types (whatever its name says).",
    Code.TOO_MANY: "More files than the record may hold.",
    Code.EMPTY: "No file was chosen, or the file is empty.",
}


@dataclass(frozen=True)
class Kind:
    code: str
    content_type: str
    extensions: tuple[str, ...]  # the first is used when the uploaded name has none of them


KINDS = {
    k.code: k
    for k in (
        Kind("pdf", "application/pdf", ("pdf",)),
        # Old Word, Excel and PowerPoint files share one container (OLE2); the name says which.
        Kind("ole", "application/octet-stream", ("doc", "xls", "ppt")),
        Kind(
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ("docx",),
        ),
        Kind(
            "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",)
        ),
        Kind(
            "pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            ("pptx",),
        ),
        Kind("odt", "application/vnd.oasis.opendocument.text", ("odt",)),
        Kind("ods", "application/vnd.oasis.opendocument.spreadsheet", ("ods",)),
        Kind("odp", "application/vnd.oasis.opendocument.presentation", ("odp",)),
        Kind("jpeg", "image/jpeg", ("jpg", "jpeg")),
        Kind("png", "image/png", ("png",)),
        Kind("gif", "image/gif", ("gif",)),
        Kind("webp", "image/webp", ("webp",)),
    )
}
IMAGES = frozenset({"jpeg", "png", "gif", "webp"})
PHOTOS = frozenset({"jpeg", "png", "webp"})  # what `clean_photo` takes
DOCUMENTS = frozenset(KINDS)  # documents and images

# Root-storage class ids of Windows Installer files (.msi, .msp, .mst): OLE2 like old Office
# files, but programs.
_INSTALLER_CLSIDS = {
    bytes.fromhex("84100c0000000000c000000000000046"),
    bytes.fromhex("82100c0000000000c000000000000046"),
    bytes.fromhex("86100c0000000000c000000000000046"),
}
_OOXML = (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx"))
_ODF = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
    b"application/vnd.oasis.opendocument.presentation": "odp",
}


def sniff(file: Any) -> Kind | None:
    """The kind of a file from its content (a seekable binary file), or None when it is none of
    KINDS: executables, scripts, HTML, archives and anything else are refused whatever their
    name."""
    file.seek(0)
    head = file.read(4096)
    file.seek(0)
    code: str | None = None
    if head.startswith(b"%PDF-"):
        code = "pdf"
    elif head.startswith(b"\xff\xd8\xff"):
        code = "jpeg"
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        code = "png"
    elif head[:6] in (b"GIF87a", b"GIF89a"):
        code = "gif"
    elif head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        code = "webp"
    elif head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        code = None if _is_installer(file) else "ole"
    elif head.startswith(b"PK\x03\x04"):
        code = _office_zip(file)
    file.seek(0)
    return KINDS[code] if code else None


def _is_installer(file: Any) -> bool:
    head = file.read(0x40)
    try:
        shift = int.from_bytes(head[0x1E:0x20], "little")
        root = (int.from_bytes(head[0x30:0x34], "little") + 1) << shift
        # The root entry may lie anywhere in the file: read its class id where it is.
        file.seek(root + 0x50)
        return bool(file.read(16) in _INSTALLER_CLSIDS)
    except (OverflowError, ValueError, MemoryError, OSError):
        return True  # too broken to tell: refuse


def _office_zip(file: Any) -> str | None:
    """OOXML or OpenDocument; other ZIPs (plain archives, APK, JAR) are refused. Only the
    directory and the tiny `mimetype` entry are read: nothing is unpacked."""
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names:
                return next(
                    (k for prefix, k in _OOXML if any(n.startswith(prefix) for n in names)), None
                )
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 100:
                return _ODF.get(archive.read("mimetype").strip())
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, NotImplementedError, EOFError):
        return None
    return None


_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|;]+')


def safe_name(name: str, kind: Kind) -> str:
    """The uploaded name as people see it again: no path, no control or reserved characters,
    at most 100 characters, and an extension that matches the content (a PDF named `a.html`
    is saved as `a.html.pdf`, so no program opens it as something else)."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", "".join(c for c in name if unicodedata.category(c) != "Cf"))
    name = name.strip(" ._") or "file"
    stem, dot, ext = name.rpartition(".")
    if not dot or ext.lower() not in kind.extensions:
        stem, ext = name, kind.extensions[0]
    return f"{stem[:90].rstrip(' .')}.{ext.lower()}"


@dataclass(frozen=True)
class Upload:
    """A file that passed the checks."""

    file: UploadedFile[Any]
    name: str
    kind: Kind
    size: int
    sha256: str


def check_uploads(
    files: Iterable[UploadedFile[Any]],
    *,
    already: int = 0,
    max_count: int,
    kinds: Collection[str] = DOCUMENTS,
    max_bytes: int | None = None,
) -> list[Upload]:
    """Every file checked (all refused together, naming each bad file, when any is bad):
    size at most `max_bytes` (UPLOAD_MAX_BYTES), content one of `kinds`, and no more than
    `max_count` files once the record's `already` are counted."""
    files = list(files)
    limit = settings.UPLOAD_MAX_BYTES if max_bytes is None else max_bytes
    if not files or all(not f.size for f in files):
        raise InvalidInput(
            _("Choose a file to upload."), code=Code.EMPTY, fields={"files": [_("No file.")]}
        )
    require_room(already=already, adding=len(files), max_count=max_count)
    checked: list[Upload] = []
    for upload in files:
        label = (upload.name or "")[:100]
        if getattr(upload, "too_big", False) or (upload.size or 0) > limit:
            message = _(
                "“%(name)s” is larger than %(size)s, the most a file may be. Nothing was uploaded."
            ) % {"name": label, "size": filesizeformat(limit)}
            raise InvalidInput(message, code=Code.TOO_LARGE, fields={"files": [message]})
        if not upload.size:
            message = _("“%(name)s” is empty. Nothing was uploaded.") % {"name": label}
            raise InvalidInput(message, code=Code.EMPTY, fields={"files": [message]})
        kind = sniff(upload.file)
        if kind is None or kind.code not in kinds:
            message = _not_accepted(label, kinds)
            raise InvalidInput(message, code=Code.TYPE, fields={"files": [message]})
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        checked.append(
            Upload(
                upload, safe_name(upload.name or "", kind), kind, upload.size, digest.hexdigest()
            )
        )
    return checked


def _not_accepted(label: str, kinds: Collection[str]) -> str:
    if set(kinds) <= PHOTOS:
        return _(
            "“%(name)s” is not a JPEG, PNG or WebP photo (judged by its content, not its name). "
            "Nothing was uploaded."
        ) % {"name": label}
    return _(
        "“%(name)s” is not a PDF, Word, Excel, PowerPoint, OpenDocument or image file "
        "(judged by its content, not its name). Nothing was uploaded."
    ) % {"name": label}


_PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}


def clean_photo(upload: Upload) -> Upload:
    """A photo (checked by `check_uploads` with `kinds=PHOTOS`) made safe to store and show:
    decoded by Pillow (a file that only starts like an image is refused), no more than
    IMAGE_MAX_PIXELS (a small file may unpack to gigabytes), turned upright by its EXIF
    orientation, shrunk to PHOTO_MAX_SIDE, and encoded again from its pixels alone. Nothing
    of the original file survives but the picture: no EXIF (a phone's photo carries where it
    was taken, here where a household lives), XMP, ICC profile, comments or PNG text."""
    label = (upload.file.name or "")[:100]
    not_a_photo = _not_accepted(label, PHOTOS)
    refused = InvalidInput(not_a_photo, code=Code.TYPE, fields={"files": [not_a_photo]})
    upload.file.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload.file, formats=[_PIL_FORMATS[upload.kind.code]]) as image:
                # The header alone gives the size: a bomb is refused before it is unpacked.
                if image.width * image.height > settings.IMAGE_MAX_PIXELS:
                    message = _(
                        "“%(name)s” has too many pixels (%(w)d × %(h)d) to be a photo. Nothing "
                        "was uploaded."
                    ) % {"name": label, "w": image.width, "h": image.height}
                    raise InvalidInput(message, code=Code.TOO_LARGE, fields={"files": [message]})
                if image.format == "JPEG":
                    # Decoded at a smaller scale when it is much larger than what is kept.
                    image.draft("RGB", (settings.PHOTO_MAX_SIDE, settings.PHOTO_MAX_SIDE))
                image.load()
                try:
                    upright = ImageOps.exif_transpose(image)
                except Exception:  # a damaged EXIF block: the picture is kept as it lies
                    upright = image.copy()
    except InvalidInput:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise refused from None
    except Exception:
        # Truncated or damaged: decoders fail in many ways (OSError, struct.error, ...), and a
        # refusal with a message is the answer to each, never a server error.
        raise refused from None
    opaque = upload.kind.code == "jpeg" or not (
        upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    )
    upright = upright.convert("RGB" if opaque else "RGBA")
    side = settings.PHOTO_MAX_SIDE
    upright.thumbnail((side, side), Image.Resampling.LANCZOS)
    # A new image from the pixels only: no `info` or EXIF that an encoder could carry over.
    pixels = Image.frombytes(upright.mode, upright.size, upright.tobytes())
    out = io.BytesIO()
    if upload.kind.code == "jpeg":
        pixels.save(out, format="JPEG", quality=85, optimize=True)
    else:
        pixels.save(out, format=_PIL_FORMATS[upload.kind.code])
    data = out.getvalue()
    return Upload(
        buffer(data, upload.name),
        upload.name,
        upload.kind,
        len(data),
        hashlib.sha256(data).hexdigest(),
    )


def require_room(*, already: int, adding: int, max_count: int) -> None:
    """Refuses files past the record's limit. `check_uploads` asks it before the record is
    locked; the service asks again, with the count read under the lock."""
    if already + adding > max_count:
        message = _(
            "At most %(max)d files may be attached; %(already)d are already attached and "
            "%(new)d more were sent. Nothing was uploaded."
        ) % {"max": max_count, "already": already, "new": adding}
        raise InvalidInput(message, code=Code.TOO_MANY, fields={"files": [message]})


@contextmanager
def storing(folder: str) -> Iterator[Callable[[Upload], str]]:
    """A transaction that stores files: `save(upload)` writes one under `folder/<random>`
    and returns the stored name; if the block does not commit, every file it saved is deleted
    again, so a refusal leaves no file behind. Opened inside a caller's transaction, the
    caller's later rollback is the caller's to clean up (the demo loader is the only one)."""
    saved: list[str] = []

    def save(upload: Upload) -> str:
        upload.file.seek(0)
        name = default_storage.save(
            f"{folder}/{uuid.uuid4().hex}.{upload.kind.extensions[0]}", upload.file
        )
        saved.append(name)
        return name

    try:
        with transaction.atomic():
            yield save
    except BaseException:
        discard(saved)
        raise


def discard(names: Iterable[str]) -> None:
    for name in names:
        default_storage.delete(name)


def discard_after_commit(name: str) -> None:
    """Delete a stored file once the transaction that stops using it has committed."""
    transaction.on_commit(lambda: default_storage.delete(name))


def download(stored: str, *, name: str, kind: str, inline: bool = False) -> FileResponse:
    """A stored file as a download: its own content type, the cleaned original name, and no
    sniffing by the browser. `inline` only for a photo `clean_photo` re-encoded, shown in a
    page (still sandboxed: nothing in it can run)."""
    response = FileResponse(
        default_storage.open(stored, "rb"),
        as_attachment=not inline,
        filename=name,
        content_type=KINDS[kind].content_type if kind in KINDS else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    # A photo opened in its own tab is shown by the browser in a page of its own making, which
    # styles it inline; styles are all it may have (the sandbox and default-src keep scripts,
    # frames and requests out).
    response["Content-Security-Policy"] = "sandbox; default-src 'none'" + (
        "; style-src 'unsafe-inline'" if inline else ""
    )
    response["Cache-Control"] = "private, max-age=0, must-revalidate"
    return response


class LimitedUploadHandler(TemporaryFileUploadHandler):
    """Streams each uploaded file to a temporary file, and stops writing one as soon as it
    passes UPLOAD_MAX_BYTES (the file is then marked `too_big` and refused by
    `check_uploads`): an oversized file costs no more disk than the limit."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received, self.too_big = 0, False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_BYTES:
            self.too_big = True
            return None
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size: int) -> UploadedFile[Any]:
        upload = super().file_complete(min(file_size, settings.UPLOAD_MAX_BYTES))
        assert upload is not None  # the temporary-file handler always returns its file
        upload.too_big = self.too_big  # type: ignore[attr-defined]
        if self.too_big:
            upload.size = self.received
        return upload


def read_files(request: HttpRequest, field: str) -> list[UploadedFile[Any]]:
    """The files of a multipart form field, each streamed through LimitedUploadHandler. Call
    before anything reads `request.POST` (the view is csrf_exempt and checks CSRF after this,
    as Django's documentation says for a view that changes its upload handlers). Django's own
    limits (DATA_UPLOAD_MAX_NUMBER_FILES, _FIELDS, _MEMORY_SIZE) become InvalidInput too."""
    request.upload_handlers = [LimitedUploadHandler(request)]
    try:
        return list(request.FILES.getlist(field))
    except MultiPartParserError as exc:
        message = _("The form could not be read. Please choose the files again and resend.")
        raise InvalidInput(message, code=Code.EMPTY, fields={field: [message]}) from exc
    except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent) as exc:
        too_many = isinstance(exc, TooManyFilesSent)
        message = (
            _("Too many files were sent at once. Nothing was uploaded.")
            if too_many
            else _("The form sent is too large. Nothing was uploaded.")
        )
        raise InvalidInput(
            message, code=Code.TOO_MANY if too_many else Code.TOO_LARGE, fields={field: [message]}
        ) from exc


def buffer(data: bytes, name: str) -> UploadedFile[Any]:
    """Bytes made on the server (the demo's PDF, a test's file) as an upload to check."""
    return UploadedFile(io.BytesIO(data), name=name, size=len(data))
