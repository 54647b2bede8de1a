"""One end-to-end pass in headless Chromium: log in, open the queue, open a case, reject it.

Uses Debian's /usr/bin/chromium (no ``playwright install``). Screenshots go to
docs/screenshots/dashboard-*.png for the docs.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from liveness.models import AuditEvent, CaseState, Decision

from .conftest import PASSWORD, make_review_case, role_user

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # playwright's sync API runs an event loop

from playwright import sync_api  # installed from requirements.txt; scripts/test installs Debian chromium

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"



@pytest.mark.django_db(transaction=True)
def test_reviewer_logs_in_opens_a_case_and_rejects_it(live_server):
    assert shutil.which(CHROMIUM), "Debian chromium is required (scripts/test installs it)"
    reviewer = role_user("rita", "reviewer")
    case = make_review_case(reference="browser-case-1")
    make_review_case(reference="browser-case-2", passed=True, score=92.0)
    SHOTS.mkdir(parents=True, exist_ok=True)

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(15_000)
            page.goto(f"{live_server.url}/dashboard/")
            assert "/admin/login/" in page.url  # anonymous → login
            page.fill("#id_username", reviewer.username)
            page.fill("#id_password", PASSWORD)
            page.click("input[type=submit]")
            page.wait_for_url(f"{live_server.url}/dashboard/")
            assert page.locator("#queue tbody tr").count() == 2
            page.screenshot(path=str(SHOTS / "dashboard-queue.png"), full_page=True)

            page.click("text=browser-case-1")
            page.wait_for_selector("#case-state")
            page.wait_for_function(
                "() => [...document.querySelectorAll('.photos img')].every(i => i.complete && i.naturalWidth > 0)")
            assert page.locator(".photos img").count() == 2  # selfie + face crop, decrypted through the view
            assert page.locator(".bar .line").count() == 1
            page.screenshot(path=str(SHOTS / "dashboard-case.png"), full_page=True)

            page.check("input[name=outcome][value=reject]")
            page.select_option("#id_reason", "reject:spoof_suspected")
            page.fill("#id_internal_comment", "printed photo held to the camera")
            page.click("#decision-form button[type=submit]")
            page.wait_for_selector(".flash-success")
            assert page.inner_text("#case-state") == "Rejected"
            page.screenshot(path=str(SHOTS / "dashboard-decided.png"), full_page=True)
        finally:
            browser.close()

    case.refresh_from_db()
    assert case.state == CaseState.REJECTED
    assert Decision.objects.get(case=case).decided_by == reviewer
    assert AuditEvent.objects.filter(case=case, action="media.viewed", actor=reviewer).count() == 4  # 2 photos x 2 page loads
    assert AuditEvent.objects.filter(case=case, action="case.viewed", actor=reviewer).count() == 2
