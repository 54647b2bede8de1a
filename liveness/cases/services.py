"""Case use cases: open, move, issue digits, accept a submission, decide automatically.

Naming: ``<entity>_<action>``, keyword-only arguments, ``@transaction.atomic`` where a function
writes. Vendor calls are never made inside a transaction: a slow vendor must not hold row
locks, and a rollback cannot undo a paid call.
"""
from __future__ import annotations

import logging
import math
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from ..checks import pacing
from ..checks.models import Check
from ..checks.queue import check_enqueue_on_commit
from ..media import files as media
from ..media.burst import burst_motion
from ..media.models import MediaKind
from ..ops import metrics
from ..partners.models import Partner
from liveness.vendors import catalogue, get_provider, provider_name_for
from liveness.vendors.base import Operation, ProviderError, departure
from liveness.vendors.languages import digit_languages_of
from ..web.errors import UserFacingError
from .audit import audit_record
from .models import AuditEvent, Case, CaseKind, CaseState, Challenge, OutboxEvent, Submission
from . import policy
from .outbox import outbox_record
from .selectors import case_decision
from .upload_limits import operation_of, upload_limits_for

logger = logging.getLogger(__name__)

PIPELINE = "system:pipeline"
CHALLENGE_TTL = timedelta(minutes=10)
#: Test-mode cases (opened with a test API key) run every challenge and check here, never on a paid vendor.
TEST_PROVIDER = "local"


class IllegalTransition(Exception):
    pass


class SubmissionRefused(UserFacingError):
    """The case cannot take this submission now (wrong state, challenge used or expired...)."""


class ChallengeUnavailable(UserFacingError):
    """The video provider issued no digits, and nothing was stored: ``provider_busy`` (no call
    slot within the limiter's max wait; 503, nothing sent), ``challenge_unavailable`` (the vendor
    failed: 503 when trying again may help, 502 when it needs the operator)."""


# --- cases -------------------------------------------------------------------------------

@transaction.atomic
def case_open(
    *, kind: str, actor_label: str, reference: str = "", partner: Partner | None = None,
    actor: AbstractBaseUser | None = None, test_mode: bool = False,
) -> Case:
    """Open a case. ``test_mode`` (a test API key opened it) pins every challenge and check of the
    case to :data:`TEST_PROVIDER`, whichever door they come through."""
    if kind not in CaseKind.values:
        raise ValueError(f"unknown case kind {kind!r}")
    case = Case.objects.create(kind=kind, reference=reference, partner=partner, state_changed_by_label=actor_label,
                               test_mode=test_mode)
    details = {"kind": kind, "reference": reference, **({"test_mode": True} if test_mode else {})}
    audit_record(action="case.opened", actor=actor, actor_label=actor_label, case=case, details=details)
    return case


def case_provider_pin(*, case: Case, provider_name: str | None) -> str | None:
    """The provider a challenge or check of ``case`` must use: :data:`TEST_PROVIDER` for a test-mode
    case whatever the caller asked for (a capture link's pages ask for nothing), else the caller's
    choice (None: the configured provider)."""
    return TEST_PROVIDER if case.test_mode else provider_name


@transaction.atomic
def case_transition(
    *, case: Case, to: str, reason: str, actor_label: str, actor: AbstractBaseUser | None = None,
) -> Case:
    """Move a case along :data:`liveness.cases.models.CASE_TRANSITIONS`; anything else is refused.
    The outbox event partners receive is written in the same transaction, with the decision behind
    the new state as it is now (:func:`liveness.cases.selectors.case_decision`; a reviewer's
    ``Decision`` row is written before this call), so a later decision cannot change what an
    earlier webhook says."""
    # The latest submission's time comes with the locked row (for the decision-time metric), not by a query of its own.
    latest_submission = Submission.objects.filter(case=OuterRef("pk")).order_by("-created_at").values("created_at")[:1]
    locked = Case.objects.select_for_update().annotate(submitted_at=Subquery(latest_submission)).get(pk=case.pk)
    if not locked.can_move_to(to):
        raise IllegalTransition(f"a case cannot go from {locked.state} to {to}")
    previous = locked.state
    locked.state = to
    locked.state_changed_at = timezone.now()
    locked.state_changed_by = actor
    locked.state_changed_by_label = actor_label
    locked.state_reason = reason
    locked.save(update_fields=["state", "state_changed_at", "state_changed_by", "state_changed_by_label", "state_reason"])
    audit_record(action="case.transition", actor=actor, actor_label=actor_label, case=locked,
                 details={"from": previous, "to": to, "reason": reason})
    decision = case_decision(case=locked)
    outbox_record(case=locked, kind=OutboxEvent.CASE_STATE_CHANGED,
                  payload={"previous": previous, "state": to, "reason": reason, "actor": actor_label,
                           "decision": decision.as_json() if decision is not None else None})
    metrics.case_moved(case=locked, previous=previous, human=actor is not None, submitted_at=locked.submitted_at)
    case.refresh_from_db()
    return locked


