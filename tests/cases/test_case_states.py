import pytest

from liveness.cases import services
from liveness.cases.models import CASE_TRANSITIONS, AuditEvent, CaseState
from tests.factories import CaseFactory, UserFactory

pytestmark = pytest.mark.django_db

ALL_STATES = list(CaseState.values)
LEGAL = [(a, b) for a in ALL_STATES for b in ALL_STATES if b in CASE_TRANSITIONS[a]]
ILLEGAL = [(a, b) for a in ALL_STATES for b in ALL_STATES if b not in CASE_TRANSITIONS[a]]


@pytest.mark.parametrize(("start", "to"), LEGAL)
def test_legal_transition_moves_case_and_records_who(start, to):
    case = CaseFactory(state=start)
    user = UserFactory()

    services.case_transition(case=case, to=to, reason="because", actor=user, actor_label="user:x")

    case.refresh_from_db()
    assert case.state == to
    assert case.state_changed_by == user
    assert case.state_changed_by_label == "user:x"
    assert case.state_reason == "because"
    event = AuditEvent.objects.get(case=case, action="case.transition")
    assert event.details == {"from": start, "to": to, "reason": "because"}


@pytest.mark.parametrize(("start", "to"), ILLEGAL)
def test_illegal_transition_is_refused_and_leaves_no_trace(start, to):
    case = CaseFactory(state=start)

    with pytest.raises(services.IllegalTransition):
        services.case_transition(case=case, to=to, reason="x", actor_label="test")

    case.refresh_from_db()
    assert case.state == start
    assert not AuditEvent.objects.filter(case=case).exists()


def test_final_states_have_no_way_out():
    assert CASE_TRANSITIONS[CaseState.APPROVED] == frozenset()
    assert CASE_TRANSITIONS[CaseState.REJECTED] == frozenset()


def test_case_open_audits_creation():
    case = services.case_open(kind="selfie", reference="abc", actor_label="partner:1")
    assert case.state == CaseState.AWAITING_SUBMISSION
    assert AuditEvent.objects.filter(case=case, action="case.opened", actor_label="partner:1").exists()
