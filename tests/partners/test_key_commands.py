"""Operator commands for partner keys: list by prefix, revoke (audited, final, at once)."""
import pytest
from django.core.management import CommandError, call_command

from liveness.cases.models import AuditEvent

CASES = "/api/v1/cases"


def _run(name: str, *args) -> str:
    from io import StringIO

    out = StringIO()
    call_command(name, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_list_shows_prefixes_never_secrets(api, testkey_api, partner):
    listed = _run("partner_key_list", partner.name)

    assert api.key.display_prefix in listed and testkey_api.key.display_prefix in listed
    for raw in (api.raw, testkey_api.raw):
        assert raw.split("_", 3)[3] not in listed
    assert listed.count("\tactive") == 2


def test_revoking_by_prefix_refuses_the_next_request_and_is_audited(api, partner):
    assert api.get(CASES).status_code == 200

    out = _run("partner_key_revoke", api.key.display_prefix, "--reason", "seen in a support ticket")

    assert out.strip() == f"revoked {api.key.display_prefix} of {partner.name}"
    assert api.get(CASES).status_code == 401
    event = AuditEvent.objects.get(action="api_key.revoked")
    assert event.actor_label == "system:cli"
    assert event.details == {"partner": partner.pk, "prefix": api.key.display_prefix,
                             "reason": "seen in a support ticket"}
    # Gone from the default list, shown with --all; revoking again changes nothing.
    assert api.key.display_prefix not in _run("partner_key_list", partner.name)
    assert "revoked" in _run("partner_key_list", partner.name, "--all")
    assert "already revoked" in _run("partner_key_revoke", api.key.display_prefix)
    assert AuditEvent.objects.filter(action="api_key.revoked").count() == 1


def test_a_whole_leaked_key_can_be_revoked_without_touching_the_partners_other_keys(api, testkey_api):
    _run("partner_key_revoke", api.raw)

    assert api.get(CASES).status_code == 401
    assert testkey_api.get(CASES).status_code == 200


@pytest.mark.parametrize("text", ["kyc_live_ffffffffffff", "acme", "kyc_prod_abc", "kyc_live_"])
def test_an_unknown_or_malformed_prefix_is_refused_and_revokes_nothing(api, text):
    with pytest.raises(CommandError):
        _run("partner_key_revoke", text)

    assert api.get(CASES).status_code == 200
    assert not AuditEvent.objects.filter(action="api_key.revoked").exists()


def test_the_mode_in_the_prefix_must_match(testkey_api):
    as_live = testkey_api.key.display_prefix.replace("kyc_test_", "kyc_live_", 1)

    with pytest.raises(CommandError, match="no API key"):
        _run("partner_key_revoke", as_live)
    assert testkey_api.get(CASES).status_code == 200
