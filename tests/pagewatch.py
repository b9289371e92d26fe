"""The browser tests' Chromium, and what a page requested, failed to load and logged as an error."""
import contextlib
import os
import pathlib
import shutil
import urllib.parse

#: Debian's Chromium, headless, without the background requests a closed network refuses.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def chromium_path():
    """Chromium's executable ($CHROMIUM, or Debian's), or None when it is not installed."""
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and pathlib.Path(candidate).is_file():
            return candidate
    return None


@contextlib.contextmanager
def chromium():
    """A Playwright browser on that Chromium (playwright cannot download its own here)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS,
                                    headless=True)
        try:
            yield browser
        finally:
            browser.close()


def watch(page):
    """Start recording on a Playwright `page`; returns the lists (requests, failed, errors).

    ``requests`` holds every URL the page asked for, websockets included (the
    tests check none leaves 127.0.0.1); ``failed`` the requests that failed or
    answered 400 or worse; ``errors`` console errors and uncaught exceptions.
    """
    requests, failed, errors = [], [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("websocket", lambda w: requests.append(w.url))
    page.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})"))
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.url} (HTTP {r.status})"))
    page.on("console", lambda m: m.type == "error" and errors.append(
        f"console: {m.text} @ {m.location}"))
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    return requests, failed, errors


def off_site(requests):
    """The requested URLs that left 127.0.0.1 (data:, blob: and about: URLs stay in the page)."""
    bad = []
    for url in requests:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            continue
        if parts.scheme not in ("http", "https", "ws", "wss") or parts.hostname != "127.0.0.1":
            bad.append(url)
    return bad
