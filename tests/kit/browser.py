"""Headless Chromium for the report tests: one browser per module, offline pages only.

``make test`` installs Debian's chromium (the Makefile's ``.make/system`` step), so a missing
browser makes a test fail with that advice, never skip.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """Return chromium's path, or fail the test saying how to install it."""
    path = shutil.which("chromium")
    if path is None:
        pytest.fail(
            "chromium is not installed: `make test` installs Debian's chromium (Makefile "
            "target .make/system, `make system`); or run `apt-get install chromium`"
        )
    return path


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """One headless Chromium context for the module, with a fresh user-data directory.

    Without chromium this yields None and the test fails when it opens a page.
    """
    executable = shutil.which("chromium")
    if executable is None:
        yield None
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


def guard_page(page, errors: list[str], outside_requests: list[str]) -> None:
    """Record console and page errors, and abort (and record) every request off the machine."""

    def on_console(message) -> None:
        if message.type == "error":
            errors.append(f"console error: {message.text}")

    def note_outside(url: str) -> None:
        if url not in outside_requests:
            outside_requests.append(url)

    def on_route(route) -> None:
        url = route.request.url
        if url.startswith("file://"):
            route.continue_()
        else:
            note_outside(url)
            route.abort()

    def on_request(request) -> None:
        # Also sees what routing does not intercept; data: and blob: never leave the page.
        if not request.url.startswith(("file://", "data:", "blob:")):
            note_outside(request.url)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    page.on("request", on_request)
    page.route("**/*", on_route)


def plotly_charts_drawn(browser, path: Path) -> tuple[int, list[str], list[str]]:
    """Open `path`, wait until every plotly chart drew its SVG; return (charts drawn, errors,
    outside requests)."""
    if browser is None:
        chromium_path()
    page = browser.new_page()
    errors: list[str] = []
    outside: list[str] = []
    guard_page(page, errors, outside)
    try:
        page.goto(path.as_uri(), wait_until="load", timeout=30_000)
        page.wait_for_function(
            "() => { const c = document.querySelectorAll('.js-plotly-plot');"
            " return c.length > 0 && [...c].every(d => d.querySelector('.main-svg')); }",
            timeout=30_000,
        )
        drawn = page.evaluate(
            "() => [...document.querySelectorAll('.js-plotly-plot')]"
            ".filter(d => d.querySelector('.main-svg') && (d.data || []).length > 0).length"
        )
    finally:
        page.close()
    return drawn, errors, outside
