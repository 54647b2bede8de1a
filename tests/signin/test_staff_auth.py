"""Staff sign-in: password then TOTP (django-otp), enrolment, lock-out (django-axes), admin, audit.

Every code typed here is computed from the device's key, as an authenticator app would; the
lock-out is real django-axes counting in PostgreSQL; the cool-off is passed by moving the
recorded failure back in time, exactly what waiting would do to the row.
"""
from __future__ import annotations

import base64
import io
import os
import re
import subprocess
import sys
import uuid
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.core.management import CommandError, call_command
from django.test import Client, RequestFactory
from django.urls import URLPattern, reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from liveness.cases.models import AuditEvent
from liveness.review import urls as dashboard_urls
from liveness.signin.services import recovery_codes_create
from liveness.web.client_ip import client_ip
from tests.conftest import ROOT, staff_login, totp_code, totp_wrong_code
from tests.review.conftest import PASSWORD, make_review_case, role_user
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN, VERIFY, ENROL, LOGOUT = "/staff/login/", "/staff/verify/", "/staff/enrol/", "/staff/logout/"


def _password(client, user, password=PASSWORD, next_url="/dashboard/", **extra):
    return client.post(LOGIN, {"username": user.get_username(), "password": password, "next": next_url}, **extra)


def _code(client, code, url=VERIFY, next_url="/dashboard/"):
    return client.post(url, {"code": code, "next": next_url})


@pytest.fixture
def rita(db):
    """A reviewer who set up her authenticator earlier."""
    user = role_user("rita", "reviewer")
    user.device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


def _signed_in(client) -> bool:
    return SESSION_KEY in client.session


# --- the two steps ------------------------------------------------------------------------

def test_the_password_alone_opens_nothing(client, rita):
    case = make_review_case()

    response = _password(client, rita)

    assert response.status_code == 302 and response["Location"] == f"{VERIFY}?next=%2Fdashboard%2F"
    media = reverse("dashboard:media", kwargs={"public_id": case.public_id, "blob_id": case.selfie_blob.id})
    for url in ["/dashboard/", f"/dashboard/cases/{case.public_id}/", media]:
        page = client.get(url)
        assert page.status_code == 302 and page["Location"].startswith(VERIFY), url
        assert b"\xff\xd8" not in page.content
    admin = client.get("/admin/", follow=True)
    assert admin.redirect_chain[-1][0].startswith(VERIFY) and b"Site administration" not in admin.content
    assert not AuditEvent.objects.filter(action__in=["case.viewed", "media.viewed", "auth.signed_in"]).exists()


def test_a_wrong_code_is_refused_and_the_right_code_opens_the_dashboard(client, rita):
    _password(client, rita)

    wrong = _code(client, totp_wrong_code(rita.device))
    assert wrong.status_code == 400 and b'id="otp-error"' in wrong.content
    assert client.get("/dashboard/")["Location"].startswith(VERIFY)
    failed = AuditEvent.objects.get(action="auth.otp_failed")
    assert failed.actor == rita and failed.ip_address == "127.0.0.1" and failed.details["step"] == "verify"

    rita.device.refresh_from_db()
    rita.device.throttle_reset()  # django-otp's 1-s back-off after a wrong code (tested below) is not the point here
    right = _code(client, totp_code(rita.device))

    assert right.status_code == 302 and right["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200
    signed_in = AuditEvent.objects.get(action="auth.signed_in")
    assert signed_in.actor == rita and signed_in.details == {"second_factor": "totp"}
    assert signed_in.ip_address == "127.0.0.1" and signed_in.actor_label == "user:rita"


def test_a_code_works_once(client, rita):
    code = totp_code(rita.device)
    _password(client, rita)
    assert _code(client, code).status_code == 302
    client.post(LOGOUT)

    _password(client, rita)
    replay = _code(client, code)

    assert replay.status_code == 400 and not client.get("/dashboard/").status_code == 200


def test_next_survives_both_steps_and_only_points_at_this_site(client, rita):
    response = client.get("/dashboard/audit/?action=auth.")
    assert response["Location"] == f"{LOGIN}?next=/dashboard/audit/%3Faction%3Dauth."
    login_page = client.get(response["Location"])
    assert b'name="next" value="/dashboard/audit/?action=auth."' in login_page.content

    to_verify = _password(client, rita, next_url="/dashboard/audit/?action=auth.")
    done = _code(client, totp_code(rita.device), url=to_verify["Location"], next_url="/dashboard/audit/?action=auth.")
    assert done["Location"] == "/dashboard/audit/?action=auth."

    client.post(LOGOUT)
    rita.device.refresh_from_db()
    for evil in ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]:
        assert _password(client, rita, next_url=evil)["Location"] == f"{VERIFY}?next=%2Fdashboard%2F", evil
        client.post(LOGOUT)


