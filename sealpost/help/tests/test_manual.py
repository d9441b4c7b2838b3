"""The manual (issue 14): every page in both languages, its pictures there and described, its links
leading somewhere, each page shown to the right people, and every page of the site linking to
the help that explains it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from sealpost.accounts.models import Role
from sealpost.help import manual

SOURCE = Path(settings.PACKAGE_DIR)
HELP_LINK = re.compile(r"""\{%\s*help_link\s+"(?P<target>[^"]+)"(?:\s+"(?P<audience>[a-z]+)")?\s*%\}""")
MAX_PICTURE = 200 * 1024

ALL_PAGES = [(language, audience, page.slug)
             for (language, audience), pages in manual.load().items() for page in pages]


def slugs(language, audience):
    return [p.slug for p in manual.pages(language, audience)]


@pytest.mark.parametrize("audience", manual.AUDIENCES)
def test_every_page_exists_in_both_languages(audience):
    chinese, english = slugs("zh-hant", audience), slugs("en", audience)
    assert chinese, f"the {audience} manual has no pages"
    assert sorted(set(chinese) - set(english)) == [], "pages with no English version"
    assert sorted(set(english) - set(chinese)) == [], "pages with no Chinese version"
    assert chinese == english, "the two languages list the pages in different orders"


def test_the_manual_covers_every_task_the_issue_names():
    wanted = {
        "applicant": {"register", "order-alumni", "order-current", "order-international", "recipients-and-fees",
                      "wes", "paying", "deadlines", "following", "receiving", "personal-data", "questions"},
        "staff": {"queue", "order-page", "holds", "payments", "approvals", "revocation", "form-2-07-3", "reports",
                  "imports", "personal-data"},
    }
    for audience, needed in wanted.items():
        assert needed - set(slugs("en", audience)) == set(), audience
    questions = manual.find("en", "applicant", "questions").anchors
    assert {"wrong-address", "link-expired", "rare-character", "hold"} <= questions


@pytest.mark.parametrize("language,audience,slug", ALL_PAGES)
def test_every_picture_exists_is_small_and_described(language, audience, slug):
    page = manual.find(language, audience, slug)
    assert page.problems == []
    for image in page.images:
        assert image.path is not None and image.path.is_file(), f"{slug}: missing picture {image.src}"
        assert image.path.parent == manual.STATIC_DIR / "help" / language, \
            f"{slug}: {image.src} is not a picture in the page's language"
        assert image.alt.strip(), f"{slug}: {image.src} has no alternative text"
        assert image.path.stat().st_size < MAX_PICTURE, f"{image.src} is over 200 KB"


@pytest.mark.parametrize("language,audience,slug", ALL_PAGES)
def test_links_between_pages_lead_to_pages_and_anchors_that_exist(language, audience, slug):
    for link in manual.find(language, audience, slug).links:
        target = manual.find(language, link.audience, link.slug)
        assert target is not None, f"{slug} links to a missing page {link.audience}/{link.slug}"
        assert not link.anchor or link.anchor in target.anchors, f"{slug} links to a missing #{link.anchor}"


def _template_links():
    for path in sorted(SOURCE.glob("**/templates/**/*.html")):
        for match in HELP_LINK.finditer(path.read_text(encoding="utf-8")):
            yield path.relative_to(SOURCE), match.group("target"), match.group("audience") or "applicant"


def test_every_help_link_in_the_templates_leads_to_a_page_in_both_languages():
    found = list(_template_links())
    assert len(found) > 20
    for path, target, audience in found:
        slug, _hash, anchor = target.partition("#")
        for language in manual.LANGUAGES:
            page = manual.find(language, audience, slug)
            assert page is not None, f"{path}: help_link {target!r} ({audience}) has no {language} page"
            assert not anchor or anchor in page.anchors, f"{path}: {target!r} has no #{anchor} in {language}"


@pytest.mark.parametrize("template", [
    "portal/home.html", "portal/order_list.html", "portal/order_form.html", "portal/order_confirm.html",
    "portal/order_detail.html", "portal/personal_data.html", "accounts/register.html", "accounts/login.html",
    "accounts/link.html", "verify/index.html", "verify/result.html", "delivery/link.html",
    "delivery/link_refused.html", "desk/order_list.html", "desk/order_detail.html", "desk/order_form.html",
    "desk/reports.html", "desk/calendar.html", "audit/trail.html", "payments/record.html",
])
def test_every_main_page_links_to_its_help(template):
    linked = {str(path) for path, _target, _audience in _template_links()}
    assert any(p.endswith(f"templates/{template}") for p in linked), f"{template} has no help link"


