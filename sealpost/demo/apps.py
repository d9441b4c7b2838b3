from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "sealpost.demo"
    label = "demo"
