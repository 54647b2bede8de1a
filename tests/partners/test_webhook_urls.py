"""Webhooks go to public addresses only: refused at registration, and at delivery the connected
peer is checked before anything is sent (DNS rebinding). Receivers are real HTTP servers on
127.0.0.1, which is exactly the kind of address production refuses."""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import CommandError, call_command

from liveness.cases import services
from liveness.cases.models import CaseState
from liveness.jobs.models import JobStatus
from liveness.partners.models import WebhookDelivery, WebhookEndpoint
from liveness.partners.webhooks import delivery as webhook_delivery
from liveness.partners.webhooks import endpoints as webhook_endpoints
from liveness.partners.webhooks import guard as webhook_urls
from liveness.partners.webhooks.history import delivery_last_attempt
from tests.factories import CaseFactory, PartnerFactory

pytestmark = pytest.mark.django_db


def last(delivery):
    """What partners see as the delivery's latest attempt (read from its attempt rows)."""
    delivery.refresh_from_db()
    return delivery_last_attempt(delivery=delivery)


@pytest.fixture
def production_rules(settings):
    settings.KYC_WEBHOOK_ALLOW_PRIVATE = False
    settings.KYC_WEBHOOK_REQUIRE_HTTPS = True


@pytest.fixture
def receiver():
    """A local endpoint that records every request it gets."""
    got = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            got.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook", got
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(("url", "reason"), [
    ("http://hooks.example.com/kyc", "must start with https://"),
    ("ftp://hooks.example.com/kyc", "must start with https://"),
    ("https://user:pw@hooks.example.com/kyc", "must not contain a user name or password"),
    ("https:///kyc", "has no host"),
    ("https://hooks.example.com:99999/kyc", "port"),
    ("https://127.0.0.1/kyc", "not public (127.0.0.1)"),
    ("https://localhost:8443/kyc", "not public"),
    ("https://10.1.2.3/kyc", "not public (10.1.2.3)"),
    ("https://192.168.0.10/kyc", "not public"),
    ("https://169.254.169.254/latest/meta-data/", "not public (169.254.169.254)"),
    ("https://100.64.0.1/kyc", "not public"),  # carrier-grade NAT
    ("https://[::1]/kyc", "not public (::1)"),
    ("https://[::ffff:10.0.0.1]/kyc", "not public"),  # IPv4-mapped
    ("https://[fd00::1]/kyc", "not public"),
    ("https://0.0.0.0/kyc", "not public"),
    ("https://no-such-host.invalid/kyc", "does not resolve"),
])
def test_registration_refuses_what_is_not_a_public_https_url(production_rules, url, reason):
    with pytest.raises(webhook_urls.WebhookUrlRefused, match=reason.replace("(", r"\(").replace(")", r"\)")):
        webhook_urls.webhook_url_check(url)


# Issue 17, item 9: IPv6 forms that carry a private IPv4 address (accepted before).
EMBEDDED_PRIVATE = [
    "64:ff9b::7f00:1",          # NAT64 well-known prefix -> 127.0.0.1
    "64:ff9b::a9fe:a9fe",       # NAT64 -> 169.254.169.254 (metadata service)
    "64:ff9b:1::a00:1",         # NAT64 local-use prefix (RFC 8215): refused whole
    "2002:7f00:1::",            # 6to4 -> 127.0.0.1
    "2002:a00:1::1",            # 6to4 -> 10.0.0.1
    "::127.0.0.1",              # IPv4-compatible -> 127.0.0.1
    "::10.0.0.1",               # IPv4-compatible -> 10.0.0.1
    "::ffff:192.168.1.1",       # IPv4-mapped
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
]


@pytest.mark.parametrize("address", EMBEDDED_PRIVATE)
def test_registration_refuses_ipv6_forms_of_private_ipv4_addresses(production_rules, address):
    with pytest.raises(webhook_urls.WebhookUrlRefused, match="not public"):
        webhook_urls.webhook_url_check(f"https://[{address}]/kyc")


