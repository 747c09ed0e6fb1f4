"""GeoReport v2 server: driven by the `georeport` PyPI client over a live server, and the
error cases, keys, limits and privacy rules of issue 3 through the test client."""

import re
from datetime import timedelta
from xml.etree import ElementTree as ET  # noqa: S405 (parsing our own test responses)

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from georeport import GeoReport
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from lianxin.appeals.models import Appeal, Category, Channel
from lianxin.core import clock
from lianxin.core.models import AuditEvent
from lianxin.open311.models import ApiKey
from lianxin.open311.render import to_xml
from lianxin.open311.services import api_key_revoke, key_hash
from tests.open311_helpers import assert_no_personal_data, make_data, make_key

BASE = "/open311/v2"
pytestmark = pytest.mark.django_db


@pytest.fixture
def data(categories):
    return make_data()


@pytest.fixture
def key(db):
    return make_key()


def xml(response) -> ET.Element:
    return ET.fromstring(response.content)  # noqa: S314 (our own output)


def assert_error(response, status: int, fmt: str = "json") -> str:
    assert response.status_code == status, response.content
    if fmt == "json":
        body = response.json()
        assert isinstance(body, list) and body[0]["code"] == status
        return body[0]["description"]
    root = xml(response)
    assert root.tag == "errors"
    assert root.find("error/code").text == str(status)
    return root.find("error/description").text


# --- the georeport client against a live server ---------------------------------------------


@pytest.fixture
def live_client(live_server, transactional_db, data):
    def make(fmt):
        return GeoReport(live_server.url + BASE, output_format=fmt)

    return make


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_lists_services_and_definitions(live_client, fmt):
    client = live_client(fmt)
    services = client.get_service_list()
    by_code = {s["service_code"]: s for s in services}
    # Groups (animal) are not services; leaves are, with their group named.
    assert set(by_code) == {"animal-epidemic", "env-noise"}
    epidemic = by_code["animal-epidemic"]
    assert epidemic["service_name"] == "动物疫病"
    assert epidemic["group"] == "农村农业"
    assert epidemic["type"] == "realtime"
    assert str(epidemic["metadata"]).lower() == "true"
    assert str(by_code["env-noise"]["metadata"]).lower() == "false"

    definition = client.get_service_definition("animal-epidemic")
    attributes = definition["attributes"]
    if fmt == "xml":
        attributes = attributes["attribute"]
    codes = [a["code"] for a in attributes]
    assert codes == ["species", "animals_sick", "animals_dead"]
    species = attributes[0]
    assert species["datatype"] == "singlevaluelist"
    assert str(species["required"]).lower() == "true"
    values = species["values"] if fmt == "json" else species["values"]["value"]
    assert {"key": "pig", "name": "猪 Pig"} in [dict(v) for v in values]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_lists_and_filters_requests(live_client, data, fmt):
    client = live_client(fmt)

    def ids(result):
        if isinstance(result, dict):  # xmltodict: a single element is not a list
            result = [result]
        return {r["service_request_id"] for r in result or []}

    public = {data[k].tracking_number for k in ("epidemic", "noise", "closed")}
    assert ids(client.get_service_requests()) == public  # the private appeal is not listed
    assert ids(client.get_service_requests(status="open")) == {
        data["epidemic"].tracking_number,
        data["noise"].tracking_number,
    }
    assert ids(client.get_service_requests(status="closed")) == {data["closed"].tracking_number}
    assert ids(client.get_service_requests(service_code="env-noise")) == {
        data["noise"].tracking_number
    }
    start = (clock.now() - timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(client.get_service_requests(start_date=start, end_date=end)) == {
        data["epidemic"].tracking_number,
        data["noise"].tracking_number,
    }
    # service_request_id overrides the other filters, and never finds a non-public request.
    both = f"{data['closed'].tracking_number},{data['private'].tracking_number}"
    assert ids(client.get_service_requests(service_request_id=both, status="open")) == {
        data["closed"].tracking_number
    }


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_single_request_has_the_mapped_fields(live_client, data, fmt):
    client = live_client(fmt)
    appeal = Appeal.objects.select_related("unit").get(pk=data["epidemic"].pk)
    request = client.get_service_request(appeal.tracking_number)
    assert request["service_request_id"] == appeal.tracking_number
    assert request["status"] == "open"
    assert request["service_code"] == "animal-epidemic"
    assert request["agency_responsible"] == "畜牧兽医局"  # auto-dispatched to the vet office
    assert request["status_notes"] == appeal.public_note
    assert request["description"] == "村里三头猪发病，请来看看。"
    assert request["address"] == "东湖村5组"
    assert float(request["lat"]) == pytest.approx(30.5)
    # W3C datetimes with their offset; expected_datetime is the handling deadline.
    assert request["requested_datetime"].endswith("+08:00")
    from django.utils.dateparse import parse_datetime

    assert parse_datetime(request["expected_datetime"]) == appeal.handling_deadline
    closed = client.get_service_request(data["closed"].tracking_number)
    assert closed["status"] == "closed"


# --- documents, privacy, formats -------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "discovery.xml",
        "services.xml",
        "services/animal-epidemic.xml",
        "requests.xml",
        "requests/{id}.xml",
        "tokens/{id}.xml",
    ],
)
def test_every_xml_document_is_well_formed_and_has_no_personal_data(client, data, path):
    url = f"{BASE}/{path.format(id=data['epidemic'].tracking_number)}"
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    xml(response)
    assert_no_personal_data(response.content)


