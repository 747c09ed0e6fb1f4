"""The exact requests of the old Python Open311 clients, which no longer import on Python 3:
`open311` (2011: XML, `service/{code}.xml`, form-encoded POST) and `three` (2013: api_key and
jurisdiction_id on every query string, multipart POST with a `media` file part, tokens)."""

from urllib.parse import urlencode
from xml.etree import ElementTree as ET  # noqa: S405 (parsing our own test responses)

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lianxin.appeals.models import Appeal, Channel
from lianxin.core.models import AuditEvent
from tests.open311_helpers import assert_no_personal_data, make_data, make_key
from tests.photo_helpers import jpeg_with_gps

BASE = "/open311/v2"
JURISDICTION = "lianxin.local"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the media part's photo is stored here


@pytest.fixture
def key(categories):
    make_data()
    return make_key("legacy-app")


def xml(response) -> ET.Element:
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)  # noqa: S314 (our own output)


def qs(key: str, **extra) -> str:
    return "?" + urlencode({"api_key": key, "jurisdiction_id": JURISDICTION, **extra})


# --- open311 (2011) -------------------------------------------------------------------------


def test_open311_2011_lists_services_and_reads_the_old_service_path(client, key):
    services = xml(client.get(f"{BASE}/services.xml" + qs(key)))
    assert "animal-epidemic" in [s.findtext("service_code") for s in services.iter("service")]
    definition = xml(client.get(f"{BASE}/service/animal-epidemic.xml" + qs(key)))
    assert definition.tag == "service_definition"
    assert [a.findtext("code") for a in definition.iter("attribute")] == [
        "species",
        "animals_sick",
        "animals_dead",
    ]
    assert [v.findtext("key") for v in definition.find("attributes/attribute/values")][:2] == [
        "pig",
        "cattle",
    ]


def test_open311_2011_form_encoded_post_then_follows_the_request(client, key):
    form = {
        "service_code": "animal-epidemic",
        "lat": "30.52",
        "long": "114.32",
        "address_string": "东湖村7组",
        "description": "羊群发热",
        "first_name": "三",
        "last_name": "张",
        "email": "zhang@example.org",
        "phone": "13812345678",
        "device_id": "legacy-1",
        "account_id": "42",
        "attribute[species]": "sheep",
        "attribute[animals_sick]": "5",
    }
    response = client.post(
        f"{BASE}/requests.xml" + qs(key),
        urlencode(form),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 201, response.content
    created = xml(response)
    assert created.tag == "service_requests"
    request_id = created.findtext("request/service_request_id")
    appeal = Appeal.objects.get(tracking_number=request_id)
    assert appeal.channel == Channel.OPEN311 and appeal.address == "东湖村7组"
    assert "羊 Sheep / goat" in appeal.content
    assert AuditEvent.objects.get(object_id=str(appeal.pk), action="submit").actor_label == (
        "open311:legacy-app"
    )
    assert_no_personal_data(response.content)

    followed = xml(client.get(f"{BASE}/requests/{request_id}.xml" + qs(key)))
    assert followed.findtext("request/service_request_id") == request_id
    assert followed.findtext("request/status") == "open"
    assert followed.findtext("request/agency_responsible") == "畜牧兽医局"
    listed = xml(client.get(f"{BASE}/requests.xml" + qs(key, status="open")))
    assert all(r.findtext("status") == "open" for r in listed.iter("request"))


def test_open311_2011_errors_are_xml(client, key):
    response = client.post(
        f"{BASE}/requests.xml" + qs(key),
        urlencode({"lat": "1"}),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert xml(response).findtext("error/code") == "400"


# --- three (2013) ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_three_multipart_post_with_media_then_token_lookup(client, key, fmt):
    media = SimpleUploadedFile("photo.jpg", jpeg_with_gps(600, 400), "image/jpeg")
    response = client.post(
        f"{BASE}/requests.{fmt}" + qs(key),
        {
            "service_code": "env-noise",
            "address_string": "东城路1号",
            "first_name": "四",
            "last_name": "李",
            "description": "夜里打桩",
            "media": media,
        },
    )
    assert response.status_code == 201, response.content
    if fmt == "json":
        token = response.json()[0]["token"]
    else:
        token = xml(response).findtext("request/token")
    appeal = Appeal.objects.get(tracking_number=token)
    assert appeal.contact_name == "四 李" and appeal.address == "东城路1号"
    assert appeal.photos.count() == 1  # the media part, stored without its GPS

    answer = client.get(f"{BASE}/tokens/{token}.{fmt}" + qs(key))
    assert answer.status_code == 200
    if fmt == "json":
        assert answer.json() == [{"service_request_id": token, "token": token}]
    else:
        assert xml(answer).findtext("request/service_request_id") == token


def test_three_revoked_key_in_the_query_string_is_403(client, key):
    from lianxin.open311.models import ApiKey
    from lianxin.open311.services import api_key_revoke

    api_key_revoke(key=ApiKey.objects.get(name="legacy-app"))
    response = client.post(
        f"{BASE}/requests.json" + qs(key),
        {"service_code": "env-noise", "address_string": "东城路1号"},
    )
    assert response.status_code == 403
    assert response.json()[0]["code"] == 403
    assert not Appeal.objects.filter(channel=Channel.OPEN311).exists()
