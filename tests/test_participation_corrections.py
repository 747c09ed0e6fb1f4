"""What may change on a published notice: files attached for download (checked by content,
limited, removed only with a public reason) and corrections (更正) recorded as revisions shown
on the public page; a closed notice is final. Plus the notice list API's query count."""

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from lianxin.core import clock
from lianxin.core.errors import Conflict, InvalidInput, InvalidTransition, PermissionDenied
from lianxin.core.models import AuditEvent
from lianxin.participation.errors import Code
from lianxin.participation.models import NoticeAttachment, NoticeRevision, NoticeStatus
from lianxin.participation.services import corrections, notices
from tests.participation_helpers import PDF, PNG, after, office_zip, open_notice, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def notice(district, people):
    return open_notice(district["vet"], people["vet_handler"])


def stored_files(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()]


def test_staff_attach_files_stored_under_random_names_and_audited(notice, people, media):
    made = corrections.notice_attach(
        notice_id=notice.pk,
        actor=people["vet_handler"],
        files=[upload(PDF, "禁养区范围图.pdf"), upload(office_zip("docx"), "补助标准.docx")],
    )
    assert [(a.name, a.kind) for a in made] == [
        ("禁养区范围图.pdf", "pdf"),
        ("补助标准.docx", "docx"),
    ]
    for a in made:
        assert default_storage.exists(a.stored_as) and "禁养区" not in a.stored_as
    assert len(stored_files(media)) == 2
    event = AuditEvent.objects.get(action="notice_attach")
    assert [f["name"] for f in event.data["files"]] == ["禁养区范围图.pdf", "补助标准.docx"]
    assert event.data["files"][0]["sha256"] == made[0].sha256


@pytest.mark.parametrize(
    ("files", "code"),
    [
        ([upload(b"<html><script>", "方案.pdf")], "file_type_not_allowed"),
        ([upload(PDF, "a.pdf"), upload(b"MZ\x90", "b.docx")], "file_type_not_allowed"),
        ([upload(PDF * 100, "大.pdf")], "file_too_large"),
        ([upload(PDF, f"{n}.pdf") for n in range(4)], "too_many_files"),
    ],
)
def test_a_bad_file_refuses_the_lot_and_nothing_is_stored(
    notice, people, media, settings, files, code
):
    settings.UPLOAD_MAX_BYTES = 1000
    settings.NOTICE_ATTACHMENTS_MAX = 3
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as refused:
        corrections.notice_attach(notice_id=notice.pk, actor=people["vet_handler"], files=files)
    assert refused.value.code == code
    assert not NoticeAttachment.objects.exists() and stored_files(media) == []
    assert AuditEvent.objects.count() == events


def test_the_limit_counts_the_files_already_attached(notice, people, media, settings):
    settings.NOTICE_ATTACHMENTS_MAX = 2
    staff = people["vet_handler"]
    corrections.notice_attach(notice_id=notice.pk, actor=staff, files=[upload(PDF, "a.pdf")])
    with pytest.raises(InvalidInput) as refused:
        corrections.notice_attach(
            notice_id=notice.pk, actor=staff, files=[upload(PDF, "b.pdf"), upload(PNG, "c.png")]
        )
    assert refused.value.code == "too_many_files" and "2" in str(refused.value.message)
    assert NoticeAttachment.objects.count() == 1 and len(stored_files(media)) == 1


def test_only_the_units_staff_attach_and_not_to_a_closed_notice(notice, people, media):
    with pytest.raises(PermissionDenied):
        corrections.notice_attach(
            notice_id=notice.pk, actor=people["env_handler"], files=[upload(PDF, "a.pdf")]
        )
    with after(notice):
        notices.notice_close(notice_id=notice.pk, actor=people["vet_handler"], summary="无意见")
    with pytest.raises(InvalidTransition) as closed:
        corrections.notice_attach(
            notice_id=notice.pk, actor=people["vet_handler"], files=[upload(PDF, "a.pdf")]
        )
    assert closed.value.code == Code.NOTICE_FINAL and "已结束" in str(closed.value.message)
    assert stored_files(media) == []