# --- the pages on the site ---------------------------------------------------------------------


def _get(client, url, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(url)


@pytest.mark.django_db
@pytest.mark.parametrize("language", manual.LANGUAGES)
def test_every_applicant_page_is_shown_to_anyone_in_its_language(client, language):
    html_lang = "en" if language == "en" else "zh-Hant-TW"
    index = _get(client, reverse("help:index"), language)
    assert index.status_code == 200
    for page in manual.pages(language, "applicant"):
        response = _get(client, page.url, language)
        assert response.status_code == 200, page.slug
        body = response.content.decode()
        assert f'<html lang="{html_lang}">' in body
        assert f"<h1>{escape(page.title)}</h1>" in body
        assert f'href="{page.url}"' in index.content.decode(), f"{page.slug} is not in the contents"
        for image in page.images:
            assert f'src="/static/help/{language}/{image.path.name}"' in body
            assert f'alt="{escape(image.alt)}"' in body.replace("&#39;", "&#x27;")


@pytest.mark.django_db
@pytest.mark.parametrize("language", manual.LANGUAGES)
def test_every_staff_page_is_shown_to_staff_in_its_language(client, make_user, language):
    client.force_login(make_user(role=Role.AUDITOR))
    assert _get(client, reverse("staff_help:index"), language).status_code == 200
    for page in manual.pages(language, "staff"):
        response = _get(client, page.url, language)
        assert response.status_code == 200, page.slug
        assert f"<h1>{escape(page.title)}</h1>" in response.content.decode()


@pytest.mark.django_db
def test_the_staff_manual_is_refused_to_applicants_and_asks_others_to_sign_in(client, applicant):
    url = reverse("staff_help:page", kwargs={"slug": "queue"})
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    client.force_login(applicant)
    assert client.get(url).status_code == 403
    assert client.get(reverse("staff_help:index")).status_code == 403


@pytest.mark.django_db
def test_an_unknown_page_is_not_found(client):
    assert client.get(reverse("help:page", kwargs={"slug": "no-such-page"})).status_code == 404


@pytest.mark.django_db
def test_a_page_has_its_contents_and_the_pages_before_and_after(client):
    body = _get(client, reverse("help:page", kwargs={"slug": "wes"}), "en").content.decode()
    pages = manual.pages("en", "applicant")
    i = [p.slug for p in pages].index("wes")
    assert f'href="{pages[i - 1].url}" rel="prev"' in body
    assert f'href="{pages[i + 1].url}" rel="next"' in body
    assert 'aria-current="page"' in body
    assert 'href="#where"' in body and 'id="where"' in body  # "On this page"


@pytest.mark.django_db
def test_the_header_leads_applicants_and_staff_to_their_manual(client, applicant, clerk):
    assert f'href="{reverse("help:index")}" id="nav-help"' in client.get(reverse("portal:home")).content.decode()
    client.force_login(clerk)
    assert f'href="{reverse("staff_help:index")}" id="nav-help"' in client.get(reverse("desk:orders")).content.decode()


def test_a_help_link_names_the_page_in_the_readers_language():
    template = Template('{% load help %}{% help_link "questions#hold" %}|{% help_link "queue" "staff" %}')
    with translation.override("zh-hant"):
        chinese = template.render(Context())
    with translation.override("en"):
        english = template.render(Context())
    assert 'href="/help/questions/#hold"' in chinese and manual.find("zh-hant", "applicant", "questions").title in chinese
    assert manual.find("en", "applicant", "questions").title in english
    assert 'href="/desk/help/queue/"' in english


def test_html_in_the_source_is_shown_as_text_never_run():
    html = manual._markdown().render("<script>alert(1)</script>\n\n[x](javascript:alert(1))",
                                     {"source": manual.MANUAL_DIR / "en" / "applicant" / "x.md", "language": "en",
                                      "headings": [], "anchors": set(), "images": [], "links": [], "problems": []})
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html
