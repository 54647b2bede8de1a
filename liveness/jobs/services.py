"""Claiming, retrying, finishing and sweeping jobs (``liveness.jobs.models``).

Every function takes the concrete model (``Check``, ``WebhookDelivery``) and a ``JobPolicy``
built from settings, so both kinds of job follow the same rules:

* a claim takes the row under ``select_for_update`` and only when it is pending and due, or in
  flight for longer than ``stale_after`` (its worker died): the open attempt is then marked
  abandoned, and a job whose attempts are spent is failed instead of called again;
* the attempt row is created in the claim's transaction, before the call;
* an attempt is closed at most once (``job_attempt_close``), so a retried save never doubles it;
* the sweep queues again only rows that are lost (due for ``lost_after`` with nobody on them) or
  stale, skips rows another transaction holds, and stamps ``requeued_at`` so repeated sweeps
  during a broker backlog queue each row once per ``lost_after``, not once per sweep.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import AttemptOutcome, Job, JobAttempt, JobStatus

J = TypeVar("J", bound=Job)

ABANDONED_MESSAGE = ("The worker stopped during this call or could not save its answer; the other side may have "
                     "been reached once. The job was claimed again.")


@dataclass(frozen=True)
class JobPolicy:
    stale_after: timedelta
    retry_delays: tuple[int, ...]
    lost_after: timedelta = timedelta(seconds=120)

    @property
    def max_attempts(self) -> int:
        return 1 + len(self.retry_delays)

    def retry_delay(self, attempts_made: int) -> int | None:
        """Seconds before the next attempt after ``attempts_made`` tries, or None when none is left."""
        if attempts_made < 1 or attempts_made > len(self.retry_delays):
            return None
        return self.retry_delays[attempts_made - 1]


def job_runnable(job: Job, *, now: datetime, policy: JobPolicy) -> bool:
    """Pending and due (a second early is fine), or in flight for a worker that died."""
    if job.status == JobStatus.IN_FLIGHT:
        return not (job.claimed_at and job.claimed_at > now - policy.stale_after)
    return job.status == JobStatus.PENDING and not (
        job.next_attempt_at and job.next_attempt_at > now + timedelta(seconds=1))


def job_claim(
    *, model: type[J], pk, worker: str, policy: JobPolicy, attempt_model: type[JobAttempt], attempt_field: str,
    exhausted: Callable[[J], None], admissible: Callable[[J], bool] | None = None,
) -> tuple[J, JobAttempt] | None:
    """Take a job for one attempt and save the attempt row, or return None when it is not ours to run.

    ``exhausted(job)`` is called (inside the lock) for a stale job whose attempts are spent: it
    must end the job. ``admissible(job)`` may refuse a due job (and end it) before an attempt.
    """
    now = timezone.now()
    with transaction.atomic():
        job = model.objects.select_for_update().filter(pk=pk).first()
        if job is None or not job_runnable(job, now=now, policy=policy):
            return None
        if job.status == JobStatus.IN_FLIGHT:
            attempt_model.objects.filter(**{attempt_field: job}, outcome=AttemptOutcome.STARTED).update(
                outcome=AttemptOutcome.ABANDONED, finished_at=now, error_message=ABANDONED_MESSAGE)
            if job.attempts >= policy.max_attempts:
                exhausted(job)
                return None
        if admissible is not None and not admissible(job):
            return None
        job.attempts += 1
        job.status = JobStatus.IN_FLIGHT
        job.claimed_at = now
        job.next_attempt_at = None
        job.save(update_fields=["attempts", "status", "claimed_at", "next_attempt_at"])
        attempt = attempt_model.objects.create(**{attempt_field: job}, number=job.attempts, worker=worker)
    return job, attempt


def job_attempt_close(*, attempt: JobAttempt, **fields) -> bool:
    """Finish an attempt that is still open. False when it is not (already recorded by a try whose
    commit acknowledgement was lost, or abandoned by a reclaim): the caller then writes nothing."""
    return bool(type(attempt).objects.filter(pk=attempt.pk, outcome=AttemptOutcome.STARTED).update(**fields))


def job_retry_schedule(*, job: Job, policy: JobPolicy, now: datetime) -> int | None:
    """Put the job back to pending for its next attempt and return the delay, or None when its
    attempts are spent (the caller then fails it). Does not save: the caller saves with its own fields."""
    delay = policy.retry_delay(job.attempts)
    if delay is None:
        return None
    job.status = JobStatus.PENDING
    job.claimed_at = None
    job.next_attempt_at = now + timedelta(seconds=delay)
    return delay


def job_finish(*, job: Job, status: str, now: datetime) -> None:
    """Mark a job done or failed. Does not save."""
    job.status = status
    job.claimed_at = None
    job.next_attempt_at = None
    job.finished_at = now


def job_ids_to_requeue(*, model: type[Job], policy: JobPolicy, lost_after: timedelta | None = None,
                       limit: int = 500, extra: Q | None = None) -> list:
    """Ids of lost or stale jobs, stamped ``requeued_at`` in the same transaction (see module doc).
    ``lost_after`` overrides the policy's window (operators' commands and tests)."""
    now = timezone.now()
    lost_before = now - (policy.lost_after if lost_after is None else lost_after)
    lost = Q(status=JobStatus.PENDING) & (
        Q(next_attempt_at__lt=lost_before) | Q(next_attempt_at__isnull=True, created_at__lt=lost_before))
    stale = Q(status=JobStatus.IN_FLIGHT, claimed_at__lt=now - policy.stale_after)
    not_recently = Q(requeued_at__isnull=True) | Q(requeued_at__lt=lost_before)
    query = (lost | stale) & not_recently
    if extra is not None:
        query &= extra
    with transaction.atomic():
        ids = list(model.objects.select_for_update(skip_locked=True).filter(query)
                   .order_by("created_at").values_list("pk", flat=True)[:limit])
        model.objects.filter(pk__in=ids).update(requeued_at=now)
    return ids

