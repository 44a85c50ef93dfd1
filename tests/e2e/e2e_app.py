"""Helpers and fixtures of the browser tests (re-exported by conftest.py): the app in Chromium.

Every test runs with a guard that aborts and records any request leaving 127.0.0.1
(:func:`page`); a test that made one fails.  Screenshots go to ``out/screenshots/``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

REPO = Path(__file__).resolve().parents[2]
DEMO_DIR = REPO / "data" / "demo"
SCREENSHOTS = REPO / "out" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
DEMO_PASSWORD = "buitengebied-demo"
#: Desktop and phone widths of the screenshots (pixels).
WIDTHS = (1280, 390)
START_TIMEOUT_S = 90.0

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app stopped with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"the app did not answer at {url} within {START_TIMEOUT_S:.0f} s")


@pytest.fixture(scope="session")
def app_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The store of the app under test (a new one per test session)."""
    return tmp_path_factory.mktemp("app") / "store.sqlite"


@pytest.fixture(scope="session")
def app_url(app_store: Path) -> Iterator[str]:
    """Start ``buitengebied app`` on the demo with demo accounts; yield its URL."""
    folder = app_store.parent
    port = _free_port()
    log = (folder / "app.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "buitengebied",
            "app",
            str(DEMO_DIR),
            "--store",
            str(app_store),
            "--port",
            str(port),
            "--as-of",
            "2026-11-01",
            "--demo-accounts",
            "--teams",
            str(REPO / "data" / "demo-teams.toml"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, process)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium, headless (``playwright install`` cannot download here)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with playwright_api.sync_playwright() as driver:
        launched = driver.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        yield launched
        launched.close()


class OffMachineGuard:
    """Aborts every request that leaves 127.0.0.1 and remembers it."""

    def __init__(self) -> None:
        self.refused: list[str] = []

    def __call__(self, route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        parsed = urlparse(url)
        if parsed.scheme in ("data", "blob", "about") or parsed.hostname == "127.0.0.1":
            route.continue_()  # type: ignore[attr-defined]
            return
        self.refused.append(url)
        route.abort()  # type: ignore[attr-defined]


@pytest.fixture(params=WIDTHS, ids=lambda width: f"{width}px")
def width(request: pytest.FixtureRequest) -> int:
    return int(request.param)


@pytest.fixture
def page(browser: object, width: int) -> Iterator[object]:
    """A fresh browser context (no cookies) of ``width`` pixels with the off-machine guard."""
    context = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": width, "height": 900 if width > 600 else 844}
    )
    guard = OffMachineGuard()
    context.route("**/*", guard)
    opened = context.new_page()
    opened.set_default_timeout(30_000)
    yield opened
    context.close()
    assert guard.refused == [], f"requests left the machine: {guard.refused}"


def screenshot(page: object, name: str, role: str, width: int) -> Path:
    """Save a full-page screenshot as ``out/screenshots/<page>-<role>-<width>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{role}-{width}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


def log_in(page: object, url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    """Open the app and submit the log-in form."""
    page.goto(url)  # type: ignore[attr-defined]
    page.get_by_label("Gebruikersnaam").fill(username)  # type: ignore[attr-defined]
    page.get_by_label("Wachtwoord").fill(password)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Inloggen").click()  # type: ignore[attr-defined]


def map_frame(page: object) -> object:
    """The streamlit-folium component's frame."""
    return page.frame_locator("iframe[title^='streamlit_folium']")  # type: ignore[attr-defined]


def create_admin(store: Path, username: str, password: str) -> None:
    """Add an administrator with ``buitengebied create-admin`` (password on stdin)."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "buitengebied",
            "create-admin",
            "--store",
            str(store),
            "--username",
            username,
            "--password-stdin",
        ],
        input=f"{password}\n".encode(),
        check=True,
        capture_output=True,
    )


def log_out(page: object) -> None:
    """Press *Uitloggen* in the sidebar, opening the sidebar first on a phone."""
    expand = page.locator("[data-testid='stExpandSidebarButton']")  # type: ignore[attr-defined]
    if expand.count() and expand.is_visible():
        expand.click()
    page.get_by_role("button", name="Uitloggen").click()  # type: ignore[attr-defined]
