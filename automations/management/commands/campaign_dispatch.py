"""Send a running campaign from this process until it is done, paused or stopped (what a
`campaigns` worker does slice by slice; useful to drain one campaign by hand)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from automations.campaigns import dispatch


class Command(BaseCommand):
    help = "Dispatch a running bulk campaign from this process until nothing is left to send."

    def add_arguments(self, parser):
        parser.add_argument("campaign_id", type=int)

    def handle(self, *args, campaign_id: int, **options):
        while True:
            result = dispatch.run_slice(campaign_id)
            self.stdout.write(f"{result.outcome}: {result.sent} sent, {result.failed} failed")
            if result.outcome == "waiting":
                time.sleep(min(result.retry_in or 1, 5))
            elif result.outcome != "more":
                return
