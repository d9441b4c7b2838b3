"""The operation manual: Markdown pages per language and audience, rendered in the site's layout.

The source is text in the repository, one file per task:

    sealpost/help/manual/<language>/<audience>/<slug>.md      language: zh-hant, en
                                                               audience: applicant, staff

Each file starts with a small front matter, then Markdown (CommonMark with tables; HTML in the
source is not allowed, so a page can never carry a script or a style):

    ---
    title: Ordering as an alumnus
    order: 20
    summary: One line for the contents page.
    ---

The page list, its order and the titles come from the files. In the Markdown:

- a heading may name its anchor, ``## A recipient's address was wrong {#wrong-address}``, so
  that both languages share it (help links and other pages point to ``questions#wrong-address``);
  other headings get one from their text;
- another page is linked by its file, ``[paying](paying.md)`` or ``[the queue](../staff/queue.md)``,
  which becomes its address on the site (and still works when the files are read on their own);
- a picture is a file under ``sealpost/help/static/``, given by its path relative to the page,
  ``![The order form, recipients section](../../../static/help/en/order-recipients.png)``, and
  is served as a static file. The text in brackets is its alternative text.

``sealpost screenshots`` redraws the pictures (sealpost/system/screenshots.py).
"""

from __future__ import annotations

import re
import struct
from html import escape as html_escape
from dataclasses import dataclass, field
from pathlib import Path

from django.templatetags.static import static
from django.urls import reverse
from django.utils.text import slugify
from markdown_it import MarkdownIt

HELP_DIR = Path(__file__).resolve().parent
MANUAL_DIR = HELP_DIR / "manual"
STATIC_DIR = HELP_DIR / "static"
LANGUAGES = ("zh-hant", "en")
AUDIENCES = ("applicant", "staff")
URL_NAMES = {"applicant": "help:page", "staff": "staff_help:page"}
INDEX_URL_NAMES = {"applicant": "help:index", "staff": "staff_help:index"}

_FRONT_MATTER = re.compile(r"\A---\n(?P<head>.*?)\n---\n", re.S)
_EXPLICIT_ID = re.compile(r"\s*\{#(?P<id>[a-z0-9][a-z0-9-]*)\}\s*$")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)


@dataclass(frozen=True)
class Image:
    path: Path | None  # the file on disk, None for an address outside the help's static files
    src: str  # as written in the Markdown
    alt: str


@dataclass(frozen=True)
class Link:
    audience: str
    slug: str
    anchor: str


@dataclass
class Page:
    language: str
    audience: str
    slug: str
    title: str
    order: int
    summary: str
    source: Path
    html: str = ""
    headings: list[tuple[str, str]] = field(default_factory=list)  # (id, text) of the h2s
    anchors: set[str] = field(default_factory=set)  # every heading's id
    images: list[Image] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)  # to other help pages
    problems: list[str] = field(default_factory=list)  # what the tests report

    @property
    def url(self) -> str:
        return page_url(self.audience, self.slug)


def language_folder(code: str | None) -> str:
    """The manual's folder for a Django language code: zh-hant for any Chinese, else en."""
    return "zh-hant" if (code or "zh-hant").lower().startswith("zh") else "en"


def page_url(audience: str, slug: str, anchor: str = "") -> str:
    return reverse(URL_NAMES[audience], kwargs={"slug": slug}) + (f"#{anchor}" if anchor else "")


def index_url(audience: str) -> str:
    return reverse(INDEX_URL_NAMES[audience])


# --- reading the files ------------------------------------------------------------------------


def _front_matter(text: str, source: Path) -> tuple[dict, str, list[str]]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text, [f"{source}: no front matter (---, title:, order:, ---)"]
    meta = {}
    for line in match.group("head").splitlines():
        if line.strip():
            key, _sep, value = line.partition(":")
            meta[key.strip()] = value.strip()
    return meta, text[match.end():], []


def _png_size(path: Path) -> tuple[int, int] | None:
    """Width and height from a PNG's header (no imaging library needed to serve the manual)."""
    try:
        with path.open("rb") as file:
            head = file.read(24)
    except OSError:
        return None
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


# Ids the site's layout and the help page already use: a heading never takes one.
RESERVED_IDS = {"content", "nav-help", "help-contents-title", "help-toc-title"}


def _heading_ids(state) -> None:
    """Core rule: every heading gets an id, ``{#id}`` at its end or one made from its text."""
    seen: set[str] = set(RESERVED_IDS)
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        inline = tokens[i + 1]
        anchor = ""
        last = inline.children[-1] if inline.children else None
        if last is not None and last.type == "text":
            match = _EXPLICIT_ID.search(last.content)
            if match:
                anchor = match.group("id")
                last.content = last.content[: match.start()]
                inline.content = _EXPLICIT_ID.sub("", inline.content)
        text = "".join(c.content for c in inline.children or [] if c.type in ("text", "code_inline"))
        anchor = anchor or slugify(text, allow_unicode=True) or "section"
        base, n = anchor, 2
        while anchor in seen:
            anchor, n = f"{base}-{n}", n + 1
        seen.add(anchor)
        token.attrSet("id", anchor)
        env = state.env
        env["anchors"].add(anchor)
        if token.tag == "h2":
            env["headings"].append((anchor, text.strip()))


