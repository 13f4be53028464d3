"""A real OpenID provider for the tests: scripts/oidc_demo/provider.mjs (panva's
oidc-provider) on a free loopback port, and a person signing in at it without a browser
(``requests``, following its login form) for the tests that drive Django's test client."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

ROOT = Path(__file__).resolve().parents[2]
PROVIDER = ROOT / "scripts" / "oidc_demo" / "provider.mjs"
CLIENT_ID = "lodestar-tests"
CLIENT_SECRET = "lodestar-tests-secret"
# What Django's test client calls itself: its callback's address.
TEST_CLIENT_CALLBACK = "http://testserver/sso/callback/"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_provider(redirect_uris: list[str], log_path: Path) -> Iterator[str]:
    """Start the provider, wait until its discovery answers, yield its issuer; kill it."""
    port = _free_port()
    issuer = f"http://127.0.0.1:{port}"
    log_path.parent.mkdir(exist_ok=True)
    with log_path.open("w") as log:
        process = subprocess.Popen(
            ["node", str(PROVIDER), str(port)],
            cwd=ROOT,
            env={
                "PATH": "/usr/local/bin:/usr/bin:/bin",
                "OIDC_DEMO_CLIENT_ID": CLIENT_ID,
                "OIDC_DEMO_CLIENT_SECRET": CLIENT_SECRET,
                "OIDC_DEMO_REDIRECT_URIS": ",".join(redirect_uris),
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                with contextlib.suppress(requests.RequestException):
                    discovery = f"{issuer}/.well-known/openid-configuration"
                    if requests.get(discovery, timeout=1).ok:
                        break
                if process.poll() is not None or time.monotonic() > deadline:
                    log_text = log_path.read_text()
                    raise RuntimeError(f"The OpenID provider did not start:\n{log_text}")
                time.sleep(0.1)
            yield issuer
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def sso_settings(settings, issuer: str, *, domains: tuple[str, ...] = ("example.com",)) -> None:
    settings.OIDC_ISSUER = issuer
    settings.OIDC_CLIENT_ID = CLIENT_ID
    settings.OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_ALLOWED_DOMAINS = list(domains)
    settings.OIDC_PROVIDER_NAME = "Test SSO"


def sign_in_at_provider(authorize_url: str, login: str) -> str:
    """What a person does at the provider: open the authorization URL, type the login
    (any password), and be sent back; returns the callback URL the provider sent them to
    (with its code and state), without opening it."""
    session = requests.Session()
    response = session.get(authorize_url, allow_redirects=True, timeout=10)
    response.raise_for_status()
    form_action = response.text.split('action="', 1)[1].split('"', 1)[0]
    url = urljoin(response.url, form_action)
    response = session.post(
        url,
        data={"prompt": "login", "login": login, "password": "anything"},
        allow_redirects=False,
        timeout=10,
    )
    # The provider redirects through its own resume step, then to the callback.
    for _ in range(10):
        location = urljoin(url, response.headers["Location"])
        if urlsplit(location).netloc != urlsplit(authorize_url).netloc:
            return location
        url = location
        response = session.get(url, allow_redirects=False, timeout=10)
    raise AssertionError("The provider never sent the person back.")


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
