from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "sealpost.delivery"
    label = "delivery"
