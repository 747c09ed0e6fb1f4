"""REST API for appeals: public intake and tracking, and the officials' lifecycle actions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from lianxin.core import uploads
from lianxin.core.errors import InvalidInput, NotFound, RateLimited
from lianxin.core.models import Unit
from lianxin.core.params import as_id
from lianxin.core.ratelimit import address_tag, client_address, count_hit, hits
from lianxin.core.throttles import PublicSubmitThrottle, TrackThrottle

from . import serializers as s
from .actions import ACTIONS
from .errors import Code
from .models import Appeal, AppealQuerySet, Category, Channel, Status
from .selectors import appeals_visible_to, dispatch_units
from .services.citizen import (
    appeal_follow_up,
    appeal_withdraw,
    query_code_for,
    query_code_matches,
)
from .services.common import field_error
from .services.intake import appeal_submit

if TYPE_CHECKING:  # names that exist only in the stubs
    from rest_framework.permissions import _SupportsHasPermission
    from rest_framework.views import AsView, GenericView

# Wrong query codes allowed per requester per hour before they are locked out.
MAX_CODE_FAILURES = 10


def citizen_appeal(tracking_number: str, query_code: str, *, requester: str) -> Appeal:
    """The appeal a citizen proves with tracking number and query code. Wrong codes are
    counted per requester (address), across all appeals, and lock that requester out for an
    hour: a 6-digit code cannot be guessed, and since tracking numbers are public, a lock per
    appeal would let anyone lock its citizen out."""
    tracking_number = str(tracking_number or "").strip()
    key = f"track-fail:{address_tag(requester)}"
    if hits(key) >= MAX_CODE_FAILURES:
        raise RateLimited()
    appeal = (
        Appeal.objects.select_related("unit", "category")
        .filter(tracking_number=tracking_number)
        .first()
    )
    if appeal is None or not query_code_matches(appeal, query_code):
        count_hit(key, 3600)
        # One answer for "no such appeal" and "wrong code": nothing to learn from it.
        raise NotFound(_("No appeal matches this tracking number and query code."))
    return appeal


class AppealSubmitMixin:
    """The public intake (POST)."""

    @extend_schema(
        request={
            "application/json": s.SubmitSerializer,
            "multipart/form-data": s.SubmitWithPhotosSerializer,
        },
        responses={
            201: s.SubmitResultSerializer,
            200: OpenApiResponse(
                s.SubmitResultSerializer,
                description=("The appeal an earlier request with the same Idempotency-Key made."),
            ),
        },
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="Retrying with the same key returns the same appeal.",
            )
        ],
        summary="Submit an appeal (public)",
    )
    def post(self, request: Request) -> Response:
        # The serializers above document the API; the body is only type-checked here, since
        # the service checks every rule (intake is the hot path: no serializer round trips).
        # Photos (multipart) stream through core.uploads' handler, which must be set before
        # anything reads the body.
        photos = (
            uploads.read_files(request._request, "photos")
            if (request.content_type or "").startswith("multipart/")
            else []
        )
        appeal, created = appeal_submit(
            **submit_arguments(request.data),
            channel=Channel.API,
            idempotency_key=request.headers.get("Idempotency-Key") or None,
            photos=photos,
        )
        return Response(
            submit_result(appeal), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


SUBMIT_TEXT_FIELDS = (
    "title",
    "content",
    "category",
    "urgency",
    "track",
    "contact_name",
    "contact_phone",
    "contact_email",
    "address",
)
TRUE = (True, 1, "1", "true", "True", "on", "yes")
FALSE = (False, 0, "0", "false", "False", "off", "no", "", None)


def submit_arguments(data: Any) -> dict[str, Any]:
    """The intake fields of a JSON or form body, each checked to be text (or a boolean)."""
    if not isinstance(data, dict):
        raise InvalidInput(_("Send the appeal as a JSON object."), code=Code.PARSE_ERROR)
    args: dict[str, Any] = {"title": "", "content": ""}  # missing ones are the service's "required"
    errors: dict[str, list[str]] = {}
    for name in SUBMIT_TEXT_FIELDS:
        value = data.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            errors[name] = [_("Must be text.")]
        else:
            args[name] = value
    for flag in ("is_public", "photos_public"):
        value = data.get(flag)
        if value in TRUE or value in FALSE:
            args[flag] = value in TRUE
        else:
            errors[flag] = [_("Must be true or false.")]
    if errors:
        raise field_error(errors)
    return args


def submit_result(appeal: Appeal) -> dict[str, Any]:
    return {
        "tracking_number": appeal.tracking_number,
        "query_code": query_code_for(appeal.tracking_number),
        "status": appeal.status,
        "deadlines": {
            "contact": timezone.localtime(appeal.contact_deadline),
            "handling": timezone.localtime(appeal.handling_deadline),
        },
    }


class TrackView(APIView):
    """The citizen's view of their appeal. The query code is a password: it is taken from the
    X-Query-Code header (GET) or the body (POST), never from the address, which every proxy
    and access log writes down."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [TrackThrottle]
    api_errors = (404,)  # no appeal with this number and code (core.schema)

    def _track(self, request: Request, data: Any) -> Response:
        auth = s.CitizenAuthSerializer(data=data)
        auth.is_valid(raise_exception=True)
        appeal = citizen_appeal(**auth.validated_data, requester=client_address(request))
        return Response(s.TrackSerializer(appeal).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("tracking_number", str, required=True),
            OpenApiParameter("X-Query-Code", str, OpenApiParameter.HEADER, required=True),
        ],
        responses={200: s.TrackSerializer},
        summary="Track an appeal (public)",
    )
    def get(self, request: Request) -> Response:
        if "query_code" in request.query_params:
            raise InvalidInput(
                _(
                    "Send the query code in the X-Query-Code header or in a POST "
                    "body, never in the address."
                ),
                code=Code.CODE_IN_URL,
            )
        return self._track(
            request,
            {
                "tracking_number": request.query_params.get("tracking_number", ""),
                "query_code": request.headers.get("X-Query-Code", ""),
            },
        )

    @extend_schema(
        request=s.CitizenAuthSerializer,
        responses={200: s.TrackSerializer},
        summary="Track an appeal (public), the code in the body",
    )
    def post(self, request: Request) -> Response:
        return self._track(request, request.data)


