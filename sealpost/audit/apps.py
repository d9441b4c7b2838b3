from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "sealpost.audit"
    label = "audit"
