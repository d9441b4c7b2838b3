from django.urls import path

from sealpost.documents import views

app_name = "documents"

urlpatterns = [
    path("ca.pem", views.ca_certificate, name="ca_certificate"),
    path("ca.crl", views.ca_crl, name="ca_crl"),
]
