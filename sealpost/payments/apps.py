from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "sealpost.payments"
    label = "payments"
