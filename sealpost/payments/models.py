"""Payments: the notice that tells the applicant what to pay and how, the payments received,
online checkout attempts, the officer's approval where the registrar wants one, and refunds.

Amounts are whole New Taiwan dollars, like the order's fee (orders.Order.total).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Method(models.TextChoices):
    COUNTER = "counter", _("At the registrar's counter")
    CASH = "cash", _("Cash")
    POSTAL = "postal", _("Postal money order")
    VIRTUAL_ACCOUNT = "virtual_account", _("Bank transfer to the virtual account")
    ECPAY = "ecpay", _("Online (ECPay)")
    DEMO = "demo", _("Demonstration payment (no money)")


# Methods a clerk records by hand, with the receipt or transaction number as the reference.
# ECPay payments arrive only through ECPay's signed notification; demo payments only from the
# demonstration button.
MANUAL_METHODS = [Method.COUNTER, Method.CASH, Method.POSTAL, Method.VIRTUAL_ACCOUNT]


class PaymentNotice(models.Model):
    """What the applicant is asked to pay, by when, and the bank virtual account (虛擬帳號)
    issued for the order. Created when first needed (the notice, or the order's page); ``sent_at``
    is set once the e-mail has gone out."""

    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="payment_notice")
    amount = models.PositiveIntegerField(_("amount (NT$)"))
    virtual_account = models.CharField(_("virtual account"), max_length=20, unique=True)
    due_date = models.DateField(_("pay by"), null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.order_id}: NT${self.amount} {self.virtual_account}"

    @property
    def virtual_account_display(self) -> str:
        """Grouped by four digits, as printed on the notice."""
        number = self.virtual_account
        return " ".join(number[i:i + 4] for i in range(0, len(number), 4))


class Payment(models.Model):
    """Money received for an order. ``reference`` is the receipt number (counter, cash, postal
    money order), the bank's transaction reference (virtual account) or ECPay's TradeNo; the same
    (method, reference) is recorded only once, which makes every way in idempotent."""

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    amount = models.PositiveIntegerField(_("amount (NT$)"))
    reference = models.CharField(_("reference"), max_length=64)
    received_at = models.DateTimeField(_("received at"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    # ECPay: the notification as received (CheckMacValue included); bank: the reconciliation line.
    raw = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["received_at", "id"]
        constraints = [models.UniqueConstraint(fields=["method", "reference"], name="one_payment_per_reference")]

    def __str__(self):
        return f"{self.method} {self.reference}: NT${self.amount}"

    @property
    def is_demo(self) -> bool:
        return self.method == Method.DEMO


class CheckoutAttempt(models.Model):
    """One trip to ECPay's checkout page. ECPay wants a new MerchantTradeNo for every attempt; the
    notification names it, and it leads back to the order and the amount that was asked for."""

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="checkout_attempts")
    merchant_trade_no = models.CharField(max_length=20, unique=True)
    amount = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]


class Approval(models.Model):
    """A paid order whose documents wait for an officer's approval (settings
    APPROVAL_REQUIRED_FOR). ``approved_at`` is empty while it waits."""

    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="approval")
    required_at = models.DateTimeField(auto_now_add=True)
    document_types = models.JSONField(default=list, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    @property
    def pending(self) -> bool:
        return self.approved_at is None


class Refund(models.Model):
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="refunds")
    amount = models.PositiveIntegerField(_("amount (NT$)"))
    reason = models.CharField(_("reason"), max_length=300)
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["at", "id"]
