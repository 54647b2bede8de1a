"""``python manage.py vendor_sandbox``: run the vendor sandbox in the foreground."""
from __future__ import annotations

import logging

from django.core.management.base import BaseCommand, CommandError

from tools.sandbox.server import make_sandbox_server


class Command(BaseCommand):
    help = (
        "Serve wire-compatible emulators of the vendor APIs (YouTu legacy /face/*, Tencent Cloud "
        "API 3.0 by X-TC-Action, SenseID /identity/*) plus the /_sandbox/ control API on one port. "
        "See docs/sandbox.md."
    )
    # The sandbox stands apart from the portal (no URLs, no database): skip the system
    # checks so it starts even while the portal itself is misconfigured or mid-migration.
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8765, help="port to listen on (default 8765; 0 = any free port)")

    def handle(self, *args, **options):
        logger = logging.getLogger("tools.sandbox")
        if logger.getEffectiveLevel() > logging.INFO:
            logger.setLevel(logging.INFO)
        if not logging.getLogger().handlers and not logger.handlers:
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        try:
            server = make_sandbox_server(options["host"], options["port"])
        except OSError as exc:
            raise CommandError(f"cannot listen on {options['host']}:{options['port']}: {exc}") from exc
        self.stdout.write(f"Vendor sandbox listening on {server.app.base_url} (Ctrl-C to stop)")
        self.stdout.write(f"  YouTu legacy:  YOUTU_ENDPOINT={server.app.base_url}")
        host_port = server.app.base_url.split("://", 1)[1]
        self.stdout.write(f"  Tencent Cloud: TENCENT_IAI_ENDPOINT={host_port} TENCENT_IAI_PROTOCOL=http "
                          f"(same for TENCENT_FACEID_*)")
        self.stdout.write(f"  SenseID:       SENSEID_BASE_URL={server.app.base_url}")
        self.stdout.write(f"  Control API:   {server.app.base_url}/_sandbox/health")
        self.stdout.flush()
        try:
            server.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            self.stdout.write("stopping")
        finally:
            server.app.faults.release_all()
            server.server_close()
