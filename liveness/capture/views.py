"""End-user pages: validate, call a service, render. No business logic here.

Server-rendered pages (start, selfie, digit video, status) progressively enhanced by
static/capture/capture.js, which talks to three small JSON endpoints:

* ``POST c/<token>/challenge/`` — new digits for a digit-video case;
* ``POST c/<token>/upload/`` — a selfie, or a video + ID-card photo + challenge id;
* ``GET  c/<token>/status.json`` — where the case is, in words the person can act on.

Errors from the JSON endpoints are ``{"error": {"code", "message"}}`` with the HTTP status
of the refusal (400, 404, 409, 410, 413, 429).
"""
from __future__ import annotations

import math

from django import forms
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from liveness.capture import services as capture_services
from liveness.capture import video
from liveness.capture.selectors import cooldown_left
from liveness.capture.consent_views import (
    case_or_link_error, consent_gate, consent_missing, consent_refusal_message, withdrawal_offered,
)
from liveness.capture.links import (
    CaptureLinkInvalid,
    capture_token_case,
    capture_token_make,
)
from liveness.cases import services
from liveness.cases.models import CaseKind, CaseState, Challenge
from liveness.cases.selectors import case_retake_message
from liveness.cases.upload_limits import operation_of, upload_limits_for
from liveness.media.files import MediaRejected, sizes_text
from liveness.ops import metrics
from liveness.web.client_ip import client_ip
from liveness.web.errors import UserFacingError

SELF_SERVICE = capture_services.SELF_SERVICE
OPEN_STATES = (CaseState.AWAITING_SUBMISSION, CaseState.RETAKE_REQUESTED)


IMAGE_TYPES = ("image/jpeg", "image/png")
VIDEO_TYPES = ("video/webm", "video/mp4", "video/quicktime", "video/x-matroska")

# Translations of the refusals people meet most; anything else keeps the service's English message.
ERROR_MESSAGES = {
    "gif": gettext_lazy("GIF images are not accepted; please send a JPEG or PNG photo."),
    # formatted with the limit (too_large_message): the case's, or Django's DATA_UPLOAD_MAX_MEMORY_SIZE for a whole body
    "too_large": gettext_lazy("The file is too large; the limit is %(limit)s."),
    "empty": gettext_lazy("The file is empty."),
    "not_an_image": gettext_lazy("The file is not an image we can read."),
    "not_a_video": gettext_lazy("The file is not a video we can read."),
    # Never the decoder's own words ("image file is truncated (6 bytes not processed)") on a person's screen.
    "corrupt_image": gettext_lazy("The photo is damaged or incomplete; please take or choose it again."),
    "unsupported_format": gettext_lazy("Please choose a JPEG or PNG photo."),
    "animated": gettext_lazy("Please send a single still photo, not an animation."),
    "too_many_pixels": gettext_lazy("The photo has too many pixels; please send a smaller photo."),
    "too_small": gettext_lazy("The photo is too small to show a face; please take or choose a larger photo."),
    "no_audio": gettext_lazy("The recording has no sound; allow the microphone and record the video again, "
                             "reading the digits aloud."),
    "video_too_long": gettext_lazy("The recording is too long; please record the video again (a few seconds "
                                   "are enough)."),
    "video_too_many_frames": gettext_lazy("The recording is too long; please record the video again (a few "
                                          "seconds are enough)."),
    "video_too_much_data": gettext_lazy("The recording is too long or too large; please record the video again."),
    "unsupported_video": gettext_lazy("The recording could not be read; please record the video again."),
    "no_video_stream": gettext_lazy("The recording could not be read; please record the video again."),
    "corrupt_video": gettext_lazy("The recording could not be read; please record the video again."),
    "selfie_required": gettext_lazy("Take or choose a photo first."),
    "burst_invalid": gettext_lazy("The photo could not be read; please take it again."),
    "video_card_challenge_required": gettext_lazy("Record the video and choose the ID-card photo first."),
    "challenge_used": gettext_lazy("These digits were already used; ask for new digits."),
    "challenge_expired": gettext_lazy("These digits have expired; ask for new digits."),
    "challenge_unknown": gettext_lazy("These digits were not issued for this check."),
    "case_not_accepting": gettext_lazy("This check is not waiting for a new submission."),
    "case_closed": gettext_lazy("This check is not waiting for a new submission."),
    "link_invalid": gettext_lazy("This link is not valid."),
    "link_expired": gettext_lazy("This link has expired."),
    "provider_busy": gettext_lazy("Many video checks are starting right now; please try again in a few seconds."),
    "challenge_unavailable": gettext_lazy("The digits could not be fetched just now; please try again in a moment."),
    "language_unsupported": gettext_lazy("The digits cannot be read in that language for this check; please "
                                         "choose one of the languages shown."),
    # refused by Django before the view runs (see csrf_failure and bad_request below)
    "csrf_failed": gettext_lazy("This page's security check failed (cookies may be blocked, or the page is out of "
                                "date). Reload the page and try again."),
    "bad_request": gettext_lazy("The request could not be read. Reload the page and try again."),
}


