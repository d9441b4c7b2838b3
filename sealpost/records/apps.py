from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "sealpost.records"
    label = "records"
