"""Staff recovery codes: single-use backup codes (django-otp StaticDevice/StaticToken) typed in place of
the TOTP code when the phone is not at hand.

Codes are made at enrolment and on request, shown once from the session, accepted in any case
with or without the hyphen, spent on use, counted in the same lock-out budget as wrong TOTP
codes, removed by the supervisors' reset, and never written to the audit log.
"""
from __future__ import annotations

import io
import json
import re

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from liveness.cases.models import AuditEvent
from liveness.signin.services import recovery_codes_create
from liveness.signin.views import FRESH_CODES_SESSION_KEY
from tests.conftest import staff_login, totp_code, totp_wrong_code
from tests.review.conftest import role_user
from tests.factories import UserFactory

from .test_staff_auth import ENROL, LOGIN, LOGOUT, VERIFY, _code, _password, rita  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

PAGE = "/staff/recovery-codes/"
SHOWN = re.compile(r"<li><code>([a-z2-7]{4}-[a-z2-7]{4})</code></li>")


def _shown(page) -> list[str]:
    return SHOWN.findall(page.content.decode())


def _plain(shown: str) -> str:
    return shown.replace("-", "")


@pytest.fixture
def codes(rita):  # noqa: F811
    return recovery_codes_create(user=rita, ip_address=None)


def _enrol(client, user, next_url="/dashboard/"):
    """Password, then set up the authenticator; returns the response to the confirming code."""
    _password(client, user, next_url=next_url)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=user)
    return _code(client, totp_code(device), url=ENROL, next_url=next_url)


# --- made at enrolment, shown once -----------------------------------------------------------

def test_enrolment_makes_ten_codes_and_shows_them_once(client):
    nina = role_user("nina", "reviewer")

    confirmed = _enrol(client, nina, next_url="/dashboard/audit/")

    assert confirmed.status_code == 302 and confirmed["Location"] == f"{PAGE}?next=%2Fdashboard%2Faudit%2F"
    page = client.get(confirmed["Location"])
    shown = _shown(page)
    assert page.status_code == 200 and len(shown) == len(set(shown)) == 10
    assert {_plain(code) for code in shown} == set(StaticToken.objects.filter(device__user=nina)
                                                   .values_list("token", flat=True))
    text = page.content.decode()
    assert "only time these codes are shown" in text and "Each code works once" in text and "Store them safely" in text
    assert 'id="recovery-continue"' in text and 'href="/dashboard/audit/"' in text
    assert "Authenticator confirmed" in text  # the enrolment message comes along
    assert FRESH_CODES_SESSION_KEY not in client.session  # the plaintext left the session with this page

    reload = client.get(confirmed["Location"])
    assert reload.status_code == 200 and _shown(reload) == []
    assert not any(code in reload.content.decode() or _plain(code) in reload.content.decode() for code in shown)
    remaining = r'id="recovery-remaining">You have <strong>10</strong> unused recovery codes'
    assert re.search(remaining, reload.content.decode())
    assert 'id="recovery-regenerate"' in reload.content.decode()

    event = AuditEvent.objects.get(action="auth.recovery_codes_created")
    assert event.actor == nina and event.details == {"count": 10, "replaced": False, "removed": 0}


# --- signing in with a code --------------------------------------------------------------------

def test_a_recovery_code_signs_in_once(client, rita, codes):  # noqa: F811
    _password(client, rita)

    response = _code(client, f"{codes[0][:4]}-{codes[0][4:]}")

    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200
    device = StaticDevice.objects.get(user=rita)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert not StaticToken.objects.filter(token=codes[0]).exists()
    assert AuditEvent.objects.get(action="auth.signed_in").details == {"second_factor": "recovery_code"}
    used = AuditEvent.objects.get(action="auth.recovery_code_used")
    assert used.actor == rita and used.details == {"remaining": 9} and used.ip_address == "127.0.0.1"
    assert not AccessAttempt.objects.filter(username="rita").exists()

    client.post(LOGOUT)
    _password(client, rita)
    again = _code(client, codes[0])

    assert again.status_code == 400 and b'id="otp-error"' in again.content
    assert b"That recovery code was not accepted" in again.content
    assert client.get("/dashboard/")["Location"].startswith(VERIFY)
    failed = AuditEvent.objects.get(action="auth.otp_failed")
    assert failed.actor == rita and failed.details["factor"] == "recovery_code"
    assert StaticToken.objects.filter(device__user=rita).count() == 9


