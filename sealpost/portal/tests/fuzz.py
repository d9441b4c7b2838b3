"""What the property-based tests (issue 7, "Bad input") throw at sealpost, and how they judge
the answers. Used by portal/tests/test_bad_input.py (the order form), api/tests/test_bad_input.py
(the JSON API) and records/tests/test_bad_input.py (the import).

How many examples each test runs is set with ``examples(n)``: n by default (over 10,000 in
all), a tenth with HYPOTHESIS_PROFILE=ci (the PostgreSQL run). The profiles are registered in
sealpost/conftest.py.
"""

from __future__ import annotations

import functools
import os
import re

from hypothesis import strategies as st

SCALE = {"ci": 0.1}.get(os.environ.get("HYPOTHESIS_PROFILE", ""), 1.0)


def examples(n: int) -> int:
    return max(20, int(n * SCALE))


CJK = re.compile("[\u3400-\u9fff\uf900-\ufaff]")

FULLWIDTH_DIGITS = "０１２３４５６７８９"
FULLWIDTH = FULLWIDTH_DIGITS + "－＋（）　＠．，"
CONTROL = "\x00\x01\x07\x08\x0b\x0c\x1b\x7f\x85\u200b\u200d\u200e\u202e\u2066\ufeff\r\n\t"
EMOJI = "😀🎓📜🇹🇼👩‍🎓🧑🏽‍💻✅❌🔥💯"
# Characters that are real letters, digits or punctuation somewhere: what people paste.
ODD_LETTERS = "ÀÉÎÕÜßŁŒŞŻǅ Ωωπ ДЖЯ ﬁﬂ Å Ａ ｚ ㄅㄆ 𠀋𡃁 陳大偉 ＣＨＥＮ，　ＴＡ－ＷＥＩ"


# The strategy factories below are memoised: a composite strategy that calls them on every draw
# would otherwise build and validate a new strategy tree per example, which costs far more than
# the request under test (two thirds of the whole suite's time before they were). A strategy is
# immutable, so one object serves every draw with the same distribution.
@functools.lru_cache(maxsize=None)
def huge(alphabet: str | None = None, min_size: int = 1_000, max_size: int = 300_000):
    """A very long string: one character, or a short run, repeated."""
    base = st.text(alphabet=alphabet, min_size=1, max_size=8) if alphabet else st.text(min_size=1, max_size=8)
    return st.builds(lambda s, n: (s * (n // len(s) + 1))[:n], base, st.integers(min_size, max_size))


@functools.lru_cache(maxsize=None)
def hostile_text(max_size: int = 80, huge_max: int = 300_000) -> st.SearchStrategy[str]:
    """Strings as people and programs send them: any Unicode (control and format characters
    included), full-width digits and punctuation, emoji, right-to-left overrides, very long."""
    return st.one_of(
        st.text(max_size=max_size),
        st.text(alphabet=FULLWIDTH, max_size=30),
        st.text(alphabet=CONTROL + "ab 12", max_size=30),
        st.text(alphabet=EMOJI + " a", max_size=30),
        st.text(alphabet=ODD_LETTERS, max_size=40),
        st.sampled_from(["", " ", "\n", "0", "-1", "null", "None", "true", "[]", "{}", "' OR 1=1 --",
                         "<script>alert(1)</script>", "%s%s%(x)s{0}", "../../etc/passwd", "\\x00"]),
        huge(max_size=huge_max),
    )


def field_values(good: list[str], huge_max: int = 300_000) -> st.SearchStrategy[str]:
    """Mostly plausible values of a field (so that the other fields' errors are reached), some
    of them made odd, and hostile text."""
    return _field_values(tuple(good), huge_max)


@functools.lru_cache(maxsize=None)
def _field_values(good: tuple[str, ...], huge_max: int) -> st.SearchStrategy[str]:
    plausible = st.sampled_from(good)
    return st.one_of(
        plausible, plausible,
        st.builds(lambda v, extra: v + extra, plausible, hostile_text(10, huge_max)),
        st.builds(lambda v: v.translate(str.maketrans("0123456789-+", "０１２３４５６７８９－＋")), plausible),
        hostile_text(huge_max=huge_max),
    )


GOOD = {
    "applicant_type": ["alumnus", "current", "international"],
    "name_zh": ["陳大偉", "", "林　美玲", "歐陽 娜娜"],
    "name_en": ["CHEN, TA-WEI", "O'NEIL, MARY-JANE", "Lin Mei-ling", "Müller, Jürgen"],
    "phone": ["0912-345-678", "+886 3 422 7151", "(03) 422-7151 #57", "0912345678"],
    "email": ["ta-wei.chen@example.com", "a@b.co", "名字@例子.台灣", "x@[127.0.0.1]"],
    "wes_reference": ["", "1234567", "1234567IMM", "WES Reference No. 1234567"],
    "remarks": ["", "Please send quickly.", "WES ref# 7654321", "請盡快寄出\n謝謝"],
    "message": ["", "Application ID 20240117", "WES Reference No.1234567", "ASUID 1234567890"],
    "documents": ["transcript:en", "transcript:zh", "degree_certificate:en", "enrollment_certificate:zh",
                  "rank_certificate:en"],
}


@functools.lru_cache(maxsize=None)
def json_values() -> st.SearchStrategy:
    """Any JSON value, nested a little."""
    scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                        st.floats(allow_nan=False, allow_infinity=False), hostile_text(40))
    return st.recursive(scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)), max_leaves=8)


# New messages whose translations wait in /work/i18n/h5.po for the catalog (sealpost/locale);
# empty this set once they are merged.
PENDING_TRANSLATION: set[str] = set()  # messages not yet in the catalog: none
PENDING_PATTERNS = [re.compile("^" + re.escape(m).replace(re.escape("%(method)s"), r"\S+") + "$") for m in PENDING_TRANSLATION]


def messages_translated(en: dict[str, list[str]], zh: dict[str, list[str]]) -> list[str]:
    """Problems with the same errors told in English and in Traditional Chinese: the same
    fields, and each message in Chinese (a CJK character) and not the English one."""
    problems = []
    if set(en) != set(zh):
        problems.append(f"different fields: en {sorted(en)} zh {sorted(zh)}")
        return problems
    for field in en:
        if len(en[field]) != len(zh[field]):
            problems.append(f"{field}: {len(en[field])} messages in en, {len(zh[field])} in zh")
            continue
        for m_en, m_zh in zip(en[field], zh[field]):
            if not m_en.strip():
                problems.append(f"{field}: an empty message")
            if any(p.match(m_en) for p in PENDING_PATTERNS):
                continue
            if m_en == m_zh or not CJK.search(m_zh):
                problems.append(f"{field}: not translated: {m_zh[:200]!r}")
    return problems
