"""What the orders app tells the areas above it.

Orders sit below payments (docs/architecture.md): placing an order does not import payments; it
says that an order was placed, and the payments app sends the applicant the receipt of the order
(payments.receipts.order_received, connected in PaymentsConfig.ready).
"""

from django.dispatch import Signal

# Sent by orders.services.place_order once the order is committed (never for one rolled back).
# Arguments: sender=Order, order=the order. Sent robustly: a receiver's error is logged, and the
# order stands whatever a receiver does.
order_placed = Signal()
