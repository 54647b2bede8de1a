"""The analytics page in headless Chromium (Debian's /usr/bin/chromium): a supervisor signs in with
a code, the charts are drawn (the page's own stylesheet, no script, no CSP refusal), and the page
is photographed for docs/deploy.md (docs/screenshots/dashboard-analytics.png)."""
from __future__ import annotations

import os
import shutil

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import totp_code
from tests.review.conftest import PASSWORD, role_user
from tests.review.test_browser import CHROMIUM, SHOTS, _launch

from .test_analytics import _seed, _seed_panels

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # playwright's sync API runs an event loop

from playwright import sync_api  # noqa: E402


@pytest.mark.django_db(transaction=True)
def test_a_supervisor_sees_the_charts(live_server, settings):
    assert shutil.which(CHROMIUM), "Debian chromium is required (scripts/test installs it)"
    settings.KYC_REVIEW_QUEUE_TARGET_HOURS = 10
    _seed(timezone.now())
    _seed_panels(timezone.now())
    lead = role_user("lena", "supervisor")
    device = TOTPDevice.objects.create(user=lead, name="phone", confirmed=True)
    SHOTS.mkdir(parents=True, exist_ok=True)

    with sync_api.sync_playwright() as p:
        browser = _launch(p)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(15_000)
            refused: list[str] = []
            page.on("console", lambda m: refused.append(m.text) if m.type == "error" and "404" not in m.text else None)
            missing: list[str] = []
            page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
            page.goto(f"{live_server.url}/dashboard/analytics/")
            page.fill("#id_username", lead.username)
            page.fill("#id_password", PASSWORD)
            page.click("#login-submit")
            page.wait_for_url("**/staff/verify/**")
            page.fill("#id_code", totp_code(device))
            page.click("#otp-submit")
            page.wait_for_url(f"{live_server.url}/dashboard/analytics/")

            assert page.locator("#queue-age rect.bin.over").count() == 2
            assert page.locator("#hist-local-liveness line.threshold").count() == 1
            assert page.locator("svg.spark").count() == 3
            # drawn with the dashboard's stylesheet: a bar past the target is red, the threshold a line
            fill = page.eval_on_selector("#queue-age rect.bin.over", "e => getComputedStyle(e).fill")
            assert fill == "rgb(243, 165, 159)", fill
            box = page.locator("#hist-local-liveness svg").bounding_box()
            assert box and box["width"] == 300
            assert refused == [], refused  # e.g. a CSP refusal
            assert [url for url in missing if not url.endswith("/favicon.ico")] == []
            page.screenshot(path=str(SHOTS / "dashboard-analytics.png"), full_page=True)
        finally:
            browser.close()
