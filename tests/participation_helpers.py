"""Building participation records for tests through the services (as the pages do)."""

from datetime import timedelta

from lianxin.core import clock
from lianxin.participation.services import notices

TEXT = """关于调整畜禽养殖禁养区的公告（征求意见稿）

第一条 为保护饮用水水源，调整本区畜禽养殖禁养区范围。

第二条 东湖水库一级保护区及其外延500米划入禁养区。
禁养区内现有养殖场于2027年底前关闭或搬迁。

第三条 搬迁的养殖户按每头存栏生猪300元给予补助。"""


def open_notice(unit, actor, *, days=30, text=TEXT, **extra):
    """A notice whose comment period began a day ago and runs `days` days."""
    start = clock.now() - timedelta(days=1)
    return notices.notice_create(
        actor=actor,
        unit=unit,
        title="畜禽养殖禁养区调整方案",
        text=text,
        opens_at=start,
        closes_at=start + timedelta(days=days),
        **extra,
    )


def after(notice, days=1):
    """The moment `days` after the notice's comment period ended."""
    return clock.at(notice.closes_at + timedelta(days=days))


# Small files of each kind, made here (no fixture files to keep in step).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def office_zip(kind: str) -> bytes:
    """A minimal .docx ("docx"), .xlsx ("xlsx") or OpenDocument text ("odt") file."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        if kind == "odt":
            archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
            archive.writestr("content.xml", "<office:document-content/>")
        else:
            archive.writestr("[Content_Types].xml", "<Types/>")
            part = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}[kind]
            archive.writestr(part, "<x/>")
    return out.getvalue()


def plain_zip() -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("setup.exe", b"MZ\x90\x00")
    return out.getvalue()


def upload(data: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/pdf")
