from django.apps import AppConfig


class RetentionConfig(AppConfig):
    """Keeping the records for as long as they must be kept, and the personal data no longer:
    ``sealpost shred`` (retention.services) and ``sealpost renew-timestamps``. No models of its
    own. It sits above delivery (docs/architecture.md): shredding an order reaches into every
    area that holds a part of it."""

    name = "sealpost.retention"
    label = "retention"
