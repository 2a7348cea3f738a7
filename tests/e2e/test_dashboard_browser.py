"""The dashboard as an official sees it (SPEC §11), in a real headless Chromium (Debian's
package, driven by Playwright; never a downloaded browser) against `ledger serve` on a
generated demo city: sign-in (and its failures), every view with data, a drill-down that
changes the figures, a county account that sees nothing of another county (in the page and
in every answer it received), no console error, no request to any other host, the XLSX
export equal to the API's rows, and a screenshot of each view in ``artifacts/dashboard/``."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from api.dashboard import xlsx_row
from ops.local_service import free_port
from projections.timekeys import OPEN

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("LEDGER_ARTIFACTS_DIR", ROOT / "artifacts")) / "dashboard"
CHROMIUM = os.environ.get("LEDGER_TEST_CHROMIUM", "/usr/bin/chromium")
#: what this machine's Chromium needs to start as root, offline (machines/python-svc.md)
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
COUNTY, COUNTY_LOGIN = "371321", "yinan"  # 沂南县: has accidents in the small demo
CITY, CITY_LOGIN = "371300", "linyi"
PASSWORD = "kanban-test-2019"
ENTERPRISES = "400"


@dataclass
class City:
    base: str
    db: Path
    #: every unit id under another county, and those counties' names
    foreign_ids: set[str] = field(default_factory=set)
    foreign_names: set[str] = field(default_factory=set)


def _cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "ops.cli", *args], env=env, input=stdin, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[City]:
    """`ledger serve` on a small demo city, with a county and a city account."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"no Chromium at {CHROMIUM}: run `bash ops/ensure-browser.sh` (ops/test.sh does)", pytrace=False)
    tmp = tmp_path_factory.mktemp("dashboard")
    db = tmp / "ledger.db"
    env = {
        **os.environ,
        "LEDGER_DATABASE_URL": f"sqlite:///{db}",
        "LEDGER_SIGNING_KEY": str(tmp / "signing.key"),
        "LEDGER_LOG_FORMAT": "json",
    }
    _cli(env, "demo", "--enterprises", ENTERPRISES)
    _cli(env, "project", "--once")
    for login, scope, name in ((COUNTY_LOGIN, COUNTY, "沂南县应急局"), (CITY_LOGIN, CITY, "临沂市应急管理局")):
        _cli(env, "user", "create", "--role", "viewer", "--scope", scope, "--name", name, "--login", login,
             "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
    _cli(env, "user", "create", "--role", "viewer", "--scope", "371322", "--name", "郯城县应急局", "--login",
         "tancheng", "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
    port = free_port()
    log = (tmp / "serve.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "ops.cli", "serve", "--port", str(port)], env=env, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(f"{base}/readyz")
        yield _foreign(City(base, db))
    finally:
        server.terminate()
        server.wait(30)
        log.close()


def _wait_until_ready(url: str, timeout: float = 120.0) -> None:
    """Poll without asyncio: Playwright's sync API keeps an event loop in this thread."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=5) as answer:
            if answer.status == 200:
                return
        time.sleep(0.2)
    raise TimeoutError(url)


def _foreign(city: City) -> City:
    """Every other county of the city and every unit ever under it, as the registry believes now."""
    with sqlite3.connect(city.db) as conn:
        counties = conn.execute(
            "SELECT DISTINCT unit_id, name FROM unit_versions WHERE parent_id = ? AND kind IN ('county', 'dev_zone') "
            "AND unit_id <> ? AND recorded_to = ?",
            (CITY, COUNTY, OPEN),
        ).fetchall()
        for unit_id, name in counties:
            city.foreign_names.add(name)
            below = conn.execute(
                "SELECT unit_id FROM unit_tree WHERE ancestor_id = ? AND recorded_to = ?", (unit_id, OPEN)
            ).fetchall()
            city.foreign_ids.update(r[0] for r in below)
    assert city.foreign_ids
    return city


@dataclass
class Visit:
    """A browser context of one official: what it asked, received and printed."""

    page: Any
    base: str
    requests: list[str] = field(default_factory=list)
    answers: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    def shoot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        self.texts.append(self.page.inner_text("body"))

    def open(self, route: str) -> None:
        """Go to ``#/route`` and wait until that view says it is ready (not the one before)."""
        self.page.evaluate(
            "(h) => { delete document.querySelector('main').dataset.ready; location.hash = h; }", f"#/{route}"
        )
        view = route.split("?")[0]
        self.page.wait_for_selector(f"main[data-view={view}][data-ready]", timeout=60_000)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def visit(browser: Any, city: City) -> Iterator[Visit]:
    # the browser's own zone is UTC: the page must still show Beijing time
    context = browser.new_context(locale="zh-CN", timezone_id="UTC", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    seen = Visit(page, city.base)
    page.on("request", lambda r: seen.requests.append(r.url))
    page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.errors.append(str(e)))

    def keep(response: Any) -> None:
        if "json" in (response.headers.get("content-type") or ""):
            with contextlib.suppress(Exception):  # a response the page navigated away from
                seen.answers.append((response.url, response.text()))

    page.on("response", keep)
    yield seen
    context.close()
    assert seen.errors == [], "console errors"
    others = [u for u in seen.requests if not u.startswith(city.base + "/") and not u.startswith(("data:", "blob:"))]
    assert others == [], "requests to another host"


def _sign_in(visit: Visit, login: str, password: str = PASSWORD) -> None:
    visit.page.goto(visit.base + "/")
    visit.page.fill("#login", login)
    visit.page.fill("#password", password)
    visit.page.click("#sign-in-button")


def _figure(visit: Visit, name: str) -> str:
    return str(visit.page.inner_text(f"#fig-{name} .value"))


def test_signing_in_fails_with_a_wrong_password_and_locks_after_repeated_failures(visit: Visit) -> None:
    """A wrong password says so and shows nothing; the sixth attempt meets the lock."""
    visit.page.goto(visit.base + "/")
    visit.page.wait_for_selector("#sign-in:not([hidden])")
    visit.shoot("00-sign-in")
    for _ in range(5):
        _sign_in(visit, "tancheng", "wrong-password-1")
        visit.page.wait_for_selector("#sign-in-error:not([hidden])")
        assert "用户名或密码错误" in visit.page.inner_text("#sign-in-error")
        assert visit.page.is_hidden("#nav")
    # the browser logs each refused sign-in (401/429) as a failed resource load: expected here
    visit.errors.clear()
    _sign_in(visit, "tancheng", PASSWORD)
    expect(visit.page.locator("#sign-in-error")).to_contain_text("锁定")
    visit.shoot("00-sign-in-locked")
    visit.errors[:] = [e for e in visit.errors if "429" not in e]


def test_a_county_official_uses_every_view_and_sees_nothing_of_another_county(visit: Visit, city: City) -> None:
    """Each view renders with data for 沂南县; neither the pages nor any answer the browser
    received holds another county's name or any unit id under it."""
    page = visit.page
    started = time.perf_counter()
    _sign_in(visit, COUNTY_LOGIN)
    page.wait_for_selector("main[data-view=overview][data-ready]")
    usable = time.perf_counter() - started
    assert page.inner_text("#who-scope") == "辖区：沂南县"
    assert int(_figure(visit, "hazards").replace(",", "")) > 0
    expect(page.locator("#fig-overdue-items .value")).not_to_have_text("…")
    visit.shoot("01-overview")

    visit.open(f"hazards?scope={COUNTY}")
    assert page.locator("#hazards tbody tr").count() > 0
    visit.shoot("02-hazards")
    with page.expect_download() as download:
        page.click("#export-xlsx")
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True)["隐患台账"]
    exported = [list(r) for r in sheet.iter_rows(values_only=True)][1:]
    assert exported == [xlsx_row(i) for i in _every_hazard(visit, COUNTY)]

    visit.open("overdue?at=2019-12-31T18:00")
    assert page.locator("#overdue tbody tr").count() > 0
    visit.shoot("03-overdue")

    visit.open(f"responsibility?unit={COUNTY}&at=2019-10-15T12:00&role=principal")
    assert page.locator("#responsibility-map .tier").count() >= 2
    assert page.locator("#timeline-table tbody tr").count() > 0
    visit.shoot("04-responsibility")

    visit.open("accountability")
    accident = page.locator("#accident-select option").nth(1).get_attribute("value")
    visit.open(f"accountability?accident={accident}")
    assert page.locator("#chain .chain-tier").count() >= 3
    page.locator("#chain .chain-tier .event-link").first.click()
    page.wait_for_selector("#event-panel .event-hash")
    assert re.fullmatch(r"[0-9a-f]{64}", page.inner_text("#event-panel .event-hash"))
    visit.shoot("05-accountability-event")
    page.click("#event-panel .close")
    visit.shoot("05-accountability")

    visit.open("findings?period=2019")
    assert page.locator("#findings-table tbody tr").count() > 0
    visit.shoot("06-findings")

    visit.open("live")
    page.wait_for_selector("#live-rows tr")
    page.wait_for_selector("#live-status.good")
    visit.shoot("07-live")

    visit.open("integrity")
    page.click("#verify-button")
    page.wait_for_selector("#verify-ok", timeout=30_000)
    visit.shoot("08-integrity")

    _nothing_foreign(visit, city)
    (ARTIFACTS / "timings.json").write_text(json.dumps({"overview_usable_seconds": round(usable, 3)}))


def _every_hazard(visit: Visit, scope: str) -> list[dict[str, Any]]:
    """Every item of /v1/hazards for ``scope``, page after page, as the signed-in browser reads them."""
    items: list[dict[str, Any]] = []
    url = f"{visit.base}/v1/hazards?scope={scope}&limit=1000"
    while True:
        page = visit.page.request.get(url).json()
        items += page["items"]
        if page["next"] is None:
            return items
        url = f"{visit.base}/v1/hazards?scope={scope}&limit=1000&after={page['next']}"


def _nothing_foreign(visit: Visit, city: City) -> None:
    """No other county's name anywhere, and no unit id under another county: in the page's
    text, and as any value of any answer. Person ids are left out of the id check: a
    cross-region inspection (交叉检查) of a unit of this county names inspectors of another
    county's bureau by id, and that inspection is this county's record."""
    unit_ids = re.compile(r"\b(?:91\d{6}[0-9A-Z]{10}|\d{6}(?:\d{3})?)\b")
    for text in visit.texts:
        assert not [n for n in city.foreign_names if n in text]
        assert not set(unit_ids.findall(re.sub(r"P-[0-9A-Z-]+", "", text))) & city.foreign_ids
    assert len(visit.answers) > 10
    for url, body in visit.answers:
        assert not [n for n in city.foreign_names if n in body], url
        assert not set(_strings(json.loads(body))) & city.foreign_ids, url


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_a_drill_down_changes_the_figures_and_the_breadcrumbs_lead_back(visit: Visit) -> None:
    """City → county → township → enterprise, each with its own figures; the first
    breadcrumb brings back the city's figures."""
    page = visit.page
    _sign_in(visit, CITY_LOGIN)
    page.wait_for_selector("main[data-view=overview][data-ready]")
    city_figures = _figure(visit, "hazards")
    visit.shoot("10-drill-city")
    # the city's export spans many pages of the hazard ledger: every hazard, once
    export = page.request.get(f"{visit.base}/v1/hazards.xlsx?scope={CITY}")
    sheet = load_workbook(io.BytesIO(export.body()), read_only=True)["隐患台账"]
    ids = [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(ids) == len(set(ids)) == int(city_figures.replace(",", ""))
    assert len(ids) > 1000
    levels = [city_figures]
    for depth, name in ((2, "county"), (3, "township"), (4, "enterprise")):
        page.locator("#children-table .drill").first.click()
        expect(page.locator("#crumbs .crumb")).to_have_count(depth)
        page.wait_for_selector("main[data-view=overview][data-ready]")
        levels.append(_figure(visit, "hazards"))
        visit.shoot(f"1{depth - 1}-drill-{name}")
    assert levels[1] != levels[0]
    assert levels[2] != levels[1]
    page.locator("#crumbs a.crumb").first.click()
    expect(page.locator("#crumbs .crumb")).to_have_count(1)
    page.wait_for_selector("main[data-view=overview][data-ready]")
    assert _figure(visit, "hazards") == city_figures
