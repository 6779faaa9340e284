"""Tenant scoping that fails closed.

Tenant-owned models use `tenant_manager()`: querying them raises `ScopeError` unless a company
scope is active. Web pages get the scope from `TenantScopeMiddleware`, API views from
`CompanyScopedAPIView`, tasks and webhooks by naming the company they act for with
`company_scope(company)`. Code that must look across tenants (platform admin, the webhook that
finds the company by its Twilio account) says so with `all_companies()`.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from django_scopes import ScopedManager, scope, scopes_disabled


def tenant_manager():
    return ScopedManager(company="company")


def company_scope(company) -> AbstractContextManager:
    """Activate the scope of one company (a Company or its id)."""
    company_id = getattr(company, "pk", company)
    return scope(company=company_id)


def all_companies() -> AbstractContextManager:
    """Explicitly look across every tenant (platform admin, webhook routing, beat sweeps)."""
    return scopes_disabled()