# --- challenges --------------------------------------------------------------------------

def challenge_issue(*, case: Case, actor_label: str, provider_name: str | None = None,
                    language: str | None = None) -> Challenge:
    """Ask the video provider for digits (a vendor call, outside any transaction) and bind them to the case.

    ``language``: what the person will read them in ("en", "zh"; None: the provider's preferred
    language), kept on the challenge for the check; one the provider does not understand is refused
    (400 ``language_unsupported``, no call).

    ``provider_name`` overrides the configured video provider (test API keys pin the local engine);
    a test-mode case always uses :data:`TEST_PROVIDER`. At most ``KYC_CHALLENGES_PER_CASE`` per case,
    whichever door asks (:class:`ChallengeLimitReached`, 429, no call past it).
    """
    if case.kind != CaseKind.DIGIT_VIDEO:
        raise SubmissionRefused("wrong_kind", "This case takes a selfie, not a digit video.")
    if case.state not in (CaseState.AWAITING_SUBMISSION, CaseState.RETAKE_REQUESTED):
        raise SubmissionRefused("case_closed", "This case is not waiting for a video.", status=409)
    provider_name = case_provider_pin(case=case, provider_name=provider_name) or provider_name_for(
        Operation.DIGIT_VIDEO)
    language = _challenge_language(provider_name=provider_name, language=language)
    _challenge_slot_take(case=case, actor_label=actor_label)
    try:
        digits = _challenge_digits_fetch(case=case, provider_name=provider_name, actor_label=actor_label)
    except ChallengeUnavailable as refused:
        if refused.code == "provider_busy":  # refused before any request left: no call to count
            _challenge_slot_release(case=case)
        raise
    with transaction.atomic():
        challenge = Challenge.objects.create(
            case=case, digits=digits, provider=provider_name, expires_at=timezone.now() + CHALLENGE_TTL,
            language=language,
        )
        audit_record(action="challenge.issued", actor_label=actor_label, case=case,
                     details={"challenge": challenge.pk, "provider": provider_name, "language": language})
    return challenge


def _challenge_language(*, provider_name: str, language: str | None) -> str:
    understood = digit_languages_of(provider_name)
    if language is None:
        return understood[0]
    if language not in understood:
        raise SubmissionRefused("language_unsupported", f"The digits cannot be read in {language!r} for this check; "
                                f"choose one of: {', '.join(understood)}.", status=400)
    return language


class ChallengeLimitReached(UserFacingError):
    """The case was issued ``KYC_CHALLENGES_PER_CASE`` challenges already: 429, no vendor call."""


def _challenge_slot_take(*, case: Case, actor_label: str) -> None:
    """Count one more challenge against the case before its provider is asked, or refuse.

    One conditional ``UPDATE`` (the row is locked for that statement only, never across the vendor
    call), so however many requests arrive at once, at most ``KYC_CHALLENGES_PER_CASE`` succeed and
    only those reach the provider. The first refusal is audited (``challenge.limit_reached``).
    """
    limit = settings.KYC_CHALLENGES_PER_CASE
    taken = Case.objects.filter(pk=case.pk, challenges_issued__lt=limit).update(
        challenges_issued=F("challenges_issued") + 1)
    if taken:
        return
    if not AuditEvent.objects.filter(case=case, action="challenge.limit_reached").exists():
        audit_record(action="challenge.limit_reached", actor_label=actor_label, case=case, details={"limit": limit})
    raise ChallengeLimitReached(
        "too_many_challenges", f"This check was given new digits {limit} times, the most it may have; ask whoever "
                               f"sent you here to start a new check.", status=429)


def _challenge_slot_release(*, case: Case) -> None:
    """Give back a slot for which no request was sent (the rate limiter said busy). A vendor call
    that failed keeps its slot: the limit bounds calls, answered or not."""
    Case.objects.filter(pk=case.pk, challenges_issued__gt=0).update(challenges_issued=F("challenges_issued") - 1)


