from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from liveness.media import files as media
from liveness.vendors import get_provider
from liveness.vendors.base import Media
from liveness.vendors.languages import DIGIT_LANGUAGES, digit_language_for, digit_languages_of

from ._liveness_cli import print_verdict, read_file, verdict


class Command(BaseCommand):
    help = "Run digit-video liveness (and face compare with --card) with a provider and print the verdict."

    def add_arguments(self, parser):
        parser.add_argument("video")
        parser.add_argument("--digits", required=True, help="the digits the person was asked to read")
        parser.add_argument("--card", default=None, help="ID-card photo to compare with")
        parser.add_argument("--provider", default=None, help="default: KYC_VIDEO_PROVIDER")
        parser.add_argument("--language", default=None, choices=DIGIT_LANGUAGES,
                            help="what the digits were read in (en, zh); default: the provider's preferred one; a "
                                 "provider that hears one language only gets that one")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, video, digits, card, provider, language, json, **options):
        provider = provider or settings.KYC_VIDEO_PROVIDER
        language = digit_language_for(provider, language or digit_languages_of(provider)[0])
        if not digits.isdigit():
            raise CommandError("--digits must be digits, e.g. 1234")
        data = read_file(video)
        try:
            info = media.video_probe(data)
            card_image = media.image_normalise(read_file(card), what="ID-card photo") if card else None
        except media.MediaRejected as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None
        client = get_provider(provider)
        card_media = Media(card_image.content, card_image.content_type, "card.jpg") if card_image else None
        result = verdict(provider=provider, call=lambda: client.check_video(
            video=Media(data, f"video/{info.container.split(',')[0]}", "video"), digits=digits, card=card_media,
            language=language))
        print_verdict(self, result, as_json=json)
