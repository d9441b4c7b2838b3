"""Issue 14, problem 6: the desk's order page in Chinese names every detail of the history in
Chinese ("Recipient", "Message id", "Payment", "Version" were shown in English) and explains a
failed WES upload in Chinese, the server's own words kept as technical details."""

from django.urls import reverse
from django.utils import translation

from sealpost.delivery.models import WES_PROBLEMS
from sealpost.orders import services as order_services


def test_the_history_details_read_in_chinese(clerk_client, applicant):
    draft = order_services.Draft(
        applicant_type="alumnus", documents=[("transcript", "en")], name_en="CHEN, TA-WEI", name_zh="陳大偉",
        phone="0912345678", email=applicant.email, recipients=[(applicant.email, "")], wes_reference="1234567")
    order = order_services.place_order(student=applicant.student, draft=draft, applicant=applicant)
    order_services.record(order, "paid", None, method="demo", amount=100, reference="DEMO-X", payment=7, demo=True)
    order_services.record(order, "delivery_sent", None, recipient=1, message_id="<delivery.1@ndu.example.edu>")
    order_services.record(order, "wes_upload_failed", None, version=1, problem="conflict",
                          reason="1234567_CHEN_TA-WEI_transcript_en.pdf already exists on the WES server")
    order_services.record(order, "wes_confirmed", None, version=1, by="applicant")

    page = clerk_client.get(reverse("desk:order", args=[order.number]), HTTP_ACCEPT_LANGUAGE="zh-hant")
    text = page.content.decode()
    timeline = text.split('id="timeline"', 1)[1]
    for english in ("Recipient", "Message id", "Payment", "Version"):  # the details' raw names
        assert f"<dt>{english}</dt>" not in timeline, english
    with translation.override("zh-hant"):
        for label in ("Recipient", "Payment", "Version", "Message ID", "Problem", "By", "Demonstration"):
            assert f"<dt>{translation.gettext(label)}</dt>" in timeline, label
        assert str(WES_PROBLEMS["conflict"]) in timeline
        assert f"<dd>{translation.gettext('the applicant')}</dd>" in timeline
