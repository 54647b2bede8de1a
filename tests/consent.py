"""Giving consent the way a person or a partner does, for tests whose subject is something else."""
from __future__ import annotations

from liveness.capture.notice import notice_version


def consent_on_page(client, capture_path: str, case) -> None:
    """``client`` ticks "I agree" on the notice of the capture link at ``capture_path`` (``/c/<token>/``)."""
    response = client.post(capture_path + "consent/", {"agree": "yes", "notice_version": notice_version(case=case)})
    assert response.status_code == 302, response.content[:500]


def consent_by_api(api, case_id) -> None:
    """The partner records the consent it collected (``POST /api/v1/cases/{id}/consent``)."""
    response = api.post(f"/api/v1/cases/{case_id}/consent", {"notice_version": "partner-notice-3"}, format="json")
    assert response.status_code in (200, 201), response.content[:500]
