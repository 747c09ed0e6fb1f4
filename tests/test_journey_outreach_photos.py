"""Journey of a township cadre on a phone with photos: a home visit logged with a photo that
carries where it was taken (GPS EXIF) shows the photo on the household's page, and the stored
file has no EXIF at all; a PDF renamed .jpg is refused with a clear Chinese message, with the
whole form (no visit, no file); a visit with a photo saved without signal says the photo was
not kept, and the photo is added on the household's page once the signal is back."""

import pytest
from django.core.files.storage import default_storage

from lianxin.outreach.models import Visit, VisitPhoto
from tests.browser import PHONE, assert_clean, fits_width, login

from . import outreach_helpers
from .outreach_helpers import paired, register
from .photo_helpers import PDF_AS_JPG, exif_of, jpeg_with_gps

village = outreach_helpers.village
outreach_people = outreach_helpers.outreach_people

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
    """The image was loaded and decoded by the browser (not a broken image). The page loads
    photos lazily: it is scrolled to first."""
    page.locator(selector).scroll_into_view_if_needed()
    page.wait_for_function("(s) => document.querySelector(s).complete", arg=selector, timeout=10000)
    return page.eval_on_selector(selector, "img => img.naturalWidth > 0")


def test_a_home_visit_with_a_photo_on_a_phone(
    chromium, live_server, village, outreach_people, media
):
    leader, cadre = outreach_people["leader"], outreach_people["cadre"]
    home = register(leader, village)
    paired(leader, cadre, home)
    page = login(chromium, live_server, "cadre", viewport=PHONE)
    page.goto(f"{live_server.url}/outreach/households/{home.pk}/visit/")
    assert page.get_attribute("#photos", "capture") == "environment"
    assert fits_width(page)

    # A PDF renamed .jpg: the whole form is refused, what was typed stays, nothing is stored.
    page.fill("#notes", "屋顶漏雨，需要修缮")
    page.set_input_files("#photos", [jpeg("屋顶.jpg", PDF_AS_JPG)])
    page.click("text=保存走访记录")
    assert "“屋顶.jpg”不是 JPEG、PNG 或 WebP 照片" in page.inner_text("#visit-error")
    assert page.input_value("#notes") == "屋顶漏雨，需要修缮"
    assert not Visit.objects.exists() and stored_files(media) == []
    assert fits_width(page)

    # A real photo from the phone's camera, with where it was taken.
    original = jpeg_with_gps()
    assert exif_of(original)
    page.set_input_files("#photos", [jpeg("IMG_0001.jpg", original)])
    page.click("text=保存走访记录")
    page.wait_for_url(f"**/outreach/households/{home.pk}/")
    assert "走访记录已保存" in page.inner_text("main")
    photo = VisitPhoto.objects.get()
    assert shown(page, f"img[src='/outreach/visits/photos/{photo.pk}/']")
    with default_storage.open(photo.stored_as) as f:
        data = f.read()
    assert exif_of(data) == {} and b"Exif" not in data and b"PhoneMaker" not in data
    assert len(stored_files(media)) == 1
    assert fits_width(page)
    assert_clean(page)


def test_a_photo_is_not_kept_offline_and_is_added_later(
    chromium, live_server, village, outreach_people, media
):
    leader, cadre = outreach_people["leader"], outreach_people["cadre"]
    home = register(leader, village)
    paired(leader, cadre, home)
    page = login(chromium, live_server, "cadre", viewport=PHONE)
    context = page.context
    page.goto(f"{live_server.url}/outreach/")
    page.evaluate(
        """() => navigator.serviceWorker.controller || new Promise((done) =>
             navigator.serviceWorker.addEventListener("controllerchange", done))"""
    )
    page.click("text=记录走访")
    page.wait_for_url(f"**/outreach/households/{home.pk}/visit/")

    context.set_offline(True)
    page.reload()
    page.fill("#notes", "无信号")
    page.set_input_files("#photos", [jpeg("IMG_0002.jpg", jpeg_with_gps())])
    page.click("text=保存走访记录")
    page.wait_for_selector("#visit-queue[data-count='1']")
    notice = page.inner_text("#visit-queue-notice")
    assert "已保存在本机" in notice and "照片没有保存在手机上" in notice
    assert fits_width(page)

    context.set_offline(False)
    page.wait_for_selector("#visit-queue[data-count='0']", state="attached")
    visit = Visit.objects.get()
    assert not visit.photos.exists() and stored_files(media) == []

    # With signal, on the household's page: the photo is added to the visit.
    page.goto(f"{live_server.url}/outreach/households/{home.pk}/")
    page.set_input_files(f"#photos-{visit.pk}", [jpeg("IMG_0002.jpg", jpeg_with_gps())])
    page.click(f"#photos-{visit.pk} ~ button")
    page.wait_for_url(f"**/outreach/households/{home.pk}/")
    assert "照片已添加到走访记录" in page.inner_text("main")
    photo = visit.photos.get()
    assert shown(page, f"img[src='/outreach/visits/photos/{photo.pk}/']")
    assert exif_of(default_storage.open(photo.stored_as).read()) == {}
    assert fits_width(page)
    assert_clean(page)
