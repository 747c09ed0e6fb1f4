"""Photos on appeals (图片附件): the citizen's from the portal and the API, the handler's
before/after photos with the reply. Stored without any metadata (EXIF GPS says where the
citizen lives); a bad photo refuses the whole submission and leaves no appeal and no file;
shown to the public only where the appeal is public and the photo allowed; audited."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from lianxin.appeals import services
from lianxin.appeals.models import Appeal, AppealPhoto, PhotoKind, Status
from lianxin.core import uploads
from lianxin.core.errors import InvalidInput

from .appeals_helpers import (  # noqa: F401 - fast_passwords is an autouse fixture
    GOOD_REPLY,
    events_of,
    fast_passwords,
    fresh,
    submit,
    walk,
)
from .photo_helpers import FAKE_JPEG, HTML_AS_JPG, PDF_AS_JPG, exif_of, jpeg_with_gps, png_with_text

pytestmark = pytest.mark.django_db

APPEALS = "/api/v1/appeals/"
VALID = {"title": "路灯不亮", "content": "幸福路口的路灯坏了三天，晚上很黑。"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def photo(data: bytes | None = None, name: str = "IMG_0001.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data or jpeg_with_gps(), content_type="image/jpeg")


def stored_files(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()]


def stored_bytes(p: AppealPhoto) -> bytes:
    with default_storage.open(p.stored_as) as f:
        return f.read()


def body(response) -> bytes:
    return b"".join(response.streaming_content)


# --- the service ------------------------------------------------------------------------------


def test_an_appeal_is_stored_with_its_photos_cleaned_of_every_metadata(media, settings):
    settings.PHOTO_MAX_SIDE = 800
    appeal = submit(photos=[photo(), photo(png_with_text(), "b.png")], photos_public=True)
    first, second = appeal.photos.order_by("pk")
    assert (first.kind, first.file_type, second.file_type) == ("citizen", "jpeg", "png")
    data = stored_bytes(first)
    # No EXIF at all (GPS, maker, orientation), no comment: the picture only.
    assert exif_of(data) == {} and b"PhoneMaker" not in data and b"Li family" not in data
    assert b"household 42" not in stored_bytes(second)
    # Turned upright by its orientation (2400 × 1200 shot upright) and shrunk for display.
    assert (first.width, first.height) == (400, 800) == Image.open(io.BytesIO(data)).size
    assert first.is_public and first.size == len(data)
    event = events_of(appeal)[0]
    assert event.action == "submit"
    assert [p["id"] for p in event.data["photos"]] == [first.pk, second.pk]
    assert set(event.data["photos"][0]) == {"id", "kind", "type", "size", "sha256"}
    assert len(stored_files(media)) == 2
    # Nothing at rest keeps where the photo was taken.
    for path in stored_files(media):
        assert exif_of(path.read_bytes()) == {}


@pytest.mark.parametrize(
    "bad, code",
    [
        (PDF_AS_JPG, "file_type_not_allowed"),
        (HTML_AS_JPG, "file_type_not_allowed"),
        (FAKE_JPEG, "file_type_not_allowed"),
    ],
    ids=["pdf", "html", "starts-like-a-jpeg"],
)
def test_a_fake_photo_refuses_the_whole_appeal_and_stores_nothing(media, bad, code):
    with pytest.raises(InvalidInput) as refused:
        services.appeal_submit(**VALID, photos=[photo(), photo(bad, "photo.jpg")])
    assert refused.value.code == code
    assert not Appeal.objects.exists() and not AppealPhoto.objects.exists()
    assert stored_files(media) == []


def test_too_many_too_large_and_pixel_bombs_are_refused(media, settings):
    settings.APPEAL_PHOTOS_MAX = 2
    with pytest.raises(InvalidInput) as refused:
        services.appeal_submit(**VALID, photos=[photo(), photo(), photo()])
    assert refused.value.code == uploads.Code.TOO_MANY
    settings.APPEAL_PHOTO_MAX_BYTES = 1000
    with pytest.raises(InvalidInput) as refused:
        services.appeal_submit(**VALID, photos=[photo()])
    assert refused.value.code == uploads.Code.TOO_LARGE
    settings.APPEAL_PHOTO_MAX_BYTES = 10_000_000
    settings.IMAGE_MAX_PIXELS = 1000 * 1000
    with pytest.raises(InvalidInput) as refused:
        services.appeal_submit(**VALID, photos=[photo(jpeg_with_gps(1200, 1000))])
    assert refused.value.code == uploads.Code.TOO_LARGE
    assert not Appeal.objects.exists() and stored_files(media) == []


def test_a_refusal_after_the_photos_were_stored_removes_them(media, monkeypatch):
    from lianxin.appeals.services import intake

    def fail(appeal):
        raise InvalidInput("boom")

    monkeypatch.setattr(intake, "_after_intake", fail)
    with pytest.raises(InvalidInput):
        services.appeal_submit(**VALID, photos=[photo()])
    assert not Appeal.objects.exists() and stored_files(media) == []


def test_the_handler_replies_with_before_and_after_photos(media, people, district):
    appeal = walk(submit(), Status.HANDLING, people, district)
    handler = people["vet_handler"]
    appeal = services.appeal_reply(
        appeal=appeal,
        actor=handler,
        text=GOOD_REPLY,
        before_photos=[photo()],
        after_photos=[photo(png_with_text(), "after.png")],
    )
    assert appeal.status == Status.REPLIED
    before, after = appeal.photos.order_by("pk")
    assert (before.kind, after.kind) == (PhotoKind.BEFORE, PhotoKind.AFTER)
    assert before.uploaded_by == handler and not after.is_public
    assert exif_of(stored_bytes(before)) == {}
    reply = [e for e in events_of(appeal) if e.action == "reply"][-1]
    assert [p["kind"] for p in reply.data["photos"]] == ["before", "after"]


def test_a_bad_photo_refuses_the_reply_and_changes_nothing(media, people, district):
    appeal = walk(submit(), Status.HANDLING, people, district)
    with pytest.raises(InvalidInput):
        services.appeal_reply(
            appeal=appeal,
            actor=people["vet_handler"],
            text=GOOD_REPLY,
            after_photos=[photo(), photo(HTML_AS_JPG, "after.jpg")],
        )
    assert fresh(appeal).status == Status.HANDLING and fresh(appeal).version == appeal.version
    assert not AppealPhoto.objects.exists() and stored_files(media) == []


def test_the_count_covers_the_citizens_and_the_handlers_photos(media, people, district, settings):
    settings.APPEAL_PHOTOS_MAX = 2
    appeal = walk(submit(photos=[photo()]), Status.HANDLING, people, district)
    with pytest.raises(InvalidInput) as refused:
        services.appeal_reply(
            appeal=appeal, actor=people["vet_handler"], text=GOOD_REPLY, after_photos=[photo()] * 2
        )
    assert refused.value.code == uploads.Code.TOO_MANY
    assert appeal.photos.count() == 1 and len(stored_files(media)) == 1


# --- the API ----------------------------------------------------------------------------------


def test_the_api_takes_photos_as_multipart(media):
    api = APIClient()
    answer = api.post(
        APPEALS,
        {**VALID, "photos": [photo(), photo(png_with_text(), "b.png")], "photos_public": "true"},
        format="multipart",
    )
    assert answer.status_code == 201, answer.content
    appeal = Appeal.objects.get(tracking_number=answer.json()["tracking_number"])
    assert appeal.channel == "api" and appeal.photos.count() == 2
    assert all(p.is_public for p in appeal.photos.all())
    assert all(exif_of(path.read_bytes()) == {} for path in stored_files(media))


def test_a_json_body_still_works(media):
    answer = APIClient().post(APPEALS, VALID, format="json")
    assert answer.status_code == 201
    assert not AppealPhoto.objects.exists()


@pytest.mark.parametrize(
    "files, code, words",
    [
        ([("a.jpg", PDF_AS_JPG)], "file_type_not_allowed", "不是 JPEG、PNG 或 WebP 照片"),
        ([("a.jpg", HTML_AS_JPG)], "file_type_not_allowed", "不是 JPEG、PNG 或 WebP 照片"),
        ([("a.jpg", None)] * 3, "too_many_files", "最多"),
    ],
    ids=["pdf", "html", "too-many"],
)
def test_a_bad_photo_on_the_api_is_a_400_with_a_code_and_nothing_is_stored(
    media, settings, files, code, words
):
    settings.APPEAL_PHOTOS_MAX = 2
    answer = APIClient().post(
        APPEALS,
        {**VALID, "photos": [photo(data, name) for name, data in files]},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == code and words in answer.json()["detail"]
    assert not Appeal.objects.exists() and stored_files(media) == []


def test_an_api_retry_with_the_same_key_does_not_duplicate_photos(media):
    api = APIClient()
    sent = [
        api.post(
            APPEALS,
            {**VALID, "photos": [photo()]},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="retry-1",
        )
        for _ in range(2)
    ]
    assert [a.status_code for a in sent] == [201, 200]
    assert sent[0].json()["tracking_number"] == sent[1].json()["tracking_number"]
    assert AppealPhoto.objects.count() == 1 and len(stored_files(media)) == 1


def test_staff_and_the_citizen_see_the_photos_in_the_api(media, people, district):
    appeal = walk(submit(photos=[photo()]), Status.DISPATCHED, people, district)
    api = APIClient()
    api.force_authenticate(people["vet_handler"])
    detail = api.get(f"{APPEALS}{appeal.tracking_number}/").json()
    (shown,) = detail["photos"]
    assert shown["kind"] == "citizen" and shown["url"].startswith("/appeal-photos/")
    code = services.query_code_for(appeal.tracking_number)
    tracked = APIClient().get(
        f"{APPEALS}track/", {"tracking_number": appeal.tracking_number}, HTTP_X_QUERY_CODE=code
    )
    (signed,) = tracked.json()["photos"]
    assert "?t=" in signed["url"]
    assert APIClient().get(signed["url"]).status_code == 200  # the citizen's signed link


# --- who sees a photo -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "appeal_public, photo_public, anyone",
    [(True, True, 200), (True, False, 404), (False, True, 404), (False, False, 404)],
)
def test_the_public_sees_a_photo_only_of_a_public_appeal_that_allows_it(
    client, media, people, district, appeal_public, photo_public, anyone
):
    appeal = walk(
        submit(photos=[photo()], is_public=appeal_public, photos_public=photo_public),
        Status.DISPATCHED,
        people,
        district,
    )
    url = f"/appeal-photos/{appeal.photos.get().pk}/"
    assert client.get(url).status_code == anyone
    # Staff of the appeal see every photo; other staff only what the public sees.
    for name, status in [("vet_handler", 200), ("dispatcher", 200), ("env_handler", anyone)]:
        client.force_login(people[name])
        assert client.get(url).status_code == status, name


def test_a_photo_is_served_as_core_uploads_serves_photos(client, media, people, district):
    appeal = walk(submit(photos=[photo()]), Status.DISPATCHED, people, district)
    client.force_login(people["vet_handler"])
    shown = client.get(f"/appeal-photos/{appeal.photos.get().pk}/")
    assert shown["Content-Type"] == "image/jpeg"
    assert shown["X-Content-Type-Options"] == "nosniff"
    assert shown["Content-Security-Policy"].startswith("sandbox")
    assert shown["Cache-Control"].startswith("private")
    assert shown["Content-Disposition"].startswith("inline")
    assert exif_of(body(shown)) == {}


def test_a_forged_or_foreign_link_shows_nothing(client, media):
    mine = submit(photos=[photo()])
    other = submit(photos=[photo()])
    from lianxin.appeals.selectors import citizen_photo_token

    token = citizen_photo_token(other.photos.get())
    assert client.get(f"/appeal-photos/{mine.photos.get().pk}/?t={token}").status_code == 404
    assert client.get(f"/appeal-photos/{mine.photos.get().pk}/?t=forged").status_code == 404
    assert client.get("/appeal-photos/999999/").status_code == 404


# --- pages ------------------------------------------------------------------------------------


def test_the_portal_form_takes_photos_from_a_phone(client, media):
    form = client.get("/submit/").content.decode()
    assert 'enctype="multipart/form-data"' in form
    assert 'accept="image/*"' in form and 'capture="environment"' in form
    assert (
        'name="photos_public"' in form
        and "checked" not in form.split('name="photos_public"')[1][:40]
    )
    done = client.post(
        "/submit/", {**VALID, "urgency": "ordinary", "photos": [photo()], "photos_public": "on"}
    )
    assert done.status_code == 200 and 'id="photo-count"' in done.content.decode()
    appeal = Appeal.objects.get()
    assert appeal.channel == "web" and appeal.photos.get().is_public


def test_a_fake_photo_on_the_portal_is_refused_in_chinese_and_nothing_is_kept(client, media):
    refused = client.post(
        "/submit/",
        {**VALID, "urgency": "ordinary", "photos": [photo(PDF_AS_JPG, "photo.jpg")]},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    page = refused.content.decode()
    assert refused.status_code == 400
    assert "不是 JPEG、PNG 或 WebP 照片" in page and 'id="photo-error"' in page
    assert VALID["content"] in page  # what was typed stays
    assert not Appeal.objects.exists() and stored_files(media) == []


def test_the_tracking_page_shows_the_citizen_their_photos(client, media):
    appeal = submit(photos=[photo()])
    page = client.post(
        "/track/",
        {
            "tracking_number": appeal.tracking_number,
            "query_code": services.query_code_for(appeal.tracking_number),
        },
    ).content.decode()
    assert 'id="photos"' in page and f"/appeal-photos/{appeal.photos.get().pk}/?t=" in page


def test_the_reply_form_takes_an_after_photo(client, media, people, district):
    appeal = walk(submit(photos=[photo()]), Status.HANDLING, people, district)
    client.force_login(people["vet_handler"])
    page = client.get(f"/appeals/{appeal.tracking_number}/").content.decode()
    assert 'name="after_photos"' in page and 'enctype="multipart/form-data"' in page
    done = client.post(
        f"/appeals/{appeal.tracking_number}/act/reply/",
        {"text": GOOD_REPLY, "version": fresh(appeal).version, "after_photos": [photo()]},
    )
    assert done.status_code == 302
    assert fresh(appeal).status == Status.REPLIED
    assert list(appeal.photos.values_list("kind", flat=True)) == ["citizen", "after"]
    page = client.get(f"/appeals/{appeal.tracking_number}/").content.decode()
    assert page.count('data-photo-kind="') == 2


def test_a_fake_after_photo_keeps_the_reply_form_with_its_message(client, media, people, district):
    appeal = walk(submit(), Status.HANDLING, people, district)
    client.force_login(people["vet_handler"])
    refused = client.post(
        f"/appeals/{appeal.tracking_number}/act/reply/",
        {
            "text": GOOD_REPLY,
            "version": fresh(appeal).version,
            "after_photos": [photo(HTML_AS_JPG)],
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "不是 JPEG、PNG 或 WebP 照片" in page and GOOD_REPLY[:20] in page
    assert fresh(appeal).status == Status.HANDLING and stored_files(media) == []


def test_staff_see_an_external_photo_link_as_text_only(client, people, district):
    appeal = walk(
        submit(external_media_url="http://169.254.169.254/latest/meta-data/"),
        Status.DISPATCHED,
        people,
        district,
    )
    client.force_login(people["vet_handler"])
    page = client.get(f"/appeals/{appeal.tracking_number}/").content.decode()
    assert "<code>http://169.254.169.254/latest/meta-data/</code>" in page
    assert 'src="http://169.254.169.254' not in page and 'href="http://169.254' not in page


def test_the_public_board_shows_only_the_photos_allowed(client, media):
    shown = submit(photos=[photo()], is_public=True, photos_public=True)
    kept = submit(photos=[photo()], is_public=True, photos_public=False)
    page = client.get("/board/").content.decode()
    assert f"/appeal-photos/{shown.photos.get().pk}/" in page
    assert f"/appeal-photos/{kept.photos.get().pk}/" not in page


def test_photos_of_a_reply_held_for_review_wait_with_it(client, media, people, district, settings):
    from lianxin.appeals.selectors import citizen_photos, public_photos

    appeal = walk(
        submit(photos=[photo()], is_public=True, photos_public=True),
        Status.HANDLING,
        people,
        district,
    )
    settings.REPLY_REVIEW_THRESHOLD = 1.01  # every reply is held for the unit leader
    held = services.appeal_reply(
        appeal=appeal,
        actor=people["vet_handler"],
        text="已处理。",
        after_photos=[photo()],
        photos_public=True,
    )
    assert held.status == Status.REVIEWING and held.photos.count() == 2
    assert [p.kind for p in citizen_photos(held)] == ["citizen"]
    assert [p.kind for p in public_photos(held)] == ["citizen"]
    after = held.photos.get(kind="after")
    assert client.get(f"/appeal-photos/{after.pk}/").status_code == 404


def test_forms_that_take_photos_still_check_csrf(media, people, district):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/submit/", {**VALID, "photos": [photo()]}).status_code == 403
    appeal = walk(submit(), Status.HANDLING, people, district)
    strict.force_login(people["vet_handler"])
    sent = strict.post(
        f"/appeals/{appeal.tracking_number}/act/reply/",
        {"text": GOOD_REPLY, "after_photos": [photo()]},
    )
    assert sent.status_code == 403
    assert Appeal.objects.count() == 1 and not AppealPhoto.objects.exists()
    assert stored_files(media) == []


def test_a_form_sent_back_for_its_text_asks_for_the_photos_again(client, media):
    page = client.post(
        "/submit/", {"title": "", "content": "有内容", "urgency": "ordinary", "photos": [photo()]}
    ).content.decode()
    assert 'id="photo-error"' in page
    assert not Appeal.objects.exists() and stored_files(media) == []
