"""Re-encrypt the stored secrets with the current key: run after putting a new key in front of
SECRETS_ENCRYPTION_KEYS, before removing the old one (README "Secrets at rest")."""

from django.core.management.base import BaseCommand

from gymsales.tenancy import all_companies
from whatsapp.services.settings import auth_tokens_reencrypt


class Command(BaseCommand):
    help = "Re-encrypt every Twilio auth token with the first key of SECRETS_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        with all_companies():
            count = auth_tokens_reencrypt()
        self.stdout.write(f"Re-encrypted {count} Twilio auth token(s) with the current key.")