class SelfieForm(forms.Form):
    selfie = forms.FileField(label=gettext_lazy("Your selfie (JPEG or PNG)"))


def cooldown_message(seconds: float | None = None) -> str:
    """The refusal people see while a case cools down, saying when they may try again: in the
    minutes left (``seconds``; the whole configured window when not known), rounded up."""
    minutes = max(1, math.ceil(seconds / 60)) if seconds is not None else settings.KYC_CAPTURE_FAILURE_WINDOW_MINUTES
    return ngettext("Too many unsuccessful attempts. You can try again in about %(minutes)d minute.",
                    "Too many unsuccessful attempts. You can try again in about %(minutes)d minutes.",
                    minutes) % {"minutes": minutes}


def too_large_message(limit: int) -> str:
    """"The file is too large" with the limit people may send, in MiB ("8 MiB")."""
    return str(ERROR_MESSAGES["too_large"]) % {"limit": sizes_text(limit, limit)[1]}


def _json_error(code: str, message: str, status: int, *, retry_in: float | None = None,
                limit: int | None = None) -> JsonResponse:
    if code == "too_many_attempts":
        message = cooldown_message(retry_in)
    if code in ("too_large", "request_too_large") and limit:
        return JsonResponse({"error": {"code": code, "message": too_large_message(limit)}}, status=status)
    message = video.limit_message(code) or message
    return JsonResponse({"error": {"code": code, "message": str(ERROR_MESSAGES.get(code, message))}}, status=status)


def _json_case(token):
    try:
        return capture_token_case(token=token), None
    except CaptureLinkInvalid as exc:
        code = f"link_{exc.reason}"
        return None, _json_error(code, str(ERROR_MESSAGES[code]), 410 if exc.reason == "expired" else 404)


def _json_case_ready(token):
    """(case, None) when the page's script may ask for a challenge or upload now, else (None, the
    JSON refusal): the link is invalid, the person has not accepted the notice, or the case is
    cooling down after too many attempts."""
    case, error = _json_case(token)
    if error:
        return None, error
    if case.state in OPEN_STATES and consent_missing(case):
        return None, _json_error("consent_required", consent_refusal_message(), 409)
    retry_in = cooldown_left(case)
    if retry_in is not None:
        return None, _json_error("too_many_attempts", "", 429, retry_in=retry_in)
    return case, None


def _limits(case) -> dict:
    """The size limits the page's script checks before uploading (the same the service applies)."""
    limits = upload_limits_for(operation=operation_of(case.kind))
    return {"max_image_bytes": limits.image_bytes, "max_video_bytes": limits.video_bytes}


