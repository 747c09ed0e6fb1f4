"""The OpenAPI schema documents what the API really does: the error responses of every
operation (one Error component, the shape of core.api.exception_handler), the fields that may
be null, and the input the services refuse (issue #12). The live check of the same is
tests/test_api_schema_conformance.py; this one names the cases of the issue."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from lianxin.appeals.errors import Code as AppealCode
from lianxin.supervision.errors import DESCRIPTIONS as SUPERVISION
from lianxin.supervision.errors import Code as SupervisionCode

from .appeals_helpers import fast_passwords, submit  # noqa: F401 - autouse fixture


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def operation(schema, method: str, path: str) -> dict:
    return schema["paths"][path][method.lower()]


def component(schema, name: str) -> dict:
    return schema["components"]["schemas"][name]


def body_schema(schema, op: dict) -> dict:
    ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    return component(schema, ref.rsplit("/", 1)[1])


def test_the_error_component_is_the_exception_handlers_shape(schema):
    error = component(schema, "Error")
    assert set(error["properties"]) == {"code", "detail", "fields"}
    assert error["required"] == ["code", "detail"]
    assert error["properties"]["fields"]["additionalProperties"]["items"]["type"] == "string"


def test_every_operation_documents_its_errors_with_the_error_component(schema):
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            errors = {code: r for code, r in op["responses"].items() if int(code) >= 400}
            assert "503" in errors, (method, path)  # the database may be unavailable
            for code, response in errors.items():
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/Error", (method, path, code)
                assert response["description"], (method, path, code)


@pytest.mark.parametrize(
    "method, path, statuses",
    [
        # Staff: a token (401), roles (403), the appeal (404), its state or version (409).
        ("POST", "/api/v1/appeals/{tracking_number}/dispatch/", {400, 401, 403, 404, 409, 413}),
        ("GET", "/api/v1/appeals/{tracking_number}/", {401, 404}),
        ("GET", "/api/v1/appeals/", {400, 401}),
        # Public and throttled: no 401 where nothing authenticates, but 429.
        ("POST", "/api/v1/appeals/", {400, 413, 429}),
        ("GET", "/api/v1/appeals/track/", {400, 404, 429}),
        ("POST", "/api/v1/appeals/track/follow-up/", {400, 404, 409, 429}),
        ("POST", "/api/v1/auth/token/", {400, 429}),
        ("GET", "/api/v1/evaluation/rankings/", {400, 404, 429}),
        ("POST", "/api/v1/reports/", {400, 413, 429, 503}),
        ("POST", "/api/v1/reports/messages/", {400, 404, 409, 429}),
    ],
)
def test_operations_list_the_statuses_they_return(schema, method, path, statuses):
    documented = {int(code) for code in operation(schema, method, path)["responses"]}
    assert statuses <= documented


@pytest.mark.parametrize(
    "method, path, absent",
    [
        ("POST", "/api/v1/appeals/", {401, 403, 404}),  # the public intake authenticates nobody
        ("GET", "/api/v1/appeals/track/", {401, 403}),
        ("GET", "/api/v1/categories/", {400, 403, 404, 429}),
    ],
)
def test_operations_do_not_list_statuses_they_cannot_return(schema, method, path, absent):
    documented = {int(code) for code in operation(schema, method, path)["responses"]}
    assert not absent & documented


def test_the_intake_replay_is_a_documented_200(schema):
    responses = operation(schema, "POST", "/api/v1/appeals/")["responses"]
    assert {"200", "201"} <= set(responses)


@pytest.mark.parametrize(
    "name, field",
    [
        ("AppealList", "unit"),
        ("AppealList", "category"),
        ("AppealDetail", "unit"),
        ("AppealDetail", "category"),
        ("AppealDetail", "master"),
        ("Track", "unit"),
        ("Track", "category"),
        ("Category", "group"),
    ],
)
def test_fields_that_may_be_null_are_nullable(schema, name, field):
    assert component(schema, name)["properties"][field].get("nullable") is True


def test_title_and_content_may_not_be_blank(schema):
    submit_body = body_schema(schema, operation(schema, "POST", "/api/v1/appeals/"))
    for field in ("title", "content"):
        assert submit_body["properties"][field]["minLength"] == 1
        assert field in submit_body["required"]
    assert submit_body["properties"]["title"]["maxLength"] == 200


@pytest.mark.parametrize(
    "action, field",
    [
        ("return", "reason"),
        ("transfer", "reason"),
        ("extension", "reason"),
        ("close", "reason"),
        ("reply", "text"),
        ("supervise", "note"),
    ],
)
def test_what_the_services_require_is_required(schema, action, field):
    op = operation(schema, "POST", f"/api/v1/appeals/{{tracking_number}}/{action}/")
    assert op["requestBody"]["required"] is True
    assert field in body_schema(schema, op)["required"]


def test_required_parameters_are_required(schema):
    track = {p["name"]: p for p in operation(schema, "GET", "/api/v1/appeals/track/")["parameters"]}
    assert track["tracking_number"]["required"] and track["X-Query-Code"]["required"]
    rankings = {
        p["name"]: p for p in operation(schema, "GET", "/api/v1/evaluation/rankings/")["parameters"]
    }
    assert rankings["period"]["required"] and rankings["level"]["required"]
    assert set(rankings["level"]["schema"]["enum"]) == {"street", "department"}


@pytest.mark.django_db
def test_a_blank_title_is_refused_as_the_schema_says(people):
    response = APIClient().post(
        "/api/v1/appeals/", {"title": "  ", "content": "路灯不亮。"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "title" in response.json()["fields"]


@pytest.mark.django_db
def test_a_missing_reason_is_refused_before_the_appeal_is_touched(people):
    appeal = submit()
    client = APIClient()
    client.force_authenticate(people["dispatcher"])
    response = client.post(f"/api/v1/appeals/{appeal.tracking_number}/close/", {}, format="json")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["reason"]


def test_every_registered_error_code_is_in_the_schema_with_its_meaning(schema):
    text = component(schema, "Error")["properties"]["code"]["description"]
    for app in ("core", "appeals", "evaluation", "supervision", "insight", "open311"):
        assert f"**{app}**" in text
    for code in [*AppealCode, *SupervisionCode, "rate_limited", "two_factor_required"]:
        assert f"- `{code}`" in text
    assert f"- `{SupervisionCode.SEED_USED}`: {SUPERVISION[SupervisionCode.SEED_USED]}" in text
    # Every code of every registry has its meaning written down.
    assert "`\n" not in text and not text.rstrip().endswith("`")
