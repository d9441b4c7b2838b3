"""Issue 14: what recipients and applicants read is in their language. The Chinese half of the
recipient's e-mail names the documents in Chinese (problem 6), the first-download notice can be
read in both languages, the applicant's first (problem 6), and the recipient's download page
links the full verification address (problem 10)."""

import re

import pytest
from django.core import mail
from django.utils import timezone

from sealpost.delivery import services
from sealpost.delivery.models import Delivery
from sealpost.documents import storage
from sealpost.documents.models import Document, DocumentFile
from sealpost.orders import services as order_services
from sealpost.orders.models import Order, Status


@pytest.fixture
def issued(applicant, settings):
    settings.BASE_URL = "http://testserver"

    def make(language="zh-hant"):
        draft = order_services.Draft(
            applicant_type="alumnus", documents=[("degree_certificate", "en"), ("transcript", "zh")],
            name_en="CHEN, TA-WEI", name_zh="陳大偉", phone="0912345678", email=applicant.email,
            recipients=[("admissions@school.example.org", "")], language=language)
        order = order_services.place_order(student=applicant.student, draft=draft, applicant=applicant)
        Order.objects.filter(pk=order.pk).update(status=Status.ISSUED)
        order.refresh_from_db()
        for doc_type, doc_language in (("degree_certificate", "en"), ("transcript", "zh")):
            data = f"%PDF-1.7 {doc_type} {doc_language} {order.number}".encode()
            document = Document.objects.create(order=order, student=order.student, document_type=doc_type,
                                               language=doc_language, holder_name_en=order.name_en,
                                               holder_name_zh=order.name_zh, issued_at=timezone.now())
            DocumentFile.objects.create(document=document, sha256=storage.put(data), size=len(data))
        return order

    return make


def scheduled(order, capture) -> Delivery:
    with capture(execute=False):
        services.schedule_delivery(order)
    return Delivery.objects.select_related("order", "recipient", "link").get(order=order)


def halves(text: str) -> tuple[str, str]:
    chinese, english = text.split("Dear recipient", 1)
    return chinese, english


def test_the_chinese_half_of_the_recipients_email_names_the_documents_in_chinese(
        issued, django_capture_on_commit_callbacks):
    message = services.build_message(scheduled(issued(), django_capture_on_commit_callbacks))
    for body in (message.body, message.alternatives[0][0]):
        chinese, english = halves(body)
        assert "學位證明（英文）" in chinese and "成績單（中文）" in chinese
        assert "Degree certificate" not in chinese and "（EN）" not in chinese and "（ZH）" not in chinese
        assert "Degree certificate (English)" in english and "Transcript (Chinese)" in english


@pytest.mark.parametrize("language, first, second", [
    ("zh-hant", "首次下載您的文件", "first downloaded your documents"),
    ("en", "first downloaded your documents", "首次下載您的文件"),
])
def test_the_first_download_notice_reads_in_both_languages_the_applicants_first(
        issued, django_capture_on_commit_callbacks, language, first, second):
    delivery = scheduled(issued(language), django_capture_on_commit_callbacks)
    Delivery.objects.filter(pk=delivery.pk).update(first_downloaded_at=timezone.now())
    mail.outbox.clear()
    services.notify_applicant(delivery.pk)
    body = mail.outbox[0].body
    assert first in body and second in body and body.index(first) < body.index(second)


def test_the_download_page_links_the_full_verification_address(issued, client, django_capture_on_commit_callbacks):
    delivery = scheduled(issued(), django_capture_on_commit_callbacks)
    page = client.get(f"/d/{services.token_for(delivery.link)}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.search(r'<a href="http://testserver/verify/">http://testserver/verify/</a>', page)
    assert "(EN)" not in page and "Degree certificate (English)" in page
