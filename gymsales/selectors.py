"""Reads of the CRM core. Every selector takes the company it reads for."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from gymsales.models import Appointment, Club, Company, Note, Person, Sale, User


def company_get(*, pk) -> Company:
    return get_object_or_404(Company, pk=pk)


def club_get_for_company(*, company: Company, pk) -> Club:
    return get_object_or_404(Club.objects.filter(company=company), pk=pk)


def user_get_for_company(*, company: Company, pk) -> User:
    return get_object_or_404(User.objects.filter(company=company), pk=pk)


def person_get_for_company(*, company: Company, pk) -> Person:
    """The person with this id in this company; another company's id is a 404 like a missing one."""
    return get_object_or_404(
        Person.objects.filter(company=company).select_related("club", "owner"), pk=pk
    )


def people_list(
    *,
    company: Company,
    email: str | None = None,
    phone_mobile: str | None = None,
    club_id: int | None = None,
    status: str | None = None,
    updated_since: datetime | None = None,
) -> QuerySet[Person]:
    people = Person.objects.filter(company=company).select_related("club", "owner")
    if email:
        people = people.filter(email__iexact=email)
    if phone_mobile:
        people = people.filter(phone_mobile=phone_mobile)
    if club_id is not None:
        people = people.filter(club_id=club_id)
    if status:
        people = people.filter(status=status)
    if updated_since is not None:
        people = people.filter(updated_at__gte=updated_since)
    return people.order_by("id")


def people_search(
    *,
    company: Company,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    phone_mobile: str = "",
    text: str = "",
) -> QuerySet[Person]:
    """Fielded search (API) or one free-text box (the people page)."""
    people = Person.objects.filter(company=company).select_related("club", "owner")
    if first_name:
        people = people.filter(first_name__istartswith=first_name)
    if last_name:
        people = people.filter(last_name__istartswith=last_name)
    if email:
        people = people.filter(email__icontains=email)
    if phone_mobile:
        people = people.filter(phone_mobile__contains=phone_mobile)
    for word in text.split()[:5]:
        people = people.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
            | Q(phone_mobile__contains=word.lstrip("0"))
        )
    return people.order_by("last_name", "first_name", "id")


def notes_list(
    *,
    company: Company,
    person: Person | None = None,
    kind: str | None = None,
    club_id: int | None = None,
    since: datetime | None = None,
) -> QuerySet[Note]:
    notes = Note.objects.filter(company=company).select_related("person", "user")
    if person is not None:
        notes = notes.filter(person=person)
    if kind:
        notes = notes.filter(kind=kind)
    if club_id is not None:
        notes = notes.filter(club_id=club_id)
    if since is not None:
        notes = notes.filter(created_at__gte=since)
    return notes.order_by("-created_at", "-id")


def sales_list(*, person: Person) -> QuerySet[Sale]:
    """A person's sales, newest won first (the person already resolved for its company)."""
    return (
        Sale.objects.filter(company=person.company_id, person=person)
        .select_related("sale_type")
        .order_by("-won_at", "-id")
    )


def appointments_list(*, person: Person) -> QuerySet[Appointment]:
    """A person's appointments, latest start first."""
    return Appointment.objects.filter(company=person.company_id, person=person).order_by(
        "-starts_at", "-id"
    )


def sale_get_for_person(*, person: Person, pk) -> Sale:
    return get_object_or_404(sales_list(person=person), pk=pk)


def appointment_get_for_person(*, person: Person, pk) -> Appointment:
    return get_object_or_404(appointments_list(person=person), pk=pk)
