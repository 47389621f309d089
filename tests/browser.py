"""A real browser for the tests of the HTML pages the kit writes (class.html, nbgrader's feedback).

A page can be valid HTML and still be broken where it matters: a script that does not
run, a link to a file that is not there, a long student name that pushes the table out
of the window. Only a browser that lays the page out can tell, so these tests drive
Debian's headless Chromium through selenium::

    from tests.browser import chromium, overflowing, console_errors

    def test_page(tmp_path):
        with chromium() as driver:              # skips, saying why, without chromium/selenium
            driver.get(page.as_uri())
            assert not overflowing(driver)

or, to start Chromium once for a whole test module, the ``browser`` fixture::

    from tests.browser import browser  # noqa: F401  (a fixture: pytest finds it by name)

Needs ``apt-get install chromium chromium-driver`` and ``pip install selenium``; without
them the tests are skipped with the reason shown (``pytest -rs``). The driver is the
Debian one at ``/usr/bin/chromedriver``, never one downloaded: the tests run offline.
"""
from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMEDRIVER = Path("/usr/bin/chromedriver")
WINDOW = (1280, 900)            # a laptop's window: what an instructor opens the page in

# Per element: does its content stick out of its own box, or out of the window? The
# content of a box that clips or scrolls (overflow-x hidden, clip, auto, scroll) is meant
# to be wider; a box that lets it spill over (visible) draws it over its neighbours,
# unless the spill stays inside a box that scrolls (a wide table in its own scroller).
OVERFLOW_SCRIPT = """
const clipping = new Set(["hidden", "clip", "auto", "scroll"]);
const found = [];
function describe(el) {
    let text = el.tagName.toLowerCase();
    if (el.id) text += "#" + el.id;
    if (typeof el.className === "string" && el.className.trim())
        text += "." + el.className.trim().split(/\\s+/).join(".");
    const words = (el.textContent || "").trim().replace(/\\s+/g, " ");
    if (words) text += ' "' + words.slice(0, 40) + (words.length > 40 ? "..." : "") + '"';
    return text;
}
function inside(el, kinds) {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
        if (kinds.has(getComputedStyle(up).overflowX)) return true;
    }
    return false;
}
const scrolling = new Set(["auto", "scroll"]);
const page = document.scrollingElement || document.documentElement;
if (page.scrollWidth > page.clientWidth)
    found.push("the page: " + page.scrollWidth + "px wide in a " + page.clientWidth + "px window");
const right = document.documentElement.clientWidth;
for (const el of document.body ? document.body.querySelectorAll("*") : []) {
    const style = getComputedStyle(el);
    if (style.display === "none" || style.visibility === "hidden") continue;
    if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0 && !clipping.has(style.overflowX)
            && !inside(el, scrolling))
        found.push(describe(el) + ": content " + el.scrollWidth + "px wide in a "
                   + el.clientWidth + "px box");
    const box = el.getBoundingClientRect();
    if (box.width > 0 && (box.right > right + 1 || box.left < -1) && !inside(el, clipping))
        found.push(describe(el) + ": from " + Math.round(box.left) + "px to " + Math.round(box.right)
                   + "px, the window is " + right + "px wide");
}
return found;
"""


def unavailable() -> str:
    """Why no browser test can run here; "" when they can."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install selenium)"
    if not CHROMEDRIVER.exists():
        return f"no {CHROMEDRIVER} (apt-get install chromium chromium-driver)"
    if not (shutil.which("chromium") or Path("/usr/lib/chromium/chromium").exists()):
        return "no chromium (apt-get install chromium)"
    return ""


@contextmanager
def chromium():
    """A headless Chromium (selenium's WebDriver) in a 1280x900 window; skips the test without one."""
    reason = unavailable()
    if reason:
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     # as root in a container /dev/shm is small: Chromium would crash on big pages
                     "--disable-dev-shm-usage",
                     f"--window-size={WINDOW[0]},{WINDOW[1]}"):
        options.add_argument(argument)
    # what the page's scripts throw and the files it fails to load, for console_errors
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    try:
        driver.set_window_size(*WINDOW)
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def browser():
    """One Chromium for a test module (it takes a second or two to start)."""
    with chromium() as driver:
        yield driver


def overflowing(driver) -> list[str]:
    """The elements of the loaded page whose content overflows horizontally, described for a
    test's message (``td.cause "ReLU instead of...": content 900px wide in a 300px box``);
    [] when everything fits the window."""
    return driver.execute_script(OVERFLOW_SCRIPT)


def console_errors(driver) -> list[str]:
    """The errors the page logged since the last call: a script that threw, a file it could not load."""
    return [entry["message"] for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"]


__all__ = ["CHROMEDRIVER", "WINDOW", "browser", "chromium", "console_errors", "overflowing", "unavailable"]
