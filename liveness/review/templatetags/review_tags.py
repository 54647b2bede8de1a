"""Template filters of the reviewer dashboard (``{% load review_tags %}``)."""
from __future__ import annotations

from django import template

from liveness.review import wording

register = template.Library()


@register.filter
def detail_rows(details) -> list[tuple[str, str]]:
    """An audit event's details as ``(label, value)`` rows (see ``liveness.review.wording``)."""
    return wording.detail_rows(details)


@register.filter
def delivery_problem(error: str):
    """A failed delivery's stored error as a plain sentence plus the raw text (or None)."""
    return wording.delivery_problem(error)
