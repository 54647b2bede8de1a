"""Reviewer pages. Each view checks access, validates input, calls a service or selector, renders.

Access: anonymous users are sent to the login page, staff who have not given a TOTP code in
this session to the code (or enrolment) page (``liveness.signin``); signed-in users need ``is_staff``
and the page's permission (see ``liveness.dashboard_models.DASHBOARD_GROUPS``), else 403.
Nothing here is cached: every response carries ``Cache-Control: no-store``.
"""
from __future__ import annotations

import csv

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from liveness.review import case_page, selectors, services
from liveness.review.byte_range import RangeNotSatisfiable, byte_range, range_refused
from liveness.review.forms import (
    AuditFilterForm,
    DecisionForm,
    reasons_by_outcome,
    InviteForm,
    NoteForm,
    QueueFilterForm,
    ThresholdForm,
)
from liveness.signin.access import staff_page
from liveness.web.client_ip import client_ip

PERM_VIEW = "review.dashboard_view"
PERM_AUDIT = "review.audit_view"


def dashboard_required(perm: str = PERM_VIEW):
    return staff_page(allowed=lambda user: user.is_staff and user.has_perm(PERM_VIEW) and user.has_perm(perm),
                      refusal="You do not have access to this dashboard page.")


def _ip(request) -> str | None:
    return client_ip(request)


def _case_or_404(public_id):
    case = selectors.case_for_review(public_id=public_id)
    if case is None:
        raise Http404("no such case")
    return case


@require_GET
@dashboard_required()
def queue(request):
    form = QueueFilterForm(request.GET or None)
    filters = form.to_filter() if form.is_valid() else selectors.QueueFilter()
    page = selectors.queue_cases(filters=filters, user=request.user, cursor=request.GET.get("after"))
    params = request.GET.copy()
    params.pop("after", None)
    return render(request, "dashboard/queue.html", {
        "form": form if request.GET else QueueFilterForm(initial={"state": filters.state}),
        "filters": filters, "page": page, "counts": selectors.queue_state_counts(),
        "providers": selectors.queue_providers(), "params": params.urlencode(),
    })


def _case_page(request, case, *, decision_form: DecisionForm | None = None, status: int = 200):
    """The case page (an audited view of its media), with ``decision_form`` bound after a refused save
    so the reviewer's outcome, reason, message and comment stay in the form."""
    services.case_view_record(case=case, actor=request.user, ip_address=_ip(request))
    review = case_page.case_review(case=case)
    return render(request, "dashboard/case.html", {
        "review": review, "case": case, "decision_form": decision_form or DecisionForm(), "note_form": NoteForm(),
        "can_decide": request.user.has_perm(services.PERM_DECIDE),
        "can_assign": case.state not in services.CLOSED_STATES,
        "can_approve_over_failed": request.user.has_perm(services.PERM_APPROVE_OVER_FAILED),
        "reason_groups": reasons_by_outcome(),
        "assignable": selectors.assignable_reviewers() if request.user.has_perm(services.PERM_ASSIGN_OTHERS) else [],
    }, status=status)


@require_GET
@dashboard_required()
def case_detail(request, public_id):
    return _case_page(request, _case_or_404(public_id))


