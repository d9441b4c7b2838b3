from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "sealpost.portal"
    label = "portal"
