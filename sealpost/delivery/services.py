"""Sending issued documents to recipients, retrying, sweeping, and serving the download links."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import logging
import os
import secrets
import smtplib
from dataclasses import dataclass
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection, send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from sealpost import tasks
from sealpost.delivery.models import Delivery, DownloadLink
from sealpost.orders.models import Order, Recipient, Status
from sealpost.orders.services import record, transition
from sealpost.privacy import redact
from sealpost.tasks import backoff, lease  # the worker's lease and backoff, shared with the issuance task

log = logging.getLogger(__name__)

DELIVERABLE = {Status.ISSUED, Status.DELIVERED, Status.COMPLETED}


# What to do with an "uncertain" delivery: a worker handed the message to the mail server and
# died before it could record the answer, so the server may or may not have accepted it. There
# is no way to ask an SMTP server whether it has a message, so: "resend" (the default: at least
# once, with the SAME Message-ID, so that the copy can be recognised as a duplicate) or "hold"
# (at most once: the delivery waits for staff, who check the mail server's log and use "Retry
# deliveries"). The local mailbox is checked for the Message-ID first: no guess needed there.
UNCERTAIN_POLICIES = ("resend", "hold")
# Errors by which the mail server said it does not take the message (a reply code).
REFUSED = (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused)


def uncertain_policy() -> str:
    policy = getattr(settings, "DELIVERY_ON_UNCERTAIN", None) or os.environ.get("SEALPOST_DELIVERY_ON_UNCERTAIN") or "resend"
    return policy if policy in UNCERTAIN_POLICIES else "resend"


def new_message_id() -> str:
    domain = settings.MAIL_FROM.rsplit("@", 1)[-1].strip(" >") or "sealpost.localhost"
    return make_msgid("delivery", domain=domain)


# --- links ------------------------------------------------------------------------------------


def token_for(link: DownloadLink) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), ("delivery-link:" + link.nonce).encode(), hashlib.sha256).digest()
    import base64

    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_link(delivery: Delivery, now=None) -> DownloadLink:
    now = now or timezone.now()
    link = DownloadLink(delivery=delivery, nonce=secrets.token_hex(32),
                        expires_at=now + datetime.timedelta(days=settings.DELIVERY_LINK_DAYS),
                        max_downloads=settings.DELIVERY_DOWNLOAD_LIMIT)
    link.token_hash = hash_token(token_for(link))
    link.save()
    return link


def link_url(link: DownloadLink) -> str:
    return settings.BASE_URL + reverse("delivery:link", kwargs={"token": token_for(link)})


# --- scheduling -------------------------------------------------------------------------------

# The task that sends one delivery, started by name through the seam sealpost.tasks: the task
# module imports these services, never the other way round.
SEND_TASK = "sealpost.delivery.tasks.send_delivery_task"


def _enqueue(delivery_id: int, run_after=None) -> None:
    tasks.enqueue(SEND_TASK, delivery_id, run_after=run_after)


def enqueue_on_commit(delivery_id: int, run_after=None) -> None:
    transaction.on_commit(lambda: _enqueue(delivery_id, run_after))


def _create(order: Order, recipient: Recipient, *, resend_of=None, actor=None) -> Delivery:
    delivery = Delivery.objects.create(
        order=order, recipient=recipient, resend_of=resend_of, message_id=new_message_id(),
        next_attempt_at=timezone.now(), requested_by=actor if getattr(actor, "pk", None) else None,
    )
    new_link(delivery)
    return delivery


def first_deliveries(**filters):
    """The deliveries an order waits for to be "delivered": each recipient's first one to its
    current address (not a staff resend, not revoked by a correction: delivery.recipients)."""
    return Delivery.objects.filter(resend_of__isnull=True, revoked_at__isnull=True, **filters)


def schedule_delivery(order: Order) -> list[Delivery]:
    """One delivery per recipient of an issued order (once: calling again adds none), each
    sent by a task enqueued when the transaction commits."""
    created = []
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status not in DELIVERABLE:
            return []
        for recipient in order.recipients.all():
            if first_deliveries(recipient=recipient).exists():
                continue
            try:
                with transaction.atomic():
                    delivery = _create(order, recipient)
            except IntegrityError:  # scheduled by someone else meanwhile
                continue
            created.append(delivery)
            enqueue_on_commit(delivery.pk)
        if created:
            record(order, "delivery_scheduled", None, recipients=[d.recipient.position for d in created])
    return created


def schedule_on_commit(order: Order) -> None:
    """The hook after issuance: schedule once the issuance is committed."""
    order_id = order.pk

    def go():
        try:
            schedule_delivery(Order.objects.get(pk=order_id))
        except Exception:
            log.exception("scheduling the delivery of order %s failed", order_id)
        try:  # a WES order is also uploaded to WES over SFTP (delivery.wes_submissions)
            from sealpost.delivery.wes_submissions import schedule_wes

            schedule_wes(Order.objects.get(pk=order_id))
        except Exception:
            log.exception("scheduling the WES upload of order %s failed", order_id)

    transaction.on_commit(go)


def documents_issued(sender, order: Order, **kwargs) -> None:
    """An order's documents were issued (sealpost.issuance.signals.documents_issued, connected in
    DeliveryConfig.ready): schedule its e-mails and WES upload once the issuance commits."""
    schedule_on_commit(order)


def resend(delivery: Delivery, actor) -> Delivery:
    """Staff send a recipient's documents again, free of charge: a new link, a new Message-ID."""
    with transaction.atomic():
        fresh = _create(delivery.order, delivery.recipient, resend_of=delivery, actor=actor)
        record(delivery.order, "delivery_resent", actor, recipient=delivery.recipient.position, delivery=fresh.pk)
        enqueue_on_commit(fresh.pk)
    return fresh


