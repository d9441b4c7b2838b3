"""The registrar's calendar on the desk, at /desk/calendar/ (sealpost/urls.py). Its URL names
keep the namespace "workdays" (workdays:calendar, workdays:remove) that the pages link to."""

from django.urls import path

from sealpost.desk import calendar

app_name = "workdays"

urlpatterns = [
    path("", calendar.calendar, name="calendar"),
    path("<str:date>/remove/", calendar.remove, name="remove"),
]
