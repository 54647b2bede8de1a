"""Providers that fail on purpose, to test how the pipeline ends a check that gets no answer.

They implement the real provider interface and are selected by dotted path, the
same way a deployment plugs in its own vendor. Vendor clients themselves are
tested against the sandbox, never with these.
"""
from typing import ClassVar

from liveness.vendors.base import (
    Media,
    Operation,
    ProviderError,
    ProviderResult,
    depart,
)


class CrashingProvider:
    """A provider with a bug: it raises an unexpected exception."""

    name: ClassVar[str] = "crashing"
    vendor: ClassVar[str] = "internal"
    operations: ClassVar[frozenset[str]] = frozenset({Operation.SELFIE_LIVENESS})

    def __init__(self, *, config: dict) -> None:
        pass

    def challenge_digits(self) -> str:
        return "1234"

    def check_selfie(self, *, image: Media) -> ProviderResult:
        raise RuntimeError("simulated provider bug")

    def check_video(self, *, video: Media, digits: str, card: Media | None, language: str = "en") -> ProviderResult:
        raise RuntimeError("simulated provider bug")


class AlwaysRateLimitedProvider(CrashingProvider):
    """A vendor that answers every call with its rate-limit code (transient)."""

    def check_selfie(self, *, image: Media) -> ProviderResult:
        depart()  # its request leaves, as a vendor client's does (providers.base), and is refused
        raise ProviderError("rate limited", vendor="youtu", code="15", transient=True)


class WithdrawnDuringCallProvider(CrashingProvider):
    """A vendor that passes the selfie and returns it as the best frame, while the person withdraws
    their consent during the call (the one case of the test)."""

    def check_selfie(self, *, image: Media) -> ProviderResult:
        from liveness.cases.consent import case_consent_withdraw
        from liveness.cases.models import Case

        case_consent_withdraw(case=Case.objects.get(), actor_label="person")
        return ProviderResult(vendor="local", photos={"best_frame": image.content})


class CorruptReturnedPhotoProvider(CrashingProvider):
    """A vendor that passes the selfie and returns two photos: the selfie itself as the best
    frame, and a face crop that is not an image."""

    def check_selfie(self, *, image: Media) -> ProviderResult:
        return ProviderResult(vendor="local", photos={"best_frame": image.content, "face_crop": b"<html>nope</html>"})
