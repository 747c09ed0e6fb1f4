"""The API's JSON parser: a body nested deeper than Python can decode is malformed input (400),
not a crash. json's C decoder recurses once per level, so a body of a few kilobytes of "["
raises RecursionError, which DRF does not catch."""

from collections.abc import Mapping
from typing import IO, Any

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("Malformed request.")) from None
