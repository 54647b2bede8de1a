"""Queue search by the start of a public id or reference (index-served), closed cases never
assigned, and the plain wording of audit details and webhook failures."""
from __future__ import annotations

import pytest
from django.db import connection

from liveness.cases.models import Case, CaseState
from liveness.cases.services import case_transition
from liveness.review import services, wording
from liveness.review.selectors import QueueFilter, queue_cases, search_condition
from tests.conftest import staff_login

from .conftest import make_review_case


def _found(term: str, user) -> list[str]:
    page = queue_cases(filters=QueueFilter(search=term), user=user)
    return sorted(c.reference for c in page.items)


@pytest.mark.django_db
def test_search_finds_the_start_of_a_public_id_or_a_reference_in_any_case(reviewer):
    a = make_review_case(reference="Shop-2041")
    make_review_case(reference="shop-2052")
    make_review_case(reference="other")
    assert _found("shop-20", reviewer) == ["Shop-2041", "shop-2052"]
    assert _found("SHOP-204", reviewer) == ["Shop-2041"]
    assert _found(str(a.public_id)[:6], reviewer) == ["Shop-2041"]
    assert _found(str(a.public_id)[:13].upper(), reviewer) == ["Shop-2041"]  # with its dash, upper case
    assert _found(str(a.public_id), reviewer) == ["Shop-2041"]  # whole id: exact
    assert _found("100%", reviewer) == [] and _found("_", reviewer) == []  # LIKE wildcards are literal
    assert _found("hop", reviewer) == []  # a start, not a substring


@pytest.mark.django_db
def test_the_prefix_searches_are_index_scans():
    """With sequential scans priced out, the planner can serve both conditions from an index: the
    reference through case_reference_prefix_idx, the public id through its unique index."""
    make_review_case(reference="idx-1")
    for term, index in (("IDX-", "case_reference_prefix_idx"), ("zz-not-hex", "case_reference_prefix_idx"),
                        ("3fa2", "public_id")):
        sql, params = Case.objects.filter(search_condition(term)).only("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "Seq Scan" not in plan and index in plan, plan


@pytest.mark.django_db
def test_a_closed_case_is_never_assigned(client, reviewer):
    case = make_review_case(reference="closed-1", passed=True, score=95.0)
    case_transition(case=case, to=CaseState.REJECTED, reason="test", actor_label="test")
    with pytest.raises(services.CaseClosed):
        services.case_assign(case=case, assignee=reviewer, actor=reviewer)
    staff_login(client, reviewer)
    response = client.post(f"/dashboard/cases/{case.public_id}/assign/")
    assert response.status_code == 409 and "closed case cannot be assigned" in response.content.decode()
    assert "Assign to me" not in client.get(f"/dashboard/cases/{case.public_id}/").content.decode()


@pytest.mark.parametrize(("raw", "summary"), [
    ("ConnectionError: _PublicHTTPConnectionPool(host='h.example', port=443): Max retries exceeded with url: / "
     "(Caused by NewConnectionError('...: Failed to establish a new connection: [Errno 111] Connection refused'))",
     "The partner's server could not be reached (connection refused)."),
    ("ConnectionError: HTTPSConnectionPool(host='nope.example', port=443): Max retries exceeded (Caused by "
     "NameResolutionError(\"Failed to resolve 'nope.example' ([Errno -2] Name or service not known)\"))",
     "The partner's server could not be found (its name does not resolve in DNS)."),
    ("timed out (gave up after 8 attempts)", "The partner's server did not answer in time. Gave up after 8 attempts."),
    ("HTTP 503: upstream down", "The partner's server answered with an error of its own (HTTP 503)."),
    ("HTTP 401: bad signature", "The partner's server refused the notification (HTTP 401)."),
    ("refused: 10.0.0.5 is a private address", "The webhook address points to a private or local network, "
                                               "which is not allowed: the partner must change the address."),
    ("SSLError: certificate verify failed", "A secure (HTTPS) connection to the partner's server could not be made "
                                            "(certificate or TLS problem)."),
    ("something new", "The notification could not be delivered."),
])
def test_a_delivery_error_in_plain_words_keeps_the_raw_text(raw, summary):
    problem = wording.delivery_problem(raw)
    assert problem is not None and problem.summary == summary and problem.raw == raw
    assert wording.delivery_problem("") is None


def test_audit_details_as_labelled_rows():
    assert wording.detail_rows({"over_failed_check": True, "failing_checks": [3, 4], "reason_code": "verified",
                                "previous": None, "filters": {"action": "case.", "actor": ""}}) == [
        ("Reason code", "verified"), ("Approved over a failed check", "yes"), ("Checks that did not pass", "3, 4"),
        ("Previously assigned to", "—"), ("Filters", "Action: case.; Actor: —")]
    # jsonb hands keys back sorted by length: the state change still reads from, to, reason.
    assert [label for label, _ in wording.detail_rows({"to": "b", "reason": "r", "from": "a"})] == [
        "From state", "To state", "Reason"]
    assert wording.detail_rows({"four_eyes": False}) == [("Approved over a failed check", "no")]  # older events
    assert wording.detail_rows({}) == []
