from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "sealpost.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from sealpost.accounts import throttle  # noqa: F401 - registers the rate-limit settings check
