"""The types every vendor's error table is made of, and the one transient rule they share.

Each vendor family keeps its own codes in its own folder (``youtu/errors.py``,
``tencent_cloud/errors.py``, ``senseid/errors.py``, ``local/errors.py``; transport problems of any
vendor in ``transport_errors.py``) as an :class:`ErrorTable`. A table answers, for one family:

* what a code means (:meth:`ErrorTable.lookup`: the vendor's words, a reviewer explanation, the
  user's next step, a :class:`Category`), and
* whether another attempt can help (:meth:`ErrorTable.is_transient`). This is THE rule for the
  family: the client that talks to the vendor asks it, the catalogue shows it, the sandbox answers
  with the same codes. It is the entry's ``retry`` flag (``category is TRANSIENT``) where the table
  knows the code, its documented parent's where the family has parent codes (Tencent Cloud's
  ``RequestLimitExceeded.Foo`` -> ``RequestLimitExceeded``), and otherwise the family's
  ``transient_when_unknown`` pattern (e.g. Tencent's ``InternalError*``), default: permanent.

:mod:`liveness.vendors.catalogue` is the thin cross-vendor view over all tables.
"""
from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation

from .user_messages import USER_MESSAGES


class Category(str, enum.Enum):
    USER_FIXABLE = "user_fixable"  # the person can fix it: retake in better light, read slowly...
    TRANSIENT = "transient"  # retry automatically
    CONFIGURATION = "configuration"  # config/account/signature/quota setup: alert an operator
    POSSIBLE_FRAUD = "possible_fraud"  # replay/hack/spoof/different person: human review


U = Category.USER_FIXABLE
T = Category.TRANSIENT
C = Category.CONFIGURATION
F = Category.POSSIBLE_FRAUD


@dataclass(frozen=True)
class CatalogueEntry:
    vendor: str  # "youtu" | "tencent_cloud" | "senseid" | "local" | "http" | "internal"
    code: str  # always a string: "-5008", "FailedOperation.ImageDecodeFailed", "hack", ...
    vendor_message_en: str
    vendor_message_zh: str  # "" where no source has Chinese
    reviewer_explanation: str  # plain English: what happened and what it implies
    user_message_en: str  # what the end user should do next, no jargon, no scores (translated in the .po)
    category: Category
    retry: bool  # True only for transient ones worth retrying automatically
    sources: tuple[str, ...]  # e.g. ("seed 000", "seed 004")
    alt_messages: tuple[str, ...] = ()  # other seeds' differing wordings, "seed 002: ..."

    def user_message(self, language: str | None) -> str:
        """What to tell the person, in ``language`` ("en", "zh-hans", ...; None: the active one),
        from the gettext catalogue (locale/, the one source of user-facing text)."""
        if language is None:
            return translation.gettext(self.user_message_en)
        with translation.override(language):
            return translation.gettext(self.user_message_en)

    @property
    def user_message_zh(self) -> str:
        return self.user_message("zh-hans")

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict (category as its string value, tuples as lists, both user languages)."""
        data = dataclasses.asdict(self)
        data["user_message_zh"] = self.user_message_zh
        data["category"] = self.category.value
        data["sources"] = list(self.sources)
        data["alt_messages"] = list(self.alt_messages)
        return data


def make_entry(
    vendor: str,
    code: str,
    category: Category,
    user: str,
    en: str,
    zh: str,
    reviewer: str,
    sources: Iterable[str],
    alt: Iterable[str] = (),
) -> CatalogueEntry:
    """One table row as an entry; ``user`` names a message of :data:`USER_MESSAGES`."""
    return CatalogueEntry(
        vendor=vendor, code=code, vendor_message_en=en, vendor_message_zh=zh, reviewer_explanation=reviewer,
        user_message_en=USER_MESSAGES[user], category=category,
        retry=category is Category.TRANSIENT, sources=tuple(sources), alt_messages=tuple(alt),
    )


def unknown_entry(vendor: str, code: str, *, transient: bool = False) -> CatalogueEntry:
    """The synthetic entry for a code no table has: permanent (an operator must look), unless the
    family's name pattern says the vendor means "try again" (then retried like any transient)."""
    user = "retry_later" if transient else "unknown"
    verdict = (
        "Its name marks a temporary failure (the vendor family's rule for unknown codes), so it is "
        "retried automatically."
        if transient else
        "It is treated as a configuration problem (no automatic retry): check the vendor's message "
        "and raw answer."
    )
    return CatalogueEntry(
        vendor=vendor, code=code, vendor_message_en="", vendor_message_zh="",
        reviewer_explanation=(
            f"Code {code!r} of vendor {vendor!r} is not in the error catalogue, so its meaning is unknown. "
            f"{verdict} Add the code to the vendor's table (liveness/vendors/<family>/errors.py)."
        ),
        user_message_en=USER_MESSAGES[user],
        category=Category.TRANSIENT if transient else Category.CONFIGURATION, retry=transient, sources=(),
    )


