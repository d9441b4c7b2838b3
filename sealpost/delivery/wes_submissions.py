"""Uploading WES orders to WES over SFTP: scheduling, retrying, re-uploading, confirming.

Status per order: queued → uploaded → confirmed (staff record WES's confirmation, or the
applicant does when WES tells them). The transfer itself is sealpost.delivery.wes. A submission
is claimed with a conditional UPDATE, so running its task twice uploads once; the upload itself
skips files already whole on the server. A refused host key stops the submission (no automatic
retry) and alerts the registrar once per key. See docs/wes.md.
"""

from __future__ import annotations

import datetime
import logging
import os

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sealpost import tasks
from sealpost.delivery import wes
from sealpost.delivery.models import WESSubmission
from sealpost.orders import deadlines
from sealpost.orders.models import Order, Status
from sealpost.orders.services import record, transition
from sealpost.privacy import redact

log = logging.getLogger(__name__)

LEASE = datetime.timedelta(minutes=15)
BACKOFF_BASE = 30  # seconds: 30 s, 1 min, 2 min … at most an hour
BACKOFF_MAX = 3600
MAX_ATTEMPTS = 8
ISSUED = {Status.ISSUED, Status.DELIVERED, Status.COMPLETED}
State = WESSubmission.State


class WESSubmissionError(Exception):
    """The action cannot be taken; the message is for the person who asked."""


def backoff(attempts: int) -> datetime.timedelta:
    base = getattr(settings, "DELIVERY_BACKOFF_SECONDS", None) or BACKOFF_BASE  # shortened by the fault suite
    cap = getattr(settings, "DELIVERY_BACKOFF_MAX_SECONDS", None) or BACKOFF_MAX
    return datetime.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), cap))


def max_attempts() -> int:
    return getattr(settings, "WES_MAX_ATTEMPTS", None) or MAX_ATTEMPTS


def lease() -> datetime.timedelta:
    """How long a claimed upload is a worker's; past it the sweeper takes it over (a worker
    killed mid-upload). SEALPOST_WES_LEASE_SECONDS, 15 minutes by default."""
    seconds = getattr(settings, "WES_LEASE_SECONDS", None) or os.environ.get("SEALPOST_WES_LEASE_SECONDS")
    return datetime.timedelta(seconds=float(seconds)) if seconds else LEASE


def _has_documents(order: Order) -> bool:
    return order.issued_documents.filter(revoked_at__isnull=True).exists()


# --- scheduling -------------------------------------------------------------------------------


# The upload tasks, started by name through the seam sealpost.tasks (delivery.tasks imports
# this module, never the other way round).
UPLOAD_TASK = "sealpost.delivery.tasks.upload_wes"
UPLOAD_BATCH_TASK = "sealpost.delivery.tasks.upload_wes_batch"


def _enqueue(submission_id: int, run_after=None) -> None:
    tasks.enqueue(UPLOAD_TASK, submission_id, run_after=run_after)


def _enqueue_batch(submission_ids: list[int]) -> None:
    try:
        tasks.resolve(UPLOAD_BATCH_TASK).enqueue(submission_ids)
    except Exception:  # the queue is down: the next sweep tries again
        log.exception("could not enqueue a batch of %s WES submissions", len(submission_ids))


def enqueue_on_commit(submission_id: int, run_after=None) -> None:
    transaction.on_commit(lambda: _enqueue(submission_id, run_after))


def schedule_wes(order: Order) -> WESSubmission | None:
    """Version 1 of a WES order's upload, once its documents are issued (calling again adds
    nothing). Uploaded by a task enqueued when the transaction commits."""
    if not order.wes_reference:
        return None
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if not order.wes_reference or order.status not in ISSUED or not _has_documents(order):
            return None
        if WESSubmission.objects.filter(order=order).exists():
            return None
        try:
            with transaction.atomic():
                submission = WESSubmission.objects.create(order=order, version=1, next_attempt_at=timezone.now())
        except IntegrityError:  # scheduled by someone else meanwhile
            return None
        enqueue_on_commit(submission.pk)
    return submission


