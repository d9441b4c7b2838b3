from django.apps import AppConfig


class VerifyConfig(AppConfig):
    name = "sealpost.verify"
    label = "verify"