def test_json_lists_have_no_personal_data(client, data):
    ids = ",".join(a.tracking_number for a in data.values())
    for url in [f"{BASE}/requests.json", f"{BASE}/requests.json?service_request_id={ids}"]:
        response = client.get(url)
        assert response.status_code == 200
        assert_no_personal_data(response.content)


def test_a_private_request_is_not_confirmed_to_anyone_without_a_key(client, data):
    tracking_number = data["private"].tracking_number
    for path in (f"requests/{tracking_number}.json", f"tokens/{tracking_number}.json"):
        response = client.get(f"{BASE}/{path}")
        assert response.status_code == 404
        assert data["private"].category.name not in response.content.decode()


def test_a_client_with_its_key_sees_a_private_requests_status_but_not_its_text_or_place(
    client, data
):
    from lianxin.open311.services import api_key_create

    _key, raw = api_key_create(name="civic-app")
    body = client.get(
        f"{BASE}/requests/{data['private'].tracking_number}.json", {"api_key": raw}
    ).json()[0]
    assert body["status"] == "open"
    assert body["description"] == "" and body["address"] == "" and body["lat"] is None


@pytest.mark.ratelimit
def test_reads_are_rate_limited_per_address(client, data, settings):
    settings.OPEN311_READ_RATE = "5/hour"
    public = data["noise"].tracking_number
    for _ in range(5):
        assert (
            client.get(f"{BASE}/requests/{public}.json", REMOTE_ADDR="203.0.113.8").status_code
            == 200
        )
    response = client.get(f"{BASE}/requests/{public}.json", REMOTE_ADDR="203.0.113.8")
    assert response.status_code == 429
    assert (
        client.get(f"{BASE}/requests/{public}.json", REMOTE_ADDR="198.51.100.1").status_code == 200
    )


def test_discovery_names_the_endpoint_and_formats(client, db):
    body = client.get(f"{BASE}/discovery.json").json()
    endpoint = body["endpoints"][0]
    assert endpoint["url"].endswith("/open311/v2/")
    assert endpoint["formats"] == ["text/xml", "application/json"]


def test_empty_jurisdiction_is_the_same_as_none(client, data):
    a = client.get(f"{BASE}/requests.json").json()
    b = client.get(f"{BASE}/requests.json?jurisdiction_id=").json()
    c = client.get(f"{BASE}/requests.json?jurisdiction_id=lianxin.local").json()
    assert a == b == c and len(a) == 3


# --- POST -----------------------------------------------------------------------------------


