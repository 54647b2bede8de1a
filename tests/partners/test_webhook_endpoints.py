"""Partners manage their own webhook endpoints: /api/v1/webhooks/endpoints[/{id}[/rotate-secret]].

The secret is shown in the creating (and rotating) answer only; URLs pass the same SSRF check as
the operator command; at most 10 active endpoints; DELETE deactivates and cancels pending
deliveries visibly; every change is audited without the secret. Deliveries go over real HTTP to
a receiver on 127.0.0.1 (allowed by KYC_WEBHOOK_ALLOW_PRIVATE, on in tests unless a test turns it off).
"""
import io
import json

import pytest
from django.core.management import CommandError, call_command

from liveness.cases import services
from liveness.cases.models import AuditEvent, CaseState
from liveness.jobs.models import JobStatus
from liveness.partners import keys as partner_keys
from liveness.partners.models import WebhookDelivery, WebhookEndpoint
from liveness.partners.webhooks import delivery as webhook_delivery
from liveness.partners.webhooks import endpoints as webhook_endpoints
from liveness.partners.webhooks import guard as webhook_urls
from liveness.partners.webhooks.history import delivery_last_attempt
from tests.partners.webhook_receiver import receiver_start, signature_valid
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

ENDPOINTS = "/api/v1/webhooks/endpoints"
DELIVERIES = "/api/v1/webhooks/deliveries"
ALL_EVENTS = ["case.checks_completed", "case.decided", "case.retake_requested", "case.consent_withdrawn"]


def last(delivery):
    """What partners see as the delivery's latest attempt (read from its attempt rows)."""
    delivery.refresh_from_db()
    return delivery_last_attempt(delivery=delivery)


@pytest.fixture
def production_addresses(settings):
    """The SSRF address rule on (as in production), plain http still allowed so the URL's address
    is what gets refused."""
    settings.KYC_WEBHOOK_ALLOW_PRIVATE = False
    settings.KYC_WEBHOOK_REQUIRE_HTTPS = False


def _create(client, url, **body):
    return client.post(ENDPOINTS, {"url": url, **body}, format="json")


def _decide(case, capture):
    """processing → manual_review: one case.checks_completed delivery per subscribed endpoint."""
    for state in (CaseState.PROCESSING, CaseState.MANUAL_REVIEW):
        with capture(execute=True):
            services.case_transition(case=case, to=state, reason="test", actor_label="test")


def _audits(action):
    return list(AuditEvent.objects.filter(action=action).order_by("created_at", "pk"))


# --- create, list, read --------------------------------------------------------------------------

def test_create_answers_the_secret_once_and_list_and_read_never_show_it(api, partner, receiver):
    response = _create(api, receiver.url, events=["case.decided"])

    assert response.status_code == 201
    body = response.json()
    endpoint = WebhookEndpoint.objects.get()
    assert body == {"id": endpoint.pk, "url": receiver.url, "events": ["case.decided"], "is_active": True,
                    "created_at": body["created_at"], "secret": endpoint.secret}
    assert endpoint.partner == partner and endpoint.secret.startswith("whsec_") and len(endpoint.secret) > 40
    assert response["Location"] == f"{ENDPOINTS}/{endpoint.pk}"

    listed = api.get(ENDPOINTS)
    read = api.get(f"{ENDPOINTS}/{endpoint.pk}")

    assert listed.status_code == read.status_code == 200
    assert listed.json()["count"] == 1
    [item] = listed.json()["results"]
    assert item == read.json() == {k: v for k, v in body.items() if k != "secret"}
    for answer in (listed, read):
        assert endpoint.secret not in answer.content.decode() and "secret" not in answer.content.decode()


def test_without_events_an_endpoint_gets_every_event_and_duplicates_are_dropped(api):
    assert _create(api, "https://hooks.example.com/a").json()["events"] == ALL_EVENTS
    assert _create(api, "https://hooks.example.com/b",
                   events=["case.decided", "case.decided", "case.retake_requested"]).json()["events"] == [
        "case.decided", "case.retake_requested"]
    empty = _create(api, "https://hooks.example.com/c", events=[])
    assert empty.status_code == 400 and "events" in empty.json()["error"]["fields"]


