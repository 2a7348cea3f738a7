"""Dashboard accounts: a user name and a password, a role and a jurisdiction (SPEC §8, §11).

Passwords are hashed with argon2id (argon2-cffi's ``PasswordHasher``, whose defaults are the
second recommended profile of RFC 9106: 3 passes over 64 MiB, 4 lanes). argon2id is the
winner of the Password Hashing Competition and resists GPU and side-channel attacks better
than scrypt at the same cost; the library is the reference implementation's binding, kept by
the PHC authors' community. Hashing takes tens of milliseconds and 64 MiB, so it runs in a
thread, at most ``HASHING_AT_ONCE`` at a time (a flood of sign-ins cannot exhaust memory).

Lockout: ``MAX_FAILURES`` consecutive failed sign-ins for one login name lock it for
``LOCK_MINUTES``; the lock ends by itself when that time has passed (the count starts again
from zero), or at once when an administrator sets a new password (``ledger user passwd``).
Failures are counted by the name typed, whether or not such an account exists, so the
answers never tell which names exist.
"""

from __future__ import annotations

import asyncio
import functools
import re
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from api.problems import Problem
from api.tokens import ROLES, SCOPED_ROLES, Principal
from ledger.errors import LedgerError
from ledger.store import Backend
from ledger.timeutil import format_recorded, utc_now

__all__ = [
    "LOCK_MINUTES",
    "MAX_FAILURES",
    "AccountError",
    "SignInRefused",
    "User",
    "create_user",
    "disable_user",
    "list_users",
    "set_password",
    "sign_in",
    "user_principal",
]

log = structlog.get_logger("ledger.accounts")

MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
HASHING_AT_ONCE = 2
LOGIN_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")

_hasher = PasswordHasher()
_hashing = threading.BoundedSemaphore(HASHING_AT_ONCE)


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the login names no account, so both answers take the same time."""
    return _hasher.hash("no such account: a password nobody has")


class AccountError(LedgerError):
    code = "invalid-account"


class SignInRefused(Exception):
    """A refused sign-in: ``reason`` for the log; ``problem()`` for the person — the same 401
    for a wrong password and a name that does not exist, 429 while the name is locked, 403
    for a disabled account (told only to who knows its password)."""

    def __init__(self, reason: str, retry_after: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after

    def problem(self) -> Problem:
        if self.reason == "locked":
            return Problem(
                429,
                "locked",
                "Locked",
                f"too many failed sign-ins: this name is locked, try again in {LOCK_MINUTES} minutes",
                zh=f"登录失败次数过多，该用户名已锁定，请于 {LOCK_MINUTES} 分钟后再试",
                retry_after=self.retry_after,
            )
        if self.reason == "disabled":
            return Problem(
                403,
                "forbidden",
                "Forbidden",
                "this account is disabled: ask an administrator",
                zh="该账户已停用，请联系系统管理员",
            )
        return Problem(401, "unauthorized", "Unauthorized", "wrong user name or password", zh="用户名或密码错误")


@dataclass(frozen=True)
class User:
    login: str
    name: str
    role: str
    scope: str | None


def user_principal(user: User) -> Principal:
    """The same ``Principal`` a token yields: one set of scope rules for both."""
    return Principal(f"user:{user.login}", user.name, user.role, user.scope)


async def _in_thread(function: Any, *args: Any) -> Any:
    return await asyncio.to_thread(_limited, function, *args)


def _limited(function: Any, *args: Any) -> Any:
    """At most ``HASHING_AT_ONCE`` hashes at a time, across every event loop and thread."""
    with _hashing:
        return function(*args)


def check_password(password: str, login: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"a password has at most {MAX_PASSWORD_LENGTH} characters")
    if login.lower() in password.lower():
        raise AccountError("a password must not contain the user name")
    if len({_kind(c) for c in password}) < 2:
        raise AccountError("a password needs two kinds of characters (letters, digits, others)")


def _kind(char: str) -> str:
    return "digit" if char.isdigit() else "letter" if char.isalpha() else "other"


async def create_user(db: Backend, *, login: str, name: str, role: str, scope: str | None, password: str) -> User:
    if not LOGIN_PATTERN.match(login):
        raise AccountError("a login is 2–64 letters, digits, '.', '_' or '-', starting with a letter or digit")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if role in SCOPED_ROLES and not scope:
        raise AccountError(f"a {role} account needs --scope UNIT_ID (its jurisdiction)")
    if not name.strip():
        raise AccountError("an account needs a --name (the office or person it is for)")
    if scope and not await db.fetch("SELECT 1 FROM events WHERE stream = ? AND version = 1", f"unit:{scope}"):
        raise AccountError(f"scope {scope!r} is not a registered unit")
    if await db.fetch("SELECT 1 FROM users WHERE login = ?", login):
        raise AccountError(f"an account {login!r} exists already")
    check_password(password, login)
    hashed = await _in_thread(_hasher.hash, password)
    now = format_recorded(utc_now())
    user = User(login, name.strip(), role, scope if role in SCOPED_ROLES else None)
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO users (login, name, role, scope, password_hash, created_at, password_changed_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            user.login,
            user.name,
            user.role,
            user.scope,
            hashed,
            now,
            now,
        )
    log.info("account created", login=login, role=role, scope=user.scope)
    return user


async def set_password(db: Backend, login: str, password: str) -> None:
    """A new password: ends the account's sessions and any lock on its name."""
    if not await db.fetch("SELECT 1 FROM users WHERE login = ?", login):
        raise AccountError(f"no account {login!r}")
    check_password(password, login)
    hashed = await _in_thread(_hasher.hash, password)
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE users SET password_hash = ?, password_changed_at = ? WHERE login = ?",
            hashed,
            format_recorded(utc_now()),
            login,
        )
        await tx.execute("DELETE FROM user_sessions WHERE login = ?", login)
        await tx.execute("DELETE FROM sign_in_failures WHERE login = ?", login)
    log.info("password set", login=login)


