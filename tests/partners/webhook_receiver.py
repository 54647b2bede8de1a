"""A partner's webhook receiver for the API tests: a real HTTP server on 127.0.0.1 that records
what it got and answers the statuses it is told to, and the partner's own signature check."""
import hashlib
import hmac
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """A partner's webhook endpoint: records what it got, answers the statuses it is told to."""

    def __init__(self):
        self.requests: list[tuple[dict, bytes]] = []
        self.statuses: list[int] = []
        self.delay = 0.0
        self.url = ""


def receiver_start() -> tuple[Receiver, ThreadingHTTPServer]:
    rec = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers["Content-Length"]))
            rec.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
            if rec.delay:
                time.sleep(rec.delay)
            status = rec.statuses.pop(0) if rec.statuses else 200
            try:
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the sender timed out and hung up first: that is the point of a delay

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    rec.url = f"http://127.0.0.1:{server.server_port}/kyc-hook"
    return rec, server


def signature_valid(secret: str, headers: dict, body: bytes) -> bool:
    """The partner's side, written independently of liveness.partners.webhooks.wire."""
    timestamp = headers["x-kyc-timestamp"]
    scheme, _, received = headers["x-kyc-signature"].partition("=")
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    fresh = abs(time.time() - int(timestamp)) < 300
    return scheme == "v1" and fresh and hmac.compare_digest(expected, received)


def delivered_payload(receiver, secret: str) -> dict:
    """Send the one webhook delivery there is (``webhook_deliver``, in process) to ``receiver``;
    it must arrive, signed with ``secret``. Returns the body the receiver got, decoded."""
    import json

    from liveness.partners.models import WebhookDelivery
    from liveness.partners.webhooks import delivery as webhook_delivery

    result = webhook_delivery.webhook_deliver(delivery_id=WebhookDelivery.objects.get().pk)
    assert result.outcome is webhook_delivery.DeliveryOutcome.DELIVERED, result
    [(headers, body)] = receiver.requests
    assert signature_valid(secret, headers, body)
    return json.loads(body)
