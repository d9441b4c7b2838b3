from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "sealpost.payments"
    label = "payments"

    def ready(self):
        from sealpost.orders.signals import order_placed
        from sealpost.payments import receipts

        # Orders know nothing of payments: they say an order was placed, and its receipt goes out.
        order_placed.connect(receipts.order_received, dispatch_uid="sealpost.payments.receipts.order_received")
