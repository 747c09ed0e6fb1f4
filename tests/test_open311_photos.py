"""Open311 photos: a `media` file part is an appeal photo like any other (checked, cleaned of
its GPS, refused with the whole request when fake); `media_url` is never fetched, only kept
for staff; in GET answers `media_url` is our own address of the first public photo."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lianxin.appeals.models import Appeal, AppealPhoto
from tests.open311_helpers import make_key
from tests.photo_helpers import HTML_AS_JPG, exif_of, jpeg_with_gps

BASE = "/open311/v2"
pytestmark = pytest.mark.django_db
REQUEST = {
    "service_code": "env-noise",
    "address_string": "东城路1号",
    "description": "夜里打桩，吵得睡不着",
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def key(db):
    return make_key()


def stored_files(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()]


def post(client, key, **fields):
    return client.post(f"{BASE}/requests.json", {"api_key": key, **REQUEST, **fields})


def test_a_media_part_is_stored_as_a_public_photo_without_its_gps(client, categories, key, media):
    sent = post(client, key, media=SimpleUploadedFile("p.jpg", jpeg_with_gps(), "image/jpeg"))
    assert sent.status_code == 201, sent.content
    appeal = Appeal.objects.get(tracking_number=sent.json()[0]["service_request_id"])
    photo = appeal.photos.get()
    assert photo.is_public and photo.kind == "citizen"
    (path,) = stored_files(media)
    assert exif_of(path.read_bytes()) == {}


def test_a_fake_media_part_refuses_the_request_and_stores_nothing(client, categories, key, media):
    sent = post(client, key, media=SimpleUploadedFile("p.jpg", HTML_AS_JPG, "image/jpeg"))
    assert sent.status_code == 400
    assert "不是 JPEG、PNG 或 WebP 照片" in sent.json()[0]["description"]
    assert not Appeal.objects.exists() and stored_files(media) == []


def test_media_url_is_kept_for_staff_and_never_fetched_or_published(
    client, categories, key, monkeypatch
):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("the server must not connect anywhere")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    link = "http://169.254.169.254/latest/meta-data/"
    sent = post(client, key, media_url=link)
    assert sent.status_code == 201
    appeal = Appeal.objects.get()
    assert appeal.external_media_url == link
    assert link not in appeal.content  # the content is shown publicly; the link is not
    assert not AppealPhoto.objects.exists()


def test_get_answers_give_our_own_address_of_the_first_public_photo(client, categories, key):
    sent = post(client, key, media=SimpleUploadedFile("p.jpg", jpeg_with_gps(), "image/jpeg"))
    tn = sent.json()[0]["service_request_id"]
    appeal = Appeal.objects.get(tracking_number=tn)
    photo = appeal.photos.get()
    # Not public yet (the citizen's appeal is not on the board): no photo, no address.
    (row,) = client.get(f"{BASE}/requests/{tn}.json", {"api_key": key}).json()
    assert row["media_url"] == ""
    Appeal.objects.filter(pk=appeal.pk).update(is_public=True)
    (row,) = client.get(f"{BASE}/requests/{tn}.json").json()
    assert row["media_url"] == f"http://testserver/appeal-photos/{photo.pk}/"
    assert client.get(row["media_url"]).status_code == 200
    xml = client.get(f"{BASE}/requests/{tn}.xml").content.decode()
    assert f"<media_url>http://testserver/appeal-photos/{photo.pk}/</media_url>" in xml