def test_enrolment_confirms_the_device_only_with_a_correct_code(client):
    newbie = role_user("nina", "reviewer")

    assert _password(client, newbie)["Location"] == f"{ENROL}?next=%2Fdashboard%2F"
    assert client.get(VERIFY)["Location"].startswith(ENROL)  # no code page without a device
    page = client.get(ENROL)
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=newbie)
    assert not device.confirmed
    shown = re.search(r'id="totp-secret" class="secret">([A-Z2-7 ]+)<', page.content.decode()).group(1)
    assert shown.replace(" ", "") == base64.b32encode(device.bin_key).decode().rstrip("=")
    assert re.search(rb"<svg[^>]*>.*<path", page.content, re.S) and b"<script" not in page.content
    assert b"<img" not in page.content  # the QR code is inline SVG, nothing is fetched
    assert client.get(ENROL).content.count(shown.encode()) == 1  # a reload shows the same key
    assert TOTPDevice.objects.filter(user=newbie).count() == 1

    wrong = _code(client, totp_wrong_code(device), url=ENROL)
    device.refresh_from_db()
    assert wrong.status_code == 400 and not device.confirmed
    assert client.get("/dashboard/")["Location"].startswith(ENROL)
    device.throttle_reset()

    right = _code(client, totp_code(device), url=ENROL)

    device.refresh_from_db()
    # On to the recovery codes, shown once (tests/signin/test_recovery_codes.py), then on to next.
    assert right["Location"] == "/staff/recovery-codes/?next=%2Fdashboard%2F" and device.confirmed
    assert client.get("/dashboard/").status_code == 200
    assert client.get(ENROL)["Location"] == "/dashboard/"  # the key is never shown again
    actions = list(AuditEvent.objects.filter(actor=newbie).order_by("created_at", "pk").values_list("action", flat=True))
    assert actions == ["auth.otp_failed", "auth.otp_enrolled", "auth.recovery_codes_created",
                       "auth.signed_in"]

    # The next sign-in asks for a code, not a new enrolment.
    client.post(LOGOUT)
    assert _password(client, newbie)["Location"].startswith(VERIFY)


def test_sign_in_pages_run_no_script_cannot_be_framed_and_are_not_cached(client, rita):
    pages = {"login": client.get(LOGIN)}
    _password(client, rita)
    pages["verify"] = client.get(VERIFY)
    other = Client()
    _password(other, role_user("nina", "reviewer"))
    pages["enrol"] = other.get(ENROL)
    for name, page in pages.items():
        body = page.content.decode()
        assert page.status_code == 200 and 'name="csrfmiddlewaretoken"' in body, name
        assert "<script" not in body and not re.search(r"\son\w+=", body), name
        assert "frame-ancestors 'none'" in page["Content-Security-Policy"] and page["X-Frame-Options"] == "DENY"
        assert "no-store" in page["Cache-Control"], name