def _challenge_digits_fetch(*, case: Case, provider_name: str, actor_label: str) -> str:
    """The vendor's digits, paced by the provider's rate limiter like the checks (a person is
    waiting, so a slot further away than the max wait is a "busy" refusal, not a queue). A
    vendor failure is audited on the case (``challenge.failed``) and refused in words a person
    can act on; the vendor's code stays in the audit and the log, for the operator."""
    busy_for = pacing.provider_call_now(provider_name)
    if busy_for is not None:
        raise ChallengeUnavailable(
            "provider_busy", f"Many video checks are starting right now; please try again in {math.ceil(busy_for)} "
                             f"seconds.", status=503)
    try:
        with departure(pacing.provider_departure(provider_name)):
            return get_provider(provider_name).challenge_digits()
    except ProviderError as error:
        pacing.provider_error_seen(provider_name, vendor=error.vendor, code=error.code)
        logger.warning("challenge for case %s: %s %s/%s: %s", case.public_id, provider_name, error.vendor, error.code,
                       error.message)
        audit_record(action="challenge.failed", actor_label=actor_label, case=case, details={
            "provider": provider_name, "vendor": error.vendor, "code": error.code, "message": error.message[:500],
            "transient": error.transient})
        if error.transient:
            raise ChallengeUnavailable(
                "challenge_unavailable", "The verification service could not give digits just now; please try again "
                                         "in a moment.", status=503) from error
        raise ChallengeUnavailable(
            "challenge_unavailable", "Video checks are not available right now; please try again later.",
            status=502) from error


def _challenge_consume(*, case: Case, challenge_id: int) -> Challenge:
    """Single use, atomically: of two concurrent submissions only one wins the challenge."""
    now = timezone.now()
    won = Challenge.objects.filter(pk=challenge_id, case=case, used_at__isnull=True, expires_at__gt=now).update(used_at=now)
    if not won:
        challenge = Challenge.objects.filter(pk=challenge_id, case=case).first()
        if challenge is None:
            raise SubmissionRefused("challenge_unknown", "These digits were not issued for this case.", status=400)
        if challenge.used_at:
            raise SubmissionRefused("challenge_used", "These digits were already used; ask for new digits.", status=409)
        raise SubmissionRefused("challenge_expired", "These digits have expired; ask for new digits.", status=409)
    return Challenge.objects.get(pk=challenge_id)


# --- submissions ------------------------------------------------------------------------

def submission_accept(
    *, case: Case, actor_label: str, source: str, selfie: bytes | None = None, video: bytes | None = None,
    card: bytes | None = None, challenge_id: int | None = None, actor: AbstractBaseUser | None = None,
    provider_name: str | None = None, burst: list[bytes] | None = None,
) -> Submission:
    """Validate and store the media of a submission, then queue its check once committed.

    Media is validated before any row is written (a refused upload leaves nothing
    behind). Raises ``media.MediaRejected`` or ``SubmissionRefused``. ``provider_name``
    overrides the configured provider for this submission's check; a test-mode case's check
    always runs on :data:`TEST_PROVIDER`. ``burst``: the frames a camera took after the selfie
    (``liveness.media.burst``); their motion is kept on the submission, the frames are not stored.
    """
    limits = upload_limits_for(operation=operation_of(case.kind), provider_name=provider_name)
    if case.kind == CaseKind.SELFIE:
        if selfie is None:
            raise SubmissionRefused("selfie_required", "A selfie is required.", status=400)
        selfie_image = media.image_normalise(selfie, what="selfie", max_bytes=limits.image_bytes)
        camera_motion = burst_motion(selfie, burst) if burst else None
        operation = Operation.SELFIE_LIVENESS
    else:
        if video is None or card is None or challenge_id is None:
            raise SubmissionRefused("video_card_challenge_required",
                                    "A digit video, an ID-card photo and the challenge are required.", status=400)
        # checked, then remuxed without the file's metadata (a phone's location, a comment)
        normalised_video = media.video_normalise(video, max_bytes=limits.video_bytes)
        video_info, video = normalised_video.info, normalised_video.content
        card_image = media.image_normalise(card, what="ID-card photo", max_bytes=limits.image_bytes)
        camera_motion = None
        operation = Operation.DIGIT_VIDEO

    # Storage first, outside any transaction (up to 20 MiB of video; S3 may take seconds): the case
    # lock below is held only to check the state, take the challenge and link the rows. A case
    # already known to take nothing is refused before anything is written.
    _case_accepting_check(Case.objects.filter(pk=case.pk).values_list("state", flat=True).first() or "")
    if operation == Operation.SELFIE_LIVENESS:
        blobs = {"selfie": media.blob_write(
            data=selfie_image.content, kind=MediaKind.SELFIE, content_type=selfie_image.content_type,
            width=selfie_image.width, height=selfie_image.height)}
    else:
        blobs = {
            "video": media.blob_write(
                data=video, kind=MediaKind.VIDEO, content_type=f"video/{video_info.container.split(',')[0]}",
                width=video_info.width, height=video_info.height, duration_s=video_info.duration_s),
            "card": media.blob_write(
                data=card_image.content, kind=MediaKind.CARD, content_type=card_image.content_type,
                width=card_image.width, height=card_image.height),
        }
    try:
        submission = _submission_link(case=case, blobs=blobs, challenge_id=challenge_id, actor=actor,
                                      actor_label=actor_label, source=source, operation=operation,
                                      provider_name=provider_name, camera_motion=camera_motion)
    except BaseException:
        media.blob_discard(*blobs.values())
        raise
    case.refresh_from_db()
    return submission


