from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "sealpost.documents"
    label = "documents"

    def ready(self):
        from sealpost.documents import checks  # noqa: F401 - registers the key-file check
