from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "sealpost.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.db.models.signals import pre_save

        from sealpost.accounts import throttle  # noqa: F401 - registers the rate-limit settings check
        from sealpost.accounts.addresses import keep_stored_email_normal

        pre_save.connect(keep_stored_email_normal, sender=self.get_model("User"),
                         dispatch_uid="sealpost.accounts.keep_stored_email_normal")