def _never(code: str) -> bool:
    return False


def normalise_code(code: str | int | None) -> str:
    """Codes are strings: ``-5008`` and ``" -5008 "`` are both ``"-5008"``; None is ``""``."""
    return "" if code is None else str(code).strip()


@dataclass(frozen=True)
class ErrorTable:
    """One vendor family's codes and its transient rule (see the module docstring).

    ``rows`` in table order; ``success_codes`` are the vendor's "no error" values (not entries);
    ``parent_codes``: an unknown dotted code is explained by its documented parent;
    ``transient_when_unknown``: the family's pattern for codes the table does not have.
    """

    family: str
    rows: tuple[CatalogueEntry, ...]
    success_codes: frozenset[str] = frozenset()
    parent_codes: bool = False
    transient_when_unknown: Callable[[str], bool] = _never
    _index: dict[str, CatalogueEntry] = field(init=False, repr=False, compare=False)
    _folded: dict[str, CatalogueEntry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, CatalogueEntry] = {}
        for entry in self.rows:
            if entry.vendor != self.family:
                raise ValueError(f"{entry.code!r} belongs to {entry.vendor!r}, not to the {self.family!r} table")
            if entry.code in index:  # a data error: fail at import, not silently
                raise ValueError(f"duplicate catalogue entry {(self.family, entry.code)}")
            index[entry.code] = entry
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_folded", {code.casefold(): e for code, e in index.items()})

    def entry(self, code: str | int | None) -> CatalogueEntry | None:
        """The table's own entry (exact, then case-insensitive match), or None."""
        c = normalise_code(code)
        return self._index.get(c) or self._folded.get(c.casefold())

    def is_known(self, code: str | int | None) -> bool:
        return self.entry(code) is not None

    def is_success(self, code: str | int | None) -> bool:
        return normalise_code(code) in self.success_codes

    def lookup(self, code: str | int | None) -> CatalogueEntry:
        """The entry for ``code``; never raises (see the module docstring for the order)."""
        c = normalise_code(code)
        found = self.entry(c)
        if found is not None:
            return found
        if self.parent_codes and "." in c:
            parent = self._index.get(c.rsplit(".", 1)[0])
            if parent is not None:
                return dataclasses.replace(
                    parent, code=c,
                    reviewer_explanation=(f"Code {c!r} is not in the catalogue; explained by its parent code "
                                          f"{parent.code!r}: {parent.reviewer_explanation}"),
                    sources=parent.sources + (f"inferred from parent code {parent.code}",), alt_messages=(),
                )
        return unknown_entry(self.family, c, transient=bool(c) and self.transient_when_unknown(c))

    def is_transient(self, code: str | int | None) -> bool:
        """Whether a failure with this code may succeed on another attempt: THE family rule."""
        return self.lookup(code).retry

    def message(self, code: str | int, *, language: str = "en") -> str:
        """The vendor's own words for a code the table has (``language`` "zh" falls back to English).

        Raises KeyError for a code the table lacks: callers that answer as the vendor (the sandbox)
        must only use documented codes.
        """
        found = self.entry(code)
        if found is None:
            raise KeyError(f"{code!r} is not in the {self.family} error table")
        if language.lower().startswith("zh") and found.vendor_message_zh:
            return found.vendor_message_zh
        return found.vendor_message_en

    def codes(self) -> list[str]:
        return [entry.code for entry in self.rows]
