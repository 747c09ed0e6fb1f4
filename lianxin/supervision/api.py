"""The reporting channel's public API (mounted at /api/v1/reports/). No authentication, no
session: the receipt, sent in the X-Receipt header (never in a URL), is the only key."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from lianxin.core.errors import InvalidInput
from lianxin.core.parsers import JSONParser

from . import reporting as rp
from .errors import Code
from .services.reports import (
    report_message_add,
    report_open_by_receipt,
    report_status,
    report_submit,
)
from .views.reports import use_evidence_upload_handler

RECEIPT_HEADER = OpenApiParameter(
    "X-Receipt",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description="The 16-digit receipt given at submission.",
)
STATUS_SCHEMA = inline_serializer(
    "ReportStatus",
    {
        "status": serializers.CharField(),
        "status_display": serializers.CharField(),
        "received_on": serializers.DateField(),
        "ack_due": serializers.DateField(),
        "feedback_due": serializers.DateField(),
        "messages": inline_serializer(
            "ReportMessage",
            {
                "side": serializers.ChoiceField(["reporter", "inspector"]),
                "day": serializers.DateField(),
                "text": serializers.CharField(),
            },
            many=True,
        ),
    },
)


class PublicReportView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []  # counted without timestamps, see reporting.check_submit_rate
    # Counted attempts (429), a receipt that opens nothing (404); the 503 of a channel no
    # inspector holds a key for (reporting.ChannelUnavailable) is documented for all (core.schema).
    api_errors: tuple | dict = (404, 429)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # No "Bad Request: /api/v1/reports/" lines, with their time, in Django's request log.
        response._has_been_logged = True
        return response

    def no_store(self, response: Response) -> Response:
        response["Cache-Control"] = "no-store"
        return response

    def access(self, request):
        return report_open_by_receipt(
            receipt=request.headers.get("X-Receipt", ""), ident=rp.client_ident(request)
        )


def _text(data, name: str) -> str:
    """A field of the body that must be text (JSON may send a number, a list, an object): a
    type check only. The services clean the text with core.text (invisible characters,
    trimming, length) and refuse it with their own codes, the same as from the pages."""
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(
            _("Must be text."), code=Code.PARSE_ERROR, fields={name: [_("Must be text.")]}
        )
    return value


class ReportSubmitView(PublicReportView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    api_errors = (429,)

    @extend_schema(
        request=inline_serializer(
            "ReportSubmit",
            {
                "accused": serializers.CharField(help_text="Who or which unit, as text."),
                "content": serializers.CharField(),
                "occurred_on": serializers.DateField(required=False),
                "accused_unit": serializers.CharField(required=False, help_text="A unit's code."),
                "files": serializers.ListField(child=serializers.FileField(), required=False),
            },
        ),
        responses={201: inline_serializer("ReportReceipt", {"receipt": serializers.CharField()})},
        summary="Submit a report (举报, public, anonymous)",
    )
    def post(self, request):
        use_evidence_upload_handler(request._request)  # before the body is parsed
        data = request.data
        if not hasattr(data, "get"):
            raise InvalidInput(
                _("Send the report as a JSON object or a form."), code=Code.PARSE_ERROR
            )
        rp.check_submit_rate(rp.client_ident(request))
        _report, receipt = report_submit(
            accused=_text(data, "accused"),
            content=_text(data, "content"),
            occurred_on=_text(data, "occurred_on") or None,
            accused_unit=_text(data, "accused_unit") or None,
            files=request.FILES.getlist("files") if request.FILES else [],
        )
        return self.no_store(Response({"receipt": receipt}, status=status.HTTP_201_CREATED))


class ReportStatusView(PublicReportView):
    @extend_schema(
        parameters=[RECEIPT_HEADER],
        responses={200: STATUS_SCHEMA},
        summary="Status and messages of a report (with its receipt)",
    )
    def get(self, request):
        return self.no_store(Response(report_status(access=self.access(request))))


class ReportMessageView(PublicReportView):
    parser_classes = [JSONParser, FormParser]
    api_errors = (404, 409, 429)  # 409: the case is closed

    @extend_schema(
        parameters=[RECEIPT_HEADER],
        request=inline_serializer("ReportMessageIn", {"text": serializers.CharField()}),
        responses={201: STATUS_SCHEMA},
        summary="Send a message to the inspectors (with the report's receipt)",
    )
    def post(self, request):
        access = self.access(request)
        data = request.data if hasattr(request.data, "get") else {}
        report_message_add(access=access, text=_text(data, "text"))
        return self.no_store(Response(report_status(access=access), status=status.HTTP_201_CREATED))
