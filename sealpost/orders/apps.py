from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "sealpost.orders"
    label = "orders"
