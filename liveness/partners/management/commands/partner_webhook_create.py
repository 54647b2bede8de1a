"""Register a partner's webhook endpoint and print its signing secret.

    python manage.py partner_webhook_create "Acme Bank" https://acme.example/kyc-hook [--events case.decided ...]

The same service as ``POST /api/v1/webhooks/endpoints`` (``liveness.partners.webhooks.endpoints.webhook_endpoint_create``):
the same URL check, event names, limit of active endpoints, secret format and audit
(``webhook.endpoint_created``, here by ``system:cli``). Partners can also do this themselves.
"""
from django.core.management.base import BaseCommand, CommandError

from liveness.partners.models import Partner, WebhookEvent
from liveness.partners.webhooks import endpoints as webhook_endpoints


class Command(BaseCommand):
    help = "Add a webhook endpoint for a partner and print the secret used to sign its deliveries."

    def add_arguments(self, parser):
        parser.add_argument("partner")
        parser.add_argument("url")
        parser.add_argument("--events", nargs="+", choices=WebhookEvent.values, default=None,
                            help="Events to send (default: all)")

    def handle(self, *args, partner, url, events, **options):
        row = Partner.objects.filter(name=partner).first()
        if row is None:
            raise CommandError(f"no partner named {partner!r}")
        try:
            endpoint = webhook_endpoints.webhook_endpoint_create(partner=row, url=url, events=events)
        except ValueError as refused:  # webhook_endpoints.WebhookEndpointRefused: the URL, an event, the limit
            raise CommandError(f"{url}: {refused}") from None
        self.stderr.write(f"endpoint {endpoint.pk} for {row.name}: {', '.join(endpoint.events)}; signing secret:")
        self.stdout.write(endpoint.secret)
