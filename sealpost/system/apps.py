from django.apps import AppConfig


class SystemConfig(AppConfig):
    name = "sealpost.system"
    label = "system"