def test_post_files_an_appeal_through_the_intake_with_attributes_and_audit(client, categories, key):
    make_data()  # seeds the epidemic questions
    response = client.post(
        f"{BASE}/requests.json",
        {
            "api_key": key,
            "service_code": "animal-epidemic",
            "lat": "30.51",
            "long": "114.31",
            "description": "鸡大量死亡",
            "first_name": "三",
            "last_name": "张",
            "phone": "13812345678",
            "email": "zhang@example.org",
            "attribute[species]": "poultry",
            "attribute[animals_sick]": "40",
            "attribute[animals_dead]": "12",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()[0]
    appeal = Appeal.objects.get(tracking_number=body["service_request_id"])
    assert body["token"] == appeal.tracking_number
    assert appeal.channel == Channel.OPEN311
    assert appeal.contact_name == "三 张" and appeal.contact_phone == "13812345678"
    assert "禽 Poultry" in appeal.content and "发病数量 Animals sick: 40" in appeal.content
    assert appeal.unit.code == "vet" and appeal.handling_deadline is not None
    submit = AuditEvent.objects.get(object_id=str(appeal.pk), action="submit")
    assert submit.actor_label == "open311:city-app"
    assert_no_personal_data(response.content)


@pytest.mark.parametrize(
    ("form", "status"),
    [
        ({"address_string": "东城路1号"}, 400),  # missing service_code
        ({"service_code": "no-such-service", "address_string": "东城路1号"}, 400),
        ({"service_code": "env-noise", "lat": "30.5"}, 400),  # lat without long
        ({"service_code": "env-noise", "long": "114.3"}, 400),
        ({"service_code": "env-noise"}, 400),  # no location at all
        ({"service_code": "env-noise", "lat": "north", "long": "114.3"}, 400),
        ({"service_code": "env-noise", "lat": "91", "long": "114.3"}, 400),
        ({"service_code": "env-noise", "address_string": "x", "description": "长" * 4001}, 400),
        ({"service_code": "env-noise", "address_string": "x", "phone": "not a phone"}, 400),
        ({"service_code": "animal-epidemic", "address_string": "x"}, 400),  # required attribute
        (
            {
                "service_code": "animal-epidemic",
                "address_string": "x",
                "attribute[species]": "dog",
                "attribute[animals_sick]": "1",
            },
            400,
        ),
        (
            {
                "service_code": "animal-epidemic",
                "address_string": "x",
                "attribute[species]": "pig",
                "attribute[animals_sick]": "many",
            },
            400,
        ),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_failed_post_answers_the_spec_error_and_writes_nothing(
    client, categories, key, form, status, fmt
):
    make_data()
    appeals, events = Appeal.objects.count(), AuditEvent.objects.count()
    response = client.post(f"{BASE}/requests.{fmt}", {"api_key": key, **form})
    assert_error(response, status, fmt)
    assert (Appeal.objects.count(), AuditEvent.objects.count()) == (appeals, events)


def test_a_description_of_exactly_4000_characters_is_accepted(client, categories, key):
    response = client.post(
        f"{BASE}/requests.json",
        {
            "api_key": key,
            "service_code": "env-noise",
            "address_string": "x",
            "description": "长" * 4000,
        },
    )
    assert response.status_code == 201


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_missing_unknown_or_revoked_key_is_403(client, categories, key, fmt):
    form = {"service_code": "env-noise", "address_string": "东城路1号"}
    assert_error(client.post(f"{BASE}/requests.{fmt}", form), 403, fmt)
    assert_error(client.post(f"{BASE}/requests.{fmt}", {**form, "api_key": "guess"}), 403, fmt)
    api_key_revoke(key=ApiKey.objects.get(name="city-app"))
    assert_error(client.post(f"{BASE}/requests.{fmt}", {**form, "api_key": key}), 403, fmt)
    assert not Appeal.objects.exists()


@pytest.mark.ratelimit
def test_posts_are_rate_limited_per_key(client, settings, categories):
    settings.OPEN311_KEY_RATE = "2/minute"
    first, second = make_key("a"), make_key("b")
    form = {"service_code": "env-noise", "address_string": "东城路1号"}
    for _ in range(2):
        assert client.post(f"{BASE}/requests.json", {**form, "api_key": first}).status_code == 201
    assert_error(client.post(f"{BASE}/requests.json", {**form, "api_key": first}), 429)
    assert client.post(f"{BASE}/requests.json", {**form, "api_key": second}).status_code == 201


# --- GET errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("start_date=2026-03-10T00:00:00Z&end_date=2026-03-01T00:00:00Z", 400),
        ("start_date=2026-01-01T00:00:00Z&end_date=2026-04-15T00:00:00Z", 400),  # > 90 days
        ("start_date=yesterday", 400),
        ("start_date=2026-02-30T00:00:00Z", 400),
        ("status=pending", 400),
        ("service_code=no-such-service", 404),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_list_filters_answer_the_spec_error(client, data, query, status, fmt):
    assert_error(client.get(f"{BASE}/requests.{fmt}?{query}"), status, fmt)


def test_a_span_of_exactly_90_days_is_allowed(client, data):
    response = client.get(
        f"{BASE}/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-04-01T00:00:00Z"
    )
    assert response.status_code == 200


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_ids_and_services_are_404(client, data, fmt):
    assert_error(client.get(f"{BASE}/requests/000.{fmt}"), 404, fmt)
    assert_error(client.get(f"{BASE}/tokens/000.{fmt}"), 404, fmt)
    assert_error(client.get(f"{BASE}/services/no-such-service.{fmt}"), 404, fmt)
    assert_error(client.get(f"{BASE}/nothing-here.{fmt}"), 404, fmt)


# --- keys -----------------------------------------------------------------------------------


def test_key_command_prints_a_key_and_stores_only_its_hash(db, capsys):
    call_command("open311_key_create", "--name", "Wuhan 12345 app")
    raw = capsys.readouterr().out.strip()
    key = ApiKey.objects.get(name="Wuhan 12345 app")
    assert len(raw) >= 32 and key.key_hash == key_hash(raw) and raw not in key.key_hash
    assert AuditEvent.objects.filter(action="open311_key_create", object_id=str(key.pk)).exists()


# --- performance shape ----------------------------------------------------------------------


def test_the_90_day_list_is_one_indexed_query_without_n_plus_1(client, data):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{BASE}/requests.json?status=open")
    assert response.status_code == 200 and len(response.json()) == 2
    assert len(queries) == 1
    sql = queries[0]["sql"]
    assert "created_at" in sql and "JOIN" in sql and "LIMIT 1000" in sql


# --- never a 500 ----------------------------------------------------------------------------

PARAMS = [
    "start_date",
    "end_date",
    "status",
    "service_code",
    "service_request_id",
    "jurisdiction_id",
]


@hsettings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    params=st.dictionaries(st.sampled_from(PARAMS), st.text(max_size=40), max_size=4),
    fmt=st.sampled_from(["json", "xml"]),
)
def test_any_list_query_is_answered_without_a_server_error(client, categories, params, fmt):
    response = client.get(f"{BASE}/requests.{fmt}", params)
    assert response.status_code in (200, 400, 404)
    if fmt == "xml":
        xml(response)


@given(st.text())
def test_xml_stays_well_formed_whatever_the_text(text):
    ET.fromstring(to_xml("errors", [{"code": 400, "description": text}]))  # noqa: S314


def test_admin_issues_a_key_once_and_revokes_it(admin_client):
    response = admin_client.post("/admin/open311/apikey/add/", {"name": "Partner"}, follow=True)
    key = ApiKey.objects.get(name="Partner")
    shown = [str(m) for m in response.context["messages"]]
    raw = re.split(r"[:：] ?", shown[0])[-1]  # after the last colon, in either language
    assert key_hash(raw) == key.key_hash
    admin_client.post("/admin/open311/apikey/", {"action": "revoke", "_selected_action": [key.pk]})
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert AuditEvent.objects.filter(action="open311_key_revoke", object_id=str(key.pk)).exists()


def test_the_epidemic_questions_come_with_the_category_whoever_creates_it(district):
    from lianxin.open311.defaults import EPIDEMIC_ATTRIBUTES
    from lianxin.open311.models import ServiceAttribute

    category = Category.objects.create(
        code="animal-epidemic", name="动物疫病", default_unit=district["vet"]
    )
    codes = set(ServiceAttribute.objects.filter(category=category).values_list("code", flat=True))
    assert codes == {a["code"] for a in EPIDEMIC_ATTRIBUTES} and len(codes) == 3