def _js_messages(limits: dict | None = None) -> dict:
    """Sentences the page's script shows, in the request's language (``limits``: the case's, named
    in the too-large messages)."""
    limits = limits or {"max_image_bytes": settings.KYC_MAX_IMAGE_BYTES, "max_video_bytes": settings.KYC_MAX_VIDEO_BYTES}
    return {
        "camera_denied": _("We could not use your camera or microphone. Allow access in your browser, "
                           "or upload a file instead."),
        "no_recorder": _("This browser cannot record video. Please try another browser."),
        "too_large": too_large_message(limits["max_image_bytes"]),
        "too_large_video": too_large_message(limits["max_video_bytes"]),
        "bad_type": _("Please choose a JPEG or PNG photo."),
        "need_photo": _("Take or choose a photo first."),
        "need_video_card": _("Record the video and choose the ID-card photo first."),
        "network": _("The upload failed. Check your connection and try again."),
        "expires": _("These digits expire in %s."),
        "uploading": _("Uploading…"),
        "recorded": _("Recorded. Play it back, or record again."),
        # the status page's link stopped working while it was polling (status.json answered 410 / 404)
        "link_expired": _("This link has expired, so this page can no longer show where your check is. "
                          "Ask whoever sent it for a new link."),
        "link_invalid": _("This link is no longer valid, so this page cannot show where your check is. "
                          "Ask whoever sent it for a new link."),
    }


@require_http_methods(["GET", "POST"])
def start(request):
    if request.method == "POST":
        kind = CaseKind.DIGIT_VIDEO if request.POST.get("kind") == CaseKind.DIGIT_VIDEO else CaseKind.SELFIE
        try:
            case = capture_services.self_service_case_open(kind=kind, address=client_ip(request))
        except capture_services.SelfServiceThrottled as throttled:
            minutes = max(1, math.ceil(throttled.retry_after / 60))
            response = render(request, "capture/start.html", {"throttled": _(
                "Too many checks were started from your network. Please wait about %(minutes)d min, then try "
                "again.") % {"minutes": minutes}}, status=429)
            response["Retry-After"] = str(throttled.retry_after)
            return response
        return redirect("liveness:capture", token=capture_token_make(case=case))
    return render(request, "capture/start.html")


@require_http_methods(["GET", "POST"])
def capture(request, token):
    case, error = case_or_link_error(request, token)
    if error:
        return error
    if case.state not in OPEN_STATES:
        return redirect("liveness:status", token=token)
    if (refusal := consent_gate(request, case, token)) is not None:
        return refusal
    retry_in = cooldown_left(case)
    ctx = {"case": case, "token": token, "retake": _retake_message(case), "limits": _limits(case),
           "withdrawal_offered": True,  # the gate passed: a consent in force (a withdrawal closes an open case)
           "cooling_down": retry_in is not None, "cooldown_message": cooldown_message(retry_in),
           "retry_in": math.ceil(retry_in or 0)}
    ctx["js_messages"] = _js_messages(ctx["limits"])
    if case.kind == CaseKind.DIGIT_VIDEO:
        ctx["js_messages"] = {**ctx["js_messages"], **video.video_js_messages()}
        return render(request, "capture/video.html", {**ctx, **video.video_context(case)})
    form = SelfieForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and ctx["cooling_down"]:
        status = 429  # the page says why and offers no capture
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["selfie"]
        try:
            services.submission_accept(case=case, selfie=upload.read(), source="browser", actor_label=SELF_SERVICE)
            return redirect("liveness:status", token=token)
        except UserFacingError as exc:
            metrics.upload_refused(door="capture", code=exc.code)
            form.add_error("selfie" if isinstance(exc, MediaRejected) else None,
                           too_large_message(ctx["limits"]["max_image_bytes"]) if exc.code == "too_large"
                           else str(ERROR_MESSAGES.get(exc.code, exc.message)))
            status = exc.status
    elif request.method == "POST":
        status = 400
    return render(request, "capture/selfie.html", {**ctx, "form": form}, status=status)