def _case_accepting_check(state: str) -> None:
    if state not in (CaseState.AWAITING_SUBMISSION, CaseState.RETAKE_REQUESTED):
        label = CaseState(state).label.lower() if state in CaseState.values else "closed"
        raise SubmissionRefused("case_not_accepting", f"This case is {label} and takes no new submission.",
                                status=409)


@transaction.atomic
def _submission_link(*, case: Case, blobs: dict, challenge_id: int | None, actor: AbstractBaseUser | None,
                     actor_label: str, source: str, operation: str, provider_name: str | None,
                     camera_motion: float | None = None) -> Submission:
    """Under the case lock: refuse a case that takes no submission, save the written blobs' rows,
    take the challenge, create the check and move the case; the check is queued on commit."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    _case_accepting_check(locked.state)
    submission = Submission(case=locked, kind=locked.kind, source=source, camera_motion=camera_motion)
    if operation == Operation.DIGIT_VIDEO:
        submission.challenge = _challenge_consume(case=locked, challenge_id=challenge_id)
    for role, blob in blobs.items():
        blob.save()
        setattr(submission, role, blob)
    submission.save()
    check = Check.objects.create(
        submission=submission, case=locked,
        provider=case_provider_pin(case=locked, provider_name=provider_name) or provider_name_for(operation),
        operation=operation)
    audit_record(action="submission.accepted", actor=actor, actor_label=actor_label, case=locked,
                 details={"submission": submission.pk, "source": source, "check": check.pk})
    case_transition(case=locked, to=CaseState.PROCESSING, reason="submission received", actor_label=actor_label,
                    actor=actor)
    check_enqueue_on_commit(check_id=check.pk)
    return submission


@transaction.atomic
def case_evaluate(*, case_id: int) -> Case:
    """Apply the decision policy (:func:`liveness.cases.policy.policy_route`, the table in
    docs/decisions.md) once every check of the latest submission has finished. Rejection is
    always a human decision."""
    case = Case.objects.select_for_update().get(pk=case_id)
    if case.state == CaseState.WITHDRAWN:  # a check that was in flight at the withdrawal stored photos since
        from liveness.media.retention import case_media_erase

        case_media_erase(case_id=case.pk, reason="consent_withdrawn", actor_label=PIPELINE)
    if case.state != CaseState.PROCESSING:
        return case
    submission = case.submissions.order_by("-created_at", "-pk").first()
    checks = list(submission.checks.prefetch_related("scores")) if submission else []
    if not checks or not all(c.is_terminal for c in checks):
        return case
    facts = [policy.CheckFacts(status=c.status, passed=c.passed, error_vendor=c.error_vendor,
                               error_code=c.error_code, error_category=c.error_category) for c in checks]
    failing = [c for c in checks if not c.passed]
    retakes = {"automatic_retakes": _automatic_retakes(case) if failing else 0,  # no query on the approve path
               "retake_limit": settings.KYC_AUTO_RETAKE_LIMIT}
    route = policy.policy_route(checks=facts, auto_approve=settings.KYC_AUTO_APPROVE, **retakes)
    if route == policy.Route.APPROVE:
        return case_transition(case=case, to=CaseState.APPROVED, reason="all checks passed", actor_label=PIPELINE)
    if not failing:
        return case_transition(case=case, to=CaseState.MANUAL_REVIEW,
                               reason="all checks passed; automatic approval is off", actor_label=PIPELINE)
    target = CaseState.RETAKE_REQUESTED if route == policy.Route.RETAKE else CaseState.MANUAL_REVIEW
    reason = "; ".join(_failure_reason(c) for c in failing)
    if policy.retakes_exhausted(checks=facts, **retakes):
        reason = (f"failed again after {settings.KYC_AUTO_RETAKE_LIMIT} automatic retake(s), so a reviewer "
                  f"looks: {reason}")
    return case_transition(case=case, to=target, reason=reason, actor_label=PIPELINE)


def _automatic_retakes(case: Case) -> int:
    """How many times the pipeline sent this case back for a retake (its audited moves)."""
    return AuditEvent.objects.filter(case=case, action="case.transition", actor_label=PIPELINE,
                                     details__to=CaseState.RETAKE_REQUESTED).count()


def _failure_reason(check: Check) -> str:
    if check.error_code:
        entry = catalogue.lookup(check.error_vendor, check.error_code)
        return f"{check.provider} {check.error_code}: {entry.reviewer_explanation}"
    below = [s for s in check.scores.all() if s.passed is False]
    return "; ".join(f"{check.provider} {s.metric} {s.value:g} below threshold {s.threshold:g}" for s in below)
