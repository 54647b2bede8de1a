"""Content-Security-Policy middleware (liveness.security.csp)."""
import re

import pytest
from django.urls import reverse

from liveness.capture.links import capture_token_make
from liveness.web import csp
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

MIDDLEWARE = "liveness.web.csp.ContentSecurityPolicyMiddleware"


@pytest.fixture(autouse=True)
def with_csp(settings):
    if MIDDLEWARE not in settings.MIDDLEWARE:
        settings.MIDDLEWARE = [settings.MIDDLEWARE[0], MIDDLEWARE, *settings.MIDDLEWARE[1:]]


def _directives(header):
    return {part.split()[0]: part.split()[1:] for part in header.split("; ")}


def test_pages_get_a_same_origin_policy_that_allows_only_their_one_inline_handler(client):
    case = CaseFactory()
    response = client.get(reverse("liveness:capture", kwargs={"token": capture_token_make(case=case)}))

    policy = _directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"] and "'unsafe-inline'" not in policy["script-src"]
    # Every inline event handler on the page is covered by a hash; there are no inline scripts.
    body = response.content.decode()
    for handler in re.findall(r' on\w+="([^"]*)"', body):
        assert csp._hash(handler) in policy["script-src"], handler
    inline = [m for m in re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", body) if "application/json" not in m]
    assert inline == []


def test_the_media_view_keeps_its_stricter_policy(client):
    from django.http import HttpResponse

    from liveness.web.csp import ContentSecurityPolicyMiddleware

    def view(request):
        response = HttpResponse(b"x")
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response

    response = ContentSecurityPolicyMiddleware(view)(client.get("/").wsgi_request)
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_api_docs_alone_may_run_their_inline_script(client):
    docs = _directives(client.get("/api/docs/")["Content-Security-Policy"])
    assert "'unsafe-inline'" in docs["script-src"]
    home = _directives(client.get("/")["Content-Security-Policy"])
    assert "'unsafe-inline'" not in home["script-src"]


def test_report_only_mode(client, settings):
    settings.KYC_CSP_REPORT_ONLY = True
    response = client.get("/")
    assert "Content-Security-Policy-Report-Only" in response and "Content-Security-Policy" not in response


def test_check_deploy_is_clean_in_production():
    """`manage.py check --deploy` under KYC_ENV=production with the required secrets: no warnings
    (including django-axes' and django-otp's checks)."""
    import base64
    import os
    import secrets
    import subprocess
    import sys

    from tests.conftest import ROOT

    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}  # set by browser tests
    env = {**inherited, "KYC_ENV_FILE": "", "KYC_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(50),
           "MEDIA_ENCRYPTION_KEYS": "k1:" + base64.b64encode(os.urandom(32)).decode(),
           "ALLOWED_HOSTS": "kyc.example.com"}
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=90)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    # Staff sign-in is part of the checked configuration: django-axes (with its own system checks)
    # is loaded, locking by username + address, and 2FA cannot be off in production.
    assert "AXES: BEGIN" in result.stderr and "combination of username and ip_address" in result.stderr
    with_2fa_off = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT,
                                  env={**env, "KYC_STAFF_2FA": "false"}, capture_output=True, text=True, timeout=90)
    assert with_2fa_off.returncode != 0 and "KYC_STAFF_2FA cannot be turned off" in with_2fa_off.stderr


def test_chromium_enforces_the_policy_and_the_language_handler_still_runs(client, monkeypatch):
    """Serve the real capture page with its real header to headless Chromium: no CSP violation,
    the hashed onchange handler submits the form, and an injected inline script is blocked."""
    import shutil

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # playwright's sync API runs an event loop
    chromium = "/usr/bin/chromium"
    if not shutil.which(chromium):
        pytest.skip("Debian chromium is not installed")
    from playwright import sync_api

    from tests.conftest import ROOT

    case = CaseFactory()
    path = reverse("liveness:capture", kwargs={"token": capture_token_make(case=case)})
    page_response = client.get(path)
    header = page_response["Content-Security-Policy"]
    body = page_response.content.decode().replace("</body>", "<script>window.injected = 1</script></body>")
    origin = "http://portal.test"
    posted = []

    def route(r):
        url = r.request.url[len(origin):]
        if r.request.method == "POST":
            posted.append(url)
            r.fulfill(status=204, body="")
        elif url.split("?")[0] == path:
            r.fulfill(status=200, body=body, headers={"Content-Type": "text/html; charset=utf-8",
                                                    "Content-Security-Policy": header})
        elif url.startswith("/static/"):
            file = ROOT / "static" / url[len("/static/"):].split("?")[0]
            r.fulfill(status=200, body=file.read_bytes() if file.exists() else b"",
                      headers={"Content-Type": "text/css" if url.endswith(".css") else "application/javascript",
                               "Content-Security-Policy": header})
        else:
            r.fulfill(status=404, body="")

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.route("**/*", route)
            violations = []
            page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
            page.goto(origin + path)
            assert page.evaluate("window.injected") is None  # the injected inline script did not run
            assert len(violations) == 1 and "inline script" in violations[0], violations
            page.select_option("#lang-select", index=1)
            page.wait_for_timeout(500)
        finally:
            browser.close()
    assert posted, "the hashed onchange handler did not submit the language form"
