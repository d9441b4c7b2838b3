import pytest

from sealpost.records import nationalid

LETTERS = "ABCDEFGHJKLMNPQRSTUVXYWZIO"  # A=10 ... in the order the Ministry of the Interior numbers them


def checksum_ok(value: str) -> bool:
    """The published algorithm, written out independently of the module under test."""
    number = 10 + LETTERS.index(value[0])
    digits = [number // 10, number % 10, *map(int, value[1:])]
    return sum(w * d for w, d in zip([1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1], digits)) % 10 == 0


@pytest.mark.parametrize("value", ["A123456789", "F131104093", "A800000014", "A900000016", "F800000019"])
def test_known_valid_ids(value):
    assert checksum_ok(value)  # the examples are right by the algorithm, not by guess
    assert nationalid.is_valid(value)


@pytest.mark.parametrize("value", ["a123456789", " a12345 6789 ", "f131104093"])
def test_lowercase_and_spaces_are_accepted(value):
    assert nationalid.is_valid(value)
    assert nationalid.keyed_hash(value) == nationalid.keyed_hash(value.replace(" ", "").upper())


@pytest.mark.parametrize("value", ["A123456788", "B123456789", "F131104094", "A800000015"])
def test_wrong_check_digit(value):
    assert not checksum_ok(value)
    assert not nationalid.is_valid(value)


@pytest.mark.parametrize(
    "value", ["", "A12345678", "A1234567890", "1123456789", "A323456789", "AB23456789", "A12345678X", "A１２３４５６７８٩"]
)
def test_wrong_shape(value):
    assert not nationalid.is_valid(value)


def test_full_width_input_is_the_same_id():
    # Chinese input methods type full-width letters and digits.
    assert nationalid.is_valid("Ａ１２３４５６７８９")
    assert nationalid.keyed_hash("Ａ１２３４５６７８９") == nationalid.keyed_hash("a123456789")


def test_resident_certificate_second_digit_8_or_9():
    for second in "89":
        value = nationalid.make_valid(f"A{second}0000001")
        assert checksum_ok(value)
        assert nationalid.is_valid(value)
    assert not nationalid.is_valid("A300000019")


def test_every_letter_value_matches_the_published_table():
    for letter in LETTERS:
        value = nationalid.make_valid(f"{letter}12345678")
        assert checksum_ok(value)
