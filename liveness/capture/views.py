"""End-user pages: validate, call a service, render. No business logic here."""
from __future__ import annotations

from django import forms
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .. import services
from ..errors import UserFacingError
from ..media import MediaRejected
from ..models import CaseKind, CaseState
from ..providers import catalogue
from .links import CaptureLinkInvalid, capture_token_case, capture_token_make

SELF_SERVICE = "self-service:web"


class SelfieForm(forms.Form):
    selfie = forms.FileField(label="Your selfie (JPEG or PNG)")


def _case_or_error(request, token):
    try:
        return capture_token_case(token=token), None
    except CaptureLinkInvalid as exc:
        status = 410 if exc.reason == "expired" else 404
        return None, render(request, "capture/link_invalid.html", {"reason": exc.reason}, status=status)


@require_http_methods(["GET", "POST"])
def start(request):
    if request.method == "POST":
        case = services.case_open(kind=CaseKind.SELFIE, actor_label=SELF_SERVICE)
        return redirect("liveness:capture", token=capture_token_make(case=case))
    return render(request, "capture/start.html")


@require_http_methods(["GET", "POST"])
def capture(request, token):
    case, error = _case_or_error(request, token)
    if error:
        return error
    if case.state not in (CaseState.AWAITING_SUBMISSION, CaseState.RETAKE_REQUESTED):
        return redirect("liveness:status", token=token)
    form = SelfieForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["selfie"]
        try:
            services.submission_accept(case=case, selfie=upload.read(), source="browser", actor_label=SELF_SERVICE)
            return redirect("liveness:status", token=token)
        except UserFacingError as exc:
            form.add_error("selfie" if isinstance(exc, MediaRejected) else None, exc.message)
            status = exc.status
    elif request.method == "POST":
        status = 400
    return render(request, "capture/selfie.html", {"form": form, "case": case, "retake": _retake_message(case)},
                  status=status)


def status(request, token):
    case, error = _case_or_error(request, token)
    if error:
        return error
    return render(request, "capture/status.html", {
        "case": case, "token": token, "retake": _retake_message(case),
        "processing": case.state == CaseState.PROCESSING,
    })


def _retake_message(case) -> str:
    """What the person should do next, from the catalogue (never raw scores)."""
    if case.state != CaseState.RETAKE_REQUESTED:
        return ""
    check = case.checks.exclude(error_code="").order_by("-created_at").first()
    if check is None:
        return "Please try again."
    return catalogue.lookup(check.error_vendor, check.error_code).user_message_en


def robots(request):
    return HttpResponse("User-agent: *\nDisallow: /\n", content_type="text/plain")
