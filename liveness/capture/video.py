"""The digit-video page's own parts: which languages the digits may be read in, and its sentences.

The views stay thin: :func:`video_context` is what ``capture.html``'s video page needs beyond
the shared context, and :func:`digit_language_wanted` reads the person's choice from a request.
"""
from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liveness.cases.models import Case, DigitLanguage
from liveness.cases.services import case_provider_pin
from liveness.vendors import provider_name_for
from liveness.vendors.base import Operation
from liveness.vendors.languages import DIGIT_LANGUAGES, digit_languages_of

#: The sentence shown beside the digits, in the page's language, naming the reading language.
READ_ALOUD = {
    DigitLanguage.ENGLISH: gettext_lazy("Read these digits aloud in English"),
    DigitLanguage.MANDARIN: gettext_lazy("Read these digits aloud in Mandarin"),
}
LANGUAGE_NAMES = {DigitLanguage.ENGLISH: gettext_lazy("English"), DigitLanguage.MANDARIN: gettext_lazy("Mandarin")}
#: The browser-side check of a chosen video file (the server probes the content itself).
VIDEO_FILE_TYPES = ("video/webm", "video/mp4", "video/quicktime")
VIDEO_FILE_ACCEPT = ",".join((*VIDEO_FILE_TYPES, ".webm", ".mp4", ".mov"))


def digit_languages_offered(case: Case) -> tuple[str, ...]:
    """The languages the case's video provider understands (a test-mode case: the local engine's)."""
    provider = case_provider_pin(case=case, provider_name=None) or provider_name_for(Operation.DIGIT_VIDEO)
    return digit_languages_of(provider)


def digit_language_default(offered: tuple[str, ...]) -> str:
    """The page's language when it is offered ("zh" for a Chinese page, "en" for an English one), else
    the provider's preferred language."""
    page = "zh" if (translation.get_language() or "").lower().startswith("zh") else "en"
    return page if page in offered else offered[0]


def digit_language_wanted(value: str | None, case: Case) -> str | None:
    """The language posted with a challenge request: a known code, or the page default when none was
    posted; None for an unknown code (the view refuses it with 400)."""
    if not value:
        return digit_language_default(digit_languages_offered(case))
    return value if value in DIGIT_LANGUAGES else None


def _label(code: str) -> str:
    """The language's own name, and its name in the page's language when that differs: "普通话 (Mandarin)"
    on an English page, "普通话" on a Chinese one (the Chinese text comes from django.po)."""
    with translation.override("zh-hans" if code == DigitLanguage.MANDARIN else "en"):
        own = str(LANGUAGE_NAMES[code])
    here = str(LANGUAGE_NAMES[code])
    return own if own == here else f"{own} ({here})"


def video_context(case: Case) -> dict:
    offered = digit_languages_offered(case)
    return {
        "digit_languages": [{"code": code, "label": _label(code), "read_aloud": str(READ_ALOUD[code])}
                            for code in offered],
        "digit_language": digit_language_default(offered),
        "video_accept": VIDEO_FILE_ACCEPT,
        "max_video_seconds": settings.KYC_MAX_VIDEO_SECONDS,
    }


def video_js_messages() -> dict:
    """The video page's sentences for its script, in the request's language."""
    return {
        "camera_denied": _("We could not use your camera or microphone. Allow access in your browser's site "
                           "settings and press Retry, or record the video with your phone's camera app and "
                           "upload the file below."),
        "camera_missing": _("This browser cannot open a camera here. Record the video with your phone's camera "
                            "app and upload the file below."),
        "bad_video_type": _("Please choose a WebM, MP4 or MOV video."),
        "video_too_long": _("The video is longer than %(seconds)d seconds; please record a shorter one.") % {
            "seconds": settings.KYC_MAX_VIDEO_SECONDS},
        "need_video_file": _("Choose the video file and the ID-card photo first."),
        "read_aloud": {code: str(text) for code, text in READ_ALOUD.items()},
    }


def limit_message(code: str) -> str | None:
    """The translated sentence of a limit refusal, with the configured number; None for other codes.
    (The service's English names the number too.)"""
    if code == "too_many_challenges":
        return _("This check was given new digits %(limit)d times, the most it may have; ask whoever sent you "
                 "here to start a new check.") % {"limit": settings.KYC_CHALLENGES_PER_CASE}
    if code == "too_many_link_challenges":
        return _("This link was used to ask for new digits %(limit)d times, the most one link may; ask whoever "
                 "sent it for a new link.") % {"limit": settings.KYC_CHALLENGES_PER_LINK}
    return None
