"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

One browser per test session (starting Chromium is the slow part); each test gets a fresh
browser context (cookies, storage), so tests never share a login. Every page a test opens
collects JavaScript console errors and uncaught exceptions, and the test fails on any.
"""

import os
import re
from pathlib import Path

import pytest

from tests.conftest import restore_migrated_content

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
FACTORY_PASSWORD = "pass-word-123"  # tests/people/factories.py
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium (installed by scripts/test.sh), once per session."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running in this thread, and Django
    # refuses ORM calls from a thread with a running loop. The tests call the ORM
    # synchronously between browser steps (never concurrently), so this is safe here.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class ConsoleErrors:
    """JavaScript console errors and uncaught exceptions seen by the pages of one test."""

    def __init__(self):
        self.messages: list[str] = []
        self.allowed: list[re.Pattern] = []

    def watch(self, page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.messages.append(f"uncaught: {error}"))

    def _on_console(self, message) -> None:
        # The browser asks for /favicon.ico by itself; the pages declare none.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            self.messages.append(f"console.error: {message.text} ({message.location})")

    def allow(self, pattern: str) -> None:
        """Expect an error, e.g. the browser's own log line for a page answered with 404."""
        self.allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [m for m in self.messages if not any(p.search(m) for p in self.allowed)]


@pytest.fixture
def console_errors():
    errors = ConsoleErrors()
    yield errors
    unexpected = errors.unexpected()
    if unexpected:
        pytest.fail("JavaScript errors in the browser:\n" + "\n".join(unexpected))


@pytest.fixture
def browser_db(transactional_db):
    """A committed database the live server sees, with the rows the migrations seed (role
    groups, competencies, metric definitions) restored after earlier tests' flushes."""
    restore_migrated_content()


@pytest.fixture
def new_page(browser, live_server, browser_db, console_errors):
    """``new_page(viewport=PHONE)`` → a page in a fresh context, watched for JS errors."""
    contexts = []

    def open_page(viewport: dict = DESKTOP):
        context = browser.new_context(viewport=viewport, base_url=live_server.url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        console_errors.watch(page)
        return page

    yield open_page
    for context in contexts:
        context.close()


def log_in(page, email: str, password: str) -> None:
    """Log in through the login form, as a person would."""
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    assert "/login/" not in page.url, f"login as {email} failed"


@pytest.fixture
def page_for(new_page):
    """``page_for(user_or_email, password=...)`` → a page logged in through the login form."""

    def open_logged_in(user, password: str = FACTORY_PASSWORD, viewport: dict = DESKTOP):
        page = new_page(viewport)
        log_in(page, getattr(user, "email", user), password)
        return page

    return open_logged_in


def screenshot(page, name: str) -> Path:
    """Keep a full-page picture of what the test saw, under test-artifacts/ (gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def fits_phone_width(page) -> bool:
    """Nothing overflows sideways: the page reads on a phone without horizontal scrolling."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