def test_non_staff_users_sign_in_with_the_password_alone(client):
    user = UserFactory(username="pat", is_staff=False)
    user.set_password(PASSWORD)
    user.save()

    response = _password(client, user, next_url="/")

    assert response.status_code == 302 and response["Location"] == "/"
    assert _signed_in(client) and client.get(VERIFY)["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 403  # refused for lack of staff, not sent to a code page
    assert client.get("/admin/login/").status_code == 403  # signed in, yet no admin: no redirect loop
    assert AuditEvent.objects.get(action="auth.signed_in").details == {"second_factor": "none"}
    assert not TOTPDevice.objects.exists()


def test_sign_out(client, rita):
    staff_login(client, rita)
    assert client.get(LOGOUT).status_code == 405  # a link cannot sign anyone out

    response = client.post(LOGOUT)

    assert response["Location"] == LOGIN and not _signed_in(client)
    assert client.get("/dashboard/")["Location"].startswith(LOGIN)
    assert AuditEvent.objects.filter(action="auth.signed_out", actor=rita).count() == 1


def test_the_dashboard_shows_a_sign_out_button(client, rita):
    staff_login(client, rita)
    page = client.get("/dashboard/").content.decode()
    assert f'action="{LOGOUT}"' in page and 'id="logout"' in page


def _dashboard_urls(case):
    """Every route of the dashboard, with real or plausible arguments."""
    values = {"public_id": case.public_id, "blob_id": case.selfie_blob.id, "provider": "local", "metric": "liveness"}
    for pattern in dashboard_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        yield reverse(f"dashboard:{pattern.name}", kwargs={k: values[k] for k in pattern.pattern.converters} or None)


def test_every_dashboard_page_needs_the_second_factor(client):
    case = make_review_case()
    boss = role_user("sam", "supervisor")
    TOTPDevice.objects.create(user=boss, name="phone", confirmed=True)
    client.force_login(boss)  # the password step only

    urls = list(_dashboard_urls(case))
    assert len(urls) == len(dashboard_urls.urlpatterns) >= 11
    for url in urls:
        response = client.get(url)
        if response.status_code == 405:
            response = client.post(url, {"outcome": "approve", "reason": "approve:verified", "body": "x"})
        assert response.status_code == 302 and response["Location"].startswith(VERIFY), (url, response.status_code)
    assert not AuditEvent.objects.exclude(action__in=["case.opened", "case.transition"]).exists()

    staff_login(client, boss)
    assert client.get(urls[0]).status_code == 200


# --- the admin ------------------------------------------------------------------------------

def test_the_admin_requires_the_second_factor(client, admin_user):
    TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)
    client.force_login(admin_user)  # password only

    response = client.get("/admin/cases/case/", follow=True)

    assert [url for url, _ in response.redirect_chain] == [
        "/admin/login/?next=/admin/cases/case/", f"{LOGIN}?next=%2Fadmin%2Fcases%2Fcase%2F",
        f"{VERIFY}?next=%2Fadmin%2Fcases%2Fcase%2F"]
    assert client.get("/admin/").status_code == 302

    staff_login(client, admin_user)
    assert client.get("/admin/cases/case/").status_code == 200
    assert client.get("/admin/login/?next=/admin/")["Location"] == "/admin/"


def test_the_admin_never_shows_a_totp_key(admin_client):
    device = TOTPDevice.objects.get()
    page = admin_client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    assert page.status_code == 200 and device.key.encode() not in page.content


def test_admin_logout_goes_through_the_portal(admin_client, admin_user):
    response = admin_client.post("/admin/logout/")
    assert response["Location"] == LOGIN and not _signed_in(admin_client)
    assert AuditEvent.objects.filter(action="auth.signed_out", actor=admin_user).exists()


# --- lock-out -----------------------------------------------------------------------------------