@require_POST
def challenge(request, token):
    case, error = _json_case_ready(token)
    if error:
        return error
    language = video.digit_language_wanted(request.POST.get("language"), case)
    if language is None:
        return _json_error("language_unsupported", "", 400)
    try:
        issued = capture_services.link_challenge_issue(case=case, token=token, language=language)
    except UserFacingError as exc:
        return _json_error(exc.code, exc.message, exc.status)
    return JsonResponse({
        "challenge_id": issued.pk, "digits": issued.digits, "language": issued.language,
        "expires_at": issued.expires_at.isoformat(),
        "expires_in": max(0, int((issued.expires_at - timezone.now()).total_seconds())),
    }, status=201)


def _too_large(upload, limit: int) -> bool:
    return upload is not None and upload.size > limit


@require_POST
def upload(request, token):
    """JSON upload used by the page's script: a selfie, or a digit video + ID-card photo + challenge id."""
    case, error = _json_case_ready(token)
    if error:
        return error
    files = request.FILES
    limits = _limits(case)
    try:
        if case.kind == CaseKind.SELFIE:
            selfie = files.get("selfie")
            burst = files.getlist("burst")  # a camera selfie's later frames (liveness.media.burst)
            if any(_too_large(part, limits["max_image_bytes"]) for part in (selfie, *burst)):
                metrics.upload_refused(door="capture", code="too_large")
                return _json_error("too_large", "", 413, limit=limits["max_image_bytes"])
            services.submission_accept(case=case, selfie=selfie.read() if selfie else None, source="browser",
                                       actor_label=SELF_SERVICE, burst=[part.read() for part in burst] or None)
        else:
            video, card = files.get("video"), files.get("card")
            for part, limit in ((video, limits["max_video_bytes"]), (card, limits["max_image_bytes"])):
                if _too_large(part, limit):
                    metrics.upload_refused(door="capture", code="too_large")
                    return _json_error("too_large", "", 413, limit=limit)
            try:
                challenge_id = int(request.POST.get("challenge_id", ""))
            except ValueError:
                challenge_id = None
            if challenge_id is not None and not Challenge.objects.filter(pk=challenge_id, case=case).exists():
                return _json_error("challenge_unknown", "", 404)
            services.submission_accept(case=case, video=video.read() if video else None,
                                       card=card.read() if card else None, challenge_id=challenge_id,
                                       source="browser", actor_label=SELF_SERVICE)
    except UserFacingError as exc:
        metrics.upload_refused(door="capture", code=exc.code)
        # the view's own size checks above come first; the service's (same limits) names the part it refused
        video_part = exc.message.startswith("The video")
        return _json_error(exc.code, exc.message, exc.status,
                           limit=limits["max_video_bytes" if video_part else "max_image_bytes"])
    return JsonResponse({"status_url": reverse("liveness:status", kwargs={"token": token})}, status=201)


def status(request, token):
    case, error = case_or_link_error(request, token)
    if error:
        return error
    return render(request, "capture/status.html", {
        "case": case, "token": token, "info": status_info(case, token), "processing": case.state == CaseState.PROCESSING,
        "withdrawal_offered": withdrawal_offered(case),
        "js_messages": _js_messages(_limits(case)),
    })


@require_GET
def status_json(request, token):
    case, error = _json_case(token)
    if error:
        return error
    response = JsonResponse(status_info(case, token))
    response["Cache-Control"] = "no-store"
    return response


