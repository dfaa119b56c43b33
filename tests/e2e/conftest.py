"""Browser tests: `clotwatch serve` in a subprocess on a free 127.0.0.1 port with a temporary
SQLite database, driven by Playwright through Debian's chromium (never a downloaded browser).

Everything here is marked ``browser``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
HERE = Path(__file__).resolve().parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = HERE.parent.parent / "docs" / "screenshots"


@dataclass
class Server:
    """A running clotwatch service."""

    url: str
    log_path: Path
    process: subprocess.Popen[bytes]

    def log(self) -> str:
        """Everything the server has written to stdout and stderr so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")


# tryfirst: before pytest-xdist's worker reads the xdist_group marks into the node ids (its
# hook is a plain one; a conftest loaded before it, as when tests/e2e is named on the command
# line, would otherwise run after it and the browser tests would be spread over both workers).
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            # Under `pytest -n 2 --dist loadgroup` every browser test runs on one worker: one
            # server and one chromium, while the other worker runs the rest of the suite.
            item.add_marker(pytest.mark.xdist_group("browser"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`clotwatch serve` with a fresh data directory (SQLite) on a free port."""
    yield from _serve(tmp_path_factory)


@pytest.fixture(scope="package")
def push_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Another `clotwatch serve`, with Web Push set up (a VAPID key made for the session):
    started only by the tests that ask for it."""
    from py_vapid import Vapid02

    vapid = Vapid02()
    vapid.generate_keys()
    yield from _serve(tmp_path_factory,
                      CLOTWATCH_VAPID_PRIVATE_KEY=vapid.private_pem().decode(),
                      CLOTWATCH_VAPID_SUBJECT="mailto:team@clinic.example")


def _serve(tmp_path_factory: pytest.TempPathFactory, **extra: str) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("serve-data")
    log_path = data / "server.log"
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CLOTWATCH_") and k not in ("DATABASE_URL",)}
    env.update(CLOTWATCH_DATA_DIR=str(data), CLOTWATCH_PORT=str(port),
               CLOTWATCH_SHARE_LOOKUPS_PER_MINUTE="60", CLOTWATCH_LOG_LEVEL="info", **extra)
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "clotwatch.cli", "serve"], env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"clotwatch serve exited: {log_path.read_text()}")
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"clotwatch serve did not start: {log_path.read_text()}")
            time.sleep(0.2)
        yield Server(url=url, log_path=log_path, process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """Debian's chromium, headless, through Playwright."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: ./test installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                             headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) and page; phone-sized unless a test resizes it."""
    context = browser.new_context(viewport={"width": 390, "height": 844},
                                  device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def axe_page(browser: Any) -> Iterator[Any]:
    """A page whose context lets axe-core be injected despite the Content-Security-Policy."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core (WCAG 2.0/2.1 A and AA rules) on the page; the serious and critical ones."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` in tests/e2e (./test does)")
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    # resultTypes: every node of every violation, as before; the passes, the incomplete and
    # the inapplicable rules (not read here) bring one node each instead of all of them.
    # Same violations; each run some 25% shorter (measured on four pages, alternating).
    results = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
             resultTypes: ['violations']})""")
    return [v for v in results["violations"] if v["impact"] in ("serious", "critical")]


def screenshot(page: Any, name: str) -> None:
    """With CLOTWATCH_SCREENSHOTS=1, keep a full-page screenshot in docs/screenshots/.

    Off by default so that running the tests leaves the working tree unchanged.
    """
    if os.environ.get("CLOTWATCH_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def axe() -> Any:
    """``axe(page)``: the serious and critical axe-core violations on the page."""
    return axe_violations


@pytest.fixture
def shoot() -> Any:
    """``shoot(page, name)``: keep a screenshot (with CLOTWATCH_SCREENSHOTS=1)."""
    return screenshot
