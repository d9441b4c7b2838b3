"""Sending issued documents to recipients, retrying, sweeping, and serving the download links."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection, send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from sealpost.delivery.models import Delivery, DownloadLink
from sealpost.orders.models import Order, Recipient, Status
from sealpost.orders.services import record, transition

log = logging.getLogger(__name__)

LEASE = datetime.timedelta(minutes=5)  # the default of settings.DELIVERY_LEASE_SECONDS


def lease() -> datetime.timedelta:
    seconds = getattr(settings, "DELIVERY_LEASE_SECONDS", None)
    return datetime.timedelta(seconds=seconds) if seconds else LEASE
BACKOFF_BASE = 30  # seconds: 30 s, 1 min, 2 min, 4 min … at most an hour
BACKOFF_MAX = 3600
DELIVERABLE = {Status.ISSUED, Status.DELIVERED, Status.COMPLETED}


def backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_MAX))


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


def enqueue_task(task, object_id: int, run_after=None) -> None:
    """Queue a task for one row whose real state lives in our tables (a delivery, a WES
    submission). Losing the enqueue loses nothing: the sweeper queues due rows again."""
    if run_after is not None and task.get_backend().supports_defer:
        task = task.using(run_after=run_after)
    elif run_after is not None:
        return  # this backend cannot wait: the sweeper enqueues it when it is due
    try:
        task.enqueue(object_id)
    except Exception:  # the queue is down: the state is kept here, the sweeper enqueues it later
        log.exception("could not enqueue %s for %s", task.name, object_id)


def _enqueue(delivery_id: int, run_after=None) -> None:
    from sealpost.delivery.tasks import send_delivery_task

    enqueue_task(send_delivery_task, delivery_id, run_after)


def enqueue_on_commit(delivery_id: int, run_after=None) -> None:
    transaction.on_commit(lambda: _enqueue(delivery_id, run_after))


def _create(order: Order, recipient: Recipient, *, resend_of=None, actor=None) -> Delivery:
    delivery = Delivery.objects.create(
        order=order, recipient=recipient, resend_of=resend_of, message_id=new_message_id(),
        next_attempt_at=timezone.now(), requested_by=actor if getattr(actor, "pk", None) else None,
    )
    new_link(delivery)
    return delivery


def schedule_delivery(order: Order) -> list[Delivery]:
    """One delivery per recipient of an issued order (once: calling again adds none), each
    sent by a task enqueued when the transaction commits."""
    created = []
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status not in DELIVERABLE:
            return []
        for recipient in order.recipients.all():
            if Delivery.objects.filter(recipient=recipient, resend_of__isnull=True).exists():
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


def resend(delivery: Delivery, actor) -> Delivery:
    """Staff send a recipient's documents again, free of charge: a new link, a new Message-ID."""
    with transaction.atomic():
        fresh = _create(delivery.order, delivery.recipient, resend_of=delivery, actor=actor)
        record(delivery.order, "delivery_resent", actor, recipient=delivery.recipient.position, delivery=fresh.pk)
        enqueue_on_commit(fresh.pk)
    return fresh


# --- sending ----------------------------------------------------------------------------------


def _claim(delivery_id: int, now) -> bool:
    due = Q(state__in=[Delivery.State.QUEUED, Delivery.State.FAILED], next_attempt_at__lte=now)
    stale = Q(state=Delivery.State.SENDING, lease_until__lt=now)
    return bool(Delivery.objects.filter(due | stale, pk=delivery_id).update(
        state=Delivery.State.SENDING, lease_until=now + lease(), attempts=F("attempts") + 1))


