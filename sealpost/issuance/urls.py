from django.urls import path

from sealpost.issuance import views

app_name = "issuance"

# Under /payments/ (sealpost.urls), beside the registrar's payment actions it was part of.
urlpatterns = [
    path("desk/<str:number>/approve/", views.approve, name="approve"),
]
