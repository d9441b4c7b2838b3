from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("sealpost.accounts.urls")),
    path("desk/calendar/", include("sealpost.desk.calendar_urls")),
    path("desk/help/", include("sealpost.help.staff_urls")),
    path("desk/audit/", include("sealpost.audit.urls")),
    path("desk/", include("sealpost.desk.urls")),
    path("payments/", include("sealpost.payments.urls")),
    path("payments/", include("sealpost.issuance.urls")),  # approving issuance, beside the payment actions
    path("d/", include("sealpost.delivery.urls")),
    path("api/v1/", include("sealpost.api.urls")),
    path("verify/", include("sealpost.verify.urls")),
    path("pki/", include("sealpost.documents.urls")),
    path("mailbox/", include("sealpost.demo.urls")),
    path("help/", include("sealpost.help.urls")),
    path("", include("sealpost.portal.urls")),
]
