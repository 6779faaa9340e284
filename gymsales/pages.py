"""Helpers for pages: who may see them."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from gymsales.models import Role


def company_staff_required(view):
    """Logged-in staff of a company (platform admins work in the Django admin)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.company_id is None:
            raise PermissionDenied("Only staff of a company can see this page.")
        return view(request, *args, **kwargs)

    return wrapper


def company_admin_required(view):
    @company_staff_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.role != Role.ADMIN:
            raise PermissionDenied("Only company admins can see this page.")
        return view(request, *args, **kwargs)

    return wrapper


def manager_or_admin_required(view):
    @company_staff_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.role not in (Role.MANAGER, Role.ADMIN):
            raise PermissionDenied("Only managers and company admins can see this page.")
        return view(request, *args, **kwargs)

    return wrapper
