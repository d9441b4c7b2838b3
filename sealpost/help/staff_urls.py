"""The staff manual on the desk, at /desk/help/ (registrar staff only, as the desk)."""

from django.urls import path

from sealpost.help import views

app_name = "staff_help"

urlpatterns = [
    path("", views.staff_index, name="index"),
    path("<slug:slug>/", views.staff_page, name="page"),
]
