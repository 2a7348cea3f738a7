"""Compliance dossiers over HTTP (SPEC §9): ``GET /v1/exports/dossier?subject=…`` returns the zip;
``with_personal_data=true`` includes personal data in the clear (investigators and admins,
who alone may export at all)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from aiohttp import web

from api.app import NOTARY, RUNNER, SETTINGS, STORE
from api.auth import require
from api.problems import Problem

__all__ = ["get_dossier"]

#: a dossier names people and their duties across jurisdictions: investigators and admins only
EXPORTERS = ("investigator", "admin")


async def get_dossier(request: web.Request) -> web.Response:
    from dossier import BadSubject, FontMissing, build_dossier, parse_subject, zip_path

    require(request, *EXPORTERS)
    subject = request.query.get("subject", "")
    try:
        parsed = parse_subject(subject)
    except BadSubject as error:
        raise Problem(400, "bad-parameter", "Bad subject", str(error), zh=f"参数 subject 不正确：{error}") from None
    personal = _flag(request, "with_personal_data")
    with tempfile.TemporaryDirectory(prefix="ledger-dossier-") as tmp:
        try:
            directory = await build_dossier(
                request.app[STORE],
                subject,
                Path(tmp),
                notary=request.app[NOTARY],
                issuer=request.app[SETTINGS].issuer,
                with_personal_data=personal,
                known_position=request.app[RUNNER].position(),
            )
        except FontMissing as missing:
            raise Problem(503, "font-missing", "Dossier fonts missing", str(missing)) from None
        body = zip_path(directory).read_bytes()
    return web.Response(
        body=body,
        content_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="dossier-{parsed.slug}.zip"'},
    )


def _flag(request: web.Request, name: str) -> bool:
    text = request.query.get(name, "false").lower()
    if text not in ("true", "false", "1", "0"):
        raise Problem(
            400,
            "bad-parameter",
            "Bad parameter",
            f"{name} must be true or false, not {text!r}",
            zh=f"参数 {name} 须为 true 或 false",
        )
    return text in ("true", "1")
