"""The browser harness: Debian's Chromium driven by Playwright against pytest-django's
live server (fixtures in tests/conftest.py), and what browser tests use to look.

One browser per test session (starting Chromium is the slow part); each test gets a fresh
browser context (cookies, storage), so tests never share a login. Every page a test opens
collects JavaScript console errors and uncaught exceptions, and the test fails on any.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
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


def log_in(page, email: str, password: str) -> None:
    """Log in through the login form, as a person would."""
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    assert "/login/" not in page.url, f"login as {email} failed"


def screenshot(page, name: str) -> Path:
    """Keep a full-page picture of what the test saw, under test-artifacts/ (gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def fits_phone_width(page) -> bool:
    """Nothing overflows sideways: the page reads on a phone without horizontal scrolling."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
