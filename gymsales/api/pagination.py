"""The GymSales collection envelope: `{"collection": [...], "pagination": {...}}`."""

from __future__ import annotations

import math

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

MAX_PER_PAGE = 200
DEFAULT_PER_PAGE = 50


def _positive_int(request, name: str, default: int, maximum: int | None = None) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ValidationError({name: ["Must be a whole number."]}) from None
    if value < 1:
        raise ValidationError({name: ["Must be 1 or more."]})
    if maximum is not None and value > maximum:
        raise ValidationError({name: [f"Must be {maximum} or less."]})
    return value


class CollectionPagination(BasePagination):
    def paginate_queryset(self, queryset, request, view=None):
        self.page = _positive_int(request, "page", 1)
        self.per_page = _positive_int(request, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)
        self.total_entries = queryset.count()
        offset = (self.page - 1) * self.per_page
        if offset >= self.total_entries:
            return []  # past the end (and never an OFFSET too large for the database)
        return list(queryset[offset : offset + self.per_page])

    def get_paginated_response(self, data):
        return Response(
            {
                "collection": data,
                "pagination": {
                    "page": self.page,
                    "per_page": self.per_page,
                    "total_pages": math.ceil(self.total_entries / self.per_page),
                    "total_entries": self.total_entries,
                },
            }
        )

    def get_paginated_response_schema(self, schema):
        """The shared `Collection` component, its `collection` holding these items."""
        return {
            "allOf": [
                {"$ref": "#/components/schemas/Collection"},
                {
                    "type": "object",
                    "required": ["collection"],
                    "properties": {"collection": schema},
                },
            ]
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "page",
                "in": "query",
                "required": False,
                "description": "Which page (from 1; past the end: an empty collection).",
                "schema": {"type": "integer", "minimum": 1, "default": 1},
            },
            {
                "name": "per_page",
                "in": "query",
                "required": False,
                "description": f"Items per page (at most {MAX_PER_PAGE}).",
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_PER_PAGE,
                    "default": DEFAULT_PER_PAGE,
                },
            },
        ]
