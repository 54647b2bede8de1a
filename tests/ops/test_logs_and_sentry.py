"""JSON log lines carry the request, case, check and partner ids with secrets cut out; the request
id travels into Celery tasks; Sentry events from a failing task reach a (fake, local) DSN
endpoint scrubbed of media, tokens, keys and capture links."""
from __future__ import annotations

import gzip
import io
import json
import logging
import logging.config
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings

from liveness.ops import celery_context, context
from liveness.ops import sentry as ops_sentry

CAPTURE_LINK = "https://kyc.example/c/AbCdEf.SiGnEdToKeN123/upload/"
API_KEY = "kyc_live_0a1b2c3d4e5f_TopSecretPart-xyz"
MEDIA = b"\xff\xd8 selfie bytes"  # up here: Sentry sends the source lines around the failing call


def _json_logger(stream: io.StringIO) -> logging.Logger:
    """A logger wired exactly as settings.LOGGING wires the console in JSON mode."""
    config = json.loads(json.dumps(django_settings.LOGGING))
    config["handlers"]["console"].update({"formatter": "json", "stream": stream})
    config["handlers"]["console"]["class"] = "logging.StreamHandler"
    config["root"] = {"handlers": [], "level": "INFO"}
    config["loggers"] = {"ops.test": {"handlers": ["console"], "level": "INFO", "propagate": False}}
    config["disable_existing_loggers"] = False
    logging.config.dictConfig(config)
    return logging.getLogger("ops.test")


@pytest.fixture
def json_lines():
    context.clear()  # check_run called in-process binds its ids until the next task or request clears them
    stream = io.StringIO()
    logger = _json_logger(stream)
    yield logger, lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logging.config.dictConfig(django_settings.LOGGING)


def test_json_lines_carry_the_ids_and_no_secrets(json_lines):
    logger, lines = json_lines
    with context.bound(request_id="req-12345678", case_id=41, check_id=7, partner_id=3):
        logger.info("link %s used with key %s and header Authorization: Bearer %s", CAPTURE_LINK, API_KEY, "tok.en")
    logger.info("outside")

    first, second = lines()
    assert first["request_id"] == "req-12345678" and first["case_id"] == "41"
    assert first["check_id"] == "7" and first["partner_id"] == "3"
    assert first["level"] == "INFO" and first["logger"] == "ops.test" and "time" in first
    text = json.dumps(first)
    assert "SiGnEdToKeN123" not in text and "TopSecretPart" not in text and "tok.en" not in text
    assert "/c/-/upload/" in first["message"] and "kyc_live_0a1b2c3d4e5f_-" in first["message"]
    assert second["request_id"] == "" and second["case_id"] == ""


def test_a_request_gets_an_id_answered_back_and_bound_while_it_runs(client):
    sane = client.get("/livez", HTTP_X_REQUEST_ID="proxy-req-0001")
    assert sane["X-Request-ID"] == "proxy-req-0001"
    odd = client.get("/livez", HTTP_X_REQUEST_ID="bad id with spaces")
    assert odd["X-Request-ID"] != "bad id with spaces" and len(odd["X-Request-ID"]) == 32


def test_djangos_own_4xx_line_carries_the_request_id_and_no_token_or_query(client, json_lines):
    logger, lines = json_lines
    logging.getLogger("django.request").addHandler(logger.handlers[0])
    try:
        client.get("/c/AbCdEf.SiGnEdToKeN123/nowhere/?reference=secret-ref-9", HTTP_X_REQUEST_ID="req-404-00001")
    finally:
        logging.getLogger("django.request").removeHandler(logger.handlers[0])

    line = next(line for line in lines() if line["logger"] == "django.request")
    assert line["request_id"] == "req-404-00001" and line["status_code"] == 404
    text = json.dumps(line)
    assert "SiGnEdToKeN123" not in text and "secret-ref-9" not in text and "request" not in line


