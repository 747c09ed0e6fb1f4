"""The evaluation app's public JSON API: the monthly rankings of a level's units."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lianxin.core.throttles import SettingRateThrottle

from .rankings import LEVELS, monthly_ranking


class RankingsThrottle(SettingRateThrottle):
    """Per-address limit of the public rankings API (setting EVALUATION_PUBLIC_RATE, default
    120/minute; "off" disables it)."""

    scope = "evaluation_public"
    setting = "EVALUATION_PUBLIC_RATE"


_RESULT_FIELDS: dict[str, serializers.Field] = {
    "unit_id": serializers.IntegerField(),
    "unit": serializers.CharField(),
    "response_rate": serializers.FloatField(allow_null=True),
    "resolution_rate": serializers.FloatField(allow_null=True),
    "satisfaction_rate": serializers.FloatField(allow_null=True),
    "score": serializers.FloatField(allow_null=True),
    "rank": serializers.IntegerField(),
}


class RankingsView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [RankingsThrottle]
    api_errors = (404,)  # no figures for the period (code no_data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "period",
                str,
                required=True,
                description="A month (YYYY-MM), a quarter (YYYY-Qn) or a year (YYYY).",
            ),
            OpenApiParameter("level", str, required=True, enum=list(LEVELS)),
        ],
        responses={
            200: inline_serializer(
                "Ranking",
                {
                    "period": serializers.CharField(),
                    "level": serializers.CharField(),
                    "results": inline_serializer("RankingResult", _RESULT_FIELDS, many=True),
                },
            )
        },
        summary="Monthly ranking of the units of a level (public)",
    )
    def get(self, request: Request) -> Response:
        return Response(
            monthly_ranking(
                period=request.query_params.get("period"), level=request.query_params.get("level")
            )
        )
