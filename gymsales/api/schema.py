"""The OpenAPI description (drf-spectacular), true to what the API does (API.md Conventions).

- A collection is `{"collection": [...], "pagination": {...}}`: the `Collection` component (with
  `Pagination`) extended per item type (`PersonCollection`, …), with `page` and `per_page`.
- Every error body is the `Error` component, `{"errors": {...}, "code": ...}`, with the codes below.
- Every operation lists the statuses it can answer: 401 (with `WWW-Authenticate`), 403 and 429 (with
  `Retry-After`) everywhere, 404 where a path names an object, 400/413/415/422 where a body is read,
  422 where a query is validated; 201 carries `Location`.
"""

from __future__ import annotations

import inspect

from drf_spectacular import openapi
from drf_spectacular.plumbing import get_override
from drf_spectacular.utils import OpenApiResponse

# Every `code` an error body can carry: the core's below, then each app's, registered with
# `error_codes_register` in its AppConfig.ready(). The tests check that each code raised is here.
ERROR_CODES = {
    # HTTP and the framework
    "parse_error": "400: malformed JSON or form body, or JSON nested too deeply.",
    "not_authenticated": "401: no credentials.",
    "authentication_failed": "401: wrong email or password, or an inactive user.",
    "permission_denied": "403: the user's role may not do this.",
    "not_found": "404: no such object in the user's company.",
    "method_not_allowed": "405: the path does not take this method.",
    "not_acceptable": "406: the Accept header asks for something other than JSON.",
    "request_too_large": "413: the body is over 1 MiB.",
    "unsupported_media_type": "415: a body that is neither JSON nor a form.",
    "throttled": "429: too many failed log-ins; see Retry-After.",
}


def error_codes_register(codes: dict[str, str]) -> None:
    """Add an app's error codes (code: what it means) to the OpenAPI description."""
    for code, text in codes.items():
        ERROR_CODES.setdefault(code, text)


def _error_schema() -> dict:
    """The Error component, with every registered code."""
    return {
        **ERROR,
        "properties": {
            **ERROR["properties"],
            "code": {
                "type": "string",
                "enum": list(ERROR_CODES),
                "description": "\n".join(f"- `{c}`: {text}" for c, text in ERROR_CODES.items()),
                "example": "opted_out",
            },
        },
    }


ERROR = {
    "type": "object",
    "description": (
        "Every error. `errors` maps a field name to its messages (`base` when the error is not "
        "about one field; a nested input nests the same shape). `code` names the broken rule or "
        "the HTTP error; plain field validation errors (422) have no `code`."
    ),
    "required": ["errors"],
    "properties": {
        "errors": {
            "type": "object",
            "additionalProperties": {},
            "example": {"base": ["This person has opted out of WhatsApp messages."]},
        },
        "code": {},  # every registered code: _error_schema()
    },
}
PAGINATION = {
    "type": "object",
    "required": ["page", "per_page", "total_pages", "total_entries"],
    "properties": {
        "page": {"type": "integer", "minimum": 1, "example": 1},
        "per_page": {"type": "integer", "minimum": 1, "maximum": 200, "example": 50},
        "total_pages": {"type": "integer", "minimum": 0, "example": 3},
        "total_entries": {"type": "integer", "minimum": 0, "example": 120},
    },
}
COLLECTION = {
    "type": "object",
    "description": (
        "A page of a collection: `collection` holds the items (newest or first by the list's "
        "order), `pagination` where this page is. `?page=` and `?per_page=` (at most 200)."
    ),
    # Each collection adds `collection` (an array of its items) with allOf: declaring it here too
    # would make generators merge two `collection` properties, which some get wrong.
    "required": ["pagination"],
    "properties": {"pagination": {"$ref": "#/components/schemas/Pagination"}},
}


def error_response(description: str) -> OpenApiResponse:
    """An operation's own description of an error status (its examples can then attach to it)."""
    return OpenApiResponse(response={"$ref": "#/components/schemas/Error"}, description=description)


def _error(description: str, **headers) -> dict:
    response = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if headers:
        response["headers"] = {
            name: {"schema": {"type": "string"}, "description": text}
            for name, text in headers.items()
        }
    return response


RESPONSES = {
    "BadRequest": _error("Malformed JSON or form body (`parse_error`)."),
    "Unauthorized": _error(
        "No or bad credentials (`not_authenticated`, `authentication_failed`).",
        **{"WWW-Authenticate": 'Basic realm="GymSales API"'},
    ),
    "Forbidden": _error("The user's role may not do this (`permission_denied`)."),
    "NotFound": _error("No such object in the user's company (`not_found`)."),
    "TooLarge": _error("The body is over 1 MiB (`request_too_large`)."),
    "UnsupportedMediaType": _error(
        "A body that is neither `application/json` nor `application/x-www-form-urlencoded`."
    ),
    "Unprocessable": _error(
        "Validation failed: `errors` by field; a broken rule has `errors.base` and a `code`."
    ),
    "TooManyRequests": _error(
        "Too many failed log-ins for this account from this address (`throttled`).",
        **{"Retry-After": "Seconds to wait before trying again."},
    ),
}
COMPONENTS = {
    "schemas": {"Pagination": PAGINATION, "Collection": COLLECTION},
    "responses": RESPONSES,
}

BODY_METHODS = {"post", "put", "patch"}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/responses/{name}"}


def _standard_responses(path: str, method: str, operation: dict) -> dict:
    """The error statuses an operation can answer, by what it reads."""
    parameters = operation.get("parameters", [])
    statuses = {"401": "Unauthorized", "403": "Forbidden", "429": "TooManyRequests"}
    if "{" in path or any(p["name"].endswith("_id") for p in parameters if p.get("in") == "query"):
        statuses["404"] = "NotFound"
    if method in BODY_METHODS:
        statuses.update(
            {
                "400": "BadRequest",
                "413": "TooLarge",
                "415": "UnsupportedMediaType",
                "422": "Unprocessable",
            }
        )
    if any(p.get("in") == "query" for p in parameters):
        statuses["422"] = "Unprocessable"
    return {code: _ref(name) for code, name in statuses.items()}


def postprocess(result, generator, request, public):
    """drf-spectacular hook: shared components, every operation's error statuses, headers."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = _error_schema()
    for kind, entries in COMPONENTS.items():
        components.setdefault(kind, {}).update(entries)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code, response in _standard_responses(path, method, operation).items():
                responses.setdefault(code, response)
            for response in responses.values():
                csv = response.get("content", {}).get("text/csv")
                if csv:  # the same rows as a CSV file with a header line
                    csv["schema"] = {"type": "string"}
            created = responses.get("201")
            if created and "$ref" not in created:
                created.setdefault("headers", {})["Location"] = {
                    "schema": {"type": "string"},
                    "description": "The path of the created object.",
                }
    return result


def _own_doc(obj) -> str:
    """The docstring written on this class or method itself, never one inherited from a base."""
    doc = obj.__dict__.get("__doc__") if inspect.isclass(obj) else getattr(obj, "__doc__", None)
    return inspect.cleandoc(doc) if doc else ""


class AutoSchema(openapi.AutoSchema):
    def get_paginated_name(self, serializer_name: str) -> str:
        return f"{serializer_name}Collection"

    def get_description(self) -> str:
        method = getattr(self.view, self.method.lower(), None)
        return (method and _own_doc(method)) or _own_doc(self.view.__class__)

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        schema.pop("description", None)
        description = get_override(serializer, "description", _own_doc(serializer.__class__))
        if description:
            schema["description"] = description
        return schema