def retry_deliveries(orders, actor) -> dict[str, int]:
    """Staff retry the failed deliveries of these orders now (the desk's bulk action): every
    recipient whose latest delivery failed (given up, or waiting for its backoff) is tried again
    at once with attempts counted afresh and the same Message-ID and link; recipients never
    scheduled are scheduled; failed WES uploads are tried again too. Answers counts:
    "retried" (deliveries and uploads), "nothing_to_retry" (orders), "not_issued" (orders with
    nothing to deliver yet)."""
    from sealpost.delivery import wes_submissions
    from sealpost.delivery.models import WESSubmission

    counts = {"retried": 0, "nothing_to_retry": 0, "not_issued": 0}
    for order in orders:
        order = Order.objects.get(pk=order.pk)
        if order.status not in DELIVERABLE:
            counts["not_issued"] += 1
            continue
        retried = 0
        with transaction.atomic():
            for delivery in current_deliveries(order).values():
                if delivery.state != Delivery.State.FAILED:
                    continue
                if Delivery.objects.filter(pk=delivery.pk, state=Delivery.State.FAILED).update(
                        state=Delivery.State.QUEUED, attempts=0, next_attempt_at=timezone.now(), lease_until=None,
                        handed_over_at=None):  # staff decided: an uncertain one is sent again
                    record(order, "delivery_retried", actor, recipient=delivery.recipient.position,
                           message_id=delivery.message_id)
                    enqueue_on_commit(delivery.pk)
                    retried += 1
        retried += len(schedule_delivery(order))
        for submission in WESSubmission.objects.filter(order=order, state=WESSubmission.State.FAILED):
            retried += bool(wes_submissions.retry(submission, actor))
        counts["retried"] += retried
        counts["nothing_to_retry"] += not retried
    return counts


# --- sending ----------------------------------------------------------------------------------


def _claim(delivery_id: int, now) -> bool:
    due = Q(state__in=[Delivery.State.QUEUED, Delivery.State.FAILED], next_attempt_at__lte=now)
    stale = Q(state=Delivery.State.SENDING, lease_until__lt=now)
    return bool(Delivery.objects.filter(due | stale, pk=delivery_id, revoked_at__isnull=True).update(
        state=Delivery.State.SENDING, lease_until=now + lease(), attempts=F("attempts") + 1))