def test_a_created_endpoint_receives_signed_events_with_the_secret_it_was_given(
        api, partner, receiver, queued, django_capture_on_commit_callbacks):
    secret = _create(api, receiver.url).json()["secret"]

    _decide(CaseFactory(partner=partner), django_capture_on_commit_callbacks)
    [delivery] = WebhookDelivery.objects.all()
    assert webhook_delivery.webhook_deliver(delivery_id=delivery.pk).outcome is webhook_delivery.DeliveryOutcome.DELIVERED

    [(headers, body)] = receiver.requests
    assert signature_valid(secret, headers, body) and json.loads(body)["event"] == "case.checks_completed"


def test_the_operator_command_and_the_api_make_endpoints_the_same_way(api, partner):
    out = io.StringIO()
    call_command("partner_webhook_create", partner.name, "https://hooks.example.com/cli", stdout=out,
                 stderr=io.StringIO())
    from_api = _create(api, "https://hooks.example.com/api").json()

    from_cli = WebhookEndpoint.objects.get(url="https://hooks.example.com/cli")
    assert out.getvalue().strip() == from_cli.secret
    assert from_cli.secret[:6] == from_api["secret"][:6] == "whsec_"
    assert len(from_cli.secret) == len(from_api["secret"])
    assert from_cli.events == from_api["events"] == ALL_EVENTS
    [by_cli, by_api] = _audits("webhook.endpoint_created")
    assert by_cli.actor_label == "system:cli" and by_cli.details["via"] == "cli"
    assert by_api.actor_label == f"partner:{partner.pk}" and by_api.details["via"] == "api"


# --- refusals ------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/kyc-hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/kyc-hook",
    "http://10.0.0.7/kyc-hook",
])
def test_urls_that_are_not_public_are_refused_with_the_registration_checks_reason(api, production_addresses, url):
    with pytest.raises(webhook_urls.WebhookUrlRefused) as refused:
        webhook_urls.webhook_url_check(url)

    response = _create(api, url)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "webhook_url_refused"
    assert str(refused.value) in error["message"] and "not public" in error["message"]
    assert not WebhookEndpoint.objects.exists() and not _audits("webhook.endpoint_created")


@pytest.mark.parametrize(("url", "reason"), [
    ("ftp://hooks.example.com/kyc", "must start with http:// or https://"),
    ("https://user:pw@hooks.example.com/kyc", "must not contain a user name or password"),
])
def test_other_registration_rules_apply_too(api, url, reason):
    response = _create(api, url)

    assert response.status_code == 400 and response.json()["error"]["code"] == "webhook_url_refused"
    assert reason in response.json()["error"]["message"]
    assert not WebhookEndpoint.objects.exists()


def test_https_is_required_when_the_deployment_requires_it(api, settings):
    settings.KYC_WEBHOOK_REQUIRE_HTTPS = True

    response = _create(api, "http://hooks.example.com/kyc")

    assert response.status_code == 400 and "must start with https://" in response.json()["error"]["message"]


def test_a_patched_url_is_checked_again(api, production_addresses):
    endpoint_id = _create(api, "https://93.184.215.14/kyc").json()["id"]

    response = api.patch(f"{ENDPOINTS}/{endpoint_id}", {"url": "http://169.254.169.254/latest/"}, format="json")

    assert response.status_code == 400 and response.json()["error"]["code"] == "webhook_url_refused"
    assert "169.254.169.254" in response.json()["error"]["message"]
    assert WebhookEndpoint.objects.get().url == "https://93.184.215.14/kyc"
    assert not _audits("webhook.endpoint_updated")


def test_an_unknown_event_is_refused_by_name_on_create_and_patch(api):
    created = _create(api, "https://hooks.example.com/kyc", events=["case.decided", "case.exploded"])

    assert created.status_code == 400
    error = created.json()["error"]
    assert error["code"] == "unknown_webhook_event" and "case.exploded" in error["message"]
    assert "case.decided," not in error["message"].split("(known")[0], "only the unknown one is named as unknown"
    assert not WebhookEndpoint.objects.exists()

    endpoint_id = _create(api, "https://hooks.example.com/kyc").json()["id"]
    patched = api.patch(f"{ENDPOINTS}/{endpoint_id}", {"events": ["case.approved"]}, format="json")
    assert patched.status_code == 400 and patched.json()["error"]["code"] == "unknown_webhook_event"
    assert "case.approved" in patched.json()["error"]["message"]
    assert WebhookEndpoint.objects.get().events == ALL_EVENTS


