"""``python manage.py liveness_errors [--json] [--vendor V]``: print the error catalogue.

Without ``--json``: a readable table (vendor, code, category, retry, vendor wording), one line
per code, grouped by vendor. With ``--json``: one JSON array of every entry, each a dict of the
:class:`~liveness.vendors.catalogue.CatalogueEntry` fields (category as its string value).
"""
from __future__ import annotations

import json
import shutil

from django.core.management.base import BaseCommand, CommandError

from liveness.vendors import catalogue


class Command(BaseCommand):
    help = "List the liveness error catalogue (vendor codes, categories, explanations)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print one JSON array of all entries")
        parser.add_argument(
            "--vendor",
            metavar="V",
            help="only this vendor family: " + ", ".join(catalogue.VENDORS),
        )

    def handle(self, *args, **options):
        vendor = options.get("vendor")
        if vendor is not None and vendor.strip().lower() not in catalogue.VENDORS:
            raise CommandError(
                f"unknown vendor {vendor!r}; choose one of: {', '.join(catalogue.VENDORS)}"
            )
        rows = catalogue.entries(vendor)
        if options.get("json"):
            self.stdout.write(json.dumps([e.as_dict() for e in rows], ensure_ascii=False, indent=2))
            return
        self._table(rows)

    def _table(self, rows):
        width = shutil.get_terminal_size((120, 24)).columns
        groups: dict[str, list] = {}
        for e in rows:
            groups.setdefault(e.vendor, []).append(e)
        for vendor, group in groups.items():
            code_w = max(len("CODE"), *(len(e.code) for e in group))
            head = f"{'CODE':<{code_w}}  {'CATEGORY':<14}  {'RETRY':<5}  VENDOR MESSAGE"
            msg_w = max(30, width - (code_w + 2 + 14 + 2 + 5 + 2))
            self.stdout.write("")
            self.stdout.write(self.style.MIGRATE_HEADING(f"{vendor} ({len(group)} codes)"))
            self.stdout.write(head)
            for e in group:
                message = e.vendor_message_en or e.vendor_message_zh or "-"
                if len(message) > msg_w:
                    message = message[: msg_w - 1] + "…"
                retry = "yes" if e.retry else "no"
                self.stdout.write(f"{e.code:<{code_w}}  {e.category.value:<14}  {retry:<5}  {message}")
        self.stdout.write("")
        self.stdout.write(f"{len(rows)} entries")
