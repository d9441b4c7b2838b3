"""Helpers for the accessibility browser tests (issue 14): axe-core in the page, a browser context
per language whose signed-in user changes by cookie, and the layout measurements (sideways
scrolling, overlapping controls, a focused control hidden under a sticky box)."""

from __future__ import annotations

from pathlib import Path

import axe_playwright_python
from django.conf import settings
from django.test import Client

# The WCAG 2.2 A and AA rules of axe-core (issue 14); axe's best-practice rules are not asked for.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_SCRIPT = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# 200 % zoom of a 1280×900 window: the page lays out in 640×450 CSS pixels.
ZOOMED = {"width": 640, "height": 450}


def axe(page) -> list[dict]:
    """The page's violations of the WCAG A/AA rules: [{id, impact, help, targets}]."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    result = page.evaluate(
        "options => axe.run(document, options)",
        {"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]},
    )
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "targets": [" ".join(map(str, n["target"])) for n in v["nodes"]]}
        for v in result["violations"]
    ]


def describe(violations: list[dict]) -> str:
    return "; ".join(f"{v['id']} ({v['impact']}): {', '.join(v['targets'][:4])}" for v in violations)


class Visitor:
    """One browser context in one language (CSP bypassed in this test browser only, so that axe
    can be injected); ``as_user`` switches who is signed in by replacing the session cookie."""

    def __init__(self, browser, base_url: str, language: str, *, with_axe: bool = False, **options):
        self.base_url = base_url
        self.language = language
        self.host = base_url.split("://", 1)[1].split(":")[0]
        self.context = browser.new_context(
            locale="en-US" if language == "en" else "zh-TW", bypass_csp=True, viewport=DESKTOP, **options)
        if with_axe:  # in every page as it loads: cheaper than injecting it into each page checked
            self.context.add_init_script(AXE_SCRIPT)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self._sessions: dict = {}
        self.as_user(None)

    def cookie(self, name: str, value: str) -> dict:
        return {"name": name, "value": value, "domain": self.host, "path": "/"}

    def as_user(self, user) -> Visitor:
        self.context.clear_cookies()
        cookies = [self.cookie(settings.LANGUAGE_COOKIE_NAME, self.language)]
        if user is not None:
            if user.pk not in self._sessions:
                client = Client()
                client.force_login(user)
                self._sessions[user.pk] = client.cookies[settings.SESSION_COOKIE_NAME].value
            cookies.append(self.cookie(settings.SESSION_COOKIE_NAME, self._sessions[user.pk]))
        self.context.add_cookies(cookies)
        return self

    def with_session(self, client: Client) -> Visitor:
        """Take over the session of a test client (a sign-in half done, for instance)."""
        self.context.clear_cookies()
        self.context.add_cookies([self.cookie(settings.LANGUAGE_COOKIE_NAME, self.language),
                                  self.cookie(settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value)])
        return self

    def goto(self, path: str):
        return self.page.goto(self.base_url + path)

    def close(self):
        self.context.close()


# --- layout measurements ----------------------------------------------------------------------

SIDEWAYS_JS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def sideways(page) -> int:
    """How many CSS pixels the page scrolls sideways (0: it reflows)."""
    return page.evaluate(SIDEWAYS_JS)


# The innermost elements that reach past the right edge of the window: what makes a page scroll.
TOO_WIDE_JS = """
() => {
  const limit = document.documentElement.clientWidth;
  const clipped = el => { for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
    if (["auto", "scroll", "hidden"].includes(getComputedStyle(p).overflowX)) return true; } return false; };
  const wide = [...document.body.querySelectorAll("*")].filter(el => el.getBoundingClientRect().right > limit && !clipped(el));
  const innermost = wide.filter(el => !wide.some(other => other !== el && el.contains(other)));
  return innermost.slice(0, 5).map(el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "")
    + " " + Math.round(el.getBoundingClientRect().right));
}
"""


def too_wide(page) -> list[str]:
    return page.evaluate(TOO_WIDE_JS)


# The boxes of the visible form controls, buttons and their labels in one container, and the pairs
# that overlap by more than a pixel each way (a label over its own control would be a bug too).
OVERLAPS_JS = """
(selector) => {
  const root = document.querySelector(selector);
  const items = [...root.querySelectorAll("input:not([type=hidden]), select, textarea, button, label, .pos, .charge")]
    .filter(el => el.offsetParent !== null && !el.closest(".visually-hidden") && !el.classList.contains("visually-hidden"));
  const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.htmlFor ? "[for=" + el.htmlFor + "]" : "")
    + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "");
  const boxes = items.map(el => [el, el.getBoundingClientRect()]);
  const found = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, ra] = boxes[i], [b, rb] = boxes[j];
      if (a.contains(b) || b.contains(a)) continue;  // a label around its checkbox
      const x = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
      const y = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
      if (x > 1 && y > 1) found.push(name(a) + " / " + name(b));
    }
  }
  return found;
}
"""


def overlaps(page, selector: str) -> list[str]:
    return page.evaluate(OVERLAPS_JS, selector)


# Whether the focused element is covered by a sticky or fixed box (WCAG 2.2 2.4.11): the part of
# the focused element's box that lies under any position:sticky/fixed element, as a fraction.
OBSCURED_JS = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  if (el.dataset.a11yStop) return {again: true};  // focus came round to a stop seen before
  el.dataset.a11yStop = "1";
  const r = el.getBoundingClientRect();
  if (!r.width || !r.height) return null;
  let covered = 0;
  for (const other of document.querySelectorAll("body *")) {
    const style = getComputedStyle(other);
    if (style.position !== "sticky" && style.position !== "fixed") continue;
    if (other.contains(el)) continue;
    const o = other.getBoundingClientRect();
    const x = Math.min(r.right, o.right) - Math.max(r.left, o.left);
    const y = Math.min(r.bottom, o.bottom) - Math.max(r.top, o.top);
    if (x > 0 && y > 0) covered = Math.max(covered, (x * y) / (r.width * r.height));
  }
  const text = (el.textContent || "").trim().slice(0, 30);
  return {name: el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.name ? "[name=" + el.name + "]" : "")
    + (text ? " " + text : ""), covered};
}
"""


def tab_through(page, stop_selector: str | None = None, limit: int = 200) -> list[dict]:
    """Press Tab from the top of the page until focus leaves it (or ``stop_selector`` is reached),
    and for each stop how much of the focused element a sticky or fixed box covers."""
    # Start at the first stop (the skip link): a click elsewhere moves where the next Tab starts.
    page.evaluate("() => { window.scrollTo(0, 0); document.querySelector('a[href]').focus(); }")
    stops = []
    for n in range(limit):
        if n:
            page.keyboard.press("Tab")
        state = page.evaluate(OBSCURED_JS)
        if state is None or state.get("again"):
            break
        stops.append(state)
        if stop_selector and page.evaluate("s => document.activeElement.matches(s)", stop_selector):
            break
    return stops