def test_at_most_ten_active_endpoints_and_a_deleted_one_frees_its_place(api, partner):
    ids = [_create(api, f"https://hooks.example.com/{n}").json()["id"] for n in range(10)]

    eleventh = _create(api, "https://hooks.example.com/10")

    assert eleventh.status_code == 409
    error = eleventh.json()["error"]
    assert error["code"] == "webhook_endpoint_limit" and "limit is 10" in error["message"]
    assert WebhookEndpoint.objects.filter(partner=partner).count() == 10
    with pytest.raises(CommandError, match="limit is 10"):
        call_command("partner_webhook_create", partner.name, "https://hooks.example.com/cli")

    assert api.delete(f"{ENDPOINTS}/{ids[0]}").status_code == 200
    assert _create(api, "https://hooks.example.com/10").status_code == 201
    reactivate = api.patch(f"{ENDPOINTS}/{ids[0]}", {"is_active": True}, format="json")
    assert reactivate.status_code == 409 and reactivate.json()["error"]["code"] == "webhook_endpoint_limit"
    assert WebhookEndpoint.objects.filter(partner=partner, is_active=True).count() == 10


def test_the_limit_is_per_partner(api, other_api, settings):
    settings.KYC_WEBHOOK_ENDPOINTS_MAX = 1
    assert _create(api, "https://hooks.example.com/a").status_code == 201
    assert _create(api, "https://hooks.example.com/b").status_code == 409
    assert _create(other_api, "https://hooks.example.com/a").status_code == 201


# --- another partner, keys ------------------------------------------------------------------------

def test_another_partners_endpoint_is_not_found_for_every_method(api, other_api):
    created = _create(api, "https://hooks.example.com/kyc").json()
    url = f"{ENDPOINTS}/{created['id']}"

    answers = [other_api.get(url), other_api.patch(url, {"is_active": False}, format="json"),
               other_api.delete(url), other_api.post(f"{url}/rotate-secret")]

    for answer in answers:
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.is_active and endpoint.secret == created["secret"]
    assert other_api.get(ENDPOINTS).json()["count"] == 0
    assert not AuditEvent.objects.filter(action__startswith="webhook.endpoint_").exclude(
        action="webhook.endpoint_created").exists()
    for bad_id in ("abc", "0", "-1", str(2**63), "99999999999999999999999"):
        assert api.get(f"{ENDPOINTS}/{bad_id}").status_code == 404


def test_a_revoked_key_is_401_everywhere(api):
    endpoint_id = _create(api, "https://hooks.example.com/kyc").json()["id"]
    partner_keys.key_revoke(key=api.key, actor_label="test")

    answers = [api.get(ENDPOINTS), _create(api, "https://hooks.example.com/other"),
               api.get(f"{ENDPOINTS}/{endpoint_id}"), api.patch(f"{ENDPOINTS}/{endpoint_id}", {"is_active": False},
                                                                format="json"),
               api.delete(f"{ENDPOINTS}/{endpoint_id}"), api.post(f"{ENDPOINTS}/{endpoint_id}/rotate-secret")]

    for answer in answers:
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "invalid_api_key"
    assert WebhookEndpoint.objects.filter(is_active=True).count() == 1


def test_a_test_key_manages_its_partners_endpoints_like_a_live_key(api, testkey_api):
    """Test keys act on the same partner's cases and deliveries as live keys (only their checks
    are pinned to the local engine), so they see and change the same endpoints; the audit names
    which key did it."""
    endpoint_id = _create(testkey_api, "https://hooks.example.com/kyc").json()["id"]

    assert api.get(f"{ENDPOINTS}/{endpoint_id}").status_code == 200
    assert testkey_api.patch(f"{ENDPOINTS}/{endpoint_id}", {"events": ["case.decided"]},
                             format="json").status_code == 200
    [created] = _audits("webhook.endpoint_created")
    [updated] = _audits("webhook.endpoint_updated")
    assert created.details["key"] == updated.details["key"] == testkey_api.key.display_prefix
    assert created.details["key"].startswith("kyc_test_")


