"""Dashboard accounts and sessions (SPEC §8, §11): a user name and a password give a cookie
that the API accepts as it accepts a token, under the same scope rules; lockout, sign-out,
disabling, CSRF — each refusal a problem document of the API's own kinds; on both backends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from structlog.testing import capture_logs

from api.accounts import LOCK_MINUTES, MAX_FAILURES, AccountError, create_user, disable_user, set_password
from api.tokens import ROLES
from ledger.labels import LABELS
from tests.api.support import Service, service

PASSWORD = "kanban-371302"


@pytest.fixture
async def svc(db_url: str) -> AsyncIterator[Service]:
    async with service(db_url) as running:
        db = running.store.backend
        await create_user(db, login="lanshan", name="兰山区应急局", role="viewer", scope="371302", password=PASSWORD)
        await create_user(db, login="city", name="临沂市应急局", role="viewer", scope="371300", password=PASSWORD)
        yield running


def _origin(svc: Service) -> dict[str, str]:
    return {"Origin": f"http://{svc.client.host}:{svc.client.port}"}


async def _sign_in(svc: Service, login: str, password: str = PASSWORD) -> Any:
    return await svc.client.post("/auth/sign-in", json={"login": login, "password": password}, headers=_origin(svc))


async def test_a_password_is_kept_only_as_an_argon2id_hash(svc: Service) -> None:
    """Nothing that could be typed at sign-in is stored; weak passwords are refused."""
    rows = await svc.store.backend.fetch("SELECT password_hash FROM users WHERE login = 'lanshan'")
    assert rows[0][0].startswith("$argon2id$")
    assert PASSWORD not in rows[0][0]
    with pytest.raises(AccountError, match="at least"):
        await set_password(svc.store.backend, "lanshan", "short1")
    with pytest.raises(AccountError, match="user name"):
        await set_password(svc.store.backend, "lanshan", "lanshan-2019!")


async def test_signing_in_gives_a_strict_httponly_expiring_cookie(svc: Service) -> None:
    """The cookie is HttpOnly, SameSite=Strict, with a Max-Age; every sign-in is logged."""
    with capture_logs() as logs:
        response = await _sign_in(svc, "lanshan")
    assert response.status == 200
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header
    assert "SameSite=Strict" in header
    assert "Max-Age=28800" in header
    assert "Secure" not in header  # plain http here; over https the cookie is Secure
    assert any(e["event"] == "signed in" and e["login"] == "lanshan" for e in logs)
    session = await (await svc.client.get("/auth/session")).json()
    assert session["signed_in"]
    assert session["scope"]["name"] == "兰山区"
    assert session["home"]["unit_id"] == "371302"
    assert session["role_label"] == "查阅员"
    assert session["as_of"]["position"] == (await svc.store.head()).position


async def test_the_cookie_reads_under_the_same_scope_rules_as_a_token(svc: Service) -> None:
    """A county account reads its county and, for another, the 404 of what does not exist,
    as a viewer token does; an account without a jurisdiction starts at the root."""
    assert (await _sign_in(svc, "lanshan")).status == 200
    inside = await svc.client.get("/v1/hazards", params={"scope": "371302"})
    assert inside.status == 200
    for path in ("/v1/hazards?scope=371311", "/v1/units/371311", "/v1/hazards.xlsx?scope=371311"):
        outside = await svc.client.get(path)
        assert outside.status == 404, path
        assert (await outside.json())["type"].endswith("/not-found")
    mine = await (await svc.client.get("/v1/hazards")).json()
    token = await (await svc.client.get("/v1/hazards", headers=svc.auth("viewer"))).json()
    del mine["as_of"], token["as_of"]
    assert mine == token  # the cookie yields the same Principal as the viewer token of 371302
    await svc.client.post("/auth/sign-out", headers=_origin(svc))
    await create_user(
        svc.store.backend, login="auditor", name="审计", role="investigator", scope=None, password=PASSWORD
    )
    await _sign_in(svc, "auditor")
    session = await (await svc.client.get("/auth/session")).json()
    assert (session["scope"], session["home"]["unit_id"]) == (None, "370000")


async def test_wrong_passwords_fail_then_lock_the_name_until_the_lock_runs_out_or_a_new_password(
    svc: Service,
) -> None:
    """Five failures lock the name (even the right password is refused, 429); an unknown
    name locks the same way, so the answers tell nobody which names exist; a new password
    lifts the lock."""
    with capture_logs() as logs:
        for _ in range(MAX_FAILURES):
            wrong = await _sign_in(svc, "lanshan", "not-the-password-1")
            assert wrong.status == 401
            assert (await wrong.json())["type"].endswith("/unauthorized")
            assert (await wrong.json())["detail"] == "用户名或密码错误"
        locked = await _sign_in(svc, "lanshan")
    assert locked.status == 429
    assert (await locked.json())["retry_after"] == LOCK_MINUTES * 60
    assert (await locked.json())["type"].endswith("/locked")
    assert "锁定" in (await locked.json())["detail"]
    unknown = await _sign_in(svc, "nobody-at-all", "not-the-password-1")
    assert (await unknown.json())["detail"] == (await wrong.json())["detail"]  # no name is told to exist
    assert sum(e["event"] == "sign-in failed" for e in logs) == MAX_FAILURES
    assert any(e["event"] == "sign-in refused" and e["reason"] == "locked" for e in logs)
    for _ in range(MAX_FAILURES):
        assert (await _sign_in(svc, "nobody-here", "not-the-password-1")).status == 401
    assert (await _sign_in(svc, "nobody-here", "not-the-password-1")).status == 429
    # the lock runs out: pretend it ended a second ago
    await _expire_lock(svc, "lanshan")
    assert (await _sign_in(svc, "lanshan")).status == 200
    for _ in range(MAX_FAILURES):
        await _sign_in(svc, "city", "not-the-password-1")
    await set_password(svc.store.backend, "city", "a-new-password-2")
    assert (await _sign_in(svc, "city", "a-new-password-2")).status == 200


async def _expire_lock(svc: Service, login: str) -> None:
    async with svc.store.backend.transaction() as tx:
        await tx.execute(
            "UPDATE sign_in_failures SET locked_until = ? WHERE login = ?", "2000-01-01T00:00:00.000000Z", login
        )


async def test_a_session_expires(svc: Service) -> None:
    """A session past its end reads nothing (the cookie's Max-Age aside, the server checks)."""
    await _sign_in(svc, "lanshan")
    async with svc.store.backend.transaction() as tx:
        await tx.execute("UPDATE user_sessions SET expires_at = ?", "2000-01-01T00:00:00.000000Z")
    assert (await svc.client.get("/v1/labels")).status == 401
    assert (await (await svc.client.get("/auth/session")).json()) == {"signed_in": False}


async def test_sign_out_and_disabling_end_the_session(svc: Service) -> None:
    """After sign-out the cookie reads nothing; disabling an account ends its session at the
    next request and refuses its sign-ins (403, said only to who knows the password)."""
    await _sign_in(svc, "lanshan")
    signed_out = await svc.client.post("/auth/sign-out", headers=_origin(svc))
    assert signed_out.status == 204
    assert (await svc.client.get("/v1/labels")).status == 401
    await _sign_in(svc, "lanshan")
    assert (await svc.client.get("/v1/labels")).status == 200
    await disable_user(svc.store.backend, "lanshan")  # as `ledger user disable` does, from another process
    assert (await svc.client.get("/v1/labels")).status == 401  # at once: sessions are not cached
    refused = await _sign_in(svc, "lanshan")
    assert refused.status == 403  # told only to who knows the password
    assert (await refused.json())["type"].endswith("/forbidden")
    assert "停用" in (await refused.json())["detail"]
    assert (await _sign_in(svc, "lanshan", "not-the-password-1")).status == 401


async def test_a_change_made_with_the_cookie_must_come_from_the_ledgers_own_page(svc: Service) -> None:
    """CSRF: a POST carrying the cookie without this host's Origin is refused (403) and
    appends nothing; a sign-in posted from another site is refused too."""
    await _sign_in(svc, "city")
    head = (await svc.store.head()).position
    for headers in ({}, {"Origin": "https://evil.example"}):
        response = await svc.client.post("/v1/events", json={}, headers=headers)
        assert response.status == 403
        assert (await response.json())["type"].endswith("/cross-origin")
    assert (await svc.store.head()).position == head
    forged = await svc.client.post(
        "/auth/sign-in", json={"login": "city", "password": PASSWORD}, headers={"Origin": "https://evil.example"}
    )
    assert forged.status == 403
    assert (await forged.json())["detail"] == "登录请求只能来自本系统自己的页面"


def test_every_account_role_has_a_chinese_label() -> None:
    """The dashboard shows an account's role from the one labels table."""
    assert [r for r in ROLES if r not in LABELS["account_role"]] == []