@pytest.mark.parametrize("typed", [
    lambda c: c.upper(),
    lambda c: f"{c[:4]}-{c[4:]}".upper(),
    lambda c: f"{c[:4]} {c[4:]}",
    lambda c: f"  {c[:4].upper()} - {c[4:]} ",
    lambda c: c,
], ids=["upper", "upper-hyphen", "space", "mixed-spaced-hyphen", "plain"])
def test_recovery_codes_are_accepted_in_any_case_with_or_without_separators(client, rita, codes, typed):  # noqa: F811
    _password(client, rita)

    response = _code(client, typed(codes[3]))

    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200
    assert not StaticToken.objects.filter(token=codes[3]).exists()


def test_the_code_page_explains_both_kinds_and_refuses_what_is_neither(client, rita, codes):  # noqa: F811
    _password(client, rita)
    page = client.get(VERIFY).content.decode()
    assert "Use one of your recovery codes" in page and "6-digit code or recovery code" in page

    for junk in ["12345", "abc", "1234567", "abcd-efg!"]:
        response = _code(client, junk)
        assert response.status_code == 400 and "like abcd-efgh" in response.content.decode(), junk
    assert client.get("/dashboard/")["Location"].startswith(VERIFY)
    # A TOTP code still works in the same field.
    assert _code(client, totp_code(rita.device))["Location"] == "/dashboard/"
    assert AuditEvent.objects.get(action="auth.signed_in").details == {"second_factor": "totp"}
    assert StaticToken.objects.filter(device__user=rita).count() == 10


def test_wrong_recovery_codes_count_toward_the_lock_out(client, rita, codes):  # noqa: F811
    _password(client, rita)
    for attempt in range(4):
        wrong = _code(client, f"zzzz-zzz{attempt + 2}")
        assert wrong.status_code == 400 and b'id="otp-error"' in wrong.content

    locked = _code(client, "zzzz-zzzz")

    assert locked.status_code == 429 and b'id="retry-at"' in locked.content
    assert client.get("/dashboard/").status_code == 302
    assert _password(client, rita).status_code == 429  # even the right password...
    fresh = Client()
    fresh.force_login(rita)
    assert _code(fresh, codes[0]).status_code == 429  # ...and a right recovery code are refused
    assert StaticToken.objects.filter(device__user=rita).count() == 10  # not spent while locked
    assert AuditEvent.objects.filter(action="auth.otp_failed", actor=rita, details__factor="recovery_code").count() == 5
    assert AuditEvent.objects.filter(action="auth.locked_out", details__failures=5).count() == 1


def test_wrong_recovery_codes_and_wrong_totp_codes_share_one_budget(client, rita, codes):  # noqa: F811
    _password(client, rita)
    for _ in range(2):
        assert _code(client, totp_wrong_code(rita.device)).status_code == 400
    for _ in range(2):
        assert _code(client, "zzzz-zzzz").status_code == 400

    assert _code(client, "zzzz-zzzz").status_code == 429


def test_after_a_wrong_recovery_code_django_otp_backs_off(client, rita, codes, settings):  # noqa: F811
    settings.OTP_STATIC_THROTTLE_FACTOR = 60  # 60 s instead of 1 s, so the test cannot race the clock
    _password(client, rita)
    _code(client, "zzzz-zzzz")

    throttled = _code(client, codes[0])

    assert throttled.status_code == 400 and client.get("/dashboard/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.otp_failed").latest("pk").details == {
        "step": "verify", "factor": "recovery_code", "throttled": True}
    assert StaticToken.objects.filter(token=codes[0]).exists()
    StaticDevice.objects.get(user=rita).throttle_reset()
    assert _code(client, codes[0])["Location"] == "/dashboard/"