# --- PATCH ---------------------------------------------------------------------------------------

def test_patch_changes_only_what_is_sent_and_is_audited_with_old_and_new_values(api, partner):
    created = _create(api, "https://hooks.example.com/old").json()
    url = f"{ENDPOINTS}/{created['id']}"

    response = api.patch(url, {"url": "https://hooks.example.com/new", "events": ["case.decided"]}, format="json")

    assert response.status_code == 200
    assert response.json() == {**{k: v for k, v in created.items() if k != "secret"},
                               "url": "https://hooks.example.com/new", "events": ["case.decided"]}
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.url == "https://hooks.example.com/new" and endpoint.events == ["case.decided"]
    assert endpoint.secret == created["secret"] and endpoint.is_active
    [audit] = _audits("webhook.endpoint_updated")
    assert audit.actor_label == f"partner:{partner.pk}" and audit.ip_address == "127.0.0.1"
    assert audit.details["changes"] == {
        "url": {"from": "https://hooks.example.com/old", "to": "https://hooks.example.com/new"},
        "events": {"from": ALL_EVENTS, "to": ["case.decided"]}}

    assert api.patch(url, {}, format="json").status_code == 200
    assert api.patch(url, {"url": "https://hooks.example.com/new"}, format="json").status_code == 200
    assert len(_audits("webhook.endpoint_updated")) == 1, "a PATCH that changes nothing is not a change"
    assert api.patch(url, {"is_active": "maybe"}, format="json").status_code == 400


def test_after_a_url_change_pending_deliveries_go_to_the_new_url(api, partner, queued,
                                                               django_capture_on_commit_callbacks):
    old, new = receiver_pair = [receiver_start() for _ in range(2)]
    try:
        endpoint_id = _create(api, old[0].url).json()["id"]
        _decide(CaseFactory(partner=partner), django_capture_on_commit_callbacks)

        assert api.patch(f"{ENDPOINTS}/{endpoint_id}", {"url": new[0].url}, format="json").status_code == 200
        [delivery] = WebhookDelivery.objects.all()
        assert webhook_delivery.webhook_deliver(delivery_id=delivery.pk).outcome is \
            webhook_delivery.DeliveryOutcome.DELIVERED

        assert old[0].requests == [] and len(new[0].requests) == 1
    finally:
        for _, server in receiver_pair:
            server.shutdown()
            server.server_close()


def test_patch_is_active_false_stops_events_and_true_resumes_them(api, partner, queued,
                                                                  django_capture_on_commit_callbacks):
    endpoint_id = _create(api, "https://hooks.example.com/kyc").json()["id"]
    url = f"{ENDPOINTS}/{endpoint_id}"

    assert api.patch(url, {"is_active": False}, format="json").json()["is_active"] is False
    _decide(CaseFactory(partner=partner), django_capture_on_commit_callbacks)
    assert not WebhookDelivery.objects.exists()

    assert api.patch(url, {"is_active": True}, format="json").json()["is_active"] is True
    _decide(CaseFactory(partner=partner), django_capture_on_commit_callbacks)
    assert WebhookDelivery.objects.count() == 1
    changes = [audit.details["changes"] for audit in _audits("webhook.endpoint_updated")]
    assert changes == [{"is_active": {"from": True, "to": False}}, {"is_active": {"from": False, "to": True}}]


# --- DELETE ----------------------------------------------------------------------------------------

