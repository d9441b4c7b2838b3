from django.urls import path

from sealpost.workdays import views

app_name = "workdays"

urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("<str:date>/remove/", views.remove, name="remove"),
]
