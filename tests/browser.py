"""Playwright driving Debian's chromium (never a downloaded browser).

Use the `browser_page` fixture in tests marked `browser`; `screenshot(page, name)` saves the
page at desktop and phone width under var/screenshots/ so anyone can look at it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"
# Flags for a closed network: without them chromium keeps calling Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium")
    # Playwright's sync API runs an event loop; Django refuses sync ORM calls from a thread
    # that has one unless told that this is a test process driving a browser.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium: object) -> Iterator[object]:
    context = chromium.new_context(viewport=DESKTOP, locale="en-GB")  # type: ignore[attr-defined]
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def screenshot(page: object, name: str) -> list[Path]:
    """Save the page at desktop and at phone width; return the files."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    files = []
    original = page.viewport_size  # type: ignore[attr-defined]
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)  # type: ignore[attr-defined]
        target = SCREENSHOTS / f"{name}-{label}.png"
        page.screenshot(path=str(target), full_page=True)  # type: ignore[attr-defined]
        files.append(target)
    page.set_viewport_size(original)  # type: ignore[attr-defined]
    return files
