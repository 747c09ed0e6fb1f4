"""The read-only search API: what an operator console or a partner system asks the knowledge
base. Published articles are public, so it is anonymous."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lianxin.core.errors import InvalidInput

from .selectors import search_articles
from .serializers import ArticleHitSerializer

MAX_LIMIT = 20


class ArticleSearch(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    api_errors = (400,)

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, required=True, description="The question, as typed."),
            OpenApiParameter(
                "limit", int, required=False, description=f"At most this many (1–{MAX_LIMIT}, 10)."
            ),
        ],
        responses={200: ArticleHitSerializer(many=True)},
        summary="Search published knowledge-base articles (public)",
        tags=["knowledge"],
    )
    def get(self, request: Request) -> Response:
        query = str(request.query_params.get("q", "")).strip()
        if not query:
            raise InvalidInput(
                _("Give the question to search for (q)."), fields={"q": [_("Required.")]}
            )
        if len(query) > 300:
            raise InvalidInput(_("The question is longer than 300 characters."))
        raw = request.query_params.get("limit", "10")
        if not str(raw).isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
            raise InvalidInput(
                _("limit must be a whole number from 1 to %(n)d.") % {"n": MAX_LIMIT}
            )
        articles = search_articles(query, limit=int(raw))
        return Response(ArticleHitSerializer(articles, many=True).data)