@require_POST
@dashboard_required(services.PERM_DECIDE)
def case_decide(request, public_id):
    """Save a decision. A refusal (the form's or the service's) is audited (``decision.refused``) and
    answered with the case page and the form as sent (400 / 409), never an emptied form."""
    case = _case_or_404(public_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        message = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        reason_outcome, _, code = str(request.POST.get("reason", "")).partition(":")
        services.decision_refusal_record(
            case=case, actor=request.user, ip_address=_ip(request),
            refused=services.DecisionRefused("bad_reason" if "reason" in form.errors else "invalid_form", message),
            outcome=str(request.POST.get("outcome", "")), reason_code=code or reason_outcome)
        messages.error(request, "Decision not saved: " + message)
        return _case_page(request, case, decision_form=form, status=400)
    try:
        services.decision_make(
            case=case, outcome=form.cleaned_data["outcome"], reason_code=form.cleaned_data["reason_code"],
            user_message=form.cleaned_data["user_message"], internal_comment=form.cleaned_data["internal_comment"],
            actor=request.user, ip_address=_ip(request))
    except services.DecisionRefused as refused:
        if refused.code in ("supervisor_required", "forbidden"):
            return render(request, "dashboard/refused.html", {"case": case, "message": refused.message}, status=403)
        messages.error(request, refused.message)
        case.refresh_from_db()
        return _case_page(request, case, decision_form=form, status=409)
    messages.success(request, f"Decision saved: {form.cleaned_data['outcome']}.")
    return redirect("dashboard:case", public_id=case.public_id)


@require_POST
@dashboard_required()
def case_assign(request, public_id):
    case = _case_or_404(public_id)
    assignee = request.user
    if request.POST.get("assignee"):
        name = request.POST["assignee"]
        # A NUL cannot be in a PostgreSQL string (the query would fail with a 500): no such name.
        assignee = None if "\x00" in name else get_user_model().objects.filter(username=name).first()
        if assignee is None:
            return render(request, "dashboard/refused.html", {"case": case, "title": "Assignment refused",
                                                               "message": "No such reviewer."}, status=400)
    try:
        services.case_assign(case=case, assignee=assignee, actor=request.user, ip_address=_ip(request))
    except services.AssignmentRefused as exc:
        return render(request, "dashboard/refused.html", {"case": case, "title": "Assignment refused",
                                                           "message": str(exc)},
                      status=409 if isinstance(exc, services.CaseClosed) else 403)
    messages.success(request, "Assigned to you." if assignee == request.user else f"Assigned to {assignee.get_username()}.")
    return redirect(request.POST.get("next") if request.POST.get("next", "").startswith("/dashboard/")
                    else reverse("dashboard:case", kwargs={"public_id": case.public_id}))


@require_POST
@dashboard_required(services.PERM_DECIDE)
def case_note(request, public_id):
    case = _case_or_404(public_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        services.note_add(case=case, body=form.cleaned_data["body"], actor=request.user, ip_address=_ip(request))
        messages.success(request, "Note added.")
    else:
        messages.error(request, "A note cannot be empty.")
    return redirect("dashboard:case", public_id=case.public_id)


@require_GET
@dashboard_required()
def case_media(request, public_id, blob_id):
    """Decrypted biometric media, audited per request, never cached, never a static file.

    A single byte range is served (206), so a reviewer can seek in a video; each range request
    is an access like any other and is audited with the range it asked for.
    """
    case = _case_or_404(public_id)
    requested = request.headers.get("Range", "")
    if range_refused(requested):  # before media_open: a refused request reads and audits nothing
        return HttpResponse("Range header refused.", status=400, content_type="text/plain")
    try:
        blob, data = services.media_open(case=case, blob_id=blob_id, actor=request.user, ip_address=_ip(request),
                                         byte_range=requested)
    except services.MediaNotFound:
        raise Http404("no such medium") from None
    try:
        span = byte_range(requested, len(data))
    except RangeNotSatisfiable:
        response = HttpResponse(status=416, content_type=blob.content_type)
        response["Content-Range"] = f"bytes */{len(data)}"
    else:
        if span is None:
            response = HttpResponse(data, content_type=blob.content_type)
        else:
            first, last = span
            response = HttpResponse(data[first:last + 1], status=206, content_type=blob.content_type)
            response["Content-Range"] = f"bytes {first}-{last}/{len(data)}"
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "no-store"
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_GET
@dashboard_required(services.PERM_THRESHOLD_CHANGE)
def thresholds(request):
    return render(request, "dashboard/thresholds.html", {"rows": selectors.threshold_rows()})


@require_http_methods(["GET", "POST"])
@dashboard_required(services.PERM_THRESHOLD_CHANGE)
def threshold_edit(request, provider, metric):
    row = selectors.threshold_row(provider=provider, metric=metric)
    if row is None:
        raise Http404("no such threshold")
    current_value = row.current.value if row.current else row.default.value
    scale = row.current.scale if row.current else row.default.scale
    preview = None
    if request.method == "POST":
        form = ThresholdForm(request.POST, scale=scale)
        if form.is_valid():
            value = form.cleaned_data["value"]
            if request.POST.get("action") == "save":
                try:
                    policy = services.threshold_policy_change(
                        provider=provider, metric=metric, value=value, reason=form.cleaned_data["reason"],
                        actor=request.user, ip_address=_ip(request))
                except services.ThresholdChangeRefused as refused:
                    form.add_error(None, str(refused))
                else:
                    messages.success(request, f"Saved {policy}.")
                    return redirect("dashboard:thresholds")
            preview = selectors.threshold_preview(
                provider=provider, metric=metric, value=value, current=current_value, scale=scale,
                last_n=form.cleaned_data.get("last_n") or 1000)
    else:
        form = ThresholdForm(initial={"value": current_value, "last_n": 1000}, scale=scale)
    return render(request, "dashboard/threshold_edit.html", {
        "row": row, "form": form, "preview": preview, "current_value": current_value, "scale": scale,
        "hist_w": selectors.HIST_W, "hist_h": selectors.HIST_H})


@require_GET
@dashboard_required(PERM_AUDIT)
def audit(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.to_filter() if form.is_valid() else selectors.AuditFilter()
    page = selectors.audit_page(filters=filters, cursor=request.GET.get("after"))
    params = request.GET.copy()
    params.pop("after", None)
    return render(request, "dashboard/audit.html", {
        "form": form if request.GET else AuditFilterForm(), "page": page, "params": params.urlencode(),
        "actions": selectors.audit_actions()})


class _Echo:
    def write(self, value):
        return value


#: A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """``value`` as text a spreadsheet shows and never evaluates (OWASP "CSV injection"): a cell
    starting with ``= + - @``, a tab or a carriage return gets a leading ``'``. Audit rows carry
    text others typed (a partner's case reference, a file name), e.g. ``=HYPERLINK(...)``."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@require_GET
@dashboard_required(PERM_AUDIT)
def audit_csv(request):
    """The filtered audit log as CSV, streamed; the export itself is audited."""
    form = AuditFilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        # Never the whole log in place of the filtered part someone asked for.
        problems = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())
        return HttpResponse(f"Nothing exported: the filters are not valid ({problems}).\n", status=400,
                            content_type="text/plain; charset=utf-8")
    filters = form.to_filter() if form.is_valid() else selectors.AuditFilter()
    services.audit_export_record(actor=request.user, filters=filters, ip_address=_ip(request))
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(["created_at", "actor", "action", "case", "reference", "ip_address", "details"])
        for e in selectors.audit_events(filters=filters).order_by("-created_at", "-pk").iterator(chunk_size=2000):
            yield writer.writerow([csv_cell(cell) for cell in (
                e.created_at.isoformat(), e.actor_label, e.action, e.case.public_id if e.case else "",
                e.case.reference if e.case else "", e.ip_address or "", services.json_compact(e.details))])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit.csv"'
    return response


@require_http_methods(["GET", "POST"])
@dashboard_required(services.PERM_DECIDE)
def invite(request):
    """A reviewer opens a case for someone and gets the capture link to send them."""
    form = InviteForm(request.POST or None)
    link = case = None
    if request.method == "POST" and form.is_valid():
        case, token = services.case_invite(kind=form.cleaned_data["kind"], reference=form.cleaned_data["reference"],
                                           actor=request.user, ip_address=_ip(request))
        link = request.build_absolute_uri(reverse("liveness:capture", kwargs={"token": token}))
        form = InviteForm()
    link_hours = round(settings.KYC_CAPTURE_LINK_MAX_AGE / 3600, 1)
    return render(request, "dashboard/invite.html", {"form": form, "link": link, "invited": case,
                                                     "link_hours": f"{link_hours:g}"},
                  status=400 if request.method == "POST" and link is None else 200)
