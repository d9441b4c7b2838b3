"""Orders for electronic academic records: who asks, which documents, for which recipients."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sealpost.documents.types import DocumentLanguage, DocumentType
from sealpost.orders.labels import line_label


class ApplicantType(models.TextChoices):
    ALUMNUS = "alumnus", _("Alumnus")
    CURRENT = "current", _("Current student")
    INTERNATIONAL = "international", _("International student")


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    FORM_2073 = "form_2073", _("Form 2-07-3, keyed in by staff")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    PAID = "paid", _("Paid")
    ISSUED = "issued", _("Issued")
    DELIVERED = "delivered", _("Delivered")
    COMPLETED = "completed", _("Completed")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")


# Order numbers: "SP" and eight characters of Crockford's base-32 alphabet (no I, L, O, U),
# random so that one order's number says nothing about another's.
NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_order_number() -> str:
    return "SP" + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))


class DocumentFee(models.Model):
    """The registrar's fee for one electronic document of a type, in NT$."""

    document_type = models.CharField(max_length=32, choices=DocumentType.choices, unique=True)
    amount = models.PositiveIntegerField(_("fee (NT$)"))

    def __str__(self):
        return f"{self.get_document_type_display()}: NT${self.amount}"


class Order(models.Model):
    number = models.CharField(max_length=12, unique=True, default=new_order_number, editable=False)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    student = models.ForeignKey("records.Student", on_delete=models.PROTECT, related_name="orders")
    applicant_type = models.CharField(_("applicant type"), max_length=16, choices=ApplicantType.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.ONLINE)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    name_zh = models.CharField(_("Chinese name"), max_length=50, blank=True)
    name_en = models.CharField(_("English name"), max_length=100)
    phone = models.CharField(_("contact phone"), max_length=30)
    email = models.EmailField(_("e-mail"))
    remarks = models.TextField(_("remarks"), blank=True, max_length=1000)
    language = models.CharField(_("language for messages"), max_length=10, default="zh-hant")
    # WES: what the applicant typed in the dedicated field, the reference found across all
    # places, and every distinct reference seen when the places disagree.
    wes_reference_input = models.CharField(_("WES reference number"), max_length=40, blank=True)
    wes_reference = models.CharField(max_length=20, blank=True, db_index=True)
    wes_conflict = models.JSONField(default=list, blank=True)
    # Characters of the Chinese name that no document font can draw (staff must resolve).
    unsupported_characters = models.CharField(max_length=50, blank=True)
    total = models.PositiveIntegerField(default=0)
    # Deadlines in business days (sealpost.orders.deadlines): the payment notice is due one
    # business day after submission, dispatch three after payment, and the WES confirmation is
    # followed up two after upload. Kept on the order so the desk can sort by them.
    payment_notice_sent_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    wes_uploaded_at = models.DateTimeField(null=True, blank=True)
    payment_notice_due = models.DateField(null=True, blank=True)
    dispatch_due = models.DateField(null=True, blank=True)
    wes_followup_due = models.DateField(null=True, blank=True)
    next_deadline = models.DateField(null=True, blank=True, db_index=True)
    scanned_form = models.FileField(upload_to="forms/%Y/%m/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return self.number

    @property
    def currency(self) -> str:
        return "TWD"

    @property
    def is_wes(self) -> bool:
        return bool(self.wes_reference)


class OrderDocument(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="documents")
    document_type = models.CharField(max_length=32, choices=DocumentType.choices)
    language = models.CharField(max_length=2, choices=DocumentLanguage.choices)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "document_type", "language"], name="one_document_per_kind")
        ]


class Recipient(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="recipients")
    position = models.PositiveSmallIntegerField()  # 1..10, as on the form
    email = models.EmailField(_("e-mail"))
    message = models.TextField(_("message"), blank=True, max_length=500)

    class Meta:
        ordering = ["order", "position"]
        constraints = [models.UniqueConstraint(fields=["order", "position"], name="one_recipient_per_position")]


class FeeLine(models.Model):
    """One line of an order's fee, kept as it was charged. ``kind`` and ``code`` describe
    the line so that it is shown in the reader's language."""

    class Kind(models.TextChoices):
        DOCUMENT = "document", _("Document")
        RECIPIENT = "recipient", _("Recipient")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="fee_lines")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    code = models.CharField(max_length=40)  # document type, or "extra_recipient"
    language = models.CharField(max_length=2, blank=True)
    quantity = models.PositiveSmallIntegerField(default=1)
    unit_amount = models.PositiveIntegerField()
    amount = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]

    @property
    def label(self) -> str:
        return line_label(self)


class OrderEvent(models.Model):
    """The history of an order: every change, who made it and when."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    kind = models.CharField(max_length=40)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
