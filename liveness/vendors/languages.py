"""The languages a person may read the digits of a video check in, and what each provider hears.

``DIGIT_LANGUAGES``: ``"en"`` (English) and ``"zh"`` (Mandarin), the languages of the local
engine (``liveness.engine.DIGIT_LANGUAGES``). A provider class may declare
``digit_languages`` (a tuple, its preferred language first): the languages its speech check
understands. A provider that declares nothing is taken to hear English only (what every page
asked for before the choice existed). The person's choice is kept on the challenge
(``Challenge.language``); the check gives the provider that language when it supports it, and
otherwise the provider's first language (a one-language vendor gets what it supports). The
capture page only offers the provider's languages, so that only happens to challenges issued
before an operator changed the video provider. Read from the class (``provider_class``): no
provider is built for it.
"""
from __future__ import annotations

from liveness.vendors import provider_class

DIGIT_LANGUAGES: tuple[str, ...] = ("en", "zh")
#: What a provider that declares no ``digit_languages`` is taken to hear.
DEFAULT_DIGIT_LANGUAGES: tuple[str, ...] = ("en",)


def digit_languages_of(provider_name: str) -> tuple[str, ...]:
    """The digit languages ``provider_name`` understands, its preferred one first (never empty)."""
    declared = getattr(provider_class(provider_name), "digit_languages", None)
    if not isinstance(declared, tuple):
        return DEFAULT_DIGIT_LANGUAGES
    known = tuple(language for language in declared if language in DIGIT_LANGUAGES)
    return known or DEFAULT_DIGIT_LANGUAGES


def digit_language_for(provider_name: str, wanted: str) -> str:
    """``wanted`` when ``provider_name`` understands it, else the provider's preferred language."""
    languages = digit_languages_of(provider_name)
    return wanted if wanted in languages else languages[0]
