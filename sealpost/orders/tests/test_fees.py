import pytest

from sealpost.orders import fees
from sealpost.orders.models import DocumentFee


@pytest.mark.parametrize("recipients, expected", [(1, 0), (2, 0), (3, 20), (4, 40), (10, 160)])
def test_recipient_fee_seed_rules(recipients, expected):
    assert fees.recipient_fee(recipients) == expected


def test_lines_and_total(db):
    lines = fees.fee_lines([("transcript", "zh"), ("transcript", "en")], 4)
    assert [(l.code, l.quantity, l.amount) for l in lines] == [
        ("transcript", 1, 50), ("transcript", 1, 50), ("extra_recipient", 2, 40)]
    assert fees.total(lines) == 140


def test_registrar_sets_document_fee(db):
    DocumentFee.objects.create(document_type="transcript", amount=120)
    assert fees.total(fees.fee_lines([("transcript", "en")], 1)) == 120


def test_recipient_rules_are_configurable(db, settings):
    settings.FREE_RECIPIENTS = 1
    settings.RECIPIENT_FEE = 30
    assert fees.recipient_fee(3) == 60


def test_line_labels_in_both_languages(db):
    from django.utils.translation import override

    line = fees.fee_lines([], 5)[0]
    with override("en"):
        assert line.label == "Recipients from no. 3 on (3 × NT$20)"
