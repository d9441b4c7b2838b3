"""Issue 14, problem 10: `sealpost totp EMAIL` labels the code it prints ("Current code for
clerk@…: 123456"), in English or Chinese (gettext), the code still the line's last word."""

import io

import pyotp
import pytest
from django.core.management import call_command
from django.utils import translation

from sealpost.accounts import services


@pytest.fixture
def enrolled(clerk):
    clerk.totp_secret = pyotp.random_base32()
    clerk.totp_confirmed = True
    clerk.save()
    return clerk


def run(*args, **env) -> str:
    out = io.StringIO()
    call_command("totp", *args, stdout=out)
    return out.getvalue().strip()


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_the_code_line_is_labelled_in_the_chosen_language(enrolled, language):
    line = run(enrolled.email, "--language", language).splitlines()[-1]
    with translation.override(language):
        label = translation.gettext("Current code for %(email)s:") % {"email": enrolled.email}
    assert line == f"{label} {services.current_totp(enrolled)}"  # scripts take the last word


def test_the_shells_locale_chooses_the_language(enrolled, monkeypatch):
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert run(enrolled.email).startswith(f"Current code for {enrolled.email}: ")
