"""Tenant isolation for every route, derived from the URL configuration: each route that takes the id
of a company-owned object answers another company's id with 404 (the platform's company routes with
403), shows nothing of it and changes nothing. A new endpoint is tested here without being listed."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from automations.models import AutomatedItem, AutomationKind, Campaign, TriggerEvent
from gymsales import services
from templates_app.models import MessageTemplate, TemplateStatus
from whatsapp.models import Direction, Message, MessageStatus

pytestmark = pytest.mark.django_db

OUR_APPS = {"gymsales", "whatsapp", "templates_app", "automations", "reporting"}
# URL kwarg → the other company's object it names (an unknown int kwarg fails the test: add it).
OWNED = {
    "person_id",
    "sale_id",
    "appointment_id",
    "template_id",
    "item_id",
    "message_id",
    "campaign_id",
}
POSITIONS = {"index"}  # not ids: a position inside the object (0 exists)
PLATFORM_ONLY = {"company_id"}  # the platform API's companies: 403 for a company's staff
# Django's own admin: platform admins only (no company staff get in at all).
NOT_TENANT_ROUTES = re.compile(r"^admin/")
WRITES = ("post", "put", "patch", "delete")
MEDIA_URL = "https://api.twilio.com/2010-04-01/Accounts/AC" + "2" * 32 + "/Messages/MM" + "2" * 32


def _routes(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def _id_routes():
    found = []
    for route, pattern in _routes():
        kwargs = re.findall(r"<(?:\w+:)?(\w+)>", route)
        if kwargs and not NOT_TENANT_ROUTES.match(route):
            found.append(pytest.param(route, pattern, set(kwargs), id=route))
    return found


ID_ROUTES = _id_routes()


def _methods(pattern) -> tuple[list[str], bool]:
    """The HTTP methods a view answers, and whether that list is exact (class-based views)."""
    view_class = getattr(pattern.callback, "view_class", None) or getattr(
        pattern.callback, "cls", None
    )
    if view_class is not None:
        names = [m for m in ("get", *WRITES) if hasattr(view_class, m)]
        return names, True
    return ["get", "post"], False


def _everything():
    """Every row of our apps' tables, to prove a refused request changed nothing."""
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values())
        for model in apps.get_models()
        if model._meta.app_label in OUR_APPS
    }


@pytest.fixture
def other_objects(other_company, other_person):
    template = MessageTemplate.objects.create(
        company=other_company,
        name="Beta promo",
        category="utility",
        body="Hi {{1}}",
        variables={"1": {"field": "first_name"}},
        status=TemplateStatus.APPROVED,
        content_sid="HX" + "b" * 32,
    )
    return {
        "person_id": other_person.pk,
        "sale_id": services.sale_create(person=other_person, user=None, sale_type="membership").pk,
        "appointment_id": services.appointment_create(
            person=other_person, user=None, starts_at="2026-07-01T09:30:00Z"
        ).pk,
        "template_id": template.pk,
        "item_id": AutomatedItem.objects.create(
            company=other_company,
            name="Beta welcome",
            kind=AutomationKind.SEND_WHATSAPP,
            trigger_event=TriggerEvent.LEAD_CREATED,
            template=template,
        ).pk,
        "message_id": Message.objects.create(
            company=other_company,
            person=other_person,
            direction=Direction.INBOUND,
            status=MessageStatus.RECEIVED,
            body="Beta's photo",
            media=[{"url": MEDIA_URL, "content_type": "image/png"}],
        ).pk,
        "campaign_id": Campaign.objects.create(
            company=other_company, name="Beta campaign", template=template
        ).pk,
        "index": 0,
        "company_id": other_company.pk,
    }


def test_there_are_routes_to_check():
    kwargs = set().union(*(param.values[2] for param in ID_ROUTES))
    known = OWNED | PLATFORM_ONLY | POSITIONS
    assert kwargs <= known, f"unknown URL kwargs: {kwargs - known}"
    assert len(ID_ROUTES) >= 25


@pytest.mark.parametrize(("route", "pattern", "kwargs"), ID_ROUTES)
def test_other_companys_id_is_refused_on_every_route(
    client, api, admin_user, other_objects, route, pattern, kwargs
):
    unknown = kwargs - OWNED - PLATFORM_ONLY - POSITIONS
    assert not unknown, f"{route}: say which company-owned object {unknown} names (OWNED)"
    path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(other_objects[m.group(1)]), route)
    if route.startswith("api/"):
        caller = api(admin_user)
    else:
        client.force_login(admin_user)
        caller = client
    refused = 403 if kwargs & PLATFORM_ONLY else 404
    methods, exact = _methods(pattern)
    before = _everything()

    answers = {}
    for method in methods:
        response = getattr(caller, method)(
            path, {}, **({"format": "json"} if route.startswith("api/") else {})
        )
        answers[method] = response.status_code
        if route.startswith("api/") and response.status_code == 404:
            assert response.json() == {"errors": {"base": ["Not found."]}, "code": "not_found"}
        body = response.content.decode(errors="replace")
        assert "Olga" not in body and "Beta" not in body, f"{method.upper()} {path} shows it"

    allowed = {refused} if exact else {refused, 405}
    assert set(answers.values()) <= allowed, f"{path}: {answers}"
    assert refused in answers.values(), f"{path}: {answers}"
    assert _everything() == before
