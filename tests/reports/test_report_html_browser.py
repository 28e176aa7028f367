"""The HTML report in headless Chromium: it loads cleanly, shows every cell, and a click drills down.

Needs Debian's ``chromium`` and ``chromium-driver`` and ``selenium``; skipped without them, unless
``UDCODEC_REQUIRE_BROWSER`` is set (``.ci/run`` sets it), where their absence fails the test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from udcodec.outcomes import Outcome
from udcodec.reports import RunRecord
from udcodec.reports.html import write_html

INJECTION = "</script><script>alert(1)</script>"


def _paths() -> tuple[str, str]:
    """The browser and its driver: Debian's, unless ``UDCODEC_CHROMIUM``/``UDCODEC_CHROMEDRIVER`` say otherwise."""
    return (os.environ.get("UDCODEC_CHROMIUM", "/usr/bin/chromium"),
            os.environ.get("UDCODEC_CHROMEDRIVER", "/usr/bin/chromedriver"))


def _missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed"
    for path in _paths():
        if not (Path(path).is_file() and os.access(path, os.X_OK)):
            return f"{path} is missing (apt-get install chromium chromium-driver)"
    return None


def require_browser() -> tuple[str, str]:
    """The browser's paths; skip without it, or fail when ``UDCODEC_REQUIRE_BROWSER`` is set."""
    missing = _missing()
    if missing:
        if os.environ.get("UDCODEC_REQUIRE_BROWSER"):
            pytest.fail(f"UDCODEC_REQUIRE_BROWSER is set but {missing}")
        pytest.skip(f"no headless browser: {missing}")
    return _paths()


@pytest.mark.parametrize(("required", "raised"), [("1", pytest.fail.Exception), ("", pytest.skip.Exception)])
def test_a_missing_browser_fails_where_it_is_required(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, required: str, raised: type[BaseException]
) -> None:
    monkeypatch.setenv("UDCODEC_CHROMIUM", str(tmp_path / "no-chromium"))
    monkeypatch.setenv("UDCODEC_REQUIRE_BROWSER", required)
    with pytest.raises(raised, match="no-chromium is missing"):
        require_browser()


@pytest.fixture
def browser() -> Iterator[Any]:
    chromium, chromedriver = require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1400,1000"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(chromedriver), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _errors(driver: Any) -> list[dict[str, Any]]:
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


@pytest.mark.slow  # starts a browser
def test_the_report_in_a_browser(browser: Any, every_outcome_record: RunRecord, tmp_path: Path) -> None:
    record = every_outcome_record
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    failing = next(r for r in record.results if Outcome(r.outcome) is Outcome.FAIL)
    failing.message += f"\n{INJECTION} \udc80 \x00"
    page = write_html(record, tmp_path / "report.html")
    browser.get(page.as_uri())
    assert browser.title == "udcodec conformance report"
    assert _errors(browser) == []

    cells = browser.find_elements(By.CSS_SELECTOR, "table.grid tbody td:not(:nth-child(2))")
    assert len(cells) == len(record.clause_ids()) * len(record.adapter_keys())
    shown = {(b.get_attribute("data-clause"), b.get_attribute("data-column"))
             for b in browser.find_elements(By.CSS_SELECTOR, "table.grid button[data-detail]")}
    assert shown == set(record.matrix())
    colours = {b.get_attribute("class"): b.value_of_css_property("background-color")
               for b in browser.find_elements(By.CSS_SELECTOR, "table.grid button[data-detail]")}
    assert len(set(colours.values())) == len(colours) == len(Outcome)  # every outcome in its own colour

    detail = browser.find_element(By.ID, "detail")
    assert "register_codec accepted id 159" not in detail.text
    cell = browser.find_element(
        By.CSS_SELECTOR, f'button[data-clause="{failing.clause}"][data-column="{failing.adapter}"]')
    cell.click()
    assert "selected" in (cell.get_attribute("class") or "")
    assert f"{failing.clause} · {failing.adapter}" in detail.text
    assert "register_codec accepted id 159 | oops" in detail.text
    assert f"{INJECTION} \\udc80 \\x00" in detail.text  # shown as text, not run
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert  # noqa: B018 - reading it is the check
    reproduction = detail.find_elements(By.TAG_NAME, "pre")[-1]
    assert reproduction.text == (failing.reproduction or "").rstrip("\n")
    copy = detail.find_element(By.CSS_SELECTOR, "button.copy")
    copy.click()
    WebDriverWait(browser, 5).until(lambda _: copy.text != "copy to clipboard")  # the clipboard answers later
    assert copy.text in ("copied", "select and copy by hand")
    assert browser.execute_script("return document.scripts.length") == 1
    browser.save_screenshot(str(tmp_path / "report.png"))
    assert (tmp_path / "report.png").stat().st_size > 0
    assert _errors(browser) == []
    if os.environ.get("UDCODEC_SCREENSHOT"):  # keep a copy to look at
        shutil.copy(tmp_path / "report.png", os.environ["UDCODEC_SCREENSHOT"])
