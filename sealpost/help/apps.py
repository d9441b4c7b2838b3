from django.apps import AppConfig


class HelpConfig(AppConfig):
    name = "sealpost.help"
    label = "help"
    verbose_name = "Help: the operation manual"
