"""Writes of the CRM core: companies, clubs, staff, people, consent, sales, appointments, notes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from gymsales.errors import FieldErrors
from gymsales.models import (
    Appointment,
    Club,
    Company,
    ConsentChannel,
    ConsentRecord,
    ConsentSource,
    Note,
    NoteKind,
    Person,
    Role,
    Sale,
    SaleType,
    SaleTypeKey,
    User,
)

SALE_TYPES = dict(SaleTypeKey.choices)
OPT_OUT_FIELDS = {
    "whatsapp_opted_out": ConsentChannel.WHATSAPP,
    "sms_opted_out": ConsentChannel.SMS,
    "email_opted_out": ConsentChannel.EMAIL,
}
CHANNEL_LABELS = {
    ConsentChannel.WHATSAPP: "WhatsApp",
    ConsentChannel.SMS: "SMS",
    ConsentChannel.EMAIL: "email",
}
SOURCE_LABELS = {
    ConsentSource.API: "through the API",
    ConsentSource.APP: "from the Client Profile",
    ConsentSource.KEYWORD: "by keyword reply",
    ConsentSource.ADMIN: "by an admin",
    ConsentSource.SYSTEM: "by the system",
}


def company_create(*, name: str, time_zone: str = "UTC", default_country: str = "US") -> Company:
    with transaction.atomic():
        company = Company.objects.create(
            name=name, time_zone=time_zone, default_country=default_country.upper()
        )
        for handler in COMPANY_CREATED_HANDLERS:
            handler(company=company)
    return company


def club_create(*, company: Company, name: str, time_zone: str = "") -> Club:
    return Club.objects.create(company=company, name=name, time_zone=time_zone)


def company_user_create(
    *,
    company: Company,
    email: str,
    password: str,
    role: str = Role.SALES,
    first_name: str = "",
    last_name: str = "",
    club_id: int | None = None,
) -> User:
    errors = {}
    if User.objects.filter(email__iexact=email).exists():
        errors["email"] = ["A user with this email already exists."]
    club = None
    if club_id is not None:
        club = Club.objects.filter(company=company, pk=club_id).first()
        if club is None:
            errors["club_id"] = ["No such club in this company."]
    if errors:
        raise FieldErrors(errors)
    try:
        with transaction.atomic():
            return User.objects.create_user(
                email=email,
                password=password,
                company=company,
                role=role,
                first_name=first_name,
                last_name=last_name,
                club=club,
            )
    except IntegrityError:  # the same email created concurrently
        raise FieldErrors({"email": ["A user with this email already exists."]}) from None


def note_create(
    *,
    person: Person | None,
    company: Company,
    kind: str,
    text: str,
    user: User | None = None,
    created_at=None,
) -> Note:
    """A line of the person's history (and the Newsfeed). An app links its own rows to the note
    (WhatsApp: whatsapp.MessageNote)."""
    extra = {"created_at": created_at} if created_at is not None else {}
    return Note.objects.create(
        company=company,
        club_id=person.club_id if person is not None else None,
        person=person,
        kind=kind,
        text=text,
        user=user,
        **extra,
    )


def person_set_opt_out(
    *,
    person: Person,
    channel: str,
    opted_out: bool,
    source: str,
    user: User | None = None,
    proof: str = "",
) -> bool:
    """Set one channel's opt-out flag; record the consent change and a history note.

    Returns False (and records nothing) when the flag already had that value. The row is locked so
    two concurrent changes (a STOP reply and an API update, say) record one change each, in order.
    """
    field = f"{channel}_opted_out"
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk, company=person.company_id)
        if getattr(locked, field) == opted_out:
            setattr(person, field, opted_out)
            return False
        Person.objects.filter(pk=person.pk, company=person.company_id).update(**{field: opted_out})
        setattr(person, field, opted_out)
        ConsentRecord.objects.create(
            company_id=person.company_id,
            person=person,
            channel=channel,
            opted_out=opted_out,
            source=source,
            proof=proof or "",
            user=user,
        )
        verb = "Opted out of" if opted_out else "Opted back in to"
        by_whom = f" by {user}" if user is not None else ""
        note_create(
            person=person,
            company=person.company,
            kind=NoteKind.OPT_OUT if opted_out else NoteKind.OPT_IN,
            text=f"{verb} {CHANNEL_LABELS[channel]} {SOURCE_LABELS[source]}{by_whom}."
            + (f" Consent proof: {proof}" if proof and not opted_out else ""),
            user=user,
        )
        for handler in PERSON_OPT_OUT_CHANGED_HANDLERS:
            handler(person=person, channel=channel, opted_out=opted_out, source=source)
    return True


def _check_relations(*, company: Company, data: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    club_id, owner_id = data.get("club_id"), data.get("owner_id")
    if club_id is not None and not Club.objects.filter(company=company, pk=club_id).exists():
        errors["club_id"] = ["No such club in this company."]
    if owner_id is not None and not (
        User.objects.filter(company=company, pk=owner_id, is_active=True).exists()
    ):
        errors["owner_id"] = ["No such user in this company."]
    if errors:
        raise FieldErrors(errors)


def person_create(*, company: Company, user: User | None, data: dict[str, Any]) -> Person:
    """Create a person from cleaned API/form data (phones already E.164).

    `club_id` defaults to the acting user's club, else the company's first club.
    """
    data = dict(data)
    proof = data.pop("whatsapp_consent_proof", "") or ""
    _check_relations(company=company, data=data)
    if data.get("club_id") is None:
        data["club_id"] = (user.club_id if user is not None else None) or (
            Club.objects.filter(company=company).order_by("id").values_list("id", flat=True).first()
        )
        if data["club_id"] is None:
            raise FieldErrors({"club_id": ["The company has no club yet; create one first."]})
    opt_outs = {field: data.pop(field) for field in OPT_OUT_FIELDS if field in data}
    with transaction.atomic():
        person = Person.objects.create(company=company, **data)
        for field, value in opt_outs.items():
            if value:
                person_set_opt_out(
                    person=person,
                    channel=OPT_OUT_FIELDS[field],
                    opted_out=True,
                    source=ConsentSource.API,
                    user=user,
                )
        if proof:
            ConsentRecord.objects.create(
                company=company,
                person=person,
                channel=ConsentChannel.WHATSAPP,
                opted_out=person.whatsapp_opted_out,
                source=ConsentSource.API,
                proof=proof,
                user=user,
            )
        _after_person_created(person=person)
    return person


def person_update(*, person: Person, user: User | None, data: dict[str, Any]) -> Person:
    """Apply any subset of the writable fields; opt-out changes go through `person_set_opt_out`."""
    data = dict(data)
    proof = data.pop("whatsapp_consent_proof", "") or ""
    _check_relations(company=person.company, data=data)
    if "club_id" in data and data["club_id"] is None:
        raise FieldErrors({"club_id": ["A person must belong to a club."]})
    opt_outs = {field: data.pop(field) for field in OPT_OUT_FIELDS if field in data}
    old_status = person.status
    previous_updated_at = person.updated_at
    with transaction.atomic():
        for field, value in data.items():
            setattr(person, field, value)
        if data:
            person.save()
        for field, value in opt_outs.items():
            person_set_opt_out(
                person=person,
                channel=OPT_OUT_FIELDS[field],
                opted_out=value,
                source=ConsentSource.API,
                user=user,
                proof=proof if field == "whatsapp_opted_out" else "",
            )
        if opt_outs and not data:
            person.save(update_fields=["updated_at"])
        if person.status != old_status:
            _after_person_status_changed(person=person, old_status=old_status)
        for handler in PERSON_UPDATED_HANDLERS:
            handler(person=person, previous_updated_at=previous_updated_at)
    return person


def sale_type_get(key: str) -> SaleType | None:
    """The SaleType of a SaleTypeKey (`membership`, `secondary`); None for any other key.
    Reference data (migration 0003), recreated if a database flush removed it."""
    if key not in SALE_TYPES:
        return None
    return SaleType.objects.get_or_create(key=key, defaults={"name": SALE_TYPES[key]})[0]


def sale_create(
    *,
    person: Person,
    user: User | None,
    sale_type: str,
    amount: Decimal = Decimal("0"),
    won_at: datetime | None = None,
) -> Sale:
    """Record a won sale (`membership` or `secondary`) for a person; reports attribute it."""
    kind = sale_type_get(sale_type)
    if kind is None:
        raise FieldErrors({"sale_type": [f"Is not a sale type: {sale_type}."]})
    if amount < 0:
        raise FieldErrors({"amount": ["Must be 0 or more."]})
    return Sale.objects.create(
        company_id=person.company_id,
        person=person,
        sale_type=kind,
        amount=amount,
        won_at=won_at or timezone.now(),
    )


def appointment_create(
    *,
    person: Person,
    user: User | None,
    starts_at: datetime,
    booked_at: datetime | None = None,
    kind: str | None = "",
) -> Appointment:
    """Book an appointment; the handlers (Automated Items: `appointment_booked`, and scheduling
    `appointment_upcoming`) run inside the same transaction."""
    with transaction.atomic():
        appointment = Appointment.objects.create(
            company_id=person.company_id,
            person=person,
            starts_at=starts_at,
            booked_at=booked_at or timezone.now(),
            kind=kind or "",
        )
        for handler in APPOINTMENT_BOOKED_HANDLERS:
            handler(appointment=appointment)
    return appointment


def _after_person_created(*, person: Person) -> None:
    """Hook for Automated Items (`lead_created`); the automations app registers its handler."""
    for handler in PERSON_CREATED_HANDLERS:
        handler(person=person)


def _after_person_status_changed(*, person: Person, old_status: str) -> None:
    for handler in PERSON_STATUS_CHANGED_HANDLERS:
        handler(person=person, old_status=old_status)


# Event handlers other apps register at start-up (in their AppConfig.ready), called inside the
# transaction that made the change, so what they record commits or rolls back with it.
# handler(company=...): each app creates the rows every company has (WhatsApp's settings).
COMPANY_CREATED_HANDLERS: list = []
PERSON_CREATED_HANDLERS: list = []
PERSON_STATUS_CHANGED_HANDLERS: list = []
# handler(person=, previous_updated_at=): after peopleUpdate (Automated Items' lead_reengaged).
PERSON_UPDATED_HANDLERS: list = []
# handler(person=, channel=, opted_out=, source=) once a channel's opt-out flag changed (the consent
# record path: staff, people API, STOP/START keywords); bulk campaigns count opt-outs after a send.
PERSON_OPT_OUT_CHANGED_HANDLERS: list = []
# handler(appointment=...) for each appointment booked (appointment_booked / appointment_upcoming).
APPOINTMENT_BOOKED_HANDLERS: list = []