def test_the_request_id_travels_in_the_task_headers_into_the_task():
    headers: dict = {}
    with context.bound(request_id="web-req-42424242"):
        celery_context._publish(headers=headers)
    assert headers == {celery_context.HEADER: "web-req-42424242"}

    task = SimpleNamespace(request=SimpleNamespace(is_eager=False, headers=None, **headers))
    celery_context._prerun(task=task)
    assert context.current() == {"request_id": "web-req-42424242"}
    celery_context._postrun(task=task)
    assert context.current() == {}


def test_the_api_binds_the_partner_for_the_requests_lines(api, partner, monkeypatch):
    seen = {}
    from liveness.partners.api import views

    original = views.error_response

    def spy(*args, **kwargs):
        seen.update(context.current())
        return original(*args, **kwargs)

    monkeypatch.setattr(views, "error_response", spy)
    api.get("/api/v1/cases/00000000-0000-0000-0000-000000000000")
    assert seen.get("partner_id") == str(partner.pk) and seen.get("request_id")


# --- Sentry -----------------------------------------------------------------------------------

class FakeSentry:
    """A DSN endpoint on 127.0.0.1 that keeps every envelope item it receives."""

    def __init__(self) -> None:
        self.items: list[dict] = []
        self.got = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                elif self.headers.get("Content-Encoding") == "deflate":
                    body = zlib.decompress(body)
                for line in body.splitlines():
                    try:
                        item = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(item, dict) and "exception" in item:
                        fake.items.append(item)
                        fake.got.set()
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.dsn = f"http://publickey@127.0.0.1:{self.server.server_port}/1"


@pytest.fixture
def fake_sentry(settings):
    import sentry_sdk

    fake = FakeSentry()
    settings.SENTRY_DSN = fake.dsn
    yield fake
    sentry_sdk.get_client().close(timeout=2)
    sentry_sdk.init(dsn=None)
    fake.server.shutdown()


def test_sentry_stays_off_without_a_dsn(settings):
    settings.SENTRY_DSN = ""
    assert ops_sentry.sentry_start() is False


def test_an_event_from_a_failing_task_reaches_the_dsn_scrubbed(fake_sentry):
    import sentry_sdk
    from kyc_portal.celery import app

    assert ops_sentry.sentry_start() is True

    @app.task(name="tests.ops.failing_task")
    def failing_task(media: bytes, link: str, key: str) -> None:
        raise RuntimeError(f"vendor refused {link} for {key}")

    with context.bound(request_id="req-sentry-0001", case_id=99):
        failing_task.apply(args=(MEDIA, CAPTURE_LINK, API_KEY))
    sentry_sdk.flush(timeout=5)

    assert fake_sentry.got.wait(5), "no event reached the DSN endpoint"
    event = fake_sentry.items[0]
    text = json.dumps(event)
    assert "RuntimeError" in text and "vendor refused" in text
    assert "SiGnEdToKeN123" not in text and "TopSecretPart" not in text and "selfie bytes" not in text
    assert event["tags"]["request_id"] == "req-sentry-0001" and event["tags"]["case_id"] == "99"


def test_scrub_drops_bodies_cookies_and_secret_headers():
    event = {"request": {"url": CAPTURE_LINK, "data": {"selfie": "base64..."}, "cookies": {"sessionid": "s"},
                         "query_string": "token=abc", "headers": {"Authorization": f"Bearer {API_KEY}",
                                                                  "User-Agent": "ua", "Cookie": "sessionid=s"}},
             "user": {"email": "reviewer@example.com"}, "extra": {"blob": b"\x89PNG"}}

    scrubbed = ops_sentry.scrub(event)

    request = scrubbed["request"]
    assert request["url"] == "https://kyc.example/c/-/upload/"
    assert request["data"] == request["cookies"] == request["query_string"] == "[removed]"
    assert request["headers"] == {"Authorization": "[removed]", "User-Agent": "ua", "Cookie": "[removed]"}
    assert "user" not in scrubbed and scrubbed["extra"]["blob"] == "[removed]"
