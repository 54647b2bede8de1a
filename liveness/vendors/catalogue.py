"""The error catalogue: one view over every vendor family's error table, for reviewers and the pipeline.

Each family keeps its codes in its own folder (see :mod:`liveness.vendors.errors`); this module only
gathers them under the ``vendor`` key a result or error carries:

* ``youtu``          :mod:`liveness.vendors.youtu.errors`
* ``tencent_cloud``  :mod:`liveness.vendors.tencent_cloud.errors`
* ``senseid``        :mod:`liveness.vendors.senseid.errors`
* ``local``          :mod:`liveness.vendors.local.errors` (the embedded engine)
* ``http``           transport problems of any vendor, ``internal`` the pipeline's own
                     (:mod:`liveness.vendors.transport_errors`)

Codes are always strings (``lookup`` accepts ints too). Success values (``0``, ``1000``, ``ok``,
``Success``) are not errors and are not entries: see :data:`SUCCESS_CODES`. See ``docs/errors.md``.
"""
from __future__ import annotations

from .errors import Category, CatalogueEntry, ErrorTable, normalise_code, unknown_entry
from .local.errors import ERRORS as LOCAL_ERRORS
from .senseid.errors import ERRORS as SENSEID_ERRORS
from .tencent_cloud.errors import ERRORS as TENCENT_CLOUD_ERRORS
from .transport_errors import HTTP_ERRORS, INTERNAL_ERRORS
from .user_messages import USER_MESSAGES
from .youtu.errors import ERRORS as YOUTU_ERRORS

__all__ = [
    "Category", "CatalogueEntry", "SUCCESS_CODES", "TABLES", "USER_MESSAGES", "VENDORS",
    "entries", "is_known", "is_success", "is_transient", "lookup", "table",
]

#: vendor family -> its table, in the order :func:`entries` lists them.
TABLES: dict[str, ErrorTable] = {
    t.family: t
    for t in (YOUTU_ERRORS, TENCENT_CLOUD_ERRORS, SENSEID_ERRORS, HTTP_ERRORS, INTERNAL_ERRORS, LOCAL_ERRORS)
}
VENDORS = ("youtu", "tencent_cloud", "senseid", "http", "local", "internal")

#: Values that mean "no error" for each vendor family; they are not catalogue entries.
SUCCESS_CODES: dict[str, frozenset[str]] = {v: t.success_codes for v, t in TABLES.items() if t.success_codes}


def _vendor(vendor: str | None) -> str:
    return str(vendor or "").strip().lower()


def table(vendor: str | None) -> ErrorTable | None:
    """The table of a vendor family, or None for a family nobody defined."""
    return TABLES.get(_vendor(vendor))


def lookup(vendor: str, code: str | int | None) -> CatalogueEntry:
    """The entry for ``(vendor, code)``; never raises.

    ``code`` may be an int (``-5008``) or a string. Matching is exact, then case-insensitive; what
    happens to a code the family's table lacks is the family's rule (:class:`ErrorTable.lookup`).
    An unknown family gives a synthetic CONFIGURATION entry with ``retry=False``.
    """
    found = table(vendor)
    if found is None:
        return unknown_entry(_vendor(vendor), normalise_code(code))
    return found.lookup(code)


def entries(vendor: str | None = None) -> list[CatalogueEntry]:
    """All entries in table order, or those of one vendor family (``[]`` for an unknown one)."""
    if vendor is None:
        return [e for t in TABLES.values() for e in t.rows]
    found = table(vendor)
    return list(found.rows) if found else []


def is_transient(vendor: str, code: str | int | None) -> bool:
    """Whether the pipeline may retry this failure automatically (the family's rule)."""
    return lookup(vendor, code).retry


def is_known(vendor: str, code: str | int | None) -> bool:
    """Whether ``(vendor, code)`` has its own entry (exact or case-insensitive match)."""
    found = table(vendor)
    return bool(found and found.is_known(code))


def is_success(vendor: str, code: str | int | None) -> bool:
    """Whether ``code`` is the vendor's "no error" value (``0``, ``1000``, ``ok``, ``Success``)."""
    found = table(vendor)
    return bool(found and found.is_success(code))
