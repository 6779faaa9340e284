"""Play Twilio in development, through our own signed webhooks:

    python manage.py whatsapp_simulate --person 12 inbound "Hi, what are your prices?"
    python manage.py whatsapp_simulate --person 12 inbound "Saw your ad" --referral
    python manage.py whatsapp_simulate --person 12 inbound STOP
    python manage.py whatsapp_simulate --person 12 fail 63016      # the person's last outbound message
    python manage.py whatsapp_simulate --person 12 status read
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from gymsales.models import Person
from gymsales.tenancy import all_companies
from whatsapp import simulate
from whatsapp.models import Direction, Message


class Command(BaseCommand):
    help = "Simulate an inbound WhatsApp message, a status or a failure through the signed webhook."

    def add_arguments(self, parser):
        parser.add_argument("--person", type=int, required=True, help="Person id")
        parser.add_argument("action", choices=["inbound", "fail", "status"])
        parser.add_argument("value", help="inbound: the text; fail: an error code; status: a status")
        parser.add_argument("--referral", action="store_true", help="inbound from an ad (72 h)")
        parser.add_argument("--profile-name", default="")
        parser.add_argument("--message", type=int, help="fail/status: this message id")

    def handle(self, *args, person, action, value, referral, profile_name, message, **options):
        with all_companies():
            found = Person.objects.filter(pk=person).first()
            if found is None:
                raise CommandError(f"No person {person}.")
            if action == "inbound":
                code = simulate.post_inbound(
                    company_id=found.company_id,
                    from_number=found.phone_mobile,
                    body=value,
                    profile_name=profile_name or found.full_name,
                    referral=referral,
                )
            else:
                outbound = Message.objects.filter(
                    person=found, direction=Direction.OUTBOUND, sid__isnull=False
                )
                if message:
                    outbound = outbound.filter(pk=message)
                target = outbound.order_by("-created_at", "-id").first()
                if target is None:
                    raise CommandError("No sent outbound message to update.")
                code = simulate.post_status(
                    company_id=found.company_id,
                    sid=target.sid,
                    status="failed" if action == "fail" else value,
                    error_code=value if action == "fail" else "",
                )
        if code != 200:
            raise CommandError(f"The webhook answered {code}.")
        self.stdout.write(self.style.SUCCESS(f"{action} {value}: webhook answered {code}"))
