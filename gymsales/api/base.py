"""Base API views: authentication, roles, 415, tenant scope and the company's time zone."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import permissions
from rest_framework.exceptions import UnsupportedMediaType
from rest_framework.generics import GenericAPIView
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response

from gymsales.models import Role
from gymsales.tenancy import all_companies, company_scope

BODY_METHODS = {"POST", "PUT", "PATCH"}


class IsCompanyStaff(permissions.BasePermission):
    message = "Only staff of a company can do this."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.company_id)


class IsCompanyAdmin(IsCompanyStaff):
    message = "Only company admins can do this."

    def has_permission(self, request, view):
        return super().has_permission(request, view) and request.user.role == Role.ADMIN


class IsCompanyAdminOrReadOnly(IsCompanyStaff):
    """Any staff may read; only company admins may write."""

    message = "Only company admins can change this."

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        return request.method in permissions.SAFE_METHODS or request.user.role == Role.ADMIN


class IsManagerOrAdmin(IsCompanyStaff):
    message = "Only managers and company admins can see this."

    def has_permission(self, request, view):
        return super().has_permission(request, view) and request.user.role in (
            Role.MANAGER,
            Role.ADMIN,
        )


class IsPlatformAdmin(permissions.BasePermission):
    message = "Only platform admins can do this."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_superuser)


class _ScopedAPIView(GenericAPIView):
    """Enters a tenant scope once the request is authenticated, leaves it when the response is done."""

    def _scope_for(self, request):
        raise NotImplementedError

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        _refuse_unsupported_body(request, self.get_parsers())
        self._scope = self._scope_for(request)
        self._scope.__enter__()

    def finalize_response(self, request, response, *args, **kwargs):
        scope = getattr(self, "_scope", None)
        if scope is not None:
            self._scope = None
            scope.__exit__(None, None, None)
            timezone.deactivate()
        return super().finalize_response(request, response, *args, **kwargs)


class CompanyAPIView(_ScopedAPIView):
    """An API view for staff of one company: everything it queries is scoped to that company."""

    permission_classes = [IsCompanyStaff]

    @property
    def company(self):
        return self.request.user.company

    def _scope_for(self, request):
        timezone.activate(request.user.company.tzinfo)
        return company_scope(request.user.company_id)


class PlatformAPIView(_ScopedAPIView):
    """An API view for platform admins (superusers): they work across all companies."""

    permission_classes = [IsPlatformAdmin]

    def _scope_for(self, request):
        return all_companies()


def _refuse_unsupported_body(request, parsers) -> None:
    """API.md: a POST/PUT/PATCH with a Content-Type other than JSON or a form is a 415."""
    if request.method not in BODY_METHODS:
        return
    content_type = request.META.get("CONTENT_TYPE", "")
    if not content_type:
        if int(request.META.get("CONTENT_LENGTH") or 0) > 0:
            raise UnsupportedMediaType("(none)")
        return
    negotiator = DefaultContentNegotiation()
    if negotiator.select_parser(request, parsers) is None:
        raise UnsupportedMediaType(content_type)


def created(data, *, location: str) -> Response:
    """API.md: a created resource answers 201 with a `Location` header and the object."""
    return Response(data, status=201, headers={"Location": location})