def test_five_bad_passwords_lock_out_even_the_right_password_until_the_cooloff_ends(client, rita, settings):
    for attempt in range(1, 5):
        assert _password(client, rita, password=f"wrong-{attempt}").status_code == 200

    fifth = _password(client, rita, password="wrong-5")

    assert fifth.status_code == 429
    text = fifth.content.decode()
    assert "Too many failed sign-in attempts" in text and 'id="retry-at"' in text and "15 minutes" in text
    assert 14 * 60 < int(fifth["Retry-After"]) <= 15 * 60
    right = _password(client, rita)
    assert right.status_code == 429 and not _signed_in(client)
    # Username + address: the same account from another address, and another account here, still work.
    assert _password(Client(REMOTE_ADDR="192.0.2.50"), rita).status_code == 302
    other = role_user("otto", "reviewer")
    assert _password(Client(), other).status_code == 302

    locks = AuditEvent.objects.filter(action="auth.locked_out").order_by("created_at", "pk")
    assert [(e.actor, e.actor_label, e.ip_address, e.details["failures"]) for e in locks] == [
        (None, "signin:rita", "127.0.0.1", 5), (None, "signin:rita", "127.0.0.1", None)]

    # The cool-off passes (counted from the last failure):
    AccessAttempt.objects.filter(username="rita").update(
        attempt_time=AccessAttempt.objects.get(username="rita", ip_address="127.0.0.1").attempt_time
        - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    again = _password(client, rita)
    assert again.status_code == 302 and again["Location"].startswith(VERIFY)


def test_attempts_while_locked_do_not_move_the_retry_time(client, rita):
    for attempt in range(5):
        _password(client, rita, password=f"wrong-{attempt}")
    before = AccessAttempt.objects.get(username="rita").attempt_time

    assert _password(client, rita, password="wrong-again").status_code == 429

    assert AccessAttempt.objects.get(username="rita").attempt_time == before


def test_guessing_codes_is_limited_and_shares_the_budget_with_passwords(client, rita):
    # 2 wrong passwords, then the right one: the counter is NOT reset by the password alone...
    for attempt in range(2):
        _password(client, rita, password=f"wrong-{attempt}")
    assert _password(client, rita)["Location"].startswith(VERIFY)
    # ...so 3 wrong codes make 5 failures: locked, and the half-signed-in session is dropped.
    assert _code(client, totp_wrong_code(rita.device)).status_code == 400
    assert _code(client, totp_wrong_code(rita.device)).status_code == 400
    locked = _code(client, totp_wrong_code(rita.device))

    assert locked.status_code == 429 and b'id="retry-at"' in locked.content
    assert not _signed_in(client)
    assert _password(client, rita).status_code == 429
    fresh = Client()
    fresh.force_login(rita)  # a session past the password step some other way: the code page refuses too
    assert fresh.get(VERIFY).status_code == 429
    assert AuditEvent.objects.filter(action="auth.otp_failed", actor=rita).count() == 3
    assert AuditEvent.objects.filter(action="auth.locked_out", details__failures=5).count() == 1


def test_a_completed_sign_in_clears_earlier_failures(client, rita):
    for attempt in range(4):
        _password(client, rita, password=f"wrong-{attempt}")
    _password(client, rita)
    _code(client, totp_code(rita.device))
    assert not AccessAttempt.objects.filter(username="rita").exists()


def test_after_a_wrong_code_django_otp_backs_off_before_checking_the_next(client, rita, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # 60 s instead of 1 s, so the test cannot race the clock
    _password(client, rita)
    _code(client, totp_wrong_code(rita.device))

    throttled = _code(client, totp_code(rita.device))

    assert throttled.status_code == 400 and client.get("/dashboard/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.otp_failed").latest("pk").details == {"step": "verify",
                                                                                           "throttled": True}


# --- client address behind a proxy -------------------------------------------------------------

def test_behind_one_proxy_the_client_is_the_address_the_proxy_appended(settings):
    rf = RequestFactory()
    direct = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert client_ip(direct) == "10.0.0.1"  # no proxy configured: the header is the client's own words

    settings.KYC_TRUSTED_PROXY_COUNT = 1
    assert client_ip(direct) == "203.0.113.7"
    forged = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7")
    assert client_ip(forged) == "203.0.113.7"
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.1")) == "10.0.0.1"
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="not-an-ip")) == "10.0.0.1"
    settings.KYC_TRUSTED_PROXY_COUNT = 2
    assert client_ip(forged) == "1.2.3.4"


