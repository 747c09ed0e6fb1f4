"""The telephone system's door: a call ringing at an operator's desk is opened on their console.
The telephone system calls it with the operator's API token (the soft phone on their desk signs
in as them), so a call can only ever appear on the console of whoever holds the token."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lianxin.core.access import may
from lianxin.core.errors import PermissionDenied

from . import serializers, services
from .models import Source


class CallOpen(APIView):
    api_errors = (409,)  # the operator's previous call has no outcome yet (call_already_open)

    @extend_schema(
        summary="Open a call on the operator's console (telephone system)",
        description=(
            "The telephone system tells Lianxin that the signed-in operator took a call from "
            "`phone`. The call opens on their console, which shows the number's earlier appeals "
            "at once. One call at a time: while the operator's previous call has no outcome, "
            "the answer is 409 `call_already_open`."
        ),
        tags=["hotline"],
        request=serializers.CallOpenSerializer,
        responses={201: serializers.CallSerializer},
    )
    def post(self, request: Request) -> Response:
        if not may(request.user, "hotline.take_call"):
            raise PermissionDenied()
        data = serializers.CallOpenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        call, _created = services.call_open(
            operator=request.user,
            phone=data.validated_data["phone"],
            recording_ref=data.validated_data["recording_ref"],
            source=Source.TELEPHONY,
        )
        body = {
            "id": call.pk,
            "phone": call.phone,
            "outcome": call.outcome,
            "source": call.source,
            "started_at": call.started_at,
            "recording_ref": call.recording_ref,
            "console": "/hotline/",
        }
        return Response(serializers.CallSerializer(body).data, status=status.HTTP_201_CREATED)
