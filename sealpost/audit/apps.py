from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "sealpost.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from sealpost.audit import receivers

        user_logged_in.connect(receivers.staff_signed_in, dispatch_uid="sealpost.audit.staff_signed_in")
        user_login_failed.connect(receivers.staff_sign_in_failed, dispatch_uid="sealpost.audit.staff_sign_in_failed")
