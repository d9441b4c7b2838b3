import re

import pytest


@pytest.fixture(autouse=True)
def _english_and_fast(client, settings):
    """Pages in English, so the tests read the same once the Chinese catalogue exists; a fast hasher."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def link_in(message) -> str:
    """The path of the first link in an e-mail (links are absolute, from settings.BASE_URL)."""
    url = re.search(r"https?://\S+", message.body).group(0)
    return "/" + url.split("://", 1)[1].split("/", 1)[1]
