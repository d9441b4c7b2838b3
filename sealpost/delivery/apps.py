from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "sealpost.delivery"
    label = "delivery"

    def ready(self):
        from sealpost.delivery import services
        from sealpost.issuance.signals import documents_issued

        # Issuance sits below delivery and knows nothing of it: it says that an order's
        # documents are issued, and the e-mails and the WES upload are scheduled.
        documents_issued.connect(services.documents_issued, dispatch_uid="sealpost.delivery.services")
