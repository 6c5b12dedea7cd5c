import pytest

from tests.browser import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_renders_in_chromium(live_server: object, browser_page: object) -> None:
    page = browser_page
    page.goto(f"{live_server.url}/")  # type: ignore[attr-defined]
    heading = page.locator("h1")  # type: ignore[attr-defined]
    assert "paid for by its readers" in heading.inner_text()
    # The stylesheet is ours and loaded: the header carries the accent border.
    border = page.eval_on_selector(  # type: ignore[attr-defined]
        ".site-header", "e => getComputedStyle(e).borderBottomStyle"
    )
    assert border == "solid"
    files = screenshot(page, "home")
    assert all(f.stat().st_size > 5000 for f in files)
