"""Journeys with appeal photos (图片附件), through the pages only. A citizen on a phone files an
appeal with a photo from the camera: first a PDF renamed .jpg, refused with a Chinese message
and nothing kept (no appeal, no file), then a real photo carrying where it was taken (GPS
EXIF), allowed to be shown; the tracking page shows it, and the stored file has no EXIF. A
handler at the office replies with a photo taken after the repair, which the appeal's page
then shows; the citizen sees it on the tracking page."""

import pytest
from django.core.files.storage import default_storage

from lianxin.appeals import services
from lianxin.appeals.models import Appeal, AppealPhoto, Status
from tests.appeals_helpers import GOOD_REPLY, fast_passwords, fresh, submit  # noqa: F401
from tests.browser import DESKTOP, PHONE, assert_clean, fits_width, login, open_page

from .photo_helpers import PDF_AS_JPG, exif_of, jpeg_with_gps

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()]


def jpeg(name: str, data: bytes) -> dict:
    return {"name": name, "mimeType": "image/jpeg", "buffer": data}


def shown(page, selector: str) -> bool:
    """The image was loaded and decoded by the browser (not a broken image); photos load
    lazily, so it is scrolled to first."""
    page.locator(selector).scroll_into_view_if_needed()
    page.wait_for_function("(s) => document.querySelector(s).complete", arg=selector, timeout=10000)
    return page.eval_on_selector(selector, "img => img.naturalWidth > 0")


def test_a_citizen_files_an_appeal_with_a_photo_on_a_phone(chromium, live_server, district, media):
    page = open_page(chromium, live_server, viewport=PHONE)
    page.goto(f"{live_server.url}/submit/")
    assert page.get_attribute("#photos", "accept") == "image/*"
    assert page.get_attribute("#photos", "capture") == "environment"
    assert not page.is_checked("#id_photos_public")  # off unless the citizen allows it
    assert fits_width(page)

    page.fill("#id_title", "人行道井盖丢失")
    page.fill("#id_content", "迎宾路12号门口人行道上的井盖不见了，晚上很危险。")
    page.fill("#id_address", "迎宾路12号")
    # A PDF renamed .jpg: the whole appeal is refused, what was typed stays, nothing is kept.
    page.set_input_files("#photos", [jpeg("井盖.jpg", PDF_AS_JPG)])
    page.click("#submit-appeal")
    assert "“井盖.jpg”不是 JPEG、PNG 或 WebP 照片" in page.inner_text("#photo-error")
    assert page.input_value("#id_title") == "人行道井盖丢失"
    assert not Appeal.objects.exists() and stored_files(media) == []
    assert fits_width(page)

    original = jpeg_with_gps()
    assert exif_of(original)  # the phone's photo says where it was taken
    page.set_input_files("#photos", [jpeg("IMG_0001.jpg", original)])
    page.check("#id_is_public")
    page.check("#id_photos_public")
    page.click("#submit-appeal")
    tracking_number = page.inner_text("#tracking-number").strip()
    assert "已附 1 张照片" in page.inner_text("#photo-count")
    photo = AppealPhoto.objects.get(appeal__tracking_number=tracking_number)
    assert photo.is_public
    with default_storage.open(photo.stored_as) as f:
        data = f.read()
    assert exif_of(data) == {} and b"PhoneMaker" not in data
    assert len(stored_files(media)) == 1

    # Tracking it straight away: the photo is on the citizen's page.
    page.click("text=立即查询")
    page.wait_for_selector("#photos")
    assert shown(page, "#photos img")
    assert fits_width(page)
    # The appeal is public and the photo allowed: the public board shows it too.
    page.goto(f"{live_server.url}/board/")
    assert shown(page, f"img[src='/appeal-photos/{photo.pk}/']")
    assert_clean(page)


def test_a_handler_replies_with_an_after_photo(chromium, live_server, people, district, media):
    appeal = submit(title="路灯不亮", content="幸福路口的路灯坏了三天，晚上很黑。")
    services.appeal_dispatch(appeal=appeal, unit=district["vet"], actor=people["dispatcher"])
    services.appeal_accept(appeal=appeal, actor=people["vet_handler"])
    page = login(chromium, live_server, "vet_handler", viewport=DESKTOP)
    page.goto(f"{live_server.url}/appeals/{appeal.tracking_number}/")
    if not page.is_visible("#form-reply"):
        page.click("details:has(#form-reply) > summary")
    page.fill("#reply-text", GOOD_REPLY)
    page.set_input_files("#reply-after", [jpeg("修好后.jpg", jpeg_with_gps(1600, 1200, 1))])
    with page.expect_navigation():
        page.click("#form-reply button[type=submit]")
    assert fresh(appeal).status == Status.REPLIED
    after = AppealPhoto.objects.get(appeal=appeal, kind="after")
    assert exif_of(default_storage.open(after.stored_as).read()) == {}
    assert shown(page, "figure[data-photo-kind='after'] img")
    assert "办理后" in page.inner_text("#photos")
    assert_clean(page)

    # The citizen sees the after-photo with the reply on the tracking page.
    citizen = open_page(chromium, live_server, viewport=PHONE)
    citizen.goto(f"{live_server.url}/track/")
    citizen.fill("#tn", appeal.tracking_number)
    citizen.fill("#qc", services.query_code_for(appeal.tracking_number))
    citizen.click("form button[type=submit]")
    assert shown(citizen, "figure[data-photo-kind='after'] img")
    assert fits_width(citizen)
    assert_clean(citizen)
