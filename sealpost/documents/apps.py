from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "sealpost.documents"
    label = "documents"
