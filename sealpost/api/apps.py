from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "sealpost.api"
    label = "api"
