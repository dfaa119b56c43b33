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

# Debian's headless shell (package chromium-headless-shell: the same chromium build without the
# browser's user interface, the engine Playwright itself runs headless tests on): a new context
# and its first page cost it about 0.14 CPU-s against 0.48 for the full chromium, a page load
# 0.08 against 0.15 (alternating, 15 of each; docs/dev/README.md). The full chromium serves
# where the shell is not installed: the same engine, only slower.
# What the shell cannot do, the full chromium does (``full_browser``): a notification
# permission (the shell reads "denied" whatever the test grants).
HEADLESS_SHELL = "/usr/bin/chromium-headless-shell"
FULL_CHROMIUM = "/usr/bin/chromium"
CHROMIUM = HEADLESS_SHELL if Path(HEADLESS_SHELL).exists() else FULL_CHROMIUM
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
def playwright() -> Iterator[Any]:
    """Playwright's sync API, once for the package (its browsers come from it)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


def _launched(playwright: Any, executable: str) -> Iterator[Any]:
    """A browser from ``executable``, closed when the fixture ends."""
    if not Path(executable).exists():
        pytest.fail(f"{executable} is missing: ./test installs it (apt-get install "
                    "chromium-headless-shell chromium)")
    browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS,
                                         headless=True)
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture(scope="package")
def browser(playwright: Any) -> Iterator[Any]:
    """Debian's chromium (its headless shell where installed), through Playwright."""
    yield from _launched(playwright, CHROMIUM)


@pytest.fixture(scope="module")
def full_browser(playwright: Any) -> Iterator[Any]:
    """Debian's full chromium (headless), for what the headless shell cannot do: grant a
    notification permission. Started only by the modules that ask for it."""
    yield from _launched(playwright, FULL_CHROMIUM)


# The pages of the tests come from a few browser contexts kept for the package, one per kind
# (a phone; a phone whose Content-Security-Policy lets axe-core in; Playwright's defaults with
# and without JavaScript), each test on a new page of its kind with the context's cookies
# cleared first. The same start as a context of its own (the app keeps nothing else in the
# browser: no localStorage, no service worker on these pages, sessionStorage is per page), for
# less CPU: a new context and its first page load cost the headless shell about 0.14 CPU-s, a
# new page in a kept context about 0.11 (the full chromium: 0.48 and 0.28).
@pytest.fixture(scope="package")
def contexts(browser: Any) -> Iterator[dict[str, Any]]:
    """The package's browser contexts by kind, made when first asked for."""
    made: dict[str, Any] = {}
    try:
        yield made
    finally:
        for context in made.values():
            context.close()


CONTEXT_KINDS: dict[str, dict[str, Any]] = {
    "phone": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 1},
    "axe": {"viewport": {"width": 390, "height": 844}, "bypass_csp": True},
    "js": {},                                # Playwright's defaults, as browser.new_context()
    "nojs": {"java_script_enabled": False},
}


def fresh_page(browser: Any, contexts: dict[str, Any], kind: str,
               timeout: float | None = 15_000) -> Any:
    """A new page in the package's context of ``kind``, with no cookies; ``timeout`` (ms)
    for its actions and waits (None: Playwright's default)."""
    if kind not in contexts:
        contexts[kind] = browser.new_context(**CONTEXT_KINDS[kind])
    context = contexts[kind]
    context.clear_cookies()
    page = context.new_page()
    if timeout is not None:
        page.set_default_timeout(timeout)
    return page


@pytest.fixture
def page(browser: Any, contexts: dict[str, Any]) -> Iterator[Any]:
    """A new page, no cookies; phone-sized unless a test resizes it."""
    page = fresh_page(browser, contexts, "phone")
    try:
        yield page
    finally:
        page.close()


@pytest.fixture
def axe_page(browser: Any, contexts: dict[str, Any]) -> Iterator[Any]:
    """A page whose context lets axe-core be injected despite the Content-Security-Policy."""
    page = fresh_page(browser, contexts, "axe")
    try:
        yield page
    finally:
        page.close()


@pytest.fixture
def new_page(browser: Any, contexts: dict[str, Any]) -> Iterator[Any]:
    """``new_page(javascript)``: a new page without cookies in a context with Playwright's
    default settings (its timeouts too), with or without JavaScript (closed after the
    test)."""
    pages: list[Any] = []

    def make(javascript: bool = True) -> Any:
        pages.append(fresh_page(browser, contexts, "js" if javascript else "nojs",
                                timeout=None))
        return pages[-1]

    try:
        yield make
    finally:
        for made in pages:
            made.close()


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