async def disable_user(db: Backend, login: str) -> None:
    """The account can no longer sign in; its sessions end at once."""
    async with db.transaction() as tx:
        if not await tx.fetch("SELECT 1 FROM users WHERE login = ?", login):
            raise AccountError(f"no account {login!r}")
        await tx.execute(
            "UPDATE users SET disabled_at = ? WHERE login = ? AND disabled_at IS NULL",
            format_recorded(utc_now()),
            login,
        )
        await tx.execute("DELETE FROM user_sessions WHERE login = ?", login)
    log.info("account disabled", login=login)


async def list_users(db: Backend) -> list[dict[str, Any]]:
    keys = ("login", "name", "role", "scope", "created_at", "password_changed_at", "disabled_at")
    rows = await db.fetch(f"SELECT {', '.join(keys)} FROM users ORDER BY login")
    return [dict(zip(keys, row, strict=True)) for row in rows]


async def sign_in(db: Backend, login: str, password: str) -> User:
    """The account, if ``password`` is its password and neither it nor the name is locked or
    disabled; else ``SignInRefused``. Every outcome is logged."""
    now = utc_now()
    if not LOGIN_PATTERN.match(login) or len(password) > MAX_PASSWORD_LENGTH:
        log.warning("sign-in failed", login=login[:64], reason="malformed")
        raise SignInRefused("wrong credentials")
    locked = await db.fetch("SELECT locked_until FROM sign_in_failures WHERE login = ?", login)
    if locked and locked[0][0] is not None and locked[0][0] > format_recorded(now):
        log.warning("sign-in refused", login=login, reason="locked", locked_until=locked[0][0])
        raise SignInRefused("locked", LOCK_MINUTES * 60)
    rows = await db.fetch("SELECT name, role, scope, password_hash, disabled_at FROM users WHERE login = ?", login)
    stored = rows[0][3] if rows else _dummy_hash()
    if not rows or not await _in_thread(_verify, stored, password):
        await _count_failure(db, login, now)
        log.warning("sign-in failed", login=login, reason="wrong password" if rows else "no such account")
        raise SignInRefused("wrong credentials")
    name, role, scope, _, disabled = rows[0]
    if disabled is not None:
        log.warning("sign-in refused", login=login, reason="disabled")
        raise SignInRefused("disabled")
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM sign_in_failures WHERE login = ?", login)
    if _hasher.check_needs_rehash(stored):
        await _rehash(db, login, password)
    log.info("signed in", login=login, role=role, scope=scope)
    return User(login, name, role, scope)


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def _count_failure(db: Backend, login: str, now: Any) -> None:
    stamp = format_recorded(now)
    async with db.transaction() as tx:
        found = await tx.fetch("SELECT failures, locked_until FROM sign_in_failures WHERE login = ?", login)
        # a lock that has run out starts the count again
        failures = found[0][0] if found and (found[0][1] is None or found[0][1] > stamp) else 0
        failures += 1
        locked_until = None
        if failures >= MAX_FAILURES:
            locked_until = format_recorded(now + timedelta(minutes=LOCK_MINUTES))
            log.warning("login locked", login=login, failures=failures, locked_until=locked_until)
            failures = 0
        if found:
            await tx.execute(
                "UPDATE sign_in_failures SET failures = ?, locked_until = ?, last_failure_at = ? WHERE login = ?",
                failures,
                locked_until,
                stamp,
                login,
            )
        else:
            await tx.execute(
                "INSERT INTO sign_in_failures (login, failures, locked_until, last_failure_at) VALUES (?, ?, ?, ?)",
                login,
                failures,
                locked_until,
                stamp,
            )


async def _rehash(db: Backend, login: str, password: str) -> None:
    """Parameters raised since the hash was made: store a new hash of the same password."""
    hashed = await _in_thread(_hasher.hash, password)
    async with db.transaction() as tx:
        await tx.execute("UPDATE users SET password_hash = ? WHERE login = ?", hashed, login)
