"""Input validation for the dashboard. Forms check shapes; services check rules."""
from __future__ import annotations

from django import forms

from liveness.cases.models import CaseKind, CaseState, DecisionOutcome
from liveness.review.selectors import AuditFilter, QueueFilter
from liveness.review.services import REASON_CODES


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(choices=[("all", "All states")] + list(CaseState.choices), required=False)
    provider = forms.CharField(required=False, max_length=100)
    failing = forms.CharField(required=False, max_length=100, help_text='"any" or a vendor code')
    created_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    created_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    q = forms.CharField(required=False, max_length=200, label="Reference or public id")
    assigned = forms.ChoiceField(choices=[("", "Anyone"), ("me", "Assigned to me"), ("unassigned", "Unassigned")],
                                 required=False)
    sort = forms.ChoiceField(choices=[("oldest", "Oldest first"), ("newest", "Newest first")], required=False)

    def to_filter(self) -> QueueFilter:
        d = self.cleaned_data
        state = d.get("state") or CaseState.MANUAL_REVIEW
        return QueueFilter(
            state="" if state == "all" else state, provider=d.get("provider", ""), failing=d.get("failing", ""),
            created_from=d.get("created_from"), created_to=d.get("created_to"), search=d.get("q", ""),
            assigned=d.get("assigned", ""), oldest_first=d.get("sort") != "newest")


def _reason_choices():
    """``outcome:code`` values, so every reason names the one outcome it belongs to (the page shows
    only the chosen outcome's reasons; :meth:`DecisionForm.clean` refuses any other)."""
    return [(f"{outcome}:{code}", f"{DecisionOutcome(outcome).label} — {label}")
            for outcome, reasons in REASON_CODES.items() for code, (label, _) in reasons.items()]


def reasons_by_outcome() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """``(outcome, outcome label, [(value, reason label)])``: the reason list grouped per outcome."""
    return [(outcome, DecisionOutcome(outcome).label, [(f"{outcome}:{code}", label) for code, (label, _) in
                                                        reasons.items()])
            for outcome, reasons in REASON_CODES.items()]


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(choices=DecisionOutcome.choices, widget=forms.RadioSelect)
    reason = forms.ChoiceField(choices=_reason_choices, label="Reason code")
    user_message = forms.CharField(required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
                                   help_text="Shown to the person. Empty: the reason's standard message.")
    internal_comment = forms.CharField(required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}),
                                       help_text="Reviewers only. Required to approve over a failed check.")

    def clean(self):
        data = super().clean()
        outcome, reason = data.get("outcome"), data.get("reason")
        if outcome and reason:
            reason_outcome, _, code = reason.partition(":")
            if reason_outcome != outcome:
                self.add_error("reason", "This reason belongs to another outcome.")
            data["reason_code"] = code
        return data


class NoteForm(forms.Form):
    body = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 2}), label="Note")


class ThresholdForm(forms.Form):
    value = forms.FloatField(min_value=0)
    reason = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    last_n = forms.IntegerField(required=False, min_value=10, max_value=100_000, initial=1000,
                                label="Preview over the last N scores")

    def __init__(self, *args, scale: float = 100.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.scale = scale

    def clean_value(self):
        value = self.cleaned_data["value"]
        if value > self.scale:
            raise forms.ValidationError(f"At most {self.scale:g} (this vendor's scale).")
        return value


class AuditFilterForm(forms.Form):
    action = forms.CharField(required=False, max_length=60)
    actor = forms.CharField(required=False, max_length=100)
    case = forms.CharField(required=False, max_length=200, label="Case (public id or reference)")
    created_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    created_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def to_filter(self) -> AuditFilter:
        d = self.cleaned_data
        return AuditFilter(action=d.get("action", ""), actor=d.get("actor", ""), case=d.get("case", ""),
                           created_from=d.get("created_from"), created_to=d.get("created_to"))


class InviteForm(forms.Form):
    kind = forms.ChoiceField(choices=CaseKind.choices, initial=CaseKind.SELFIE)
    reference = forms.CharField(max_length=200, required=False, label="Your reference (optional)")
