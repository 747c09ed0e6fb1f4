"""GeoReport v2 documents in JSON and XML, built from plain dicts and lists.

XML follows the spec's element names: a list is a wrapper element whose children all carry
one item name (services/service, service_requests/request, errors/error, values/value)."""

import json
import re
from datetime import datetime
from xml.etree import ElementTree as ET  # noqa: S405 (we build XML, we never parse it here)

from django.http import HttpResponse
from django.urls import reverse

from lianxin.appeals.models import TERMINAL_STATES, Appeal, Status
from lianxin.core.calendar import LOCAL

# Which item name a list's elements carry in XML, by the list's own name.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
# Characters XML 1.0 cannot carry at all; dropped rather than emitting a broken document.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


def w3c(value: datetime | None) -> str:
    """W3C datetime with its offset, in local time (Asia/Shanghai): 2026-01-31T09:00:00+08:00."""
    if value is None:
        return ""
    # astimezone directly: timezone.localtime's checks cost more than the conversion, and a
    # list answer formats 4,000 of these.
    return value.astimezone(LOCAL).isoformat(timespec="seconds")


def _xml_text(value: object) -> str:
    """A value as XML element text (output rendering, not input cleaning: core.text cleans
    what people type; this only drops what XML 1.0 cannot carry and spells booleans)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, name: str, value) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), key, child)
    elif isinstance(value, list):
        item = ITEM_NAMES[name]
        for child in value:
            _fill(ET.SubElement(element, item), item, child)
    else:
        element.text = _xml_text(value)


def to_xml(root: str, value) -> bytes:
    element = ET.Element(root)
    _fill(element, root, value)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def respond(fmt: str, root: str, value, *, status: int = 200) -> HttpResponse:
    """`root` names the XML document element; in JSON the value stands alone."""
    if fmt == "xml":
        body = to_xml(root, value)
    else:
        body = json.dumps(value, ensure_ascii=False).encode()
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def error_response(fmt: str, status: int, description: str) -> HttpResponse:
    return respond(fmt, "errors", [{"code": status, "description": description}], status=status)


# --- documents ----------------------------------------------------------------------------


def service_dict(category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": bool(getattr(category, "has_attributes", False)),
        "type": "realtime",
        "keywords": category.keywords,
        "group": category.parent.name if category.parent_id else "",
    }


def service_definition(category, attributes) -> dict:
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": a.code,
                "datatype": a.datatype,
                "required": a.required,
                "datatype_description": a.datatype_description,
                "order": a.order,
                "description": a.description,
                **(
                    {
                        "values": [
                            {"key": str(v.get("key", "")), "name": str(v.get("name", ""))}
                            for v in a.values or []
                        ]
                    }
                    if a.datatype in ("singlevaluelist", "multivaluelist")
                    else {}
                ),
            }
            for a in attributes
        ],
    }


def open311_status(status: str) -> str:
    return "closed" if status in TERMINAL_STATES else "open"


def service_notice(status: str, handling_deadline: datetime) -> str:
    if status in TERMINAL_STATES:
        return ""
    return f"Expected to be handled by {w3c(handling_deadline)}"


def request_dict(row: dict, *, site: str = "") -> dict:
    """One request, from a row of selectors.REQUEST_FIELDS. Never the citizen's name, phone or
    email; description and location only for appeals that may be shown publicly (the same
    rule as the public board). media_url: our own address (`site` + path) of the first photo
    allowed to be shown publicly; never a link a client sent (that stays with staff)."""
    public = row["is_public"] and row["status"] not in (Status.MERGED, Status.WITHDRAWN)
    return {
        "service_request_id": row["tracking_number"],
        "status": open311_status(row["status"]),
        "status_notes": row["public_note"],
        "service_name": row["category__name"] or "",
        "service_code": row["category__code"] or "",
        "description": row["content"] if public else "",
        "agency_responsible": row["unit__name"] or "",
        "service_notice": service_notice(row["status"], row["handling_deadline"]),
        "requested_datetime": w3c(row["created_at"]),
        "updated_datetime": w3c(row["updated_at"]),
        "expected_datetime": w3c(row["handling_deadline"]),
        "address": row["address"] if public else "",
        "address_id": "",
        "zipcode": "",
        "lat": float(row["lat"]) if public and row["lat"] is not None else None,
        "long": float(row["long"]) if public and row["long"] is not None else None,
        "media_url": (
            site + reverse("appeals:photo", args=[row["first_public_photo"]])
            if public and row.get("first_public_photo")
            else ""
        ),
    }


def created_dict(appeal: Appeal) -> dict:
    return {
        "service_request_id": appeal.tracking_number,
        "token": appeal.tracking_number,
        "service_notice": service_notice(appeal.status, appeal.handling_deadline),
        "account_id": "",
    }