@pytest.mark.parametrize("address", EMBEDDED_PRIVATE)
def test_delivery_refuses_a_peer_at_an_ipv6_form_of_a_private_ipv4_address(production_rules, address):
    """The delivery's connection check (run on the connected socket before anything is sent)."""
    class FakeSocket:
        closed = False

        def getpeername(self):
            return (address, 443, 0, 0)

        def close(self):
            self.closed = True

    sock = FakeSocket()

    class Base:
        host = "hooks.example.com"

        def _new_conn(self):
            return sock

    class Connection(webhook_urls._PublicPeerOnly, Base):
        pass

    with pytest.raises(webhook_urls.NonPublicAddress):
        Connection()._new_conn()
    assert sock.closed


def test_ipv6_forms_of_public_ipv4_addresses_stay_public():
    for address in ("64:ff9b::808:808", "2002:808:808::1", "::ffff:8.8.8.8"):
        assert webhook_urls.is_public(address), address


def test_public_addresses_are_public():
    assert webhook_urls.is_public("93.184.215.14") and webhook_urls.is_public("2606:4700::1111")
    assert not webhook_urls.is_public("224.0.0.1") and not webhook_urls.is_public("fe80::1%eth0")


def test_the_operator_command_explains_a_refusal_and_stores_nothing(production_rules):
    partner = PartnerFactory(name="Acme")
    with pytest.raises(CommandError, match="not public"):
        call_command("partner_webhook_create", partner.name, "https://169.254.169.254/latest/")
    assert not WebhookEndpoint.objects.exists()


def test_a_delivery_whose_host_now_resolves_to_a_private_address_is_refused_before_sending(
        settings, receiver, django_capture_on_commit_callbacks, monkeypatch):
    """Registered while allowed (as a name that was public then), delivered under production
    rules: the connection reaches 127.0.0.1, which is refused before a byte is sent, and the
    delivery fails at once with the reason (no retries: only an operator can fix it)."""
    monkeypatch.setattr(webhook_delivery, "_enqueue_delivery", lambda delivery_id: None)  # run here instead
    url, got = receiver
    partner = PartnerFactory()
    webhook_endpoints.webhook_endpoint_create(partner=partner, url=url)
    case = CaseFactory(partner=partner)
    for state in (CaseState.PROCESSING, CaseState.MANUAL_REVIEW):
        with django_capture_on_commit_callbacks(execute=True):
            services.case_transition(case=case, to=state, reason="test", actor_label="test")
    delivery = WebhookDelivery.objects.get(case=case)
    settings.KYC_WEBHOOK_ALLOW_PRIVATE = False

    result = webhook_delivery.webhook_deliver(delivery_id=delivery.pk)

    assert result.outcome is webhook_delivery.DeliveryOutcome.FAILED
    delivery.refresh_from_db()
    assert delivery.status == JobStatus.FAILED and delivery.attempts == 1
    assert last(delivery).error.startswith("refused: 127.0.0.1 is at 127.0.0.1, which is not a public address")
    assert got == []  # nothing reached the receiver

    settings.KYC_WEBHOOK_ALLOW_PRIVATE = True  # the same delivery path, allowed: it arrives
    copy = WebhookDelivery.objects.create(endpoint=delivery.endpoint, case=case, event=delivery.event,
                                          event_id=delivery.event_id, payload=delivery.payload)
    assert webhook_delivery.webhook_deliver(delivery_id=copy.pk).outcome is webhook_delivery.DeliveryOutcome.DELIVERED
    assert len(got) == 1


def test_deliveries_ignore_proxy_settings_from_the_environment(monkeypatch, settings, receiver):
    """A proxy would be the peer the check sees, and would then reach anything."""
    url, got = receiver
    monkeypatch.setenv("HTTP_PROXY", "http://10.9.9.9:3128")
    with webhook_urls.public_session() as session:
        assert session.post(url, data=b"{}", timeout=3).status_code == 200
    assert got == [b"{}"]
