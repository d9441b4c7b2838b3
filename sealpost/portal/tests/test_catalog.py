"""The Traditional Chinese catalog: complete, consistent with the code, and used by the pages.

Chinese (zh-hant) is the default language, so an untranslated or broken message shows up
in front of every student; these tests fail before that happens.
"""

import ast
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings

from .helpers import order_post

PACKAGE_DIR = Path(__file__).resolve().parents[2]
PO_FILE = PACKAGE_DIR / "locale" / "zh_Hant" / "LC_MESSAGES" / "django.po"


# --- a small .po parser ----------------------------------------------------------------


def _unquote(literal: str) -> str:
    """The text of one quoted .po string, escapes resolved (\\n, \\", \\\\, \\t)."""
    return ast.literal_eval(literal)


def parse_po(path: Path) -> list[dict]:
    """The entries of a .po file: dicts with msgctxt, msgid, msgid_plural, msgstr (a list:
    one item, or one per plural form), flags, obsolete, line. Enough of the format for
    what makemessages writes."""
    entries, entry, field = [], None, None

    def finish():
        if entry is not None and "msgid" in entry:
            entries.append(entry)

    def new_entry(line_no):
        return {"msgctxt": None, "msgid_plural": None, "msgstr": {}, "flags": set(), "obsolete": False, "line": line_no}

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            finish()
            entry, field = None, None
            continue
        if line.startswith("#~"):
            entry = entry or new_entry(number)
            entry["obsolete"] = True
            line = line[2:].strip()
            if not line:
                continue
        elif line.startswith("#"):
            if entry is not None and "msgid" in entry:  # a comment starts the next entry
                finish()
                entry = None
            entry = entry or new_entry(number)
            if line.startswith("#,"):
                entry["flags"].update(f.strip() for f in line[2:].split(",") if f.strip())
            continue
        entry = entry or new_entry(number)
        match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$', line)
        if match:
            keyword, index, literal = match.groups()
            if keyword == "msgid" and "msgid" in entry:  # no blank line between entries
                finish()
                entry = new_entry(number)
            if keyword.startswith("msgstr"):
                field = ("msgstr", int(index or 0))
                entry["msgstr"][field[1]] = _unquote(literal)
            else:
                field = (keyword, None)
                entry[keyword] = _unquote(literal)
        elif line.startswith('"') and field is not None:
            if field[0] == "msgstr":
                entry["msgstr"][field[1]] += _unquote(line)
            else:
                entry[field[0]] += _unquote(line)
        else:
            raise AssertionError(f"{path}:{number}: cannot read this line: {raw!r}")
    finish()
    for e in entries:
        e["msgstr"] = [e["msgstr"][i] for i in sorted(e["msgstr"])]
    return entries


def messages(entries: list[dict]) -> list[dict]:
    """The translatable entries: not the header, not obsolete."""
    return [e for e in entries if e["msgid"] and not e["obsolete"]]


def header(entries: list[dict]) -> dict[str, str]:
    head = next(e for e in entries if e["msgid"] == "" and e["msgctxt"] is None)
    fields = {}
    for line in head["msgstr"][0].splitlines():
        name, _, value = line.partition(":")
        fields[name.strip()] = value.strip()
    return fields


# %(name)s, %d, %.1f ... and, from {% translate %} tags, whose percent signs are doubled
# in the msgid and restored after translation, %%(name)d. A lone %% is a literal percent sign.
_PLACEHOLDER = re.compile(
    r"%%\(\w+\)[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]"
    r"|%%"
    r"|%(?:\(\w+\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa]"
)


def placeholders(text: str) -> Counter:
    found = Counter(_PLACEHOLDER.findall(text))
    del found["%%"]
    return found


def label(entry: dict) -> str:
    context = f"[{entry['msgctxt']}] " if entry["msgctxt"] else ""
    return f"{PO_FILE.name}:{entry['line']}: {context}{entry['msgid']!r}"


# --- (a) complete and consistent ------------------------------------------------------


@pytest.fixture(scope="module")
def catalog():
    assert PO_FILE.exists(), f"{PO_FILE} is missing"
    return parse_po(PO_FILE)


def test_header_is_for_traditional_chinese(catalog):
    fields = header(catalog)
    assert fields.get("Language") == "zh_Hant"
    assert fields.get("Content-Type") == "text/plain; charset=UTF-8"
    assert fields.get("Plural-Forms") == "nplurals=1; plural=0;"
    head = next(e for e in catalog if e["msgid"] == "")
    assert "fuzzy" not in head["flags"], "the header is marked fuzzy: Django ignores a fuzzy header"


