"""Issue 14, problem 10: the answer to an uploaded file survives switching the language. The
language switch posts back, as `next`, the answer's own address (/verify/file/<token>/), which
shows the same answer in the other language; a document revoked since shows as revoked."""

import re

from django.core.files.uploadedfile import SimpleUploadedFile

from .forgery import change_byte, revoke
from .test_index import status_of

URL = "/verify/"


def upload(client, data, language):
    return client.post(URL, {"file": SimpleUploadedFile("document.pdf", data, content_type="application/pdf")},
                       HTTP_ACCEPT_LANGUAGE=language)


def switch_language(client, page: str, language: str):
    """What the header's language button does: POST set_language with the page's `next`."""
    form = re.search(r'<form method="post" action="/i18n/setlang/".*?</form>', page, re.S).group(0)
    following = re.search(r'name="next" value="([^"]*)"', form).group(1).replace("&amp;", "&")
    return client.post("/i18n/setlang/", {"language": language, "next": following}, follow=True)


def test_switching_language_keeps_the_answer_to_an_upload(client, document, issued_pdf):
    answer = upload(client, change_byte(issued_pdf), "zh-hant")
    assert status_of(answer) == "tampered"
    after = switch_language(client, answer.content.decode(), "en")
    assert after.status_code == 200 and status_of(after) == "tampered"
    page = after.content.decode()
    assert 'lang="en"' in page and "Tampered" in page
    assert "The content was changed after it was signed" in page  # the reason, now in English
    assert document.verification_code in page


def test_the_answers_address_brings_it_up_to_date(client, document, issued_pdf, officer):
    answer = upload(client, issued_pdf, "en")
    assert status_of(answer) == "valid"
    address = re.search(r'<a href="(/verify/file/[^"]+/)">', answer.content.decode()).group(1)
    revoke(document, officer)
    again = client.get(address, HTTP_ACCEPT_LANGUAGE="en")
    assert status_of(again) == "revoked"


def test_a_changed_or_made_up_address_is_refused(client, document, issued_pdf):
    answer = upload(client, change_byte(issued_pdf), "en")
    address = re.search(r'<a href="(/verify/file/[^"]+/)">', answer.content.decode()).group(1)
    token = address.split("/")[-2]
    forged = address.replace(token, token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"))
    response = client.get(forged, follow=True)
    assert response.redirect_chain[-1][0] == URL and status_of(response) == ""
