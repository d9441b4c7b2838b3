"""Taking the manual's pictures: a live server in a thread, Playwright on the system Chromium,
one browser context per person and language (signed in with a session, as a sign-in would),
then every shot of shots.py; and the first page of real issued PDFs, through pdftoppm.

Pictures are made small: palette PNGs (256 colours, no dithering: screen text stays sharp)
when Pillow is there (it comes with the development tools), optimised.
"""

from __future__ import annotations

import email
import email.policy
import fnmatch
import html
import io
import os
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application

from sealpost.system.screenshots.shots import DOCUMENT_PICTURES, SHOTS, Shot

CHROMIUM = os.environ.get("SEALPOST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 900}
LOCALES = {"zh-hant": "zh-TW", "en": "en-US"}
PAD = 8  # pixels kept around a captured part
DOCUMENT_DPI = 96


@dataclass
class Result:
    written: list[Path] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):  # the captures' requests are not news
        pass


def start_server(port: int) -> ThreadedWSGIServer:
    server = ThreadedWSGIServer(("127.0.0.1", port), _QuietHandler, allow_reuse_address=True)
    server.daemon_threads = True
    server.set_app(get_wsgi_application())
    threading.Thread(target=server.serve_forever, name="screenshots-server", daemon=True).start()
    return server


