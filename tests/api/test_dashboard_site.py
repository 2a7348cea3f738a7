"""The dashboard's files are served by the ledger itself (SPEC §11: an intranet has no
internet): the page, its modules and ECharts, with their content types, ETags and a
policy that lets the page load nothing from any other host."""

from __future__ import annotations

import re

from api.site import STATIC, load_site
from tests.api.support import service


async def test_the_page_and_every_asset_come_from_the_ledger_with_types_and_etags(sqlite_url: str) -> None:
    """/ is the page; every script is text/javascript, the styles text/css; a repeated
    request with the ETag gets 304; the CSP allows only this host."""
    async with service(sqlite_url) as svc:
        page = await svc.client.get("/")
        assert page.status == 200
        assert page.content_type == "text/html"
        assert "default-src 'self'" in page.headers["Content-Security-Policy"]
        assert "script-src 'self';" in page.headers["Content-Security-Policy"]
        assert page.headers["Cache-Control"] == "no-cache"
        for path, kind in (
            ("/assets/app.js", "text/javascript"),
            ("/assets/views/overview.js", "text/javascript"),
            ("/assets/style.css", "text/css"),
            ("/assets/vendor/echarts.esm.min.mjs", "text/javascript"),
        ):
            response = await svc.client.get(path)
            assert (response.status, response.content_type) == (200, kind), path
            again = await svc.client.get(path, headers={"If-None-Match": response.headers["ETag"]})
            assert again.status == 304
        echarts = await svc.client.get("/assets/vendor/echarts.esm.min.mjs", headers={"Accept-Encoding": "gzip"})
        assert echarts.headers.get("Content-Encoding") == "gzip" or len(await echarts.read()) > 500_000
        assert (await svc.client.get("/assets/../api/app.py")).status == 404
        assert (await svc.client.get("/assets/package.json")).status == 404


def test_no_file_of_the_dashboard_names_another_host() -> None:
    """No CDN, no web font, no analytics: no absolute URL in any page, module or style."""
    for path in STATIC.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8").replace('xmlns="http://www.w3.org/2000/svg"', "")  # a name
            assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.I), path
    assert "/assets/vendor/echarts.esm.min.mjs" in load_site().assets