def test_removing_a_file_is_recorded_with_its_reason_and_the_file_deleted(
    notice, people, media, django_capture_on_commit_callbacks
):
    (made,) = corrections.notice_attach(
        notice_id=notice.pk, actor=people["vet_handler"], files=[upload(PDF, "旧图.pdf")]
    )
    with pytest.raises(InvalidInput):  # a reason is required
        corrections.attachment_remove(
            attachment_id=made.pk, actor=people["vet_handler"], reason=" "
        )
    with django_capture_on_commit_callbacks(execute=True):
        corrections.attachment_remove(
            attachment_id=made.pk, actor=people["vet_handler"], reason="图中界线有误，已替换"
        )
    made.refresh_from_db()
    assert made.removed_at and made.removed_reason == "图中界线有误，已替换"
    assert stored_files(media) == []
    revision = NoticeRevision.objects.get()
    assert revision.changes == [{"field": "file", "old": "旧图.pdf", "new": ""}]
    assert AuditEvent.objects.filter(action="notice_attachment_remove").count() == 1
    with pytest.raises(InvalidTransition) as again:
        corrections.attachment_remove(
            attachment_id=made.pk, actor=people["vet_handler"], reason="x"
        )
    assert again.value.code == Code.ATTACHMENT_REMOVED


def test_a_correction_is_a_recorded_revision(notice, people):
    comment = notices.notice_comment(
        notice_id=notice.pk,
        actor=None,
        text="300元太低",
        paragraph_id=notice.paragraphs.get(number=4).pk,
    )
    new_close = notice.closes_at + timedelta(days=10)
    revision = corrections.notice_correct(
        notice_id=notice.pk,
        actor=people["vet_handler"],
        reason="补助标准笔误；延长征求意见期",
        version=notice.version,
        title="畜禽养殖禁养区调整方案（更正）",
        closes_at=new_close,
        paragraphs={4: "第三条 搬迁的养殖户按每头存栏生猪350元给予补助。"},
    )
    notice.refresh_from_db()
    assert notice.title.endswith("（更正）") and notice.closes_at == new_close
    assert notice.paragraphs.get(number=4).text.endswith("350元给予补助。")
    assert "350元" in notice.text and "300元" not in notice.text
    fields = [c["field"] for c in revision.changes]
    assert fields == ["title", "closes_at", "paragraph"]
    assert revision.changes[2]["old"].endswith("300元给予补助。")  # the text commented on
    comment.refresh_from_db()
    assert comment.paragraph.number == 4  # the comment stays on its paragraph
    event = AuditEvent.objects.get(action="notice_correct")
    assert event.reason == "补助标准笔误；延长征求意见期" and event.data["revision"] == revision.pk


def test_corrections_refused_with_nothing_changed(notice, people):
    staff = people["vet_handler"]
    version = notice.version
    cases = [
        ({"reason": ""}, None),
        ({"reason": "无变化", "title": notice.title}, Code.NOTHING_CHANGED),
        (
            {"reason": "缩短", "closes_at": notice.closes_at - timedelta(days=1)},
            Code.PERIOD_NOT_EXTENDED,
        ),
        ({"reason": "段落", "paragraphs": {99: "x"}}, Code.BAD_PARAGRAPH),
        ({"reason": "清空", "paragraphs": {1: "  "}}, None),
    ]
    for extra, code in cases:
        with pytest.raises(InvalidInput) as refused:
            corrections.notice_correct(notice_id=notice.pk, actor=staff, version=version, **extra)
        if code:
            assert refused.value.code == code
    with pytest.raises(PermissionDenied):
        corrections.notice_correct(
            notice_id=notice.pk, actor=people["env_handler"], reason="x", title="别人改"
        )
    corrections.notice_correct(
        notice_id=notice.pk, actor=staff, reason="错字", version=version, title="新标题"
    )
    with pytest.raises(Conflict):  # a form built before that correction
        corrections.notice_correct(
            notice_id=notice.pk, actor=staff, reason="x", version=version, title="再改"
        )
    notice.refresh_from_db()
    assert notice.title == "新标题" and NoticeRevision.objects.count() == 1