def _resolve(env, target: str) -> Path:
    return (env["source"].parent / target).resolve()


def _render_link_open(self, tokens, idx, options, env):
    """Links to another page's file become that page's address on the site."""
    token = tokens[idx]
    href = token.attrGet("href") or ""
    path, _hash, anchor = href.partition("#")
    if path.endswith(".md") and not _SCHEME.match(path) and not path.startswith("/"):
        target = _resolve(env, path)
        language_dir = MANUAL_DIR / env["language"]
        if target.parent.parent == language_dir and target.parent.name in AUDIENCES:
            link = Link(target.parent.name, target.stem, anchor)
            env["links"].append(link)
            token.attrSet("href", page_url(link.audience, link.slug, link.anchor))
        else:
            env["problems"].append(f"{env['source']}: link {href} is not a page of this language's manual")
    return self.renderToken(tokens, idx, options, env)


def _render_image(self, tokens, idx, options, env):
    """Pictures are the help's static files: src relative to the page, served from /static/."""
    token = tokens[idx]
    src = token.attrGet("src") or ""
    alt = self.renderInlineAsText(token.children or [], options, env).strip()
    path = None
    url = src
    if not _SCHEME.match(src) and not src.startswith("/"):
        path = _resolve(env, src)
        try:
            url = static(path.relative_to(STATIC_DIR).as_posix())
        except ValueError:
            env["problems"].append(f"{env['source']}: picture {src} is not under {STATIC_DIR}")
            path = None
    else:
        env["problems"].append(f"{env['source']}: picture {src} is not one of the help's files")
    env["images"].append(Image(path, src, alt))
    attrs = [("src", url), ("alt", alt)]
    size = _png_size(path) if path else None
    if size:
        attrs += [("width", str(size[0])), ("height", str(size[1]))]
    attrs += [("loading", "lazy"), ("class", "screenshot")]
    title = token.attrGet("title")
    if title:
        attrs.append(("title", title))
    return "<img " + " ".join(f'{k}="{html_escape(v, quote=True)}"' for k, v in attrs) + ">"


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.core.ruler.push("heading_ids", _heading_ids)
    md.add_render_rule("link_open", _render_link_open)
    md.add_render_rule("image", _render_image)
    return md


def _load_page(md: MarkdownIt, source: Path, language: str, audience: str) -> Page:
    meta, body, problems = _front_matter(source.read_text(encoding="utf-8"), source)
    try:
        order = int(meta.get("order", "0"))
    except ValueError:
        order = 0
        problems.append(f"{source}: order must be a whole number")
    page = Page(language=language, audience=audience, slug=source.stem, title=meta.get("title", source.stem),
                order=order, summary=meta.get("summary", ""), source=source, problems=problems)
    if not meta.get("title"):
        page.problems.append(f"{source}: no title in the front matter")
    env = {"source": source, "language": language, "headings": page.headings, "anchors": page.anchors,
           "images": page.images, "links": page.links, "problems": page.problems}
    page.html = md.render(body, env)
    return page


# --- the whole manual, kept until a file changes ----------------------------------------------

_cache: dict = {"stamp": None, "pages": {}}


def _stamp() -> tuple:
    return tuple(sorted((str(p), p.stat().st_mtime_ns) for p in MANUAL_DIR.glob("*/*/*.md")))


def load() -> dict[tuple[str, str], list[Page]]:
    """Every page, by (language, audience), in their order. Read again when a file changed."""
    stamp = _stamp()
    if _cache["stamp"] != stamp:
        md = _markdown()
        pages: dict[tuple[str, str], list[Page]] = {}
        for language in LANGUAGES:
            for audience in AUDIENCES:
                folder = MANUAL_DIR / language / audience
                found = [_load_page(md, source, language, audience) for source in sorted(folder.glob("*.md"))]
                pages[(language, audience)] = sorted(found, key=lambda p: (p.order, p.slug))
        _cache.update(stamp=stamp, pages=pages)
    return _cache["pages"]


def pages(language: str, audience: str) -> list[Page]:
    return load().get((language_folder(language), audience), [])


def find(language: str, audience: str, slug: str) -> Page | None:
    return next((p for p in pages(language, audience) if p.slug == slug), None)


def neighbours(page: Page) -> tuple[Page | None, Page | None]:
    """The pages before and after ``page`` in its manual."""
    siblings = pages(page.language, page.audience)
    i = next(i for i, p in enumerate(siblings) if p.slug == page.slug)
    return (siblings[i - 1] if i > 0 else None, siblings[i + 1] if i + 1 < len(siblings) else None)