def test_a_warning_after_signing_in_when_three_or_fewer_codes_remain(client, rita, codes):  # noqa: F811
    StaticToken.objects.filter(token__in=codes[:5]).delete()  # 5 left: after one more, 4 - no warning
    _password(client, rita)
    _code(client, codes[5])
    assert "Generate a new set" not in client.get("/dashboard/").content.decode()
    client.post(LOGOUT)

    _password(client, rita)
    _code(client, codes[6])  # 3 left
    dashboard = client.get("/dashboard/").content.decode()

    assert "Only 3 recovery codes left. Generate a new set now" in dashboard
    assert AuditEvent.objects.filter(action="auth.recovery_code_used").latest("pk").details == {"remaining": 3}
    client.post(LOGOUT)

    StaticToken.objects.filter(token__in=codes[7:9]).delete()
    _password(client, rita)
    _code(client, codes[9])
    assert "You have used your last recovery code." in client.get("/dashboard/").content.decode()
    assert not StaticToken.objects.filter(device__user=rita).exists()


# --- seeing the count, making a new set ----------------------------------------------------------

def test_a_new_set_replaces_every_old_code_and_is_shown_once(client, rita, codes):  # noqa: F811
    staff_login(client, rita)
    assert f'href="{PAGE}"' in client.get("/dashboard/").content.decode()  # next to Sign out
    page = client.get(PAGE)
    assert page.status_code == 200 and _shown(page) == []
    assert "<strong>10</strong> unused recovery codes" in page.content.decode()

    made = client.post(PAGE, {"next": "/dashboard/"})

    assert made.status_code == 302 and made["Location"] == f"{PAGE}?next=%2Fdashboard%2F"
    new = [_plain(code) for code in _shown(client.get(made["Location"]))]
    assert len(set(new)) == 10 and not set(new) & set(codes)
    assert _shown(client.get(made["Location"])) == []  # once
    event = AuditEvent.objects.filter(action="auth.recovery_codes_created").latest("pk")
    assert event.actor == rita and event.details == {"count": 10, "replaced": True, "removed": 10}
    assert StaticDevice.objects.filter(user=rita).count() == 1

    other = Client()
    _password(other, rita)
    assert _code(other, codes[1]).status_code == 400  # an old code no longer works
    StaticDevice.objects.get(user=rita).throttle_reset()
    assert _code(other, new[1])["Location"] == "/dashboard/"


def test_a_session_verified_by_a_recovery_code_stays_verified_after_a_new_set(client, rita, codes):  # noqa: F811
    _password(client, rita)
    _code(client, codes[0])

    client.post(PAGE)

    assert len(_shown(client.get(PAGE))) == 10
    assert client.get("/dashboard/").status_code == 200


def test_making_a_new_set_needs_both_factors(client, rita, codes):  # noqa: F811
    assert client.get(PAGE)["Location"] == f"{LOGIN}?next={PAGE}"

    _password(client, rita)  # the password only
    assert client.get(PAGE)["Location"] == f"{VERIFY}?next=%2Fstaff%2Frecovery-codes%2F"
    refused = client.post(PAGE)

    assert refused.status_code == 302 and refused["Location"].startswith(VERIFY)
    assert sorted(StaticToken.objects.filter(device__user=rita).values_list("token", flat=True)) == sorted(codes)
    assert AuditEvent.objects.filter(action="auth.recovery_codes_created").count() == 1  # the fixture's set only
    # Non-staff accounts have no second factor to back up.
    pat = UserFactory(username="pat", is_staff=False)
    outsider = Client()
    outsider.force_login(pat)
    assert outsider.get(PAGE).status_code == 403 and outsider.post(PAGE).status_code == 403
    assert not StaticDevice.objects.filter(user=pat).exists()


