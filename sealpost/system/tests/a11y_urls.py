"""The site's URLs and one more that fails, so that the accessibility walk can open the 500 page
(tests only: ROOT_URLCONF points here during test_accessibility.py)."""

from django.urls import path

from sealpost.urls import *  # noqa: F403 - the site's patterns and its error handlers, if any
from sealpost.urls import urlpatterns as site_patterns


def fails(request):
    raise RuntimeError("the accessibility walk opens the 500 page")


urlpatterns = [path("a11y-500/", fails, name="a11y_500"), *site_patterns]