def build_message(delivery: Delivery) -> EmailMultiAlternatives:
    order = delivery.order
    link = delivery.link
    documents = list(order.issued_documents.filter(revoked_at__isnull=True).order_by("document_type", "language"))
    for document in documents:  # each half of the e-mail names the documents in its own language
        document.label_zh, document.label_en = bilingual_label(document)
    context = {
        "order": order, "recipient": delivery.recipient, "documents": documents, "url": link_url(link),
        "expires_at": timezone.localtime(link.expires_at), "max_downloads": link.max_downloads,
        "verify_url": settings.BASE_URL + reverse("verify:index"), "institution_zh": settings.INSTITUTION_NAME_ZH,
        "institution_en": settings.INSTITUTION_NAME_EN, "registrar_email": settings.REGISTRAR_EMAIL,
    }
    # The e-mail is bilingual by design (Chinese first, then English), whatever the UI language.
    with translation.override("en"):
        subject = " ".join(render_to_string("delivery/email/documents_subject.txt", context).split())
        text = render_to_string("delivery/email/documents_body.txt", context)
        html = render_to_string("delivery/email/documents_body.html", context)
    message = EmailMultiAlternatives(
        subject, text, settings.MAIL_FROM, [delivery.recipient.email],
        reply_to=[settings.REGISTRAR_EMAIL], headers={"Message-ID": delivery.message_id},
    )
    message.attach_alternative(html, "text/html")
    return message


def bilingual_label(document) -> tuple[str, str]:
    """A document as the Chinese and the English half of an e-mail name it: "學位證明（英文）",
    "Degree certificate (English)"."""
    from sealpost.documents.types import DocumentLanguage, DocumentType

    kind, language = DocumentType(document.document_type), DocumentLanguage(document.language)
    with translation.override("zh-hant"):
        zh = f"{kind.label}（{language.label}）"
    with translation.override("en"):
        en = f"{kind.label} ({language.label})"
    return zh, en


def already_accepted(delivery: Delivery) -> bool | None:
    """Whether the configured mail backend already holds this delivery's message (by its
    Message-ID): True or False where that can be known (the local mailbox), None where it cannot
    (SMTP: a server cannot be asked)."""
    from sealpost.delivery.mailbox import MailboxBackend, mailbox_dir

    backend = get_connection(fail_silently=True)
    if not isinstance(backend, MailboxBackend):
        return None
    digest = hashlib.sha256(delivery.message_id.encode("utf-8", "replace")).hexdigest()[:16]
    folder = mailbox_dir()
    return folder.is_dir() and any(name.endswith(f"-{digest}.eml") for name in os.listdir(folder))


def _record_sent(delivery: Delivery, **details) -> None:
    # The state first, alone (one UPDATE, committed at once): from then on nothing sends it again.
    # The history and the order's move to "delivered" follow in a second transaction; a worker
    # killed between the two leaves the e-mail recorded sent without its history line, and the
    # sweeper moves the order on (finish_delivered). The shorter the first step, the shorter the
    # window in which the server has the message and we have not recorded it.
    Delivery.objects.filter(pk=delivery.pk).update(
        state=Delivery.State.SENT, sent_at=timezone.now(), lease_until=None, next_attempt_at=None, last_error="")
    with transaction.atomic():
        # The order's row first, then the audit trail (record takes the trail's head row): every
        # transaction that takes both takes them in this order (audit.services.append). The other
        # way round, two workers deadlocked on PostgreSQL: this one holding the trail's head and
        # waiting for the order, a WES upload or an issuance holding the order and waiting for
        # the head (bench batch, 5,000 orders, 2 workers).
        order = Order.objects.select_for_update().get(pk=delivery.order_id)
        record(order, "delivery_sent", None, recipient=delivery.recipient.position,
               message_id=delivery.message_id, **details)
        _maybe_delivered(order)


def finish_delivered() -> int:
    """Issued orders whose every first delivery is sent, but not marked delivered (a worker
    died between recording the last e-mail and moving the order on): move them on now."""
    unsent = first_deliveries().exclude(state=Delivery.State.SENT).values("order_id")
    done = 0
    for order in Order.objects.filter(status=Status.ISSUED, deliveries__isnull=False).exclude(pk__in=unsent).distinct():
        with transaction.atomic():
            _maybe_delivered(order)
        done += 1
    return done


def _uncertain(delivery: Delivery) -> str | None:
    """The previous attempt handed the message over and vanished (see UNCERTAIN_POLICIES).
    Answers "sent" or "held" when this attempt must not send, None to send again."""
    accepted = already_accepted(delivery)
    if accepted:
        _record_sent(delivery, uncertain="found")
        return "sent"
    if accepted is None and uncertain_policy() == "hold":
        reason = ("Uncertain: the mail server was being handed this e-mail when the worker stopped or the "
                  "connection broke; look for its Message-ID in the mail server's log, then retry it or not.")
        with transaction.atomic():
            Delivery.objects.filter(pk=delivery.pk, state=Delivery.State.SENDING).update(
                state=Delivery.State.FAILED, last_error=reason, next_attempt_at=None, lease_until=None)
            record(delivery.order, "delivery_uncertain", None, recipient=delivery.recipient.position,
                   message_id=delivery.message_id, action="held")
        return "held"
    if accepted is None:  # resend, with the same Message-ID: the at-least-once window, recorded
        record(delivery.order, "delivery_uncertain", None, recipient=delivery.recipient.position,
               message_id=delivery.message_id, action="resent")
    return None