def test_delete_deactivates_and_cancels_pending_deliveries_visibly_and_reactivation_recovers_them(
        api, partner, receiver, queued, django_capture_on_commit_callbacks):
    endpoint_id = _create(api, receiver.url).json()["id"]
    _decide(CaseFactory(partner=partner), django_capture_on_commit_callbacks)
    [pending] = WebhookDelivery.objects.all()

    response = api.delete(f"{ENDPOINTS}/{endpoint_id}")

    assert response.status_code == 200
    assert response.json()["is_active"] is False and response.json()["cancelled_deliveries"] == 1
    pending.refresh_from_db()
    assert pending.status == JobStatus.FAILED and last(pending).error.startswith("cancelled:")
    assert webhook_delivery.webhook_deliver(delivery_id=pending.pk).outcome is webhook_delivery.DeliveryOutcome.SKIPPED
    assert receiver.requests == [], "nothing is sent to a deleted endpoint"
    [failed] = api.get(DELIVERIES, {"status": "failed"}).json()["results"]
    assert failed["id"] == str(pending.pk) and "cancelled" in failed["last_error"]
    [listed] = api.get(ENDPOINTS).json()["results"]
    assert listed["id"] == endpoint_id and listed["is_active"] is False
    [audit] = _audits("webhook.endpoint_deleted")
    assert audit.actor_label == f"partner:{partner.pk}"
    assert audit.details["cancelled_deliveries"] == 1 and audit.details["was_active"] is True

    _decide(CaseFactory(partner=partner), django_capture_on_commit_callbacks)
    assert WebhookDelivery.objects.count() == 1, "a deleted endpoint gets no new events"

    refused = api.post(f"{DELIVERIES}/{pending.pk}/redeliver")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "webhook_endpoint_inactive"
    assert WebhookDelivery.objects.count() == 1

    again = api.delete(f"{ENDPOINTS}/{endpoint_id}")
    assert again.status_code == 200 and again.json()["cancelled_deliveries"] == 0

    assert api.patch(f"{ENDPOINTS}/{endpoint_id}", {"is_active": True}, format="json").status_code == 200
    redelivered = api.post(f"{DELIVERIES}/{pending.pk}/redeliver")
    assert redelivered.status_code == 202
    assert webhook_delivery.webhook_deliver(delivery_id=redelivered.json()["id"]).outcome is \
        webhook_delivery.DeliveryOutcome.DELIVERED
    [(_, body)] = receiver.requests
    assert json.loads(body)["id"] == str(pending.event_id)


def test_an_attempt_in_flight_when_the_endpoint_is_deleted_stays_cancelled(api, partner, receiver, queued,
                                                                          django_capture_on_commit_callbacks):
    endpoint_id = _create(api, receiver.url).json()["id"]
    _decide(CaseFactory(partner=partner), django_capture_on_commit_callbacks)
    delivery, attempt = webhook_delivery.webhook_delivery_claim(delivery_id=WebhookDelivery.objects.get().pk)

    api.delete(f"{ENDPOINTS}/{endpoint_id}")
    result = webhook_delivery.webhook_delivery_record(delivery=delivery, attempt=attempt, status_code=503,
                                                      latency_ms=5, error="HTTP 503")

    assert result.outcome is webhook_delivery.DeliveryOutcome.FAILED
    delivery.refresh_from_db()
    assert delivery.status == JobStatus.FAILED and delivery.claimed_at is None
    assert last(delivery).error.startswith("cancelled:") and "HTTP 503" in last(delivery).error


def test_an_endpoint_deactivated_outside_the_api_gets_nothing_either(partner, receiver, queued,
                                                                   django_capture_on_commit_callbacks):
    endpoint = webhook_endpoints.webhook_endpoint_create(partner=partner, url=receiver.url)
    _decide(CaseFactory(partner=partner), django_capture_on_commit_callbacks)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)  # e.g. in the Django admin

    delivery = WebhookDelivery.objects.get()
    assert webhook_delivery.webhook_deliver(delivery_id=delivery.pk).outcome is webhook_delivery.DeliveryOutcome.SKIPPED

    delivery.refresh_from_db()
    assert delivery.status == JobStatus.FAILED and last(delivery).error.startswith("cancelled:")
    assert receiver.requests == []


# --- rotate-secret --------------------------------------------------------------------------------

