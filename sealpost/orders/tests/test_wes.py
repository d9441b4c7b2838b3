import pytest
from hypothesis import given
from hypothesis import strategies as st

from sealpost.orders import wes


@pytest.mark.parametrize("text, expected", [
    ("WES Reference No.1234567", ["1234567"]),
    ("WES Reference No. 1234567", ["1234567"]),
    ("WES ref# 1234567IMM", ["1234567IMM"]),
    ("wes reference number: 1234567usa", ["1234567USA"]),
    ("WES#1234567", ["1234567"]),
    ("WES 1234567", ["1234567"]),
    ("WES Reference No：1234567", ["1234567"]),
    ("Please send to WES, Reference No. 1234567, thanks", ["1234567"]),
    ("ASUID 1234567", []),
    ("WES Reference No. 1234567 and WES ref 7654321", ["1234567", "7654321"]),
    ("WES Reference No. 1234567; again WES Reference No.1234567", ["1234567"]),
    ("WESTERN 1234567", []),
    ("WES Reference No. 12345", []),  # too short to be a case number
    ("", []),
])
def test_find_references(text, expected):
    assert wes.find_references(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("1234567", "1234567"), (" 1234567imm ", "1234567IMM"), ("WES Reference No. 1234567", "1234567"),
    ("", None), ("hello", None), ("123", None),
])
def test_parse_field(text, expected):
    assert wes.parse_field(text) == expected


def test_resolve_agreeing_places():
    assert wes.resolve("", "WES Reference No. 1234567", ["WES ref# 1234567"]) == ("1234567", [])


def test_resolve_conflict_prefers_field_and_lists_all():
    ref, conflict = wes.resolve("7654321", "WES Reference No. 1234567", ["WES ref 1111111IMM"])
    assert ref == "7654321"
    assert conflict == ["7654321", "1234567", "1111111IMM"]


def test_resolve_nothing():
    assert wes.resolve("", "transcript for NTU", ["Application ID 99"]) == ("", [])


@given(st.text(max_size=200))
def test_parser_never_fails_on_any_text(text):
    for ref in wes.find_references(text):
        assert ref[:6].isdigit()
