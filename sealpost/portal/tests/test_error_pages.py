"""Issue 14, problem 6: 404 and 403 answer with the site's own page (its layout, a way back) in
both languages, not Django's bare English page; 500 with a static page in both languages that
cannot fail in turn."""

import pytest
from django.template import loader
from django.test import RequestFactory
from django.views.defaults import server_error

LAYOUT = '<header class="top">'


@pytest.mark.parametrize("language", ["zh-hant", "en"])
def test_a_missing_page_has_the_sites_layout_and_a_way_back(db, client, language):
    from django.utils import translation

    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404
    page = response.content.decode()
    assert LAYOUT in page and 'href="/"' in page and 'href="/verify/"' in page
    with translation.override(language):
        assert translation.gettext("Page not found") in page
    assert "Not Found</h1>" not in page  # Django's bare page


@pytest.mark.parametrize("language", ["zh-hant", "en"])
def test_a_refused_page_has_the_sites_layout_and_a_way_back(applicant_client, language):
    from django.utils import translation

    response = applicant_client.get("/desk/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 403
    page = response.content.decode()
    assert LAYOUT in page and 'href="/orders/"' in page  # back to the applicant's own orders
    with translation.override(language):
        assert translation.gettext("Access denied") in page
    assert "403 Forbidden" not in page


def test_a_server_error_page_is_static_and_in_both_languages(db):
    page = loader.get_template("500.html").render()  # no context at all, as Django renders it
    assert "{%" not in loader.get_template("500.html").template.source
    assert "系統發生錯誤" in page and "Server error" in page and 'href="/"' in page
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500 and "回到首頁" in response.content.decode()
