"""Render every API error in the GymSales shape: `{"errors": {...}}`, with `code` for rule breaks."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django_scopes import ScopeError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from gymsales.errors import DomainError, FieldErrors


def _as_list(detail) -> list:
    if isinstance(detail, list | tuple):
        return [str(item) if not isinstance(item, dict | list) else item for item in detail]
    return [str(detail)]


def _field_errors(detail) -> dict:
    if isinstance(detail, dict):
        return {
            key: (_field_errors(value) if isinstance(value, dict) else _as_list(value))
            for key, value in detail.items()
        }
    return {"base": _as_list(detail)}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = {"errors": exc.as_errors(), "code": exc.code}
        return Response(body, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
    if isinstance(exc, FieldErrors):
        return Response({"errors": exc.errors}, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
    if isinstance(exc, exceptions.ValidationError):
        return Response(
            {"errors": _field_errors(exc.detail)}, status=status.HTTP_422_UNPROCESSABLE_ENTITY
        )
    if isinstance(exc, ScopeError):
        # A query that escaped its tenant scope is a bug; refuse it rather than guess.
        exc = Http404()
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = getattr(exc, "detail", None)
    response.data = {"errors": {"base": _as_list(detail if detail is not None else str(exc))}}
    if isinstance(exc, exceptions.APIException):
        response.data["code"] = exc.default_code
    return response