def test_behind_a_proxy_lockout_is_per_client_not_per_proxy(client, rita, settings):
    settings.KYC_TRUSTED_PROXY_COUNT = 1
    via_proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for attempt in range(5):
        _password(client, rita, password=f"wrong-{attempt}", HTTP_X_FORWARDED_FOR="203.0.113.7", **via_proxy)

    # The attacker cannot step around the lock by prepending addresses of their own choosing...
    spoof = _password(client, rita, HTTP_X_FORWARDED_FOR="198.51.100.9, 203.0.113.7", **via_proxy)
    assert spoof.status_code == 429
    # ...and Rita, at another address behind the same proxy, is not locked with them.
    assert _password(Client(), rita, HTTP_X_FORWARDED_FOR="198.51.100.2", **via_proxy).status_code == 302
    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"
    assert AuditEvent.objects.filter(action="auth.locked_out").first().ip_address == "203.0.113.7"


# --- resetting a lost authenticator -------------------------------------------------------------

def test_a_supervisor_resets_a_reviewers_authenticator(client, rita):
    recovery_codes_create(user=rita, ip_address=None)
    ritas = Client()
    staff_login(ritas, rita)
    assert ritas.get("/dashboard/").status_code == 200
    sam = role_user("sam", "supervisor")
    staff_login(client, sam)

    page = client.get("/staff/two-factor/")
    assert page.status_code == 200 and b'id="staff-rita"' in page.content
    assert b'href="/staff/two-factor/"' in client.get("/dashboard/").content  # in the navigation
    response = client.post(f"/staff/two-factor/{rita.pk}/reset/")

    assert response["Location"] == "/staff/two-factor/"
    assert not TOTPDevice.objects.filter(user=rita).exists()
    assert not StaticDevice.objects.filter(user=rita).exists() and not StaticToken.objects.exists()
    event = AuditEvent.objects.get(action="auth.otp_reset")
    assert event.actor == sam and event.details == {"user": "rita", "user_id": rita.pk, "devices_removed": 1,
                                                    "recovery_codes_removed": 10}
    # Her open session is no longer verified: she sets up a new authenticator.
    assert ritas.get("/dashboard/")["Location"].startswith(ENROL)


def test_only_supervisors_and_compliance_admins_reset_and_nobody_their_own(client, rita):
    staff_login(client, rita)
    assert client.get("/staff/two-factor/").status_code == 403
    assert b'href="/staff/two-factor/"' not in client.get("/dashboard/").content
    other = role_user("rob", "reviewer")
    TOTPDevice.objects.create(user=other, name="phone", confirmed=True)
    assert client.post(f"/staff/two-factor/{other.pk}/reset/").status_code == 403

    ada = role_user("ada", "compliance_admin")
    staff_login(client, ada)
    client.post(f"/staff/two-factor/{ada.pk}/reset/")
    assert TOTPDevice.objects.filter(user=ada).exists()
    assert client.post(f"/staff/two-factor/{other.pk}/reset/")["Location"] == "/staff/two-factor/"
    assert not TOTPDevice.objects.filter(user=other).exists()
    assert TOTPDevice.objects.filter(user=rita).exists()

    unverified = Client()
    unverified.force_login(role_user("sam", "supervisor"))
    assert unverified.post(f"/staff/two-factor/{rita.pk}/reset/")["Location"].startswith(ENROL)
    assert TOTPDevice.objects.filter(user=rita).exists()


def test_the_operator_command_resets_an_authenticator(rita):
    out = io.StringIO()
    call_command("staff_2fa_reset", "rita", stdout=out)
    assert "removed 1" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=rita).exists()
    assert AuditEvent.objects.get(action="auth.otp_reset").actor_label == "system:cli"
    with pytest.raises(CommandError, match="no staff user"):
        call_command("staff_2fa_reset", "nobody")


# --- demo and development commands ---------------------------------------------------------------

