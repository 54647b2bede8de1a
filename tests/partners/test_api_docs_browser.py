"""/api/docs/ as a partner sees it, in headless Chromium (Debian's /usr/bin/chromium): the
introduction, an endpoint's partner-facing description, and the webhooks with their payload."""
from __future__ import annotations

import os

from playwright import sync_api

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # playwright's sync API runs an event loop

CHROMIUM = "/usr/bin/chromium"


def test_the_docs_page_shows_the_introduction_descriptions_and_webhooks(live_server):
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(20_000)
            page.goto(f"{live_server.url}/api/docs/")
            info = page.locator(".swagger-ui .info")
            info.wait_for()
            assert "Authorization: Bearer kyc_live_" in info.inner_text()
            assert "docs/api.md" not in page.content()

            page.locator(".opblock-summary", has_text="/api/v1/cases/{public_id}/selfie").first.click()
            selfie = page.locator(".opblock.is-open")
            selfie.wait_for()
            assert "Uploads the selfie of a selfie case" in selfie.inner_text()
            assert "Multipart file parts or a JSON body" not in page.content()
            assert "subclasses implement" not in page.content()

            webhooks = page.locator(".swagger-ui", has_text="Webhooks")
            webhooks.wait_for()
            page.locator(".opblock-summary", has_text="case.decided").first.click()
            decided = page.locator(".opblock.is-open", has_text="case.decided")
            decided.wait_for()
            text = decided.inner_text()
            assert "A final decision" in text and "X-KYC-Signature" in text, text[:2000]
        finally:
            browser.close()
