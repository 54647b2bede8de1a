"""API keys: stored hashed, shown once, and nothing but a valid live/test key gets in."""
import hashlib
import io
import time

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from liveness.cases.models import AuditEvent
from liveness.partners import keys as partner_keys
from liveness.partners.models import PartnerApiKey
from tests.conftest import staff_login
from tests.factories import PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases"


def _get(raw_header):
    client = APIClient()
    if raw_header is not None:
        client.credentials(HTTP_AUTHORIZATION=raw_header)
    return client.get(CASES)


def test_a_key_is_stored_only_as_its_prefix_and_a_sha256_of_the_secret(partner):
    key, raw = partner_keys.key_create(partner=partner)

    mode, prefix, secret = raw.split("_", 3)[1:]
    assert raw.startswith("kyc_live_") and mode == "live" and prefix == key.prefix
    assert len(secret) >= 43, "256 random bits"
    assert key.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    stored = PartnerApiKey.objects.filter(pk=key.pk).values().get()
    assert not any(secret in str(value) for value in stored.values())


def test_a_valid_key_authenticates_and_marks_the_key_used(api):
    response = api.get(CASES)

    assert response.status_code == 200
    api.key.refresh_from_db()
    assert api.key.last_used_at is not None


@pytest.mark.parametrize("header", [None, "", "Token abc", "Bearer", "Bearer a b"])
def test_missing_or_malformed_authorization_is_401_with_a_bearer_challenge(header):
    response = _get(header)

    assert response.status_code == 401
    assert response.json()["error"]["code"] in {"unauthenticated", "invalid_api_key"}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_wrong_secret_unknown_prefix_and_garbage_are_the_same_401(api):
    wrong_secret = api.raw[: -4] + ("AAAA" if not api.raw.endswith("AAAA") else "BBBB")
    unknown_prefix = f"kyc_live_000000000000_{api.raw.split('_', 3)[3]}"
    for raw in (wrong_secret, unknown_prefix, "kyc_live_", "kyc_prod_abc_def", "nonsense"):
        response = _get(f"Bearer {raw}")
        assert response.status_code == 401, raw
        assert response.json()["error"] == {"code": "invalid_api_key",
                                            "message": "The API key is not valid, or it was revoked."}


def test_a_revoked_key_is_refused(api):
    partner_keys.key_revoke(key=api.key, actor_label="test")

    assert api.get(CASES).status_code == 401


def test_a_key_used_with_the_other_mode_is_refused(testkey_api):
    as_live = testkey_api.raw.replace("kyc_test_", "kyc_live_", 1)

    assert _get(f"Bearer {as_live}").status_code == 401
    assert _get(f"Bearer {testkey_api.raw}").status_code == 200


def test_a_deactivated_partner_is_locked_out(api, partner):
    partner.is_active = False
    partner.save()

    assert api.get(CASES).status_code == 401


def test_a_reviewer_session_is_not_a_partner_key(client):
    staff_login(client, UserFactory(is_staff=True, is_superuser=True))  # even fully signed in (both factors)

    response = client.get(CASES)

    assert response.status_code == 401


def test_management_command_prints_a_working_key_once(partner):
    out, err = io.StringIO(), io.StringIO()

    call_command("partner_key_create", partner.name, "--test", stdout=out, stderr=err)

    raw = out.getvalue().strip()
    assert raw.startswith("kyc_test_") and "not shown again" in err.getvalue()
    key = PartnerApiKey.objects.get(partner=partner)
    assert key.is_test and key.revoked_at is None
    assert _get(f"Bearer {raw}").status_code == 200


def test_management_command_refuses_an_unknown_partner_unless_asked_to_create_it():
    with pytest.raises(CommandError, match="no partner named"):
        call_command("partner_key_create", "Nobody Ltd", stdout=io.StringIO(), stderr=io.StringIO())

    out = io.StringIO()
    call_command("partner_key_create", "Nobody Ltd", "--create-partner", stdout=out, stderr=io.StringIO())
    assert out.getvalue().startswith("kyc_live_")


def test_keys_of_two_partners_are_independent():
    first, second = PartnerFactory(), PartnerFactory()
    key1, raw1 = partner_keys.key_create(partner=first)
    partner_keys.key_create(partner=second)

    assert partner_keys.key_authenticate(raw=raw1).partner == first
    assert key1.revoked_at is None and key1.created_at <= timezone.now()


# --- guessing keys ---------------------------------------------------------------------------

def test_an_address_sending_many_invalid_keys_is_refused_even_with_a_valid_key(api, settings):
    settings.KYC_API_KEY_FAILURE_LIMIT = 5
    guesses = [_get(f"Bearer kyc_live_{i:012x}_{'x' * 43}") for i in range(5)]
    assert [r.status_code for r in guesses] == [401] * 5

    refused = api.get(CASES)  # a valid key from the same address: refused, so a guess learns nothing
    elsewhere = api.get(CASES, REMOTE_ADDR="198.51.100.7")  # another address is not affected

    assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited"
    assert 590 <= int(refused["Retry-After"]) <= 600
    assert "invalid API keys" in refused.json()["error"]["message"]
    assert elsewhere.status_code == 200
    blocked = AuditEvent.objects.get(action="api.key_guessing_blocked")
    assert blocked.ip_address == "127.0.0.1" and blocked.details == {"failures": 5, "window_s": 600}


def test_the_block_ends_with_its_window_and_valid_keys_never_count(api, settings):
    settings.KYC_API_KEY_FAILURE_LIMIT, settings.KYC_API_KEY_FAILURE_WINDOW = 3, 1
    for _ in range(10):
        assert api.get(CASES).status_code == 200  # valid requests are not failures
    for _ in range(3):
        _get("Bearer nonsense")
    assert api.get(CASES).status_code == 429

    time.sleep(1.2)

    assert api.get(CASES).status_code == 200
