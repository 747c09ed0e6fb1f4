"""Photos on visits: stored with the visit without their EXIF (GPS shows where a household
lives), refused with the whole visit when one is not a photo (nothing stored), added later
from the household's page, shown only to those who may see the household, and audited."""

import uuid

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from lianxin.core import uploads
from lianxin.core.errors import InvalidInput, PermissionDenied
from lianxin.core.models import AuditEvent
from lianxin.outreach.models import Visit, VisitPhoto
from lianxin.outreach.services import visit_photo_add, visit_record

from . import outreach_helpers
from .appeals_helpers import fast_passwords  # noqa: F401 - autouse fixture
from .outreach_helpers import paired, register, today
from .photo_helpers import HTML_AS_JPG, PDF_AS_JPG, exif_of, jpeg_with_gps, png_with_text

village = outreach_helpers.village
outreach_people = outreach_helpers.outreach_people

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def setup(village, outreach_people):
    leader, cadre = outreach_people["leader"], outreach_people["cadre"]
    home = register(leader, village)
    pairing = paired(leader, cadre, home)
    return {"home": home, "pairing": pairing, **outreach_people}


def photo(data: bytes | None = None, name: str = "IMG_0001.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data or jpeg_with_gps(), content_type="image/jpeg")


def stored_files(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()]


def record(setup, photos, **kwargs):
    return visit_record(
        actor=setup["cadre"],
        pairing=setup["pairing"],
        visited_on=today(),
        form="home",
        client_uuid=uuid.uuid4(),
        notes="老人身体还好",
        photos=photos,
        **kwargs,
    )


def test_a_visit_is_stored_with_its_photos_without_exif(setup, media):
    visit, created = record(setup, [photo(), photo(png_with_text(), "b.png")])
    assert created
    first, second = visit.photos.order_by("pk")
    assert (first.kind, second.kind) == ("jpeg", "png")
    with default_storage.open(first.stored_as) as f:
        data = f.read()
    assert exif_of(data) == {} and b"PhoneMaker" not in data and b"Exif" not in data
    assert first.size == len(data) and first.added_by == setup["cadre"]
    event = AuditEvent.objects.get(action="visit_record", object_id=str(visit.pk))
    assert [p["id"] for p in event.data["photos"]] == [first.pk, second.pk]
    assert set(event.data["photos"][0]) == {"id", "kind", "size", "sha256"}  # no content
    assert len(stored_files(media)) == 2


@pytest.mark.parametrize("bad", [PDF_AS_JPG, HTML_AS_JPG], ids=["pdf", "html"])
def test_a_non_photo_refuses_the_whole_visit_and_stores_nothing(setup, media, bad):
    with pytest.raises(InvalidInput) as refused:
        record(setup, [photo(), photo(bad, "scan.jpg")])
    assert refused.value.code == uploads.Code.TYPE
    assert "“scan.jpg”不是 JPEG、PNG 或 WebP 照片" in str(refused.value.message)
    assert not Visit.objects.exists() and not VisitPhoto.objects.exists()
    assert stored_files(media) == []


def test_more_photos_than_allowed_are_refused(setup, media, settings):
    settings.VISIT_PHOTOS_MAX = 2
    with pytest.raises(InvalidInput) as refused:
        record(setup, [photo(), photo(), photo()])
    assert refused.value.code == uploads.Code.TOO_MANY
    assert not Visit.objects.exists() and stored_files(media) == []


def test_a_refusal_after_the_photos_were_stored_removes_them(setup, media):
    """The pairing ended between the form and the save: the visit is refused in its
    transaction, after the photos were checked; none stays in storage."""
    setup["pairing"].ends_on = today()
    setup["pairing"].save()
    with pytest.raises(Exception):  # noqa: B017 - the service's refusal (InvalidTransition)
        record(setup, [photo()])
    assert not Visit.objects.exists() and stored_files(media) == []


def test_photos_added_later_by_the_paired_cadre_only(setup, media, settings):
    settings.VISIT_PHOTOS_MAX = 2
    visit, _ = record(setup, [])
    (added,) = visit_photo_add(actor=setup["cadre"], visit=visit, files=[photo()])
    assert added.visit == visit and exif_of(default_storage.open(added.stored_as).read()) == {}
    event = AuditEvent.objects.get(action="visit_photo_add", object_id=str(visit.pk))
    assert event.data["photos"][0]["id"] == added.pk
    with pytest.raises(PermissionDenied):
        visit_photo_add(actor=setup["cadre2"], visit=visit, files=[photo()])
    with pytest.raises(InvalidInput) as refused:
        visit_photo_add(actor=setup["cadre"], visit=visit, files=[photo(), photo()])
    assert refused.value.code == uploads.Code.TOO_MANY
    assert visit.photos.count() == 1 and len(stored_files(media)) == 1


# --- pages ------------------------------------------------------------------------------------


def test_the_visit_form_takes_photos_and_the_household_page_shows_them(client, setup, media):
    client.force_login(setup["cadre"])
    url = f"/outreach/households/{setup['home'].pk}/visit/"
    form = client.get(url).content.decode()
    assert 'enctype="multipart/form-data"' in form and 'capture="environment"' in form
    done = client.post(
        url,
        {
            "visited_on": today().isoformat(),
            "form": "home",
            "notes": "屋顶漏雨",
            "client_uuid": str(uuid.uuid4()),
            "photos": [photo()],
        },
    )
    assert done.status_code == 302
    (stored,) = VisitPhoto.objects.all()
    page = client.get(f"/outreach/households/{setup['home'].pk}/").content.decode()
    assert f'src="/outreach/visits/photos/{stored.pk}/"' in page
    shown = client.get(f"/outreach/visits/photos/{stored.pk}/")
    assert shown.status_code == 200
    assert shown["Content-Type"] == "image/jpeg"
    assert shown["X-Content-Type-Options"] == "nosniff"
    assert shown["Content-Disposition"].startswith("inline")
    assert exif_of(b"".join(shown.streaming_content)) == {}


def test_a_non_photo_on_the_form_is_refused_with_a_message(client, setup, media):
    client.force_login(setup["cadre"])
    refused = client.post(
        f"/outreach/households/{setup['home'].pk}/visit/",
        {
            "visited_on": today().isoformat(),
            "form": "home",
            "notes": "屋顶漏雨",
            "client_uuid": str(uuid.uuid4()),
            "photos": [photo(PDF_AS_JPG, "photo.jpg")],
        },
    )
    assert refused.status_code == 400
    assert "不是 JPEG、PNG 或 WebP 照片" in refused.content.decode()
    assert "屋顶漏雨" in refused.content.decode()  # what was typed stays
    assert not Visit.objects.exists() and stored_files(media) == []


def test_a_photo_is_shown_only_to_who_may_see_the_household(client, setup):
    visit, _ = record(setup, [photo()])
    url = f"/outreach/visits/photos/{visit.photos.get().pk}/"
    assert client.get(url).status_code == 302  # to the login page: never public
    for name, status in [("cadre2", 404), ("citizen", 404), ("supervisor", 200), ("leader", 200)]:
        client.force_login(setup[name])
        assert client.get(url).status_code == status, name
    assert client.get("/outreach/visits/photos/999999/").status_code == 404


def test_a_photo_added_from_the_household_page(client, setup, media):
    visit, _ = record(setup, [])
    client.force_login(setup["cadre"])
    household = f"/outreach/households/{setup['home'].pk}/"
    assert f"/outreach/visits/{visit.pk}/photos/" in client.get(household).content.decode()
    done = client.post(f"/outreach/visits/{visit.pk}/photos/", {"photos": [photo()]})
    assert done.status_code == 302 and done["Location"] == household
    assert visit.photos.count() == 1
    bad = client.post(
        f"/outreach/visits/{visit.pk}/photos/", {"photos": [photo(HTML_AS_JPG)]}, follow=True
    )
    assert "不是 JPEG、PNG 或 WebP 照片" in bad.content.decode()
    assert visit.photos.count() == 1 and len(stored_files(media)) == 1
    client.force_login(setup["supervisor"])  # sees the household, does not visit it
    assert (
        client.post(f"/outreach/visits/{visit.pk}/photos/", {"photos": [photo()]}).status_code
        == 403
    )
    client.force_login(setup["cadre2"])
    assert (
        client.post(f"/outreach/visits/{visit.pk}/photos/", {"photos": [photo()]}).status_code
        == 404
    )
