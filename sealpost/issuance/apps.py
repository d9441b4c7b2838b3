from django.apps import AppConfig


class IssuanceConfig(AppConfig):
    """Issuing an order's documents (render, sign, store), the issuance task, revocation and the
    officer's approval. No models of its own: it writes the documents app's Document rows and
    the payments app's Approval rows."""

    name = "sealpost.issuance"
    label = "issuance"