def session_cookie(user) -> str:
    """A signed-in session for ``user``, as django.contrib.auth.login makes one."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def optimise(png: bytes) -> bytes:
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow comes with the development tools
        return png
    image = Image.open(io.BytesIO(png)).convert("RGB")
    palette = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    palette.save(out, "PNG", optimize=True)
    return out.getvalue() if out.tell() < len(png) else png


def _union(boxes: list[dict], page_width: int, max_height: int) -> dict:
    x0 = max(0, min(b["x"] for b in boxes) - PAD)
    y0 = max(0, min(b["y"] for b in boxes) - PAD)
    x1 = min(page_width, max(b["x"] + b["width"] for b in boxes) + PAD)
    y1 = max(b["y"] + b["height"] for b in boxes) + PAD
    return {"x": x0, "y": y0, "width": x1 - x0, "height": min(y1 - y0, max_height)}


def _clip(page, shot: Shot) -> dict:
    width = page.evaluate("document.documentElement.scrollWidth")
    if not shot.select:
        height = page.evaluate("document.documentElement.scrollHeight")
        return {"x": 0, "y": 0, "width": width, "height": min(height, shot.height)}
    boxes = []
    for selector in shot.select:
        locator = page.locator(selector).first
        locator.wait_for(state="visible", timeout=5000)
        # Absolute to the document: a part below the fold is measured where it is, not scrolled.
        boxes.append(locator.evaluate(
            "e => { const r = e.getBoundingClientRect();"
            " return {x: r.x + scrollX, y: r.y + scrollY, width: r.width, height: r.height}; }"))
    return _union(boxes, width, shot.height)


class Photographer:
    """One Chromium for all shots; a context (cookies, language) per person and language."""

    def __init__(self, browser, base_url: str, cookies: dict, out: Path):
        self.browser, self.base_url, self.cookies, self.out = browser, base_url, cookies, out
        self.contexts: dict = {}
        self.page = None  # the page the last shot left open

    def context(self, who, language):
        key = (who, language)
        if key not in self.contexts:
            context = self.browser.new_context(viewport=VIEWPORT, locale=LOCALES[language], device_scale_factor=1)
            host = self.base_url.split("://", 1)[1].split(":")[0]
            cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "domain": host, "path": "/"}]
            if who:
                cookies.append({"name": settings.SESSION_COOKIE_NAME, "value": self.cookies[who], "domain": host,
                                "path": "/"})
            context.add_cookies(cookies)
            context.set_default_timeout(15000)
            self.contexts[key] = context
        return self.contexts[key]

    def take(self, shot: Shot, language: str, values: dict) -> Path:
        if shot.url is None and self.page is None:
            raise RuntimeError("this picture goes on from the one before it (shots.py): take them together")
        if shot.url is not None:
            if self.page is not None:
                self.page.close()
            self.page = self.context(shot.who, language).new_page()
            url = shot.url.format(**values)
            self.page.goto(url if url.startswith("http") else self.base_url + url, wait_until="load")
        page = self.page
        if shot.before:
            shot.before(page)
        page.wait_for_load_state("load")
        page.evaluate("() => document.activeElement && document.activeElement.blur()")  # no focus ring
        # A window as tall as the page: what sticks to the window's bottom (the order form's fee
        # box) then sits where it belongs instead of over the part being taken.
        height = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": VIEWPORT["width"], "height": max(VIEWPORT["height"], min(height, 6000))})
        png = page.screenshot(clip=_clip(page, shot), animations="disabled", caret="hide")
        page.set_viewport_size(VIEWPORT)
        if shot.after:
            shot.after(page)
        return self.save(language, shot.name, png)

    def save(self, language: str, name: str, png: bytes) -> Path:
        path = self.out / language / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(optimise(png))
        return path

    def email_picture(self, language: str, eml: Path, name: str = "recipient-email") -> Path:
        """The e-mail a recipient receives (its HTML part), with its sender, addressee and subject."""
        message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        body = message.get_body(("html", "plain"))
        content = body.get_content()
        if body.get_content_type() == "text/plain":
            content = f"<pre style='white-space:pre-wrap;font:14px/1.5 sans-serif'>{html.escape(content)}</pre>"
        head = "".join(f"<div><b>{html.escape(label)}:</b> {html.escape(str(message[header] or ''))}</div>"
                       for label, header in (("From", "From"), ("To", "To"), ("Subject", "Subject")))
        page = self.browser.new_page(viewport={"width": 760, "height": 900}, locale=LOCALES[language])
        page.set_content("<div style='font:14px/1.5 sans-serif;padding:8px 12px;background:#f1f3f6;"
                         f"border-bottom:1px solid #d8dce4'>{head}</div><div style='padding:8px 12px'>{content}</div>")
        height = page.evaluate("document.documentElement.scrollHeight")
        png = page.screenshot(clip={"x": 0, "y": 0, "width": 760, "height": min(height, 1300)}, full_page=True)
        page.close()
        return self.save(language, name, png)

    def drop_page(self):
        if self.page is not None:
            self.page.close()
        self.page = None

    def close(self):
        for context in self.contexts.values():
            context.close()


def document_pictures(files: dict[str, bytes], out: Path, languages, result: Result, asked=lambda name: True) -> None:
    """The first page of each PDF as a picture, through pdftoppm (poppler)."""
    if not shutil.which("pdftoppm"):
        result.failed.append("document pictures: pdftoppm is not installed (poppler-utils)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        for language in languages:
            for key, name in DOCUMENT_PICTURES[language].items():
                if not asked(name):
                    continue
                if key not in files:
                    result.failed.append(f"{language}/{name}: no issued PDF ({key})")
                    continue
                pdf = Path(tmp) / f"{key}.pdf"
                pdf.write_bytes(files[key])
                subprocess.run(["pdftoppm", "-png", "-r", str(DOCUMENT_DPI), "-f", "1", "-l", "1", "-singlefile",
                                str(pdf), str(Path(tmp) / key)], check=True, capture_output=True)
                path = out / language / f"{name}.png"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(optimise((Path(tmp) / f"{key}.png").read_bytes()))
                result.written.append(path)


def run(world, out: Path, base_url: str, port: int, languages, only: list[str] | None = None,
        progress=print) -> Result:
    """Every shot in every language, then the pictures of documents."""
    from sealpost.system.screenshots import scenario

    result = Result()

    def asked(name: str) -> bool:
        return not only or any(fnmatch.fnmatch(name, pattern) for pattern in only)

    wanted = [s for s in SHOTS if asked(s.name)]
    values = {**world.orders, "code": world.verification_code, "link": world.link_url,
              "expired_link": world.expired_link_url}
    cookies = {key: session_cookie(user) for key, user in world.users.items()}
    pictures = [name for names in DOCUMENT_PICTURES.values() for name in names.values()]
    files = scenario.pdf_files(world) if any(asked(name) for name in pictures) else {}
    server = start_server(port)
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for language in languages:
                camera = Photographer(browser, base_url, cookies, out)
                for shot in wanted:
                    try:
                        result.written.append(camera.take(shot, language, values))
                        progress(f"  {language}/{shot.name}.png")
                    except Exception as error:  # noqa: BLE001 - one broken shot must not stop the others
                        camera.drop_page()
                        result.failed.append(f"{language}/{shot.name}: {type(error).__name__}: {error}".splitlines()[0])
                        progress(f"  {language}/{shot.name}.png FAILED: {error}".splitlines()[0])
                if world.recipient_email and asked("recipient-email"):
                    result.written.append(camera.email_picture(language, world.recipient_email))
                    progress(f"  {language}/recipient-email.png")
                camera.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    if files:
        document_pictures(files, out, languages, result, asked)
    return result
