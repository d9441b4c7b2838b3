"""Mounted by sealpost.urls at api/v1/ under the namespace "api"."""

from sealpost.api.api import api

urlpatterns, _app_name, _namespace = api.urls
app_name = "api"