def test_the_page_is_never_cached_runs_no_script_and_protects_its_form(rita, codes):  # noqa: F811
    client = Client(enforce_csrf_checks=True)
    staff_login(client, rita)
    plain = client.get(PAGE)
    assert client.post(PAGE).status_code == 403  # no CSRF token
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', plain.content.decode()).group(1)
    made = client.post(PAGE, {"csrfmiddlewaretoken": token})
    assert made.status_code == 302
    fresh = client.get(made["Location"])
    assert len(_shown(fresh)) == 10

    for page in [plain, fresh]:
        body = page.content.decode()
        assert page.status_code == 200 and "<script" not in body and not re.search(r"\son\w+=", body)
        assert "no-store" in page["Cache-Control"] and "no-cache" in page["Cache-Control"]
        assert "max-age=0" in page["Cache-Control"] and page["Expires"]
        assert "frame-ancestors 'none'" in page["Content-Security-Policy"] and page["X-Frame-Options"] == "DENY"
    assert "no-store" in made["Cache-Control"]


# --- supervisors ----------------------------------------------------------------------------------

def test_supervisors_see_how_many_codes_each_person_has_left(client, rita, codes):  # noqa: F811
    StaticToken.objects.filter(token__in=codes[:3]).delete()
    role_user("nina", "reviewer")  # never signed in: no authenticator, no codes
    staff_login(client, role_user("sam", "supervisor"))

    page = client.get("/staff/two-factor/").content.decode()

    assert "Recovery codes left" in page
    assert re.search(r'id="staff-rita">(?:(?!</tr>).)*<td class="recovery-left">7</td>', page, re.S)
    assert re.search(r'id="staff-nina">(?:(?!</tr>).)*<td class="recovery-left">—</td>', page, re.S)


def test_the_operator_command_also_removes_recovery_codes(rita, codes):  # noqa: F811
    out = io.StringIO()
    call_command("staff_2fa_reset", "rita", stdout=out)

    assert "removed 1 authenticator(s) and the recovery codes of rita" in out.getvalue()
    assert not StaticDevice.objects.filter(user=rita).exists() and not StaticToken.objects.exists()
    assert AuditEvent.objects.get(action="auth.otp_reset").details["recovery_codes_removed"] == 10


def test_a_reset_person_gets_new_codes_at_the_next_enrolment(client, rita, codes):  # noqa: F811
    call_command("staff_2fa_reset", "rita", stdout=io.StringIO())

    confirmed = _enrol(client, rita)

    new = [_plain(code) for code in _shown(client.get(confirmed["Location"]))]
    assert len(new) == 10 and not set(new) & set(codes)
    assert AuditEvent.objects.filter(action="auth.recovery_codes_created").latest("pk").details["replaced"] is False


# --- the audit log never holds a code -------------------------------------------------------------

def test_no_audit_event_ever_contains_a_code(client, settings):
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    nina = role_user("nina", "reviewer")
    seen = [_plain(code) for code in _shown(client.get(_enrol(client, nina)["Location"]))]
    client.post(PAGE)
    seen += [_plain(code) for code in _shown(client.get(PAGE))]
    client.post(LOGOUT)
    _password(client, nina)
    _code(client, seen[0].upper())  # an old code: refused
    _code(client, seen[12])  # a new one
    assert client.get("/dashboard/").status_code == 200
    sam = Client()
    staff_login(sam, role_user("sam", "supervisor"))
    sam.post(f"/staff/two-factor/{nina.pk}/reset/")

    assert len(set(seen)) == 20
    events = list(AuditEvent.objects.all())
    assert {e.action for e in events} >= {"auth.recovery_codes_created", "auth.recovery_code_used",
                                          "auth.otp_failed", "auth.signed_in", "auth.otp_reset"}
    dumped = " ".join(json.dumps(e.details) + e.actor_label for e in events).lower()
    for code in seen:
        assert code not in dumped and f"{code[:4]}-{code[4:]}" not in dumped