def test_catalog_is_not_trivially_small(catalog):
    # A parser that silently read nothing would pass every test below.
    assert len(messages(catalog)) > 300


def test_every_message_is_translated(catalog):
    untranslated = [label(e) for e in messages(catalog) if not all(s.strip() for s in e["msgstr"]) or not e["msgstr"]]
    assert not untranslated, "untranslated messages:\n" + "\n".join(untranslated)


def test_no_message_is_fuzzy(catalog):
    fuzzy = [label(e) for e in messages(catalog) if "fuzzy" in e["flags"]]
    assert not fuzzy, "fuzzy messages (Django does not use them):\n" + "\n".join(fuzzy)


def test_plural_messages_have_one_form(catalog):
    wrong = [label(e) for e in messages(catalog) if e["msgid_plural"] is not None and len(e["msgstr"]) != 1]
    assert not wrong, "Chinese has one plural form: give msgstr[0] only:\n" + "\n".join(wrong)


def test_placeholders_are_kept(catalog):
    problems = []
    for e in messages(catalog):
        if "python-format" not in e["flags"]:
            continue
        expected = set(placeholders(e["msgid"])) | set(placeholders(e["msgid_plural"] or ""))
        for form, text in enumerate(e["msgstr"]):
            got = set(placeholders(text))
            if got != expected:
                problems.append(
                    f"{label(e)} msgstr[{form}]: missing {sorted(expected - got)}, unknown {sorted(got - expected)}"
                )
    assert not problems, "placeholders differ between msgid and msgstr:\n" + "\n".join(problems)


def test_placeholder_check_catches_a_dropped_placeholder():
    assert set(placeholders("訂單 %(number)s 已送出。")) == set(placeholders("Order %(number)s has been submitted."))
    assert set(placeholders("訂單已送出。")) != set(placeholders("Order %(number)s has been submitted."))
    assert set(placeholders("第 %%(first)d 位")) != set(placeholders("no. %(first)d"))
    assert not placeholders("100%% 完成")


def test_markup_is_kept(catalog):
    """HTML tags and entities of a msgid appear in its translation."""
    markup = re.compile(r"</?[a-zA-Z][^>]*>|&[a-zA-Z]+;|&#\d+;")
    problems = [
        label(e)
        for e in messages(catalog)
        for text in e["msgstr"]
        if Counter(markup.findall(e["msgid"])) != Counter(markup.findall(text))
    ]
    assert not problems, "markup differs between msgid and msgstr:\n" + "\n".join(problems)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="msgfmt (GNU gettext) is not installed")
def test_msgfmt_accepts_the_catalog(tmp_path):
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "django.mo"), str(PO_FILE)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


# --- (b) up to date with the code -----------------------------------------------------

_EXTRACTED = {".py", ".html", ".txt"}  # what makemessages reads for the "django" domain


def _key(entry: dict) -> tuple:
    return entry["msgctxt"], entry["msgid"], entry["msgid_plural"]


