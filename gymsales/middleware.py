from django.http import Http404
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from gymsales.parsing import MAX_ID
from gymsales.tenancy import company_scope

OVERRIDABLE_METHODS = {"PUT", "PATCH", "DELETE"}


class MethodOverrideMiddleware:
    """`X-HTTP-Method-Override: PUT|PATCH|DELETE` on a POST acts as that verb (API.md)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        override = request.headers.get("X-HTTP-Method-Override", "").strip().upper()
        if request.method == "POST" and override in OVERRIDABLE_METHODS:
            request.method = override
            request.META["REQUEST_METHOD"] = override
        return self.get_response(request)


class TenantScopeMiddleware:
    """Scope every page request to the logged-in user's company.

    Platform admins (superusers without a company) work across tenants, in the Django admin.
    Anonymous requests get an empty scope, so a tenant query made for them finds nothing.
    API views authenticate later (HTTP Basic) and scope themselves.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.company_id is not None:
            with company_scope(user.company_id), timezone.override(user.company.tzinfo):
                return self.get_response(request)
        if user.is_authenticated and user.is_superuser:
            with scopes_disabled():
                return self.get_response(request)
        with scope(company=None):
            return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        """An id in a URL too large for any row (bigint) names nothing: 404, not a database error."""
        for value in (*view_args, *view_kwargs.values()):
            if isinstance(value, int) and not (0 <= value <= MAX_ID):
                raise Http404("No such object.")
        return None