def status_info(case, token: str) -> dict:
    """Where the case is, for the person: an outcome word and a sentence; never scores or vendor codes."""
    state = case.state
    outcome, message = {
        CaseState.PROCESSING: ("processing", _("We are checking your submission. This page updates by itself.")),
        CaseState.APPROVED: ("passed", _("Passed. Thank you, you are done.")),
        CaseState.MANUAL_REVIEW: ("review", _("Received. A member of our team will review it shortly.")),
        CaseState.REJECTED: ("rejected", _("We could not verify your identity.")),
        CaseState.RETAKE_REQUESTED: ("retry", _retry_sentence(case)),
        CaseState.WITHDRAWN: ("withdrawn", _("You withdrew your consent. Your photos and video were deleted and "
                                             "this check has ended.")),
    }.get(state, ("waiting", _("We are waiting for your submission.")))
    retry_in = cooldown_left(case) if state in OPEN_STATES else None
    if retry_in is not None:  # one message, saying when; no way to capture until then
        outcome, message = "cooldown", cooldown_message(retry_in)
    return {
        "state": state, "outcome": outcome, "message": message, "done": state != CaseState.PROCESSING,
        "cooling_down": retry_in is not None, "retry_in": math.ceil(retry_in) if retry_in is not None else None,
        "retry_url": reverse("liveness:capture", kwargs={"token": token})
        if state in OPEN_STATES and retry_in is None else None,
    }


def _retry_sentence(case) -> str:
    """"Please try again: <why>", or only "Please try again." when there is no more to say (never
    the doubled "Please try again: Please try again.")."""
    generic = _("Please try again.")
    reason = _retake_message(case)
    if not reason or reason == generic:
        return generic
    return _("Please try again: %(reason)s") % {"reason": reason}


def _retake_message(case) -> str:
    """What the person should do next, in their language (:func:`case_retake_message`: a reviewer's
    words, else the latest submission's catalogue message; never raw scores or codes)."""
    return case_retake_message(case=case, language=get_language())


# --- refusals Django makes before a view runs ----------------------------------------------

#: The endpoints capture.js reads as JSON; Django's own refusals on them are answered in JSON too.
JSON_ENDPOINTS = ("capture-challenge", "capture-upload", "status-json")


def is_json_endpoint(request) -> bool:
    """Whether the request is for one of the capture JSON endpoints (by URL, as the refusal may come
    before or without the view)."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return match.namespace == "liveness" and match.url_name in JSON_ENDPOINTS


def csrf_failure(request, reason: str = ""):
    """``CSRF_FAILURE_VIEW``: the CSRF middleware refused the request (403), nothing was done.

    The capture JSON endpoints get ``{"error": {"code": "csrf_failed", "message"}}`` in the
    person's language, so the page shows why instead of its network message; every other page
    gets Django's own 403 page. This only changes how the refusal is worded: the middleware's
    decision, and so the protection, is untouched.
    """
    if is_json_endpoint(request):
        return _json_error("csrf_failed", "", 403)
    from django.views.csrf import csrf_failure as django_csrf_failure

    return django_csrf_failure(request, reason=reason)


def bad_request(request, exception=None):
    """``handler400``: Django refused the request as malformed (a SuspiciousOperation: more than
    ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` fields or ``DATA_UPLOAD_MAX_NUMBER_FILES`` files, a body over
    ``DATA_UPLOAD_MAX_MEMORY_SIZE``), often in the CSRF middleware, before any view.

    JSON on the capture JSON endpoints (code ``too_many_fields``, ``too_many_files`` or
    ``request_too_large``; translated message), Django's 400 page elsewhere.
    """
    from django.core.exceptions import (
        RequestDataTooBig,
        TooManyFieldsSent,
        TooManyFilesSent,
    )

    if not is_json_endpoint(request):
        from django.views.defaults import bad_request as django_bad_request

        return django_bad_request(request, exception)
    code, status = "bad_request", 400
    if isinstance(exception, TooManyFieldsSent):
        code = "too_many_fields"
    elif isinstance(exception, TooManyFilesSent):
        code = "too_many_files"
    elif isinstance(exception, RequestDataTooBig):
        code, status = "request_too_large", 413
    return _json_error(code, ERROR_MESSAGES["bad_request"], status,
                       limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE if status == 413 else None)


def robots(request):
    return HttpResponse("User-agent: *\nDisallow: /\n", content_type="text/plain")