class CitizenFollowUpView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [TrackThrottle]
    api_errors = (404, 409)  # no such appeal; not (or no longer) awaiting this

    @extend_schema(
        request=s.CitizenFollowUpSerializer,
        responses={200: s.TrackSerializer},
        summary="Rate the reply (citizen)",
    )
    def post(self, request: Request) -> Response:
        data = s.CitizenFollowUpSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        appeal = citizen_appeal(
            v["tracking_number"], v["query_code"], requester=client_address(request)
        )
        appeal = appeal_follow_up(
            appeal=appeal,
            resolved=v["resolved"],
            satisfaction=v["satisfaction"],
            comment=v.get("comment", ""),
            by_citizen=True,
        )
        return Response(s.TrackSerializer(appeal).data)


class CitizenWithdrawView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [TrackThrottle]
    api_errors = (404, 409)  # no such appeal; already closed

    @extend_schema(
        request=s.CitizenWithdrawSerializer,
        responses={200: s.TrackSerializer},
        summary="Withdraw an appeal (citizen)",
    )
    def post(self, request: Request) -> Response:
        data = s.CitizenWithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        appeal = citizen_appeal(
            v["tracking_number"], v["query_code"], requester=client_address(request)
        )
        appeal = appeal_withdraw(appeal=appeal, by_citizen=True, reason=v.get("reason", ""))
        return Response(s.TrackSerializer(appeal).data)


