"""Security headers, the Content-Security-Policy, cookies, and `sealpost check --deploy` in a
production configuration."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

PACKAGE = Path(__file__).resolve().parents[2]
PAGES = ["/", "/accounts/login/", "/accounts/register/", "/accounts/password/reset/", "/verify/"]


def policy(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_pages_carry_the_security_headers(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_errors_and_json_carry_the_policy_too(client):
    for response in (client.get("/verify/nonexistent-page/also/"), client.get("/api/v1/no-such-thing")):
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


@pytest.mark.parametrize("merchant", [{}, {"ECPAY_MERCHANT_ID": "2000132", "ECPAY_HASH_KEY": "5294y06JbISpM5x9",
                                            "ECPAY_HASH_IV": "v77hoKGq4kWxNNIS"}], ids=["ecpay-off", "ecpay-on"])
def test_forms_post_to_this_site_only(client, db, settings, merchant):
    """Finding 6b: every page allowed forms to post to *.ecpay.com.tw, even with ECPay off. Only
    the checkout page may post to ECPay (sealpost/payments/tests/test_checkout_policy.py)."""
    for name, value in merchant.items():
        setattr(settings, name, value)
    for path in PAGES:
        assert policy(client.get(path))["form-action"] == ["'self'"], path


TEMPLATE_DIRS = [p for p in PACKAGE.rglob("templates") if p.is_dir() and "tests" not in p.parts]
INLINE = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")|<style\b|\sstyle=|\son[a-z]+=\"|javascript:",
                    re.IGNORECASE)


def test_no_inline_script_or_style_in_templates():
    """The policy allows no inline code: every template and static script must keep it so."""
    offenders = []
    for folder in TEMPLATE_DIRS:
        for template in folder.rglob("*.html"):
            for number, line in enumerate(template.read_text().splitlines(), 1):
                if INLINE.search(line):
                    offenders.append(f"{template.relative_to(PACKAGE)}:{number}: {line.strip()[:80]}")
    for script in PACKAGE.rglob("static/**/*.js"):
        text = script.read_text()
        if re.search(r"\beval\(|new Function\(|setAttribute\(\s*[\"']style|\.innerHTML\s*=.*<script", text):
            offenders.append(str(script.relative_to(PACKAGE)))
    assert not offenders, "\n".join(offenders)


@pytest.mark.django_db
def test_cookies_over_http_are_httponly_and_samesite(client, applicant):
    from sealpost.conftest import PASSWORD

    client.get("/accounts/login/")  # sets the CSRF cookie
    response = client.post("/accounts/login/", {"email": applicant.email, "password": PASSWORD})
    for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME):
        cookie = client.cookies[name]
        assert cookie["httponly"] and cookie["samesite"] == "Lax", name
    assert response.status_code == 302


def run_sealpost(tmp_path, *args, **env):
    environment = {
        k: v for k, v in os.environ.items()
        if not k.startswith(("SEALPOST_", "DJANGO_", "DATABASE_URL"))
    }
    environment.update({"SEALPOST_DATA_DIR": str(tmp_path), **env})
    return subprocess.run([sys.executable, "-m", "sealpost", *args], env=environment, capture_output=True,
                          text=True, timeout=120, cwd=PACKAGE.parent)


PRODUCTION = {
    "SEALPOST_BASE_URL": "https://records.example.edu",
    "SEALPOST_SECRET_KEY": secrets.token_urlsafe(50),
    "SEALPOST_DEBUG": "0",
}


@pytest.mark.parametrize("extra", [{}, {"SEALPOST_REDIS_URL": "redis://127.0.0.1:6379/3",
                                        "SEALPOST_PROXY_SSL_HEADER": "X-Forwarded-Proto"}],
                         ids=["embedded", "redis-behind-proxy"])
def test_check_deploy_is_clean_in_production(tmp_path, extra):
    result = run_sealpost(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, **extra)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout + result.stderr


def test_production_settings(tmp_path):
    code = ("from django.conf import settings as s; import json; print(json.dumps({"
            "'hsts': s.SECURE_HSTS_SECONDS, 'sub': s.SECURE_HSTS_INCLUDE_SUBDOMAINS, 'redirect': s.SECURE_SSL_REDIRECT, "
            "'cookies': [s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.LANGUAGE_COOKIE_SECURE], "
            "'upgrade': 'upgrade-insecure-requests' in s.CONTENT_SECURITY_POLICY['DIRECTIVES'], "
            "'cache': s.CACHES['default']['BACKEND']}))")
    result = run_sealpost(tmp_path, "shell", "-c", code, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    import json

    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {"hsts": 31_536_000, "sub": True, "redirect": True, "cookies": [True, True, True],
                      "upgrade": True, "cache": "sealpost.cache.LockedFileBasedCache"}


def test_a_bad_rate_limit_stops_the_check(tmp_path):
    result = run_sealpost(tmp_path, "check", SEALPOST_RATELIMIT_LOGIN_IP="lots")
    assert result.returncode != 0
    assert "sealpost.E101" in result.stderr


def test_plain_http_has_no_hsts(client, db):
    response = client.get("/accounts/login/")
    assert "Strict-Transport-Security" not in response
    assert settings.SECURE_HSTS_SECONDS == 0 and not settings.SESSION_COOKIE_SECURE


@pytest.mark.django_db
def test_hsts_over_https(client, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = client.get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
