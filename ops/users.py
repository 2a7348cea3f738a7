"""``ledger user create|passwd|disable|list``: the dashboard's accounts (SPEC §10)."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from api.accounts import AccountError, create_user, disable_user, list_users, set_password
from ops.bootstrap import open_without_rules
from ops.config import Settings

__all__ = ["add_user_parser", "cmd_user"]


def _password(args: argparse.Namespace) -> str:
    """From standard input (one line) with ``--password-stdin``, else asked twice on the terminal."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise AccountError("no terminal to ask the password on: pipe it with --password-stdin")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise AccountError("the two passwords differ")
    return first


async def cmd_user(args: argparse.Namespace, settings: Settings) -> int:
    store = await open_without_rules(settings.database_url)
    try:
        db = store.backend
        if args.action == "create":
            password = _password(args)
            user = await create_user(
                db, login=args.login, name=args.name, role=args.role, scope=args.scope, password=password
            )
            print(f"account {user.login} for {user.name} ({user.role}, scope {user.scope or 'all'}) created")
        elif args.action == "passwd":
            await set_password(db, args.login, _password(args))
            print(f"password of {args.login} set; its sessions ended and any lock lifted")
        elif args.action == "disable":
            await disable_user(db, args.login)
            print(f"account {args.login} disabled; its sessions ended")
        else:
            for row in await list_users(db):
                state = f"disabled {row['disabled_at']}" if row["disabled_at"] else "active"
                print(f"{row['login']:<16} {row['role']:<12} {row['scope'] or '*':<20} {row['name']}  ({state})")
    finally:
        await store.close()
    return 0


def add_user_parser(sub: argparse._SubParsersAction[Any]) -> None:
    """``ledger user …``, its parsers of the same class as the command's (one-line errors)."""
    user = sub.add_parser("user", help="dashboard accounts: create, passwd, disable, list")
    actions = user.add_subparsers(dest="action", required=True, metavar="ACTION", parser_class=type(user))
    create = actions.add_parser("create", help="an account signing in with a user name and password")
    create.add_argument("--login", required=True, help="the user name typed at sign-in (e.g. lanshan)")
    create.add_argument("--role", required=True, choices=["recorder", "viewer", "investigator", "admin"])
    create.add_argument("--scope", help="a unit id: the jurisdiction a recorder or viewer sees")
    create.add_argument("--name", required=True, help="whose account it is (e.g. 兰山区应急局)")
    create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    passwd = actions.add_parser("passwd", help="set a new password (ends sessions, lifts a lock)")
    passwd.add_argument("login")
    passwd.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    disable = actions.add_parser("disable", help="no more sign-ins; its sessions end")
    disable.add_argument("login")
    actions.add_parser("list", help="every account (never a password)")
