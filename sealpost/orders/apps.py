from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "sealpost.orders"
    label = "orders"

    def ready(self):
        from sealpost.audit.services import register_labels
        from sealpost.orders import deadlines, events
        from sealpost.workdays.signals import calendar_changed

        # The calendar knows nothing of orders: it says when it changed, and the deadlines move.
        calendar_changed.connect(deadlines.calendar_changed, dispatch_uid="sealpost.orders.deadlines")
        # The audit trail knows nothing of orders either: "order.<kind>" reads as in the history.
        register_labels("order.", events.label)
