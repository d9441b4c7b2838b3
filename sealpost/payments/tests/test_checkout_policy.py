"""The checkout page, the one page whose form leaves the site, may post to the configured ECPay
checkout host and to no other (finding 6b)."""

import pytest

from sealpost.accounts.tests.test_security_headers import policy
from sealpost.payments import ecpay

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", [ecpay.STAGE_URL, ecpay.PRODUCTION_URL])
def test_the_checkout_page_may_post_to_the_configured_ecpay_host_only(applicant_client, ecpay_test_merchant,
                                                                       place, settings, url):
    settings.ECPAY_URL = url
    order = place()
    response = applicant_client.get(f"/payments/checkout/{order.number}/")
    assert response.status_code == 200 and f'action="{url}"' in response.content.decode()
    host = "https://" + url.split("/")[2]
    assert policy(response)["form-action"] == ["'self'", host]  # no other ECPay host, no wildcard
    # The page it came from (the order page) may not post there.
    assert policy(applicant_client.get(f"/orders/{order.number}/"))["form-action"] == ["'self'"]