def send_delivery(delivery_id: int, now=None) -> str:
    """One attempt at a delivery. Answers what happened: "sent", "failed", "skipped" (not due,
    already sent or being sent by another worker), "held" (uncertain, see UNCERTAIN_POLICIES).

    The phases are committed one by one: claimed ("sending", with a lease), handed over
    (handed_over_at: the mail server is being given the message), then sent or failed. An
    attempt that finds handed_over_at set on a delivery it claimed from a dead worker knows the
    server may already have the message, and does not resend blindly (_uncertain)."""
    now = now or timezone.now()
    if not _claim(delivery_id, now):
        return "skipped"
    # One read of the delivery with its recipient: a correction revokes the one and changes the
    # other in one transaction, so this sees either both or neither.
    delivery = Delivery.objects.select_related("order", "recipient", "link").get(pk=delivery_id)
    if delivery.revoked_at is not None:  # corrected since the claim: its link must not go to the new address
        Delivery.objects.filter(pk=delivery_id, state=Delivery.State.SENDING).update(
            state=Delivery.State.QUEUED, lease_until=None, next_attempt_at=None)
        return "skipped"
    if delivery.handed_over_at is not None:
        outcome = _uncertain(delivery)
        if outcome:
            return outcome
    handed_over = False
    try:
        message = build_message(delivery)
        connection = get_connection(fail_silently=False)
        try:
            connection.open()  # a failure to connect is a plain failure: the server has nothing
            Delivery.objects.filter(pk=delivery_id).update(handed_over_at=timezone.now())
            handed_over = True
            connection.send_messages([message])
            # Recorded at once, before saying goodbye (QUIT): the window in which the server has
            # the message and we have not recorded it is as short as one transaction makes it.
            _record_sent(delivery)
        finally:
            # Once the server has said "250 OK" the message is theirs: an error while saying
            # goodbye (QUIT on a connection the server dropped) must not make it a failure,
            # which would send it again.
            try:
                connection.close()
            except Exception as error:
                log.info("closing the mail connection after delivery %s: %s", delivery_id, redact(error))
    except Exception as error:
        reason = f"{type(error).__name__}: {error}"[:300]
        # The server's words may quote the recipient's address: never into the log.
        log.warning("delivery %s attempt %s failed: %s", delivery_id, delivery.attempts, redact(reason))
        retry_at = timezone.now() + backoff(delivery.attempts) if delivery.attempts < settings.DELIVERY_MAX_ATTEMPTS else None
        # The server refused the message with a reply code, or was never reached: it does not
        # have it, and the next attempt is a plain one. A connection lost or timed out while the
        # message was being handed over leaves handed_over_at set: the server may have it.
        still_uncertain = handed_over and not isinstance(error, REFUSED)
        with transaction.atomic():
            Delivery.objects.filter(pk=delivery_id, state=Delivery.State.SENDING).update(
                state=Delivery.State.FAILED, last_error=reason, next_attempt_at=retry_at, lease_until=None,
                **({} if still_uncertain else {"handed_over_at": None}))
            if retry_at is None:
                record(delivery.order, "delivery_failed", None, recipient=delivery.recipient.position, reason=reason)
            else:
                enqueue_on_commit(delivery_id, retry_at)
        return "failed"
    return "sent"


def _maybe_delivered(order: Order) -> None:
    first = first_deliveries(order=order)
    if not first.exists() or first.exclude(state=Delivery.State.SENT).exists():
        return
    if first.count() < order.recipients.count():
        return
    if Order.objects.select_for_update().get(pk=order.pk).status == Status.ISSUED:
        transition(order, Status.DELIVERED, None, kind="delivered")


