"""The privacy notice page (``c/<token>/consent/``), the consent gate of the capture pages, and their
own 404 for any other path under ``c/``.

A case takes nothing through its capture link before the person accepted the notice there: the
capture page redirects to the notice, and the upload and digit endpoints answer
``409 {"error": {"code": "consent_required"}}`` (``liveness.cases.consent``), whatever the page did.

``c/<token>/consent/withdraw/``: the person withdraws their consent (a confirmation page, then a
POST); their media is erased at once and an open case ends (``case_consent_withdraw``).
"""
from __future__ import annotations

from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from liveness.capture.links import CaptureLinkInvalid, capture_token_case
from liveness.capture.notice import notice_sections
from liveness.cases.consent import case_consent, case_consent_record, case_consent_withdraw
from liveness.cases.models import Case, CaseState, ConsentSource
from liveness.web.client_ip import client_ip

OPEN_STATES = (CaseState.AWAITING_SUBMISSION, CaseState.RETAKE_REQUESTED)
ACTOR_LABEL = "self-service:web"


def case_or_link_error(request, token: str) -> tuple[Case | None, HttpResponse | None]:
    """``(case, None)`` for a valid capture link, else ``(None, the "link not valid" page)``: 410 when
    it expired, 404 otherwise."""
    try:
        return capture_token_case(token=token), None
    except CaptureLinkInvalid as exc:
        status = 410 if exc.reason == "expired" else 404
        return None, render(request, "capture/link_invalid.html", {"reason": exc.reason}, status=status)


def consent_refusal_message() -> str:
    return _("Please read the privacy notice and give your consent first; nothing was sent or stored.")


def consent_missing(case) -> bool:
    """Whether the person has not accepted the capture pages' notice for ``case`` yet."""
    return case_consent(case=case, source=ConsentSource.CAPTURE_PAGE) is None


def withdrawal_offered(case) -> bool:
    """Whether the pages offer "Withdraw my consent": a consent (from any door) is on record and in force."""
    consent = case_consent(case=case)
    return consent is not None and consent.withdrawn_at is None


def consent_gate(request, case, token: str) -> HttpResponse | None:
    """For the capture page: None when consent was given; else the notice (a redirect for GET, the
    notice itself with 409 for a POST, so a form sent without consent stores nothing)."""
    if not consent_missing(case):
        return None
    if request.method == "POST":
        return _notice(request, case, token, error=consent_refusal_message(), status=409)
    return redirect("liveness:consent", token=token)


def _notice(request, case, token, *, error: str = "", status: int = 200) -> HttpResponse:
    return render(request, "capture/consent.html", {
        "case": case, "token": token, "notice": notice_sections(case=case), "error": error}, status=status)


@require_http_methods(["GET", "POST"])
def consent(request, token):
    """GET: the notice. POST: the person ticked "I agree" on the notice of the version they saw."""
    case, error = case_or_link_error(request, token)
    if error:
        return error
    if case.state not in OPEN_STATES:
        return redirect("liveness:status", token=token)
    if request.method == "GET":
        if not consent_missing(case):
            return redirect("liveness:capture", token=token)
        return _notice(request, case, token)
    if request.POST.get("agree") != "yes":
        return _notice(request, case, token, status=400,
                       error=_("Tick the box to say that you agree, or close this page if you do not."))
    shown = notice_sections(case=case)["version"]
    if request.POST.get("notice_version") != shown:
        return _notice(request, case, token, status=409,
                       error=_("This notice has changed since you opened the page. Please read it again."))
    case_consent_record(case=case, notice_version=shown, source=ConsentSource.CAPTURE_PAGE, actor_label=ACTOR_LABEL,
                        language=get_language() or "", ip_address=client_ip(request))
    return redirect("liveness:capture", token=token)


@require_http_methods(["GET", "POST"])
def withdraw(request, token):
    """GET: what withdrawing does, and a button. POST: withdraw (audited with the IP), then the status page."""
    case, error = case_or_link_error(request, token)
    if error:
        return error
    if not withdrawal_offered(case):
        return redirect("liveness:status", token=token)
    if request.method == "GET":
        return render(request, "capture/withdraw.html", {"case": case, "token": token})
    if request.POST.get("confirm") != "yes":
        return render(request, "capture/withdraw.html", {"case": case, "token": token, "error": _(
            "Tick the box to confirm, or go back if you want to keep going.")}, status=400)
    case_consent_withdraw(case=case, actor_label=ACTOR_LABEL, ip_address=client_ip(request))
    return redirect("liveness:status", token=token)


def unknown_path(request, rest: str = ""):
    """Any other path under ``c/``: the capture pages' own "link not valid" page (404), also with
    DEBUG on. A path missing its final slash is sent to the page it names, as APPEND_SLASH did."""
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not unknown_path:
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(request.path + "/" + (f"?{query}" if query else ""))
    return render(request, "capture/link_invalid.html", {"reason": "invalid"}, status=404)