def reupload(order: Order, actor) -> WESSubmission:
    """Staff upload the order again as a new version (``_v2`` names, a new manifest): the files
    of earlier versions on the server are never overwritten."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if not order.wes_reference:
            raise WESSubmissionError(_("This order has no WES reference number."))
        if not _has_documents(order):
            raise WESSubmissionError(_("This order has no issued documents to upload."))
        latest = WESSubmission.objects.filter(order=order).aggregate(v=Max("version"))["v"] or 0
        submission = WESSubmission.objects.create(
            order=order, version=latest + 1, next_attempt_at=timezone.now(),
            requested_by=actor if getattr(actor, "pk", None) else None)
        record(order, "wes_reupload", actor, version=submission.version)
        enqueue_on_commit(submission.pk)
    return submission


def retry(submission: WESSubmission, actor) -> bool:
    """Staff try a failed submission again (after a host key was checked with WES, say): the same
    version, attempts counted afresh. False when it was not failed."""
    with transaction.atomic():
        done = WESSubmission.objects.filter(pk=submission.pk, state=State.FAILED).update(
            state=State.QUEUED, attempts=0, next_attempt_at=timezone.now(), lease_until=None)
        if done:
            record(submission.order, "wes_retry", actor, version=submission.version)
            enqueue_on_commit(submission.pk)
    return bool(done)


# --- uploading --------------------------------------------------------------------------------


def _due(now) -> Q:
    return (Q(state__in=[State.QUEUED, State.FAILED], next_attempt_at__lte=now)
            | Q(state=State.UPLOADING, lease_until__lt=now))


def _claim(submission_id: int, now) -> bool:
    return bool(WESSubmission.objects.filter(_due(now), pk=submission_id).update(
        state=State.UPLOADING, lease_until=now + lease(), attempts=F("attempts") + 1))


def _configured() -> str:
    """'' when WES is configured, else why not."""
    try:
        wes.Config.from_settings()
    except wes.WESNotConfigured as error:
        return str(error)
    return ""


def _alert_host_key(submission: WESSubmission, reason: str) -> None:
    """Tell the registrar, once per refused key (the message names its fingerprint)."""
    already = WESSubmission.objects.filter(state=State.FAILED, next_attempt_at__isnull=True,
                                           last_error=reason[:500]).exclude(pk=submission.pk).exists()
    if already:
        return
    body = (
        "The WES SFTP server presented a host key that is not the pinned one, so nothing was sent.\n\n"
        f"{reason}\n\n"
        f"Order {submission.order.number}, upload version {submission.version}, is stopped and will not be "
        "retried automatically. Check the key with WES by another channel (telephone, their support "
        "portal) before adding it to the known_hosts file; then use \"Try again\" on the order's page.\n"
    )
    try:
        send_mail("[sealpost] WES host key refused", body, None, [settings.REGISTRAR_EMAIL])
    except Exception:
        log.exception("alerting staff about the refused WES host key failed")


def upload_submission(submission_id: int, now=None, config: wes.Config | None = None) -> str:
    """One attempt at a submission. Answers what happened: "uploaded", "failed", "refused" (host
    key), "not_configured", or "skipped" (not due, done, or taken by another worker)."""
    now = now or timezone.now()
    if config is None:
        reason = _configured()
        if reason:
            WESSubmission.objects.filter(pk=submission_id, state=State.QUEUED).update(
                last_error=reason[:500], error_code=wes.WESNotConfigured.code)
            return "not_configured"
    # Through the worker's kept connection (wes.upload_order_kept): one SSH handshake for a run
    # of orders, not one each.
    return _attempt(submission_id, now, lambda order, version: wes.upload_order_kept(order, version, config=config))


def upload_batch(submission_ids: list[int], now=None, config: wes.Config | None = None) -> dict[int, str]:
    """Every given submission through ONE SFTP connection (the sweeper's batches, a graduation
    day's backlog). Each submission keeps its own claim, retries and outcome. A connection that
    breaks in the middle is opened again once for the rest (not every later submission charged
    an attempt for the one that broke); if it cannot be opened, each remaining one records why.
    Each claim is taken when its turn comes (its lease runs from then, not from the batch's
    start: a long batch does not hand its tail to another worker's sweep)."""
    given_now = now
    if config is None and _configured():
        return {pk: upload_submission(pk, given_now) for pk in submission_ids}
    results: dict[int, str] = {}
    uploader = None
    failure = None
    try:
        for pk in submission_ids:
            when = given_now or timezone.now()
            if failure is None and uploader is None:
                try:
                    uploader = wes.Uploader(config)
                    uploader.connect()
                except wes.WESError as error:  # cannot connect: this one and the rest record it
                    uploader, failure = None, error
            if failure is not None:
                def refuse(order, version, failure=failure):
                    raise failure

                results[pk] = _attempt(pk, when, refuse)
                continue
            broke = []

            def upload(order, version, uploader=uploader, broke=broke):
                try:
                    return uploader.upload_order(order, version)
                except wes.WESUnavailable:
                    broke.append(True)
                    raise

            results[pk] = _attempt(pk, when, upload)
            if broke:  # this connection is gone: the next submission opens a new one
                uploader.close()
                uploader = None
    finally:
        if uploader is not None:
            uploader.close()
    return results


def _attempt(submission_id: int, now, upload) -> str:
    """Claim the submission, run ``upload(order, version)``, and record what happened."""
    if not _claim(submission_id, now):
        return "skipped"
    submission = WESSubmission.objects.select_related("order").get(pk=submission_id)
    order = submission.order
    try:
        names = upload(order, submission.version)
    except wes.WESNotConfigured as error:  # e.g. the key or known_hosts file is missing
        WESSubmission.objects.filter(pk=submission_id, state=State.UPLOADING).update(
            state=State.QUEUED, attempts=F("attempts") - 1, lease_until=None, last_error=str(error)[:500],
            error_code=error.code)
        return "not_configured"
    except wes.HostKeyRefused as error:
        reason = str(error)[:500]
        with transaction.atomic():
            WESSubmission.objects.filter(pk=submission_id, state=State.UPLOADING).update(
                state=State.FAILED, last_error=reason, error_code=error.code, next_attempt_at=None, lease_until=None)
            record(order, "wes_host_key_refused", None, version=submission.version, problem=error.code, reason=reason)
        _alert_host_key(submission, reason)
        return "refused"
    except Exception as error:
        transient = isinstance(error, (wes.WESUnavailable, wes.UploadMismatch)) or not isinstance(error, wes.WESError)
        reason = (str(error) if isinstance(error, wes.WESError) else f"{type(error).__name__}: {error}")[:500]
        code = getattr(error, "code", wes.WESError.code) if isinstance(error, wes.WESError) else wes.WESError.code
        log.warning("WES submission %s attempt %s failed: %s", submission_id, submission.attempts, redact(reason))
        retry_at = timezone.now() + backoff(submission.attempts) if transient and submission.attempts < max_attempts() else None
        with transaction.atomic():
            WESSubmission.objects.filter(pk=submission_id, state=State.UPLOADING).update(
                state=State.FAILED, last_error=reason, error_code=code, next_attempt_at=retry_at, lease_until=None)
            if retry_at is None:
                record(order, "wes_upload_failed", None, version=submission.version, problem=code, reason=reason)
            else:
                enqueue_on_commit(submission_id, retry_at)
        return "failed"
    with transaction.atomic():
        uploaded_at = timezone.now()
        WESSubmission.objects.filter(pk=submission_id).update(
            state=State.UPLOADED, files=names, uploaded_at=uploaded_at, lease_until=None, next_attempt_at=None,
            last_error="", error_code="")
        locked = Order.objects.select_for_update().get(pk=order.pk)
        locked.wes_uploaded_at = uploaded_at
        deadlines.update(locked)
        locked.save(update_fields=["wes_uploaded_at", *deadlines.DEADLINE_FIELDS, "updated_at"])
        record(locked, "wes_uploaded", None, version=submission.version, files=names)
    return "uploaded"


def sweep(now=None) -> int:
    """Enqueue again the submissions that are due (queued, failed with a retry due, or left
    uploading past their lease by a dead worker). Nothing while WES is not configured."""
    now = now or timezone.now()
    if _configured():
        return 0
    waiting = tasks.pending_ids(UPLOAD_TASK, UPLOAD_BATCH_TASK)  # already queued: not again
    ids = [pk for pk in WESSubmission.objects.filter(_due(now)).values_list("pk", flat=True) if pk not in waiting]
    if ids:
        _enqueue_batch(ids)  # one task, one connection for all of them
    return len(ids)


# --- confirmation -----------------------------------------------------------------------------


def confirm(order: Order, actor) -> WESSubmission:
    """WES confirmed receipt (recorded by staff, or by the applicant): the latest uploaded
    version becomes confirmed and the order is completed, which ends the follow-up deadline."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        submission = (WESSubmission.objects.select_for_update().filter(order=order, state=State.UPLOADED)
                      .order_by("-version").first())
        if submission is None:
            if WESSubmission.objects.filter(order=order, state=State.CONFIRMED).exists():
                raise WESSubmissionError(_("WES's confirmation has already been recorded."))
            raise WESSubmissionError(_("Nothing has been uploaded to WES yet."))
        submission.state = State.CONFIRMED
        submission.confirmed_at = timezone.now()
        submission.confirmed_by = actor if getattr(actor, "pk", None) else None
        submission.save(update_fields=["state", "confirmed_at", "confirmed_by"])
        by = "applicant" if getattr(actor, "pk", None) and actor.pk == order.applicant_id else "staff"
        if order.status in (Status.ISSUED, Status.DELIVERED):
            transition(order, Status.COMPLETED, actor, kind="wes_confirmed", version=submission.version, by=by)
        else:
            deadlines.update(order)
            order.save(update_fields=[*deadlines.DEADLINE_FIELDS, "updated_at"])
            record(order, "wes_confirmed", actor, version=submission.version, by=by)
    return submission


# --- what the pages show ----------------------------------------------------------------------


# Where WES stands for the applicant, from the latest version's state: "queued" (waiting or
# being uploaded), "retrying" (an attempt failed; tried again automatically), "failed" (no more
# automatic attempts: staff see it in the desk's queue and act), "uploaded", "confirmed".
IN_MOTION = {"queued", "retrying"}


def status_of(submission: WESSubmission | None) -> str | None:
    if submission is None:
        return None
    if submission.state == State.FAILED:
        return "failed" if submission.gave_up else "retrying"
    if submission.state in (State.UPLOADED, State.CONFIRMED):
        return submission.state
    return "queued"


def status(order: Order) -> str | None:
    """The order's WES status for the applicant (see IN_MOTION above), None when nothing is
    scheduled."""
    return status_of(WESSubmission.objects.filter(order=order).order_by("-version").first())