class AppealListView(generics.ListAPIView[Appeal]):
    """The appeals visible to the caller, those with least time left first."""

    serializer_class = s.AppealListSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "status",
                str,
                description="One status or several, comma-separated: " + ", ".join(Status.values),
            ),
            OpenApiParameter("unit", int, description="The unit's id."),
            OpenApiParameter("overdue", bool, description="Only those past a deadline."),
            OpenApiParameter("q", str, description="Part of the title, or a tracking number."),
        ]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> AppealQuerySet:
        qs = appeals_visible_to(self.request.user)
        params = self.request.query_params
        if st := params.get("status"):
            statuses = [x for x in st.split(",") if x in Status.values]
            if not statuses:
                raise InvalidInput(_("Unknown status."))
            qs = qs.filter(status__in=statuses)
        if unit := params.get("unit"):
            if (unit_id := as_id(unit)) is None:
                raise InvalidInput(_("unit must be a number."))
            qs = qs.filter(unit_id=unit_id)
        if params.get("overdue") in ("1", "true"):
            qs = qs.overdue()
        if q := params.get("q"):
            qs = qs.filter(title__icontains=q[:100]) | qs.filter(tracking_number=q[:30])
        open_first = Case(
            When(status__in=[Status.CLOSED, Status.MERGED, Status.WITHDRAWN], then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
        return qs.order_by(open_first, "handling_deadline")


class AppealDetailView(generics.RetrieveAPIView[Appeal]):
    serializer_class = s.AppealDetailSerializer
    lookup_field = "tracking_number"

    def get_queryset(self) -> AppealQuerySet:
        return appeals_visible_to(self.request.user).prefetch_related("co_units", "photos")


def _unit(pk: int) -> Unit:
    unit: Unit | None = dispatch_units().filter(pk=pk).first()
    if unit is None:
        raise InvalidInput(_("Unknown unit."), fields={"unit": [_("Unknown unit.")]})
    return unit


def _category(code: str | None) -> Category | None:
    if not code:
        return None
    category = Category.objects.filter(code=code, is_active=True).first()
    if category is None:
        raise InvalidInput(_("Unknown category: %(code)s") % {"code": code[:50]})
    return category


class AppealActionView(APIView):
    """One POST endpoint per lifecycle action: `/appeals/{tracking_number}/{action}/`."""

    serializer_class: type[serializers.Serializer[Any]] = s.VersionSerializer
    action = ""
    api_errors = (409,)  # not possible in the appeal's state, or a stale version

    def run(self, appeal: Appeal, user: Any, v: dict[str, Any], version: int | None) -> None:
        raise NotImplementedError

    @extend_schema(responses={200: s.AppealDetailSerializer})
    def post(self, request: Request, tracking_number: str) -> Response:
        appeal = appeals_visible_to(request.user).filter(tracking_number=tracking_number).first()
        if appeal is None:
            raise NotFound(_("Appeal not found."))
        data = self.serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        version = v.pop("version", None)
        self.run(appeal, request.user, v, version)
        appeal = Appeal.objects.select_related("unit", "category").get(pk=appeal.pk)
        return Response(s.AppealDetailSerializer(appeal, context={"request": request}).data)


# The service's own arguments from the user and the serializer's validated data.
Arguments = Callable[[Any, dict[str, Any]], dict[str, Any]]


def action_view(
    action: str, serializer: type[serializers.Serializer[Any]], arguments: Arguments
) -> AsView[GenericView]:
    """The view of one action: its serializer's data turned into the service's arguments by
    `arguments(user, data)`; the service is the action's in actions.ACTIONS."""
    path, service = ACTIONS[action].path, ACTIONS[action].service
    # cast: type() with three arguments is typed as making a plain `type`.
    return cast(
        type[AppealActionView],
        type(
            f"{path.title().replace('-', '')}View",
            (AppealActionView,),
            {
                "serializer_class": serializer,
                "action": action,
                "run": lambda self, appeal, user, v, version: service(
                    appeal=appeal, actor=user, version=version, **arguments(user, v)
                ),
            },
        ),
    ).as_view()


# By URL segment (ACTIONS[action].path), which clients use.
ACTION_VIEWS = {
    ACTIONS[action].path: view
    for action, view in {
        "dispatch": action_view(
            "dispatch",
            s.DispatchSerializer,
            lambda u, v: {"unit": _unit(v["unit"]), "category": _category(v.get("category"))},
        ),
        "accept": action_view("accept", s.VersionSerializer, lambda u, v: {}),
        "return": action_view(
            "return", s.RequiredReasonSerializer, lambda u, v: {"reason": v["reason"]}
        ),
        "transfer": action_view(
            "transfer",
            s.TransferSerializer,
            lambda u, v: {"unit": _unit(v["unit"]), "reason": v["reason"]},
        ),
        "co_handle": action_view(
            "co_handle",
            s.CoHandleSerializer,
            lambda u, v: {"units": [_unit(pk) for pk in v["units"]]},
        ),
        "extension_request": action_view(
            "extension_request",
            s.ExtensionSerializer,
            lambda u, v: {"days": v["days"], "reason": v["reason"]},
        ),
        "extension_decide": action_view(
            "extension_decide",
            s.ExtensionDecisionSerializer,
            lambda u, v: {"approve": v["approve"], "reason": v.get("reason", "")},
        ),
        "reply": action_view("reply", s.ReplySerializer, lambda u, v: {"text": v["text"]}),
        "review": action_view(
            "review",
            s.ReviewSerializer,
            lambda u, v: {"approve": v["approve"], "reason": v.get("reason", "")},
        ),
        "followup": action_view(
            "followup",
            s.FollowUpSerializer,
            lambda u, v: {
                "resolved": v["resolved"],
                "satisfaction": v["satisfaction"],
                "comment": v.get("comment", ""),
            },
        ),
        "close": action_view(
            "close", s.RequiredReasonSerializer, lambda u, v: {"reason": v["reason"]}
        ),
        "merge": action_view(
            "merge", s.MergeSerializer, lambda u, v: {"master": _master(u, v["master"])}
        ),
        "withdraw": action_view(
            "withdraw", s.ReasonSerializer, lambda u, v: {"reason": v["reason"]}
        ),
        "supervise": action_view("supervise", s.NoteSerializer, lambda u, v: {"note": v["note"]}),
    }.items()
}


def _master(user: Any, tracking_number: str) -> Appeal:
    master = appeals_visible_to(user).filter(tracking_number=tracking_number.strip()).first()
    if master is None:
        raise InvalidInput(_("Master appeal not found."), fields={"master": [_("Not found.")]})
    return master


class CategoryListView(generics.ListAPIView[Category]):
    permission_classes = [AllowAny]
    serializer_class = s.CategorySerializer
    pagination_class = None
    queryset = Category.objects.filter(is_active=True).select_related("parent")


class AppealsView(AppealSubmitMixin, AppealListView):
    """`/api/v1/appeals/`: POST is the public intake, GET the officials' list."""

    def _public(self) -> bool:
        return getattr(self.request, "method", None) == "POST"

    def get_authenticators(self) -> list[BaseAuthentication]:
        return [] if self._public() else super().get_authenticators()

    def get_permissions(self) -> Sequence[_SupportsHasPermission]:
        return [AllowAny()] if self._public() else super().get_permissions()

    def get_throttles(self) -> list[BaseThrottle]:
        return [PublicSubmitThrottle()] if self._public() else []
