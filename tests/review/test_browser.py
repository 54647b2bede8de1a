"""One end-to-end pass in headless Chromium: sign in (password, authenticator set-up), open the queue,
open a case, reject it, sign out and in again with a code.

Uses Debian's /usr/bin/chromium (no ``playwright install``). Screenshots go to
docs/screenshots/ for the docs (staff-recovery-codes.png, dashboard-decided.png).
"""
from __future__ import annotations

import base64
import os
import shutil
from pathlib import Path

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from liveness.cases.models import AuditEvent, CaseState, Decision
from tests.conftest import totp_code, totp_wrong_code

from .conftest import PASSWORD, make_review_case, role_user

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # playwright's sync API runs an event loop

from playwright import (
    sync_api,  # installed from requirements.txt; scripts/test installs Debian chromium
)

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _launch(p):
    return p.chromium.launch(executable_path=CHROMIUM, args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"])


def _page(browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(15_000)
    return page


def _password_step(page, user) -> None:
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")



@pytest.mark.django_db(transaction=True)
def test_reviewer_logs_in_opens_a_case_and_rejects_it(live_server):
    assert shutil.which(CHROMIUM), "Debian chromium is required (scripts/test installs it)"
    reviewer = role_user("rita", "reviewer")
    case = make_review_case(reference="browser-case-1")
    make_review_case(reference="browser-case-2", passed=True, score=92.0)
    SHOTS.mkdir(parents=True, exist_ok=True)

    with sync_api.sync_playwright() as p:
        browser = _launch(p)
        try:
            page = _page(browser)
            page.goto(f"{live_server.url}/dashboard/")
            assert "/staff/login/" in page.url  # anonymous → login
            _password_step(page, reviewer)
            # First sign-in of a staff account: set up the authenticator from the QR code / key shown.
            page.wait_for_url("**/staff/enrol/**")
            assert page.locator("#totp-qr svg").count() == 1
            device = TOTPDevice.objects.get(user=reviewer, confirmed=False)
            assert page.inner_text("#totp-secret").replace(" ", "") == base64.b32encode(device.bin_key).decode()
            page.fill("#id_code", totp_code(device))
            page.click("#enrol-submit")
            page.wait_for_url("**/staff/recovery-codes/**")  # shown once, before the dashboard
            assert page.locator("#recovery-codes li").count() == 10
            page.screenshot(path=str(SHOTS / "staff-recovery-codes.png"), full_page=True)
            page.click("#recovery-continue")
            page.wait_for_url(f"{live_server.url}/dashboard/")
            assert page.locator("#queue tbody tr").count() == 2

            page.click("text=browser-case-1")
            page.wait_for_selector("#case-state")
            page.wait_for_function(
                "() => [...document.querySelectorAll('.compare img')].every(i => i.complete && i.naturalWidth > 0)")
            assert page.locator(".compare img").count() == 2  # selfie + face crop, decrypted through the view
            assert page.locator(".bar .line").count() == 1
            # (dashboard-case.png and dashboard-queue.png come from test_browser_compare.py)

            page.check("input[name=outcome][value=reject]")
            page.select_option("#id_reason", "reject:spoof_suspected")
            page.fill("#id_internal_comment", "printed photo held to the camera")
            page.click("#decision-form button[type=submit]")
            page.wait_for_selector(".flash-success")
            assert page.inner_text("#case-state") == "Rejected"
            page.screenshot(path=str(SHOTS / "dashboard-decided.png"), full_page=True)

            # Sign out, then in again: password, then the code page (the authenticator is set up now).
            page.click("#logout")
            page.wait_for_url("**/staff/login/")
            page.goto(f"{live_server.url}/dashboard/")
            _password_step(page, reviewer)
            page.wait_for_url("**/staff/verify/**")
            page.fill("#id_code", totp_wrong_code(device))
            page.click("#otp-submit")
            page.wait_for_selector("#otp-error")
            page.wait_for_timeout(1100)  # django-otp's back-off after a wrong code: 1 s
            # The enrolment code's time step is spent (no replays): the app's next code is accepted.
            page.fill("#id_code", totp_code(device, offset_steps=1))
            page.click("#otp-submit")
            page.wait_for_url(f"{live_server.url}/dashboard/")
            assert page.locator("#queue").count() == 1
        finally:
            browser.close()

    case.refresh_from_db()
    assert case.state == CaseState.REJECTED
    assert Decision.objects.get(case=case).decided_by == reviewer
    assert AuditEvent.objects.filter(case=case, action="media.viewed", actor=reviewer).count() == 4  # 2 photos x 2 page loads
    assert AuditEvent.objects.filter(case=case, action="case.viewed", actor=reviewer).count() == 2
    signins = AuditEvent.objects.filter(actor=reviewer, action__startswith="auth.").order_by("created_at", "pk")
    assert [e.action for e in signins] == ["auth.otp_enrolled", "auth.recovery_codes_created", "auth.signed_in",
                                           "auth.signed_out",
                                           "auth.otp_failed", "auth.signed_in"]


@pytest.mark.django_db(transaction=True)
def test_a_reviewer_can_seek_in_the_video_of_a_case(live_server):
    """Chromium's player only seeks in media its server serves in byte ranges: the case video
    must play from any point without downloading from the start, each request audited."""
    from liveness.cases import services
    from liveness.cases.models import CaseKind, Submission
    from liveness.media import files as media
    from liveness.media.models import MediaKind
    from tests.mediagen import digit_video

    reviewer = role_user("rita", "reviewer")
    device = TOTPDevice.objects.create(user=reviewer, name="phone", confirmed=True)
    case = services.case_open(kind=CaseKind.DIGIT_VIDEO, actor_label="test", reference="browser-video")
    video = digit_video("4821", duration=6.0)
    blob = media.blob_store(data=video, kind=MediaKind.VIDEO, content_type="video/webm")
    Submission.objects.create(case=case, kind=case.kind, video=blob, source="test")
    services.case_transition(case=case, to=CaseState.PROCESSING, reason="test", actor_label="test")
    services.case_transition(case=case, to=CaseState.MANUAL_REVIEW, reason="test", actor_label="test")

    with sync_api.sync_playwright() as p:
        browser = _launch(p)
        try:
            page = _page(browser)
            page.goto(f"{live_server.url}/staff/login/?next=/dashboard/cases/{case.public_id}/")
            _password_step(page, reviewer)
            page.wait_for_url("**/staff/verify/**")
            page.fill("#id_code", totp_code(device))
            page.click("#otp-submit")
            page.wait_for_url(f"**/dashboard/cases/{case.public_id}/")
            page.wait_for_function("document.querySelector('video').readyState >= 1")  # metadata loaded

            seeked = page.evaluate("""() => new Promise((resolve, reject) => {
                const video = document.querySelector('video');
                setTimeout(() => reject(new Error('no seeked event')), 10000);
                video.addEventListener('seeked', () => resolve({
                    time: video.currentTime, duration: video.duration,
                    seekable: video.seekable.length ? video.seekable.end(0) : 0}), {once: true});
                video.currentTime = 4.0;
            })""")
        finally:
            browser.close()

    assert seeked["duration"] > 5 and seeked["seekable"] > 5, seeked  # the whole video is seekable...
    assert 3.5 < seeked["time"] <= 4.5, seeked  # ...and the player went to 4 s
    ranges = [e.details.get("range") for e in AuditEvent.objects.filter(case=case, action="media.viewed")]
    assert ranges and all(r and r.startswith("bytes=") for r in ranges), ranges  # Chromium asked in ranges


@pytest.mark.django_db(transaction=True)
def test_dashboard_pages_fit_a_phone_screen(live_server):
    """At 390 px the navigation wraps inside its bar and wide tables scroll in their panel:
    no page is wider than the screen (the nav's links used to run off its dark bar, white on white)."""
    from django.contrib.auth.models import Group
    from django.test import Client

    from tests.conftest import staff_login

    boss = role_user("sam-with-every-role", "supervisor")
    for group in ("reviewer", "compliance_admin"):
        role_user(f"other-{group}", group)  # makes sure every group exists with its permissions
    boss.groups.add(*Group.objects.filter(name__in=["reviewer", "compliance_admin"]))
    case = make_review_case(reference="phone-case-with-a-rather-long-reference-1")
    client = Client()
    staff_login(client, boss)
    pages = ["/dashboard/?state=all", f"/dashboard/cases/{case.public_id}/", "/dashboard/audit/",
             "/dashboard/thresholds/", "/dashboard/invite/"]

    with sync_api.sync_playwright() as p:
        browser = _launch(p)
        try:
            context = browser.new_context(viewport={"width": 390, "height": 844})
            context.add_cookies([{"name": name, "value": morsel.value, "url": live_server.url}
                                 for name, morsel in client.cookies.items()])
            page = context.new_page()
            page.set_default_timeout(15_000)
            widths = {}
            for path in pages:
                page.goto(f"{live_server.url}{path}")
                assert page.locator(".dash-nav").count() == 1, path
                widths[path] = page.evaluate("document.documentElement.scrollWidth")
                outside = page.evaluate("""() => {
                    const bar = document.querySelector('.dash-nav').getBoundingClientRect();
                    return Array.from(document.querySelectorAll('.dash-nav a, .dash-nav button, .dash-nav .who'))
                        .filter(e => { const r = e.getBoundingClientRect();
                                       return r.right > bar.right + 1 || r.bottom > bar.bottom + 1; })
                        .map(e => e.textContent.trim()); }""")
                assert outside == [], (path, outside)
        finally:
            browser.close()
    assert all(width <= 390 for width in widths.values()), widths
