from django.urls import path

from sealpost.desk import reports, views

app_name = "desk"

urlpatterns = [
    path("", views.order_list, name="orders"),
    path("bulk/", views.bulk_action, name="bulk"),
    path("reports/", reports.report_page, name="reports"),
    path("reports.csv", reports.report_csv, name="reports_csv"),
    path("holds/<int:pk>/release/", views.hold_release, name="hold_release"),
    path("orders/new/", views.order_new, name="order_new"),
    path("orders/<str:number>/", views.order_detail, name="order"),
    path("orders/<str:number>/form-2-07-3.pdf", views.order_form_pdf, name="order_form_pdf"),
    path("orders/<str:number>/scan", views.scanned_form, name="scanned_form"),
    path("orders/<str:number>/documents/<str:code>.pdf", views.document_download, name="document_download"),
    path("orders/<str:number>/documents/<str:code>/revoke/", views.document_revoke, name="document_revoke"),
]
