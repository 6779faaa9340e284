"""Request body parsers with the limits of API.md Conventions: over 1 MiB → 413; malformed JSON,
absurdly deep nesting or too many form fields → 400. Never a 500 for any body.
"""

from __future__ import annotations

import io

from django.core.exceptions import TooManyFieldsSent
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError

MAX_BODY_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 32
_TOO_DEEP = f"JSON parse error - nested more than {MAX_JSON_DEPTH} levels deep."


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is larger than 1 MiB."
    default_code = "request_too_large"


def read_capped(stream) -> bytes:
    """The whole body, refusing one over MAX_BODY_BYTES without reading more than that."""
    body = stream.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise RequestTooLarge()
    return body


def _too_deep(value, limit: int) -> bool:
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        body = io.BytesIO(read_capped(stream))
        try:
            data = super().parse(body, media_type, parser_context)
        except RecursionError:
            raise ParseError(_TOO_DEEP) from None
        if _too_deep(data, MAX_JSON_DEPTH):
            raise ParseError(_TOO_DEEP)
        return data


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        body = io.BytesIO(read_capped(stream))
        try:
            return super().parse(body, media_type, parser_context)
        except TooManyFieldsSent:
            raise ParseError("Too many form fields.") from None
