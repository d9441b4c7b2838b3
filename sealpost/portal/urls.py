from django.urls import path

from sealpost.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("orders/", views.order_list, name="orders"),
    path("orders/new/", views.order_new, name="order_new"),
    path("orders/new/confirm/", views.order_confirm, name="order_confirm"),
    path("orders/<str:number>/", views.order_detail, name="order"),
    path("orders/<str:number>/status/", views.order_status, name="order_status"),
    path("orders/<str:number>/cancel/", views.order_cancel, name="order_cancel"),
    path("orders/<str:number>/recipients/<int:position>/", views.recipient_correct, name="recipient_correct"),
    path("orders/<str:number>/form-2-07-3.pdf", views.order_form_pdf, name="order_form_pdf"),
    path("orders/<str:number>/documents/<str:code>.pdf", views.document_download, name="document_download"),
    path("my-data/", views.personal_data, name="personal_data"),
    path("my-data/sealpost-personal-data.json", views.personal_data_download, name="personal_data_download"),
]
