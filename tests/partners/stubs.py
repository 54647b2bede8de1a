"""Providers for API tests: they only hand out digits (the API tests never run a check)."""
from typing import ClassVar

from liveness.vendors.base import Operation


class _DigitsOnly:
    vendor: ClassVar[str] = "internal"
    operations: ClassVar[frozenset[str]] = frozenset({Operation.SELFIE_LIVENESS, Operation.DIGIT_VIDEO})
    digits: ClassVar[str] = "0000"
    calls: ClassVar[int] = 0

    def __init__(self, *, config: dict) -> None:
        pass

    def challenge_digits(self) -> str:
        type(self).calls += 1
        return self.digits

    def check_selfie(self, *, image):  # pragma: no cover - API tests never run checks
        raise AssertionError("API tests do not run checks")

    check_video = check_selfie


class LocalDigits(_DigitsOnly):
    """Stands in for the local engine under the registry name 'local'."""

    name: ClassVar[str] = "local"
    digits = "1111"
    digit_languages: ClassVar[tuple[str, ...]] = ("en", "zh")  # as the real local engine


class VendorDigits(_DigitsOnly):
    """Stands in for a paid vendor: a test key must never reach it."""

    name: ClassVar[str] = "vendor"
    digits = "9999"
    digit_languages: ClassVar[tuple[str, ...]] = ("zh",)  # as Tencent FaceID and YouTu
