"""Compliance dossiers over HTTP (SPEC §9): ``GET /v1/exports/dossier?subject=…`` returns the zip."""

from __future__ import annotations

import tempfile
from pathlib import Path

from aiohttp import web

from api.app import NOTARY, RUNNER, STORE
from api.auth import require
from api.problems import Problem

__all__ = ["get_dossier"]

#: a dossier names people and their duties across jurisdictions: investigators and admins only
EXPORTERS = ("investigator", "admin")


async def get_dossier(request: web.Request) -> web.Response:
    from ops.export import BadSubject, build_dossier, parse_subject, zip_path

    require(request, *EXPORTERS)
    subject = request.query.get("subject", "")
    try:
        parsed = parse_subject(subject)
    except BadSubject as error:
        raise Problem(400, "bad-parameter", "Bad subject", str(error)) from None
    include_personal = request.query.get("include_personal", "").lower() in ("1", "true", "yes")
    with tempfile.TemporaryDirectory(prefix="ledger-dossier-") as tmp:
        directory = await build_dossier(
            request.app[STORE],
            subject,
            Path(tmp),
            notary=request.app[NOTARY],
            include_personal=include_personal,
            known_position=request.app[RUNNER].position(),
        )
        body = zip_path(directory).read_bytes()
    return web.Response(
        body=body,
        content_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="dossier-{parsed.slug}.zip"'},
    )