def test_rotation_shows_a_new_secret_once_and_deliveries_are_signed_with_it(
        api, partner, receiver, queued, django_capture_on_commit_callbacks):
    created = _create(api, receiver.url).json()
    _decide(CaseFactory(partner=partner), django_capture_on_commit_callbacks)  # created before the rotation

    response = api.post(f"{ENDPOINTS}/{created['id']}/rotate-secret")

    assert response.status_code == 200
    new_secret = response.json()["secret"]
    assert new_secret.startswith("whsec_") and new_secret != created["secret"]
    assert WebhookEndpoint.objects.get().secret == new_secret
    assert "secret" not in api.get(f"{ENDPOINTS}/{created['id']}").json()
    assert new_secret not in api.get(ENDPOINTS).content.decode()

    _decide(CaseFactory(partner=partner), django_capture_on_commit_callbacks)  # raised after the rotation
    for delivery in WebhookDelivery.objects.order_by("created_at"):
        assert webhook_delivery.webhook_deliver(delivery_id=delivery.pk).outcome is \
            webhook_delivery.DeliveryOutcome.DELIVERED

    assert len(receiver.requests) == 2
    for headers, body in receiver.requests:
        assert signature_valid(new_secret, headers, body)
        assert not signature_valid(created["secret"], headers, body)
    [audit] = _audits("webhook.endpoint_secret_rotated")
    assert audit.actor_label == f"partner:{partner.pk}" and audit.details["endpoint"] == created["id"]


# --- idempotency, audit, schema --------------------------------------------------------------------

def test_create_and_rotate_honour_idempotency_keys(api):
    first = api.post(ENDPOINTS, {"url": "https://hooks.example.com/kyc"}, format="json", HTTP_IDEMPOTENCY_KEY="ep-1")
    again = api.post(ENDPOINTS, {"url": "https://hooks.example.com/kyc"}, format="json", HTTP_IDEMPOTENCY_KEY="ep-1")
    other = api.post(ENDPOINTS, {"url": "https://hooks.example.com/x"}, format="json", HTTP_IDEMPOTENCY_KEY="ep-1")

    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json(), "a retry gets the first answer, secret included: it may not have arrived"
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    assert WebhookEndpoint.objects.count() == 1 and len(_audits("webhook.endpoint_created")) == 1

    rotate = f"{ENDPOINTS}/{first.json()['id']}/rotate-secret"
    rotated = api.post(rotate, HTTP_IDEMPOTENCY_KEY="rot-1")
    replayed = api.post(rotate, HTTP_IDEMPOTENCY_KEY="rot-1")
    assert replayed["Idempotent-Replayed"] == "true" and replayed.json() == rotated.json()
    assert WebhookEndpoint.objects.get().secret == rotated.json()["secret"]
    assert len(_audits("webhook.endpoint_secret_rotated")) == 1


def test_every_change_is_audited_and_no_audit_row_holds_a_secret(api, partner):
    created = _create(api, "https://hooks.example.com/kyc").json()
    url = f"{ENDPOINTS}/{created['id']}"
    api.patch(url, {"events": ["case.decided"]}, format="json")
    rotated = api.post(f"{url}/rotate-secret").json()
    api.delete(url)

    audits = AuditEvent.objects.filter(action__startswith="webhook.endpoint_").order_by("created_at", "pk")
    assert [a.action for a in audits] == ["webhook.endpoint_created", "webhook.endpoint_updated",
                                          "webhook.endpoint_secret_rotated", "webhook.endpoint_deleted"]
    for audit in audits:
        assert audit.actor_label == f"partner:{partner.pk}" and audit.ip_address == "127.0.0.1"
        assert audit.details["endpoint"] == created["id"] and audit.details["key"] == api.key.display_prefix
        text = json.dumps(audit.details)
        assert created["secret"] not in text and rotated["secret"] not in text and "whsec_" not in text


def test_the_openapi_schema_documents_the_endpoint_management(client):
    import yaml

    schema = yaml.safe_load(client.get("/api/schema/").content)

    paths = schema["paths"]
    assert set(paths[ENDPOINTS]) >= {"get", "post"}
    assert set(paths[f"{ENDPOINTS}/{{endpoint_id}}"]) >= {"get", "patch", "delete"}
    assert "post" in paths[f"{ENDPOINTS}/{{endpoint_id}}/rotate-secret"]
    create = paths[ENDPOINTS]["post"]
    assert {"201", "400", "401", "409", "422", "429"} <= set(create["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in create["parameters"])
    components = schema["components"]["schemas"]
    created_ref = create["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    listed_ref = (paths[f"{ENDPOINTS}/{{endpoint_id}}"]["get"]["responses"]["200"]["content"]["application/json"]
                  ["schema"]["$ref"].rsplit("/", 1)[1])
    assert "secret" in components[created_ref]["properties"]
    assert "secret" not in components[listed_ref]["properties"]