def _copy_sources(destination: Path) -> None:
    def ignore(directory, names):
        skipped = set()
        for name in names:
            path = Path(directory) / name
            if path.is_dir():
                if name in {"tests", "__pycache__", "node_modules"} or name.startswith("."):
                    skipped.add(name)
            elif path.suffix not in _EXTRACTED and not (path.suffix == ".po" and "locale" in path.parts):
                skipped.add(name)
        return skipped

    shutil.copytree(PACKAGE_DIR, destination, ignore=ignore)


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="xgettext (GNU gettext) is not installed")
def test_catalog_is_up_to_date_with_the_code(tmp_path, catalog):
    """Run makemessages on a copy of the package and compare its msgids with the committed ones."""
    copy = tmp_path / "sealpost"
    _copy_sources(copy)
    # Settings that point LOCALE_PATHS at the copy, so that makemessages cannot touch the real
    # catalog. They live in their own folder: tmp_path itself holds the copy named "sealpost",
    # which must not be imported in place of the real package.
    settings_dir = tmp_path / "settings"
    settings_dir.mkdir()
    (settings_dir / "catalog_check_settings.py").write_text(
        "from pathlib import Path\n"
        "from sealpost.settings import *  # noqa: F403\n"
        f"LOCALE_PATHS = [Path({str(copy / 'locale')!r})]\n",
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "catalog_check_settings",
        "PYTHONPATH": os.pathsep.join([str(settings_dir)] + [p for p in sys.path if p]),
        "SEALPOST_DATA_DIR": str(tmp_path / "data"),
    }
    before = PO_FILE.read_bytes()
    result = subprocess.run(
        [sys.executable, "-m", "sealpost", "makemessages", "-l", "zh_Hant", "--no-obsolete", "--ignore", "tests/*"],
        cwd=copy, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert PO_FILE.read_bytes() == before, "makemessages changed the real catalog"

    regenerated = parse_po(copy / "locale" / "zh_Hant" / "LC_MESSAGES" / "django.po")
    committed = {_key(e) for e in messages(catalog)}
    current = {_key(e): e for e in messages(regenerated)}
    assert len(current) > 300, "makemessages found almost nothing: is the copy complete?"
    new = sorted(k[1] for k in current.keys() - committed)
    stale = sorted(k[1] for k in committed - current.keys())
    report = []
    if new:
        report.append("new, untranslated msgids:\n" + "\n".join(f"  {m!r}" for m in new))
    if stale:
        report.append("msgids no longer in the code:\n" + "\n".join(f"  {m!r}" for m in stale))
    assert not report, (
        "The zh_Hant catalog is out of date. Run `cd sealpost && sealpost makemessages -l zh_Hant "
        '--no-obsolete --ignore "tests/*"`, then translate.\n' + "\n".join(report)
    )


# --- (c) the pages speak Chinese, and English on request ------------------------------


def _page(client, url, language=None):
    extra = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    response = client.get(url, **extra)
    assert response.status_code == 200
    return response.content.decode()


HOME_ZH = ["學籍成績電子檔", "申請流程", "我的訂單", "申請電子文件", "註冊組", "成績單", "名次證明"]
HOME_EN = ["Electronic academic records", "How it works", "My orders", "Order electronic records", "Registrar's Office"]


def test_home_page_in_chinese_by_default(applicant_client):
    page = _page(applicant_client, "/")
    assert 'lang="zh-Hant-TW"' in page
    for text in HOME_ZH:
        assert text in page
    assert "How it works" not in page


def test_home_page_in_chinese_for_zh_hant(applicant_client):
    page = _page(applicant_client, "/", "zh-Hant")
    for text in HOME_ZH:
        assert text in page


def test_home_page_in_english(applicant_client):
    page = _page(applicant_client, "/", "en")
    assert 'lang="en"' in page
    for text in HOME_EN:
        assert text in page
    assert "申請流程" not in page


def test_language_cookie_wins(applicant_client):
    applicant_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "How it works" in _page(applicant_client, "/", "zh-Hant")
    applicant_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hant"
    assert "申請流程" in _page(applicant_client, "/", "en")


def test_sign_in_page(client):
    chinese = _page(client, "/accounts/login/", "zh-Hant")
    for text in ["登入", "忘記密碼？", "還沒有帳號嗎？", "註冊", "密碼", "電子郵件地址"]:
        assert text in chinese
    english = _page(client, "/accounts/login/", "en")
    for text in ["Sign in", "Forgot your password?", "No account yet?", "Register", "Password", "E-mail address"]:
        assert text in english


def test_order_form(applicant_client):
    chinese = _page(applicant_client, "/orders/new/", "zh-Hant")
    for text in [
        "申請學籍成績電子檔", "申請人身分", "畢業校友", "在學生", "外籍生", "申請文件", "成績單 (英文)",
        "收件人", "新增收件人", "信件內容（提供給對方學校資訊）", "申請人中文姓名", "申請人英文姓名",
        "須與護照一致，例如 CHEN, TA-WEI。", "申請人聯絡電話", "WES 參考編號", "備註欄", "確認訂單內容",
    ]:  # fmt: skip
        assert text in chinese, text
    # The fee label for the script: percent signs restored, placeholders left for the script.
    assert 'data-extra="第 %(first)d 位起的收件人（%(count)d 位 × NT$%(fee)d）"' in chinese
    english = _page(applicant_client, "/orders/new/", "en")
    for text in [
        "Order electronic academic records", "I am", "Alumnus", "Current student", "International student",
        "Transcript (English)", "Add a recipient", "Chinese name", "English name", "Contact phone", "Review order",
    ]:  # fmt: skip
        assert text in english, text
    assert 'data-extra="Recipients from no. %(first)d on (%(count)d × NT$%(fee)d)"' in english


def test_confirmation_page(applicant_client):
    response = applicant_client.post("/orders/new/", order_post(), HTTP_ACCEPT_LANGUAGE="zh-Hant", follow=True)
    page = response.content.decode()
    assert "送出前請確認您的訂單" in page
    assert "送出訂單" in page and "返回修改" in page
    response = applicant_client.post("/orders/new/", order_post(), HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "Check your order before you submit it" in response.content.decode()
