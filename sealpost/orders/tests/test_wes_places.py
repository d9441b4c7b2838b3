"""Issue 14, problem 7: one rule for where the WES reference comes from, with the place named."""

from django.utils import translation

from sealpost.orders import wes


def test_each_place_is_named_and_the_field_comes_first():
    found = wes.mentions("7654321", "WES ref# 1234567", ["", "WES Reference No. 1234567", "WES no 2222222"])
    assert [(m.reference, m.place, m.position) for m in found] == [
        ("7654321", "field", 0), ("1234567", "remarks", 0), ("1234567", "recipient", 2), ("2222222", "recipient", 3)]
    assert wes.source(found).reference == "7654321"
    assert [m.reference for m in wes.disagreeing(found)] == ["7654321", "1234567", "2222222"]
    with translation.override("en"):
        assert [m.where for m in wes.disagreeing(found)] == [
            "from the WES reference number field", "from the remarks", "from recipient 3's message"]


def test_a_message_alone_is_read_leniently():
    found = wes.mentions("", "", ["wes reference number: 1234567IMM"])
    assert wes.source(found) == wes.Mention("1234567IMM", "recipient", 1) and wes.disagreeing(found) == []
    assert wes.resolve("", "", ["wes reference number: 1234567IMM"]) == ("1234567IMM", [])
