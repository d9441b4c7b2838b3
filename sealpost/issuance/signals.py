"""What issuance tells the areas above it.

Issuance sits below delivery (docs/architecture.md): it does not import delivery, it says that
an order's documents are issued, and the delivery app schedules what follows.
"""

from django.dispatch import Signal

# Sent by issuance.services.issue_order at its end, every time it is called for an order
# (also when its documents had been issued before: the receivers are idempotent), inside the
# issuance's transaction when there is one. Arguments: sender=Order, order=the order. The
# delivery app listens (delivery.services.documents_issued, connected in DeliveryConfig.ready):
# once the issuance commits, it schedules one e-mail per recipient and, for a WES order, the
# upload to WES. A receiver must not raise: the documents are issued whatever it does.
documents_issued = Signal()
