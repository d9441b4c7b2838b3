"""How each kind of order event reads in the history; and the one kind others ask about: whether
an order's personal data were removed (``sealpost shred``, sealpost.retention)."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "submitted": _("Order submitted"),
    "cancelled": _("Order cancelled"),
    "recipient_corrected": _("Recipient address corrected"),
    "wes_conflict": _("Different WES reference numbers found"),
    "unsupported_characters": _("Name contains characters the documents cannot print"),
    "issued": _("Documents issued and signed"),
    "payment_notice_sent": _("Payment notice sent"),
    "delivery_scheduled": _("E-mails to the recipients scheduled"),
    "delivery_sent": _("E-mail sent to a recipient"),
    "delivery_failed": _("E-mail to a recipient could not be sent"),
    "delivery_resent": _("E-mail sent again to a recipient"),
    "delivery_downloaded": _("A recipient downloaded the documents"),
    "delivery_retried": _("E-mail to a recipient tried again by staff"),
    "delivery_uncertain": _("E-mail hand-over interrupted: the mail server may already have it"),
    "delivered": _("Delivered to every recipient"),
    "hold_released": _("Hold on the student record released"),
    "paid": _("Payment received"),
    "awaiting_approval": _("Paid; waiting for an officer's approval"),
    "approved": _("Issuance approved"),
    "issue_blocked": _("Documents could not be issued"),
    "issue_failed": _("Issuing failed; it is tried again automatically"),
    "refunded": _("Refunded"),
    "refund_recorded": _("Refund recorded"),
    "ecpay_not_paid": _("ECPay: not paid"),
    "ecpay_simulated_ignored": _("ECPay: simulated payment ignored"),
    "payment_refused": _("Payment received for an order that cannot take one: refund it"),
    "document_revoked": _("Document revoked"),
    "wes_uploaded": _("Uploaded to WES"),
    "wes_upload_failed": _("Upload to WES failed"),
    "wes_host_key_refused": _("Upload to WES stopped: the server's host key was refused"),
    "wes_reupload": _("Upload to WES again requested (new version)"),
    "wes_retry": _("Upload to WES tried again"),
    "wes_confirmed": _("WES confirmed receipt"),
    "shredded": _("Personal data removed: the retention period is over"),
}


def label(kind: str) -> str:
    return LABELS.get(kind, kind)


SHREDDED = "shredded"  # the order event (and audit action "order.shredded") of sealpost.retention


def is_shredded(order) -> bool:
    return order.events.filter(kind=SHREDDED).exists()