def build_message(delivery: Delivery) -> EmailMultiAlternatives:
    order = delivery.order
    link = delivery.link
    documents = list(order.issued_documents.filter(revoked_at__isnull=True).order_by("document_type", "language"))
    context = {
        "order": order, "recipient": delivery.recipient, "documents": documents, "url": link_url(link),
        "expires_at": timezone.localtime(link.expires_at), "max_downloads": link.max_downloads,
        "verify_url": settings.BASE_URL + "/verify/", "institution_zh": settings.INSTITUTION_NAME_ZH,
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


def send_delivery(delivery_id: int, now=None) -> str:
    """One attempt at a delivery. Answers what happened: "sent", "failed", "skipped" (not due,
    already sent or being sent by another worker)."""
    now = now or timezone.now()
    if not _claim(delivery_id, now):
        return "skipped"
    delivery = Delivery.objects.select_related("order", "recipient", "link").get(pk=delivery_id)
    try:
        message = build_message(delivery)
        with get_connection(fail_silently=False) as connection:
            connection.send_messages([message])
    except Exception as error:
        reason = f"{type(error).__name__}: {error}"[:300]
        log.warning("delivery %s attempt %s failed: %s", delivery_id, delivery.attempts, reason)
        retry_at = timezone.now() + backoff(delivery.attempts) if delivery.attempts < settings.DELIVERY_MAX_ATTEMPTS else None
        with transaction.atomic():
            Delivery.objects.filter(pk=delivery_id, state=Delivery.State.SENDING).update(
                state=Delivery.State.FAILED, last_error=reason, next_attempt_at=retry_at, lease_until=None)
            if retry_at is None:
                record(delivery.order, "delivery_failed", None, recipient=delivery.recipient.position, reason=reason)
            else:
                enqueue_on_commit(delivery_id, retry_at)
        return "failed"
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery_id).update(
            state=Delivery.State.SENT, sent_at=timezone.now(), lease_until=None, next_attempt_at=None, last_error="")
        record(delivery.order, "delivery_sent", None, recipient=delivery.recipient.position, message_id=delivery.message_id)
        _maybe_delivered(delivery.order)
    return "sent"


def _maybe_delivered(order: Order) -> None:
    first = Delivery.objects.filter(order=order, resend_of__isnull=True)
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
        | Q(state__in=[Delivery.State.QUEUED, Delivery.State.FAILED], next_attempt_at__lte=now)
    ).values_list("pk", flat=True)
    ids = list(due)
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
    documents = list(link.delivery.order.issued_documents.order_by("document_type", "language"))
    if link.expires_at <= now:
        return Opened(LinkState.EXPIRED, link, documents)
    if link.download_count >= link.max_downloads:
        return Opened(LinkState.USED_UP, link, documents)
    return Opened(LinkState.OK, link, documents)


def count_download(link: DownloadLink, document, now=None) -> bool:
    """Count one download; False when the limit was reached meanwhile. The first download of a
    delivery tells the applicant (once)."""
    now = now or timezone.now()
    if not DownloadLink.objects.filter(pk=link.pk, download_count__lt=F("max_downloads"), expires_at__gt=now).update(
            download_count=F("download_count") + 1):
        return False
    from sealpost.audit.services import document_downloaded

    delivery = link.delivery
    document_downloaded(document, via="link", position=delivery.recipient.position)
    if Delivery.objects.filter(pk=delivery.pk, first_downloaded_at__isnull=True).update(first_downloaded_at=now):
        record(delivery.order, "delivery_downloaded", None, recipient=delivery.recipient.position)
        transaction.on_commit(lambda: notify_applicant(delivery.pk))
    return True


def notify_applicant(delivery_id: int) -> None:
    delivery = Delivery.objects.select_related("order", "recipient").get(pk=delivery_id)
    order = delivery.order
    with translation.override(order.language or settings.LANGUAGE_CODE):
        context = {"order": order, "recipient": delivery.recipient,
                   "downloaded_at": timezone.localtime(delivery.first_downloaded_at),
                   "url": settings.BASE_URL + reverse("portal:order", kwargs={"number": order.number})}
        subject = " ".join(render_to_string("delivery/email/downloaded_subject.txt", context).split())
        body = render_to_string("delivery/email/downloaded_body.txt", context)
    try:
        send_mail(subject, body, None, [order.email])
    except Exception:
        log.exception("telling the applicant of order %s about a download failed", order.number)
