"""Delivery of issued documents to recipients by e-mail, and the download links in those e-mails.

The state of every delivery lives here, not in the task queue: a task only says "try delivery N
now"; the conditional claim in services.send_delivery makes running it twice harmless."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Delivery(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.ForeignKey("orders.Recipient", on_delete=models.CASCADE, related_name="deliveries")
    # A staff resend is a new delivery of the same recipient; the first one has no resend_of.
    resend_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    requested_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED, db_index=True)
    message_id = models.CharField(max_length=200, unique=True)  # fixed before the first attempt
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)  # None: nothing more to try
    lease_until = models.DateTimeField(null=True, blank=True)  # while sending; past it the sweeper takes over
    # Set (committed) just before the message is given to the mail server, cleared when the server
    # refused it: found set on a delivery left "sending" by a dead worker, it means the server may
    # have the message already (services._uncertain).
    handed_over_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    first_downloaded_at = models.DateTimeField(null=True, blank=True)
    # Set when the recipient's address was corrected (delivery.recipients): from then on its link
    # answers "no longer works" and it is never sent (again); a new delivery goes to the new address.
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recipient__position", "-created_at", "-id"]
        constraints = [
            # One first delivery per recipient and address: a correction revokes it and adds one.
            models.UniqueConstraint(fields=["recipient"],
                                    condition=models.Q(resend_of__isnull=True, revoked_at__isnull=True),
                                    name="one_first_delivery_per_recipient"),
        ]

    def __str__(self):
        return f"{self.order_id}/{self.recipient_id}: {self.state}"

    @property
    def gave_up(self) -> bool:
        return self.state == self.State.FAILED and self.next_attempt_at is None


class DownloadLink(models.Model):
    """A recipient's link. The token is HMAC(SECRET_KEY, nonce), 256 bits; only its SHA-256 is
    looked up, so the database alone never yields a working link."""

    delivery = models.OneToOneField(Delivery, on_delete=models.CASCADE, related_name="link")
    nonce = models.CharField(max_length=64)
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    max_downloads = models.PositiveIntegerField()
    download_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)


# What went wrong with an upload, in the reader's language (WESSubmission.error_code, the
# ``code`` of the sealpost.delivery.wes error); last_error keeps the technical details.
WES_PROBLEMS = {
    "conflict": _("A file with the same name but other content is already on the WES server. Nothing was "
                  "overwritten. Upload the order again as a new version."),
    "unavailable": _("The WES server could not be reached, or the transfer broke off."),
    "mismatch": _("The WES server did not receive the whole file."),
    "host_key": _("The WES server presented a host key that is not the pinned one, so nothing was sent. Check "
                  "the key with WES by another channel before trying again."),
    "not_configured": _("Uploads to WES are not configured on this server."),
    "error": _("An unexpected error stopped the upload."),
}


class WESSubmission(models.Model):
    """One version of an order's upload to WES over SFTP (sealpost.delivery.wes). Version 1 is
    scheduled when a WES order is issued; a re-upload is an explicit new version. Like a
    delivery, the state lives here and a task only says "try submission N now"."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        UPLOADING = "uploading", _("Uploading")
        UPLOADED = "uploaded", _("Uploaded")
        FAILED = "failed", _("Failed")
        CONFIRMED = "confirmed", _("Confirmed by WES")

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="wes_submissions")
    version = models.PositiveSmallIntegerField(default=1)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)  # None: nothing more to try
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    error_code = models.CharField(max_length=20, blank=True)  # a key of WES_PROBLEMS, with last_error
    files = models.JSONField(default=list, blank=True)  # final names on the server, the manifest last
    requested_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["order", "version"], name="one_wes_submission_per_version"),
        ]

    def __str__(self):
        return f"{self.order_id} v{self.version}: {self.state}"

    @property
    def gave_up(self) -> bool:
        return self.state == self.State.FAILED and self.next_attempt_at is None

    @property
    def problem(self) -> str:
        """What went wrong, in the active language ("" when nothing did)."""
        if not self.last_error:
            return ""
        return str(WES_PROBLEMS.get(self.error_code) or WES_PROBLEMS["error"])
