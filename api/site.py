"""The dashboard's files (SPEC §11), served by the ledger itself: no CDN, no build step.

``api/web/static/`` holds the page, its styles and its ES modules; Apache ECharts comes from
the npm package pinned in ``api/web/package-lock.json`` (``npm ci`` by ``ops/setup-env.sh``)
and is served as ``/assets/vendor/echarts.esm.min.mjs``. Files are read once at start; every
answer carries an ETag and ``Cache-Control: no-cache`` (the browser revalidates, a new
release is seen at once, an unchanged file costs a 304), and gzip when the browser takes it.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from ledger.errors import LedgerError

__all__ = ["Site", "SiteUnavailable", "add_site_routes", "load_site"]

WEB = Path(__file__).parent / "web"
STATIC = WEB / "static"
ECHARTS = WEB / "node_modules" / "echarts" / "dist" / "echarts.esm.min.mjs"

TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}
#: what the page may load and where it may connect: this host only
POLICY = (
    "default-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "style-src 'self' 'unsafe-inline'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


class SiteUnavailable(LedgerError):
    code = "site-unavailable"


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes | None
    content_type: str
    etag: str


def _asset(path: Path) -> Asset:
    body = path.read_bytes()
    content_type = TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    gzipped = gzip.compress(body, 9, mtime=0) if len(body) > 1024 and content_type.startswith("text/") else None
    return Asset(body, gzipped, content_type, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')


class Site:
    def __init__(self, assets: dict[str, Asset]) -> None:
        self.assets = assets

    async def index(self, request: web.Request) -> web.Response:
        return self._send(request, self.assets["/"])

    async def asset(self, request: web.Request) -> web.Response:
        found = self.assets.get("/assets/" + request.match_info["path"])
        if found is None:
            raise web.HTTPNotFound()
        return self._send(request, found)

    def _send(self, request: web.Request, asset: Asset) -> web.Response:
        headers = {"ETag": asset.etag, "Cache-Control": "no-cache", "Vary": "Accept-Encoding", **SECURITY_HEADERS}
        if request.headers.get("If-None-Match") == asset.etag:
            return web.Response(status=304, headers=headers)
        body = asset.body
        if asset.gzipped is not None and "gzip" in request.headers.get("Accept-Encoding", ""):
            body = asset.gzipped
            headers["Content-Encoding"] = "gzip"
        charset = "utf-8" if asset.content_type.startswith("text/") else None
        return web.Response(body=body, content_type=asset.content_type, charset=charset, headers=headers)


@functools.cache
def load_site() -> Site:
    """Every file of the dashboard, in memory (read once a process: a new release is a
    restart); fails loudly when the chart library is missing."""
    if not ECHARTS.is_file():
        raise SiteUnavailable(
            f"the dashboard's chart library is missing ({ECHARTS}): run `bash ops/setup-env.sh` "
            "(it runs `npm ci` in api/web) before `ledger serve`"
        )
    assets = {"/": _asset(STATIC / "index.html")}
    for path in sorted(STATIC.rglob("*")):
        if path.is_file() and path.suffix in TYPES:
            assets["/assets/" + path.relative_to(STATIC).as_posix()] = _asset(path)
    assets["/assets/vendor/echarts.esm.min.mjs"] = _asset(ECHARTS)
    return Site(assets)


def add_site_routes(app: web.Application) -> None:
    site = load_site()
    app.router.add_get("/", site.index)
    app.router.add_get("/assets/{path:.+}", site.asset)
