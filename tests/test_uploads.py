"""core.uploads: a file is judged by its content, its name made safe, its size and number
limited, and a file stored in a transaction that does not commit is deleted again."""

import re

import pytest
from django.core.files.storage import default_storage

from lianxin.core import uploads
from lianxin.core.errors import InvalidInput
from tests.participation_helpers import PDF, PNG, office_zip, plain_zip, upload


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (PDF, "pdf"),
        (PNG, "png"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "jpeg"),
        (b"GIF89a" + b"\x00" * 20, "gif"),
        (office_zip("docx"), "docx"),
        (office_zip("xlsx"), "xlsx"),
        (office_zip("odt"), "odt"),
        (b"<html><script>alert(1)</script>", None),
        (b"MZ\x90\x00\x03", None),  # a Windows program
        (plain_zip(), None),  # an archive is not a document
        (b"%!PS-Adobe", None),
    ],
)
def test_the_kind_is_read_from_the_content(data, kind):
    found = uploads.sniff(upload(data, "whatever.pdf").file)
    assert (found.code if found else None) == kind


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("方案.pdf", "方案.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\x\\说明.PDF", "说明.pdf"),
        ("evil.html", "evil.html.pdf"),  # the extension follows the content
        ('a"b;c\r\n.pdf', "a_b_c_.pdf"),
        ("\u202ecod.pdf", "cod.pdf"),  # no right-to-left override to disguise the name
        ("", "file.pdf"),
        ("x" * 300 + ".pdf", "x" * 90 + ".pdf"),
    ],
)
def test_names_are_made_safe(name, safe):
    assert uploads.safe_name(name, uploads.KINDS["pdf"]) == safe


def test_refusals_name_the_file_and_say_why(settings):
    settings.UPLOAD_MAX_BYTES = 100
    with pytest.raises(InvalidInput) as big:
        uploads.check_uploads([upload(PDF + b"x" * 200, "大文件.pdf")], max_count=5)
    assert big.value.code == "file_too_large" and "大文件.pdf" in str(big.value.message)
    with pytest.raises(InvalidInput) as wrong:
        uploads.check_uploads([upload(b"<html>", "假的.pdf")], max_count=5)
    assert wrong.value.code == "file_type_not_allowed" and "假的.pdf" in str(wrong.value.message)
    with pytest.raises(InvalidInput) as many:
        uploads.check_uploads([upload(PDF, "a.pdf")] * 2, already=4, max_count=5)
    assert many.value.code == "too_many_files"
    with pytest.raises(InvalidInput) as none:
        uploads.check_uploads([], max_count=5)
    assert none.value.code == "file_empty"
    settings.UPLOAD_MAX_BYTES = 1024
    (ok,) = uploads.check_uploads([upload(PDF, "方案.pdf")], max_count=5)
    assert (ok.name, ok.kind.code, ok.size) == ("方案.pdf", "pdf", len(PDF))
    assert len(ok.sha256) == 64


@pytest.mark.django_db(transaction=True)
def test_a_file_stored_in_a_transaction_that_rolls_back_is_deleted(media):
    (checked,) = uploads.check_uploads([upload(PDF, "a.pdf")], max_count=5)
    saved = []
    with pytest.raises(InvalidInput), uploads.storing("t") as save:
        saved.append(save(checked))
        assert default_storage.exists(saved[0])
        raise InvalidInput("refused after the file was written")
    assert not default_storage.exists(saved[0])
    assert list((media / "t").iterdir()) == []
    with uploads.storing("t") as save:
        kept = save(checked)
    # Stored under a random name, never the sender's ("a.pdf" may end a random hex name).
    assert default_storage.exists(kept) and re.fullmatch(r"t/[0-9a-f]{32}\.pdf", kept)
