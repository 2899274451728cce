"""Fixtures for the page tests: the HTML checker, a live server and headless Chromium.

The browser is Debian's /usr/bin/chromium driven by Playwright (never `playwright
install`); .ci/run installs it. Screenshots land in test-artifacts/ (gitignored).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from htmlcheck import assert_valid_html

CHROMIUM = os.environ.get("PLUGIN_TEST_CHROMIUM", "/usr/bin/chromium")
# As on the machine doc: without the background-networking flags Chromium keeps
# trying to reach Google's hosts through a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 360, "height": 740}
BROWSER_TIMEZONE = "America/Chicago"  # the zone the subscribe page should preselect
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def valid_html():
    """Assert that a page's HTML is clean (see htmlcheck.py)."""
    return assert_valid_html


@pytest.fixture
def html_page(client):
    """GET a page through the test client, check its status, type and HTML; return the markup."""

    def get(path: str, status: int = 200) -> str:
        response = client.get(path)
        assert response.status_code == status, response.get_data(as_text=True)[:500]
        assert response.mimetype == "text/html"
        markup = response.get_data(as_text=True)
        assert_valid_html(markup)
        return markup

    return get


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """Serve the test app on a free loopback port in a thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the whole run."""
    if not shutil.which(CHROMIUM):
        message = f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_timezone() -> str:
    return BROWSER_TIMEZONE


@pytest.fixture
def artifacts() -> Path:
    """The folder screenshots go to (gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(params=["phone", "desktop"])
def viewport(request) -> tuple[str, dict]:
    return request.param, PHONE if request.param == "phone" else DESKTOP


@pytest.fixture
def page(chromium, viewport, request):
    """A fresh browser page at the test's viewport; it refuses every request off loopback."""
    name, size = viewport
    context = chromium.new_context(
        viewport=size, is_mobile=name == "phone", has_touch=name == "phone", timezone_id=BROWSER_TIMEZONE
    )
    # The service must work offline: any request for another host fails the test.
    outside: list[str] = []

    def guard(route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1:", "data:", "blob:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.viewport_name = name  # type: ignore[attr-defined]
    yield page
    context.close()
    assert not outside, f"the page asked for outside resources: {outside}"


@pytest.fixture
def screenshot(page, request, artifacts):
    """Save a full-page screenshot under test-artifacts/<test>-<viewport>-<label>.png."""

    def take(label: str) -> Path:
        safe = request.node.name.replace("[", "-").replace("]", "").replace("/", "_")
        path = artifacts / f"{safe}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
