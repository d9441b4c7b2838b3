from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "sealpost.workdays"
    label = "workdays"
