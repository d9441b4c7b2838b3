from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "sealpost.desk"
    label = "desk"
