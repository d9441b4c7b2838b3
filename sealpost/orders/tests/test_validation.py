import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import override

from sealpost.orders import validation


@pytest.mark.parametrize("name", ["CHEN, TA-WEI", "O'NEIL, MARY-ANN", "SMITH JR., JOHN", "NGUYỄN, VĂN AN", "Lin, Yu-ting"])
def test_english_name_accepted(name):
    assert validation.validate_name_en(name) == name


def test_english_name_trimmed_and_spaces_collapsed():
    assert validation.validate_name_en("  CHEN,   TA-WEI ") == "CHEN, TA-WEI"


@pytest.mark.parametrize("name, code", [
    ("陳大偉", "characters"), ("CHEN, TA-WEI 2", "characters"), ("CHEN\u202e, TA-WEI", "control_character"),
    ("CHEN\u200b, TA-WEI", "control_character"), ("CHEN\x07", "control_character"), ("CHEN; DROP", "characters"),
    ("Ч E N", "characters"), ("-- ,", "no_letters"),
])
def test_english_name_rejected(name, code):
    with pytest.raises(ValidationError) as error:
        validation.validate_name_en(name)
    assert error.value.code == code


def test_rejection_message_translated():
    with override("en"), pytest.raises(ValidationError) as error:
        validation.validate_name_en("陳")
    with override("en"):
        assert "Latin letters" in error.value.messages[0]
    with override("zh-hant"):
        assert "英文姓名只能包含英文字母" in error.value.messages[0]


@pytest.mark.parametrize("phone", ["0912-345-678", "+886 3 422 7151", "(03) 4227151#57113"])
def test_phone_accepted(phone):
    assert validation.validate_phone(phone) == phone


@pytest.mark.parametrize("phone", ["12345", "call me", "+886 3 422 7151 1234567 12345678", "0912345678\u202e"])
def test_phone_rejected(phone):
    with pytest.raises(ValidationError):
        validation.validate_phone(phone)


@pytest.mark.parametrize("name", ["陳大偉", "林𡒄", "馬克·吐溫", ""])
def test_chinese_name_accepted(name):
    assert validation.validate_name_zh(name) == name


@pytest.mark.parametrize("name", ["陳\u202e大偉", "陳123", "<script>"])
def test_chinese_name_rejected(name):
    with pytest.raises(ValidationError):
        validation.validate_name_zh(name)