def test_an_extension_after_the_period_ended_reopens_comments(notice, people):
    staff = people["vet_handler"]
    with after(notice, days=2):
        with pytest.raises(InvalidInput) as past:
            corrections.notice_correct(
                notice_id=notice.pk,
                actor=staff,
                reason="延长",
                closes_at=notice.closes_at + timedelta(days=1),
            )
        assert past.value.code == Code.PERIOD_NOT_EXTENDED
        corrections.notice_correct(
            notice_id=notice.pk,
            actor=staff,
            reason="应群众要求延长",
            closes_at=clock.now() + timedelta(days=7),
        )
        assert notices.notice_comment(notice_id=notice.pk, actor=None, text="谢谢延长")


def test_a_closed_notice_cannot_be_corrected(notice, people):
    with after(notice):
        notices.notice_close(notice_id=notice.pk, actor=people["vet_handler"], summary="无意见")
    with pytest.raises(InvalidTransition) as refused:
        corrections.notice_correct(
            notice_id=notice.pk, actor=people["vet_handler"], reason="x", title="改"
        )
    assert refused.value.code == Code.NOTICE_FINAL
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.CLOSED and notice.title != "改"
    assert not NoticeRevision.objects.exists()


# --- pages -------------------------------------------------------------------------------------
def test_upload_download_and_correct_on_the_pages(client, notice, people, media, settings):
    client.cookies["django_language"] = "zh-hans"
    client.force_login(people["vet_handler"])
    edit = f"/participation/notices/{notice.pk}/edit/"
    files = f"/participation/notices/{notice.pk}/files/"
    assert client.get(edit).status_code == 200
    settings.UPLOAD_MAX_BYTES = 2000
    wrong = client.post(files, {"files": [upload(b"#!/bin/sh\nrm -rf /", "范围图.pdf")]})
    assert wrong.status_code == 400 and "不是" in wrong.content.decode()
    big = client.post(files, {"files": [upload(PDF + b"0" * 5000, "大图.pdf")]})
    assert big.status_code == 400 and "大图.pdf" in big.content.decode()
    assert stored_files(media) == [] and not NoticeAttachment.objects.exists()
    ok = client.post(files, {"files": [upload(PDF, "禁养区 范围图<1>.pdf")]})
    assert ok.status_code == 302
    attachment = NoticeAttachment.objects.get()
    client.logout()
    page = client.get(f"/participation/notices/{notice.pk}/").content.decode()
    url = f"/participation/notices/{notice.pk}/files/{attachment.pk}/"
    assert url in page and "禁养区 范围图_1_.pdf" in page
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert (
        client.get(f"/participation/notices/{notice.pk + 1}/files/{attachment.pk}/").status_code
        == 404
    )
    client.force_login(people["vet_handler"])
    post = {
        "action": "correct",
        "version": notice.version + 1,  # the upload changed the notice once
        "title": notice.title,
        "channels": "电话 12345",
        "closes_at": timezone.localtime(notice.closes_at).date().isoformat(),
        "reason": "补充意见渠道",
        **{f"paragraph-{p.number}": p.text for p in notice.paragraphs.all()},
    }
    assert client.post(edit, post).status_code == 302
    client.post(edit, {"action": "remove", "file": attachment.pk, "reason": "文件有误"})
    client.logout()
    page = client.get(f"/participation/notices/{notice.pk}/").content.decode()
    assert "补充意见渠道" in page and "文件有误" in page and "更正" in page
    assert client.get(url).status_code == 404  # removed: no longer served


