"""The public read-only API (anonymous): notices with counts and answers, decisions with steps
and milestones, a hearing's draw."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from . import serializers
from .models import Decision, Hearing, Notice
from .selectors import notices_with_counts


class PublicMixin(APIView):
    """Anonymous and read-only: no session or token is even looked at."""

    permission_classes = [AllowAny]
    authentication_classes = []


@extend_schema(summary="Notices published for comment (public)", tags=["participation"])
class NoticeList(PublicMixin, generics.ListAPIView):
    # Counts are annotated and files prefetched: the same few queries for 1 notice or 50.
    queryset = notices_with_counts(
        Notice.objects.select_related("unit").prefetch_related("files")
    ).order_by("-opens_at", "-pk")
    serializer_class = serializers.NoticeListSerializer


@extend_schema(
    summary="A notice with its paragraphs, comments and answers (public)", tags=["participation"]
)
class NoticeDetail(PublicMixin, generics.RetrieveAPIView):
    queryset = notices_with_counts(
        Notice.objects.select_related("unit").prefetch_related(
            "paragraphs",
            "comments__paragraph",
            "comments__answer",
            "comments__group__answer",
            "files",
            "revisions",
        )
    )
    serializer_class = serializers.NoticeSerializer


@extend_schema(summary="Decision records (public)", tags=["participation"])
class DecisionList(PublicMixin, generics.ListAPIView):
    queryset = Decision.objects.select_related("unit").order_by("-created_at", "-pk")
    serializer_class = serializers.DecisionListSerializer


@extend_schema(
    summary="A decision with its statutory steps, milestones and correction requests (public)",
    tags=["participation"],
)
class DecisionDetail(PublicMixin, generics.RetrieveAPIView):
    queryset = Decision.objects.select_related("unit").prefetch_related(
        "steps__opinions", "milestones", "corrections"
    )
    serializer_class = serializers.DecisionSerializer


@extend_schema(
    summary="A hearing's draw: seed, method, applicants' public labels, "
    "probabilities and who was selected (public)",
    tags=["participation"],
)
class HearingDraw(PublicMixin, generics.RetrieveAPIView):
    queryset = Hearing.objects.select_related("draw").prefetch_related("applicants", "quotas")
    serializer_class = serializers.HearingDrawSerializer
