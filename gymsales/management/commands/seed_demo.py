"""Load the demo company: a club, staff log-ins, people, and each app's demo rows. Idempotent."""

from __future__ import annotations

import random

from django.core.management.base import BaseCommand
from django.db import transaction

from gymsales import services
from gymsales.demo import DEMO_SEEDERS
from gymsales.models import Club, Company, Person, PersonStatus, Role, User
from gymsales.tenancy import company_scope

DEMO_COMPANY = "Demo Fitness"
DEMO_PASSWORD = "demo-pass-2026"
DEMO_USERS = {
    "admin": ("admin@demo.gymsales.test", "Alex", "Admin", Role.ADMIN),
    "manager": ("manager@demo.gymsales.test", "Morgan", "Manager", Role.MANAGER),
    "sales": ("sales@demo.gymsales.test", "Sam", "Sales", Role.SALES),
}
PLATFORM_ADMIN = "platform@demo.gymsales.test"
FIRST_NAMES = [
    "Ava",
    "Ben",
    "Chloe",
    "Dan",
    "Ella",
    "Finn",
    "Grace",
    "Hugo",
    "Isla",
    "Jack",
    "Kate",
    "Leo",
]
LAST_NAMES = ["Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Walker"]


class Command(BaseCommand):
    help = "Create (or top up) the demo company with its log-ins, people and templates."

    def handle(self, *args, **options):
        lines = self._seed()
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in at /accounts/login/ with:"))
        for line in lines:
            self.stdout.write(f"  {line}")

    @transaction.atomic
    def _seed(self) -> list[str]:
        company = Company.objects.filter(name=DEMO_COMPANY).first() or services.company_create(
            name=DEMO_COMPANY, time_zone="America/New_York", default_country="US"
        )
        with company_scope(company):
            club = Club.objects.filter(company=company).first() or services.club_create(
                company=company, name="Downtown"
            )
            users = {key: self._user(company, club, *spec) for key, spec in DEMO_USERS.items()}
            self._people(company, club, users)
            lines = [
                f"{role:8} {email} / {DEMO_PASSWORD}"
                for role, (email, *_rest) in DEMO_USERS.items()
            ]
            for seed in DEMO_SEEDERS:  # each app's demo rows (gymsales.demo)
                lines += seed(company=company, users=users)
        if not User.objects.filter(email=PLATFORM_ADMIN).exists():
            User.objects.create_superuser(email=PLATFORM_ADMIN, password=DEMO_PASSWORD)
        lines.append(f"platform {PLATFORM_ADMIN} / {DEMO_PASSWORD} (Django admin at /admin/)")
        return lines

    def _user(self, company, club, email, first_name, last_name, role) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email,
                password=DEMO_PASSWORD,
                company=company,
                club=club,
                role=role,
                first_name=first_name,
                last_name=last_name,
            )
        return user

    def _people(self, company, club, users) -> None:
        if Person.objects.filter(company=company).exists():
            return
        rng = random.Random(2026)
        owners = [users["sales"], users["manager"], users["admin"]]
        for index in range(36):
            first, last = FIRST_NAMES[index % 12], LAST_NAMES[index % 7]
            services.person_create(
                company=company,
                user=owners[index % 3],
                data={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{first}.{last}{index}@example.com".lower(),
                    # 555-01xx is reserved for fiction: never a real subscriber.
                    "phone_mobile": f"+1415555{index + 100:04d}" if index % 9 else "",
                    "club_id": club.pk,
                    "owner_id": owners[index % 3].pk,
                    "status": PersonStatus.MEMBER if index % 4 == 0 else PersonStatus.LEAD,
                    "source_name": rng.choice(["Website", "Walk-in", "Referral", "Facebook"]),
                },
            )