def test_djangos_own_limits_give_the_same_clear_refusal(client, notice, people, media, settings):
    client.cookies["django_language"] = "zh-hans"
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    client.force_login(people["vet_handler"])
    response = client.post(
        f"/participation/notices/{notice.pk}/files/",
        {"files": [upload(PDF, f"{n}.pdf") for n in range(3)]},
    )
    assert response.status_code == 400 and "文件太多" in response.content.decode()
    assert stored_files(media) == [] and not NoticeAttachment.objects.exists()
    broken = client.post(
        f"/participation/notices/{notice.pk}/files/",
        data=b"--x\r\nContent-Disposition: form-data; name=files; filename=a.pdf\r\n",
        content_type="multipart/form-data; boundary=",
    )
    assert broken.status_code == 400 and "无法读取" in broken.content.decode()
    assert not NoticeAttachment.objects.exists()


def test_other_units_cannot_use_the_edit_page(client, notice, people):
    client.force_login(people["env_handler"])
    assert client.get(f"/participation/notices/{notice.pk}/edit/").status_code == 403
    assert (
        client.post(
            f"/participation/notices/{notice.pk}/files/", {"files": [upload(PDF, "a.pdf")]}
        ).status_code
        == 403
    )
    assert not NoticeAttachment.objects.exists()


def test_a_closed_notice_is_refused_on_the_page(client, notice, people):
    client.cookies["django_language"] = "zh-hans"
    with after(notice):
        notices.notice_close(notice_id=notice.pk, actor=people["vet_handler"], summary="无意见")
    client.force_login(people["vet_handler"])
    edit = f"/participation/notices/{notice.pk}/edit/"
    assert "不能再更改" in client.get(edit).content.decode()
    refused = client.post(
        edit, {"action": "correct", "title": "改", "reason": "x", "closes_at": "2030-01-01"}
    )
    assert refused.status_code == 409 and "不能再更改" in refused.content.decode()


# --- API ---------------------------------------------------------------------------------------
def test_the_api_lists_files_with_download_addresses_and_corrections(client, notice, people):
    corrections.notice_attach(
        notice_id=notice.pk, actor=people["vet_handler"], files=[upload(PDF, "图.pdf")]
    )
    corrections.notice_correct(
        notice_id=notice.pk, actor=people["vet_handler"], reason="错字", title="新"
    )
    listed = client.get("/api/v1/participation/notices/").json()["results"][0]
    (file,) = listed["files"]
    assert file["name"] == "图.pdf" and file["url"].startswith("http://testserver/participation/")
    assert client.get(file["url"]).status_code == 200
    detail = client.get(f"/api/v1/participation/notices/{notice.pk}/").json()
    assert detail["corrections"][0]["reason"] == "错字"
    assert detail["corrections"][0]["changes"][0]["new"] == "新"


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/participation/notices/")
    assert response.status_code == 200
    return len(response.json()["results"]), len(queries)


def test_the_notice_list_costs_the_same_queries_for_1_and_10_notices(client, district, people):
    def notice_with_comments():
        made = open_notice(district["vet"], people["vet_handler"])
        for text in ("补助太低", "期限太紧"):
            c = notices.notice_comment(notice_id=made.pk, actor=None, text=text)
        notices.comment_answer(
            comment_id=c.pk, actor=people["vet_handler"], outcome="partly", reason="r"
        )
        corrections.notice_attach(
            notice_id=made.pk, actor=people["vet_handler"], files=[upload(PDF, "a.pdf")]
        )

    notice_with_comments()
    one, queries_for_one = _list_queries(client)
    for _ in range(9):
        notice_with_comments()
    ten, queries_for_ten = _list_queries(client)
    assert (one, ten) == (1, 10)
    assert queries_for_ten == queries_for_one <= 3
    counts = client.get("/api/v1/participation/notices/").json()["results"][0]["counts"]
    assert counts == {
        "comments": 2,
        "hidden": 0,
        "answered": 1,
        "adopted": 0,
        "partly": 1,
        "not_adopted": 0,
    }
