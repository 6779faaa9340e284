"""The CRM core: tenants, their clubs, staff, people, sales and the history notes.

Every tenant-owned model uses `tenant_manager()` (django-scopes): a query on it raises unless a
company scope is active, so a forgotten filter fails closed instead of leaking another company's rows.
"""

from __future__ import annotations

import zoneinfo

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from gymsales.tenancy import tenant_manager

TIME_ZONE_CHOICES = sorted((tz, tz) for tz in zoneinfo.available_timezones())


class Company(models.Model):
    """The tenant."""

    name = models.CharField(max_length=200)
    time_zone = models.CharField(max_length=64, default="UTC", choices=TIME_ZONE_CHOICES)
    default_country = models.CharField(max_length=2, default="US", help_text="ISO 3166 alpha-2")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "companies"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Club(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="clubs")
    name = models.CharField(max_length=200)
    time_zone = models.CharField(
        max_length=64, blank=True, default="", help_text="Empty: the company's time zone."
    )

    objects = tenant_manager()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    SALES = "sales", "Sales"
    MANAGER = "manager", "Manager"
    ADMIN = "admin", "Company admin"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        # Email is case-insensitive; the company comes along (every API request needs it).
        return self.select_related("company").get(
            **{f"{self.model.USERNAME_FIELD}__iexact": username}
        )

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """Staff of a company (role), or a platform admin (superuser, no company)."""

    email = models.EmailField(unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="users"
    )
    club = models.ForeignKey(
        Club, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.SALES)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May log in to the Django admin.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email

    @property
    def is_company_admin(self) -> bool:
        return self.company_id is not None and self.role == Role.ADMIN

    @property
    def is_manager_or_admin(self) -> bool:
        return self.company_id is not None and self.role in (Role.MANAGER, Role.ADMIN)


class SaleTypeKey(models.TextChoices):
    """The sale types every company has; `SaleType` rows carry these keys."""

    MEMBERSHIP = "membership", "Membership"
    SECONDARY = "secondary", "Secondary Sales"


class SaleType(models.Model):
    """Reference data shared by all companies: Membership and Secondary Sales (at least)."""

    key = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class PersonStatus(models.TextChoices):
    LEAD = "lead", "Lead"
    MEMBER = "member", "Member"


class Person(models.Model):
    """A lead or a member: the 'client' of the Client Profile."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="people")
    club = models.ForeignKey(Club, on_delete=models.PROTECT, related_name="people")
    owner = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_people"
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100, blank=True, default="")
    email = models.EmailField(blank=True, default="")
    phone_mobile = models.CharField(max_length=20, blank=True, default="", help_text="E.164")
    phone_home = models.CharField(max_length=20, blank=True, default="", help_text="E.164")
    phone_work = models.CharField(max_length=20, blank=True, default="", help_text="E.164")
    status = models.CharField(
        max_length=16, choices=PersonStatus.choices, default=PersonStatus.LEAD
    )
    source_name = models.CharField(max_length=200, blank=True, default="")
    sms_opted_out = models.BooleanField(default=False)
    email_opted_out = models.BooleanField(default=False)
    whatsapp_opted_out = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "people"
        indexes = [
            models.Index(fields=["company", "phone_mobile"]),
            models.Index(fields=["company", "email"]),
            models.Index(fields=["company", "club", "status"]),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class ConsentChannel(models.TextChoices):
    WHATSAPP = "whatsapp", "WhatsApp"
    SMS = "sms", "SMS"
    EMAIL = "email", "Email"


class ConsentSource(models.TextChoices):
    API = "api", "API"
    APP = "app", "App (Client Profile)"
    KEYWORD = "keyword", "Keyword reply (STOP / START)"
    ADMIN = "admin", "Admin"
    SYSTEM = "system", "System"


class ConsentRecord(models.Model):
    """Every change of an opt-out flag: who, when, through what, and the proof given."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consent_records")
    channel = models.CharField(max_length=16, choices=ConsentChannel.choices)
    opted_out = models.BooleanField()
    source = models.CharField(max_length=16, choices=ConsentSource.choices)
    proof = models.TextField(blank=True, default="")
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = tenant_manager()

    class Meta:
        ordering = ["-created_at", "-id"]


class Sale(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="sales")
    sale_type = models.ForeignKey(SaleType, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    won_at = models.DateTimeField(default=timezone.now, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["-won_at", "-id"]


class Appointment(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="appointments")
    starts_at = models.DateTimeField(db_index=True)
    booked_at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]


class NoteKind(models.TextChoices):
    WHATSAPP_SENT = "whatsapp_sent", "WhatsApp Sent"
    WHATSAPP_RECEIVED = "whatsapp_received", "WhatsApp Received"
    WHATSAPP_ERROR = "whatsapp_error", "WhatsApp error"
    OPT_OUT = "opt_out", "Opt-out"
    OPT_IN = "opt_in", "Opt-in"
    SYSTEM = "system", "System"
    GENERAL = "general", "Note"


class Note(models.Model):
    """One line of a person's history, also shown on the company's Newsfeed."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    club = models.ForeignKey(
        Club, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="notes"
    )
    kind = models.CharField(max_length=32, choices=NoteKind.choices, db_index=True)
    text = models.TextField()
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["company", "-created_at"]),
            models.Index(fields=["person", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:60]}"