def test_demo_setup_gives_a_usable_second_factor_and_totp_code_prints_it(client):
    out = io.StringIO()
    call_command("demo_setup", "--username", "demo", stdout=out)
    printed = out.getvalue()
    assert re.search(r"otpauth://totp/KYC%20review%3Ademo\?secret=[A-Z2-7]+", printed)
    assert "python manage.py totp_code demo" in printed
    demo = TOTPDevice.objects.get(user__username="demo", confirmed=True)

    again = io.StringIO()
    call_command("demo_setup", "--username", "demo", stdout=again)  # as every scripts/run does
    password = re.search(r"^ +password (\S+)$", again.getvalue(), re.M).group(1)
    assert TOTPDevice.objects.get(user__username="demo").pk == demo.pk  # a phone set up once keeps working

    code_out = io.StringIO()
    call_command("totp_code", "demo", stdout=code_out)
    code = code_out.getvalue().strip()
    assert re.fullmatch(r"\d{6}", code)
    client.post(LOGIN, {"username": "demo", "password": password, "next": "/dashboard/"})
    assert _code(client, code)["Location"] == "/dashboard/"


def _run(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("KYC_", "SECRET_KEY", "MEDIA_ENCRYPTION_KEYS", "DJANGO_ALLOW_ASYNC_UNSAFE"))}
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=90,
                          env={**clean, "DJANGO_SETTINGS_MODULE": "kyc_portal.settings", "KYC_ENV_FILE": "", **env})


PRODUCTION = {"KYC_ENV": "production", "SECRET_KEY": "s" * 60, "ALLOWED_HOSTS": "kyc.example.com",
              "MEDIA_ENCRYPTION_KEYS": "k1:" + base64.b64encode(b"k" * 32).decode()}


def test_totp_code_refuses_to_run_in_production():
    result = _run("manage.py", "totp_code", "reviewer", **PRODUCTION)
    assert result.returncode != 0 and "development only" in result.stderr and not re.search(r"^\d{6}$", result.stdout, re.M)


@pytest.mark.parametrize(("env", "expected"), [
    ({**PRODUCTION, "KYC_STAFF_2FA": "false"}, "KYC_STAFF_2FA cannot be turned off when KYC_ENV=production"),
    ({"KYC_LOGIN_FAILURE_LIMIT": "0"}, "KYC_LOGIN_FAILURE_LIMIT must be between 1 and 100"),
    ({"KYC_LOGIN_FAILURE_LIMIT": "five"}, "KYC_LOGIN_FAILURE_LIMIT must be a whole number"),
    ({"KYC_LOGIN_COOLOFF_MINUTES": "-5"}, "KYC_LOGIN_COOLOFF_MINUTES must be between 1 and 1440"),
    ({"KYC_TRUSTED_PROXY_COUNT": "x"}, "KYC_TRUSTED_PROXY_COUNT must be a whole number"),
])
def test_bad_sign_in_settings_stop_the_start(env, expected):
    result = _run("-c", "import django; django.setup()", **env)
    assert result.returncode != 0 and "ImproperlyConfigured" in result.stderr and expected in result.stderr


def test_sign_in_settings_come_from_the_environment():
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.AXES_FAILURE_LIMIT, int(s.AXES_COOLOFF_TIME.total_seconds()), s.KYC_TRUSTED_PROXY_COUNT, "
            "s.KYC_STAFF_2FA, s.LOGIN_URL)")
    result = _run("-c", code, KYC_LOGIN_FAILURE_LIMIT="3", KYC_LOGIN_COOLOFF_MINUTES="30",
                  KYC_TRUSTED_PROXY_COUNT="1", KYC_STAFF_2FA="false")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["3", "1800", "1", "False", "/staff/login/"]


def test_with_2fa_off_in_development_staff_sign_in_with_the_password(client, rita, settings):
    settings.KYC_STAFF_2FA = False
    assert _password(client, rita)["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200
    assert AuditEvent.objects.get(action="auth.signed_in").details == {"second_factor": "none"}


def test_unknown_ids_in_the_reset_url_are_404(client):
    staff_login(client, role_user("sam", "supervisor"))
    assert client.post(f"/staff/two-factor/{uuid.uuid4().int % 10**9 + 10**9}/reset/").status_code == 404
