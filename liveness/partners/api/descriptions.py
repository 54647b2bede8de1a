"""What ``/api/docs/`` says about each endpoint: written for partners, who read only that page.

Views pass these to ``extend_schema(description=...)``; docstrings are never published
(``DISABLE_DOCSTRING_DESCRIPTIONS``), and tests/partners/test_api_docs.py checks that every
operation has one of these and that no developer note reaches the schema.
"""
from __future__ import annotations

CASES_LIST = (
    "Your cases, newest first, 50 per page by default (page_size up to 200). Filter by your reference or by "
    "state, e.g. state=manual_review. A page past the last one is 400 invalid_page.")

CASE_OPEN = (
    "Opens a case for one person: kind selfie (one photo) or digit_video (a video of the person reading digits "
    "aloud, plus a photo of their ID card). The case starts in awaiting_submission; then upload the media "
    "yourself, or create a capture link and send the person there.")

CASE_DETAIL = (
    "The case's state, its decision (outcome, reason code and words, the message shown to the person, who "
    "decided as a role, and when; null until something is decided), what to tell the person when a retake is "
    "requested, and every check: provider, status, scores next to their thresholds, and for a failed check the "
    "error code with what it means and what the person should do. include=photos adds the photos the provider "
    "returned (best frame, face crop) as base64; every such read is audited.")

CONSENT = (
    "Uploads through the API need the person's consent on record (409 consent_required until then). Send the "
    "version of the privacy notice they accepted in your app (it must tell them what is collected, why, for how "
    "long and who sees it) and when. Recorded once per case: a second call changes nothing and answers 200 with "
    "the first record. Persons who use the capture link accept the portal's own notice there instead.")

CONSENT_WITHDRAW = (
    "The person withdrew their consent (in your app, or by asking you): every photo and video of the case is "
    "deleted at once, checks not yet started are stopped before any vendor call, and a case still open ends in "
    "state withdrawn (you also get the case.consent_withdrawn webhook). An approved or rejected case keeps its "
    "state and decision; only its media is deleted, and the same webhook tells you so. Safe to repeat: a second call changes nothing and answers "
    "200 with the first withdrawal's time and created false. Persons on the capture link can withdraw there "
    "themselves. 409 consent_not_given: there was no consent to withdraw.")

CHALLENGE = (
    "Issues the digits the person must read aloud on camera, for a digit_video case. Each challenge is single use "
    "and expires after 10 minutes: send its challenge_id with the video. Ask for the language the person will read "
    "in (language: en for English, zh for Mandarin) and tell them which one; 400 language_unsupported when the "
    "configured video check cannot hear it. 503 challenge_unavailable or provider_busy: ask again shortly.")

SELFIE = (
    "Uploads the selfie of a selfie case, as a multipart file part named selfie or as a base64 string in JSON. "
    "Accepted uploads answer 202 and the case moves to processing; the result arrives by webhook or in "
    "GET /api/v1/cases/{id}. 409 case_not_accepting: the case is not waiting for a submission (see its state); 409 consent_required: record "
    "the person's consent first (POST /api/v1/cases/{id}/consent).")

VIDEO = (
    "Uploads the digit-reading video, the photo of the person's ID card and the challenge_id the digits came "
    "from, as multipart file parts or base64 strings in JSON. Accepted uploads answer 202 and the case moves to "
    "processing. A used or expired challenge is 409 challenge_used / challenge_expired: issue new digits. "
    "409 consent_required: record the person's consent first.")

CAPTURE_LINK = (
    "A signed link to send the person to: in their browser they take the selfie or the digit video with their "
    "camera, and the case proceeds exactly as with an upload. The link expires at expires_at.")

DELIVERIES = (
    "Every webhook delivery to your endpoints, newest first: its status (pending, delivered or failed), the "
    "payload sent, the latest attempt's HTTP status, latency and error, and attempt_log with every attempt. "
    "Filter by status or event.")

REDELIVER = (
    "Sends an event again as a new delivery with the same event id (deduplicate on it) and a "
    "fresh retry budget. 409 webhook_endpoint_inactive: reactivate the endpoint first.")

ENDPOINTS_LIST = (
    "Your webhook endpoints, oldest first, including deactivated ones (is_active false). Secrets are never "
    "listed: they are shown once, when the endpoint is created or its secret rotated.")

ENDPOINT_CREATE = (
    "Registers a URL to receive webhooks for the events listed (all by default). The answer contains the "
    "signing secret: store it now, it is not shown again (a retry with the same Idempotency-Key within 24 hours "
    "returns the same answer). The URL must be https in production and reach a public address. At most 10 "
    "active endpoints.")

ENDPOINT_READ = "One of your webhook endpoints: URL, events, whether it is active, when it was created. Never its secret."

ENDPOINT_UPDATE = (
    "Changes only the fields you send: url (checked like a new endpoint's; pending deliveries go to the new URL), "
    "events, or is_active (false pauses it and cancels its pending deliveries, true resumes). Sending the same "
    "change twice leaves the same state, so no Idempotency-Key is needed.")

ENDPOINT_DELETE = (
    "The endpoint stays listed with is_active false, with its delivery history; it gets no new events and its "
    "pending deliveries become failed with a 'cancelled: ...' error (redeliver them after PATCH is_active=true). "
    "Deleting it again changes nothing.")

ENDPOINT_ROTATE = (
    "Replaces the endpoint's signing secret and shows the new one, this once. The old secret stops at once: "
    "every attempt from now on, retries included, is signed with the new one, so let your receiver accept both "
    "for a few minutes around the rotation.")
