"""Issue 14, problem 1: the demo does not seed the WES reference the order form invites people to
type. A person trying the demo who types the form's example ("WES Reference No. 1234567") must
not share a WES reference with the demo alumnus's seeded order."""

import datetime
import re

import pytest
from django.urls import reverse

from sealpost.accounts.models import User
from sealpost.demo import school as demo
from sealpost.orders.models import Order

TODAY = datetime.date(2026, 11, 25)


@pytest.mark.parametrize("language", ["zh-hant", "en"])
def test_the_demo_does_not_seed_the_wes_reference_of_the_forms_example(db, client, settings, language):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    demo.create_demo_school(students=12, seed=2026, today=TODAY)
    seeded = set(Order.objects.exclude(wes_reference="").values_list("wes_reference", flat=True))
    assert seeded, "the demo shows a WES order"

    client.force_login(User.objects.get(email=f"alumnus@{demo.DEMO_DOMAIN}"))
    page = client.get(reverse("portal:order_new"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    examples = set(re.findall(r"(?<![\d-])\d{7}(?![\d-])", page))  # the seven-digit examples it shows
    assert "1234567" in examples
    assert not seeded & examples
