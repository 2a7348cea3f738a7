"""A running service on a fresh ledger holding the 临沂 sample, and tokens for every role."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from aiohttp.web import Application, Request
from aiohttp.web_runner import BaseRunner

from api.app import STORE, create_app
from api.server import LedgerRunner
from api.tokens import create_token
from ledger.store import EventStore
from ops.config import Settings
from tests.projections.support import ledger_with, sample_events

__all__ = ["LedgerTestServer", "Service", "service"]

#: role → scope used by the tokens of the matrix (兰山区 371302, a county of the sample)
SCOPES = {"recorder": "371302", "viewer": "371302", "investigator": None, "admin": None}


class LedgerTestServer(TestServer):
    """The app served as ``ledger serve`` serves it (aiohttp's own errors as problem+json)."""

    async def _make_runner(self, **kwargs: Any) -> BaseRunner:
        return LedgerRunner(self.app, **kwargs)


@dataclass
class Service:
    client: TestClient[Request, Application]
    tokens: dict[str, str]

    @property
    def app(self) -> Application:
        app = self.client.app
        assert app is not None, "the test server has no application"
        return app

    @property
    def store(self) -> EventStore:
        return self.app[STORE]

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    async def get(self, path: str, role: str = "investigator", **params: Any) -> Any:
        response = await self.client.get(path, headers=self.auth(role), params=params)
        return response.status, await response.json(content_type=None)

    async def post(self, body: Any, role: str = "admin", **headers: str) -> Any:
        response = await self.client.post("/v1/events", json=body, headers={**self.auth(role), **headers})
        return response.status, await response.json(content_type=None)


@asynccontextmanager
async def service(url: str, **settings: Any) -> AsyncIterator[Service]:
    """The service on ``url`` (``settings``: more of ``Settings``, e.g. ``read_database_url``)."""
    async with ledger_with(url, sample_events()) as (store, _runner):
        tokens = {}
        for role, scope in SCOPES.items():
            _, tokens[role] = await create_token(store.backend, role=role, scope=scope, name=f"test {role}")
    key = Path(tempfile.mkdtemp()) / "signing.key"
    client = TestClient(LedgerTestServer(create_app(Settings(database_url=url, signing_key=str(key), **settings))))
    await client.start_server()
    try:
        yield Service(client, tokens)
    finally:
        await client.close()
