from django.urls import path

from sealpost.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.trail, name="trail"),
    path("check/", views.check, name="check"),
]
