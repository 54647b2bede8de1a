from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from liveness.media import files as media
from liveness.vendors import get_provider
from liveness.vendors.base import Media

from ._liveness_cli import print_verdict, read_file, verdict


class Command(BaseCommand):
    help = "Run static (selfie) liveness on an image with a provider and print the verdict."

    def add_arguments(self, parser):
        parser.add_argument("image")
        parser.add_argument("--provider", default=None, help="default: KYC_SELFIE_PROVIDER")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, image, provider, json, **options):
        provider = provider or settings.KYC_SELFIE_PROVIDER
        try:
            normalised = media.image_normalise(read_file(image), what="selfie")
        except media.MediaRejected as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None
        client = get_provider(provider)
        data = verdict(provider=provider, call=lambda: client.check_selfie(
            image=Media(normalised.content, normalised.content_type, "selfie.jpg")))
        print_verdict(self, data, as_json=json)