def sweep(now=None) -> int:
    """Enqueue again what a dead worker left in "sending" past its lease, and failed or queued
    deliveries that are due; WES uploads too (wes_submissions.sweep). Answers how many were
    enqueued."""
    now = now or timezone.now()
    due = Delivery.objects.filter(
        Q(state=Delivery.State.SENDING, lease_until__lt=now)
        | Q(state__in=[Delivery.State.QUEUED, Delivery.State.FAILED], next_attempt_at__lte=now),
        revoked_at__isnull=True,
    ).values_list("pk", flat=True)
    try:
        finish_delivered()
    except Exception:
        log.exception("moving fully delivered orders on failed")
    waiting = tasks.pending_ids(SEND_TASK)
    ids = [pk for pk in due if pk not in waiting]
    for pk in ids:
        _enqueue(pk)
    from sealpost.delivery import wes_submissions

    return len(ids) + wes_submissions.sweep(now)


# --- what the pages show ----------------------------------------------------------------------


def current_deliveries(order: Order) -> dict[int, Delivery]:
    """The latest delivery of each recipient, by recipient id."""
    latest = {}
    for delivery in Delivery.objects.filter(order=order).select_related("link").order_by("created_at", "id"):
        latest[delivery.recipient_id] = delivery
    return latest


# --- downloads --------------------------------------------------------------------------------


class LinkState:
    OK = "ok"
    INVALID = "invalid"
    EXPIRED = "expired"
    USED_UP = "used_up"
    WITHDRAWN = "withdrawn"  # the recipient's address was corrected


@dataclass
class Opened:
    state: str
    link: DownloadLink | None = None
    documents: list = None


def open_link(token: str, now=None) -> Opened:
    now = now or timezone.now()
    if not token or len(token) > 100:
        return Opened(LinkState.INVALID)
    link = DownloadLink.objects.select_related("delivery__order", "delivery__recipient").filter(
        token_hash=hash_token(token)).first()
    if link is None:
        return Opened(LinkState.INVALID)
    if link.delivery.revoked_at is not None:
        return Opened(LinkState.WITHDRAWN, link, [])
    documents = list(link.delivery.order.issued_documents.order_by("document_type", "language"))
    if link.expires_at <= now:
        return Opened(LinkState.EXPIRED, link, documents)
    if link.download_count >= link.max_downloads:
        return Opened(LinkState.USED_UP, link, documents)
    return Opened(LinkState.OK, link, documents)


def count_download(link: DownloadLink, document, now=None) -> bool:
    """Count one download; False when the limit was reached, or the link revoked, meanwhile. The
    first download of a delivery tells the applicant (once)."""
    now = now or timezone.now()
    counted = DownloadLink.objects.filter(
        pk=link.pk, download_count__lt=F("max_downloads"), expires_at__gt=now, delivery__revoked_at__isnull=True,
    ).update(download_count=F("download_count") + 1)
    if not counted:
        return False
    from sealpost.audit.services import document_downloaded

    delivery = link.delivery
    document_downloaded(document, via="link", position=delivery.recipient.position)
    if Delivery.objects.filter(pk=delivery.pk, first_downloaded_at__isnull=True).update(first_downloaded_at=now):
        record(delivery.order, "delivery_downloaded", None, recipient=delivery.recipient.position)
        transaction.on_commit(lambda: notify_applicant(delivery.pk))
    return True


def applicant_languages(order: Order) -> list[str]:
    """The languages of an e-mail to the applicant: theirs (the order's) first, then the other,
    so that it can be read whichever language the order was placed in."""
    return ["en", "zh-hant"] if (order.language or "").startswith("en") else ["zh-hant", "en"]


def notify_applicant(delivery_id: int) -> None:
    """Tell the applicant that a recipient first downloaded the documents (in both languages,
    theirs first)."""
    delivery = Delivery.objects.select_related("order", "recipient").get(pk=delivery_id)
    order = delivery.order
    context = {"order": order, "recipient": delivery.recipient,
               "downloaded_at": timezone.localtime(delivery.first_downloaded_at),
               "url": settings.BASE_URL + reverse("portal:order", kwargs={"number": order.number})}
    subjects, bodies = [], []
    for language in applicant_languages(order):
        with translation.override(language):
            subjects.append(" ".join(render_to_string("delivery/email/downloaded_subject.txt", context).split()))
            bodies.append(render_to_string("delivery/email/downloaded_body.txt", context).strip())
    subject, body = " / ".join(subjects), ("\n\n" + "-" * 60 + "\n\n").join(bodies) + "\n"
    try:
        send_mail(subject, body, None, [order.email])
    except Exception:
        log.exception("telling the applicant of order %s about a download failed", order.number)
