"""``ledger policy list | show ID | adopt ID``: the notices as ready policies (SPEC §6, §10).

``list`` and ``show`` read the documents shipped in ``ledger/policies`` (no database).
``adopt`` posts the ``policy.adopted`` through the normal path — ``open_ledger`` and the
store's append with the domain's rules, exactly as ``ledger import`` does — so it is refused
like any event (a jurisdiction not registered, an interval that ends before it starts …):
one line on stderr, exit status 2.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Coroutine, Mapping
from datetime import datetime, timedelta
from typing import Any

import orjson

from ledger.envelope import parse_proposed
from ledger.errors import LedgerError
from ledger.policies import READY, ReadyPolicy, adoption, beijing_date, ready_policy
from ledger.timeutil import BEIJING, parse_timestamp
from ops.config import Settings

__all__ = ["add_policy_parser", "cmd_policy"]


class BadOption(LedgerError):
    code = "bad-option"


Command = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]


def add_policy_parser(sub: argparse._SubParsersAction[Any], run: Command, actor: str) -> None:
    """The ``policy`` subcommand and its three actions (``run`` is the CLI's command wrapper)."""
    policy = sub.add_parser("policy", help="the notices as ready policies: list, show, adopt")
    # the same parser class as the CLI's: a usage error is one line and exit status 2
    actions = policy.add_subparsers(dest="action", required=True, metavar="ACTION", parser_class=type(policy))
    actions.add_parser("list", help="every ready policy: id, jurisdiction, interval, document, rule keys")
    show = actions.add_parser("show", help="one policy: its rules, and the sentence of the notice each comes from")
    show.add_argument("policy_id", metavar="ID")
    show.add_argument("--json", action="store_true", help="the document itself, as JSON")
    adopt = actions.add_parser("adopt", help="post its policy.adopted (refused like any event)")
    adopt.add_argument("policy_id", metavar="ID")
    adopt.add_argument("--jurisdiction", metavar="UNIT", help="adopt it for this unit instead of the notice's")
    adopt.add_argument("--from", dest="valid_from", metavar="T", help="valid from (RFC 3339 with an offset)")
    adopt.add_argument("--to", dest="valid_to", metavar="T", help="valid until, exclusive (RFC 3339 with an offset)")
    adopt.add_argument(
        "--set",
        dest="parts",
        action="append",
        default=[],
        metavar="KEY.PART=VALUE",
        help="a part the notice leaves to the adopter, e.g. fatal_accident_sanctions.within_days=30",
    )
    adopt.add_argument("--policy-id", dest="adopted_id", help="the adopted policy's id (default: the document's)")
    adopt.add_argument("--actor", default=actor, help="who is recorded as posting it")
    policy.set_defaults(run=run)


async def cmd_policy(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "list":
        _print_list()
    elif args.action == "show":
        _print_show(ready_policy(args.policy_id), as_json=args.json)
    else:
        await _adopt(args, settings)
    return 0


# --- list and show ------------------------------------------------------------------------------


def _interval(policy: Mapping[str, Any]) -> str:
    start = beijing_date(policy["valid_from"])
    end = policy.get("valid_to")
    if end is None:
        return f"{start} 起，长期"
    # valid_to is exclusive: the last day in force is the day before a midnight end
    last_day = (parse_timestamp(end) - timedelta(microseconds=1)).astimezone(BEIJING).date()
    return f"{start} 至 {last_day.isoformat()}"


def _print_list() -> None:
    for policy in READY.values():
        keys = ", ".join(policy.rules) or "（不设规则键 sets no rule key）"
        print(f"{policy.policy_id}  {policy.jurisdiction_name}（{policy.jurisdiction}）  {_interval(vars(policy))}")
        print(f"    {policy.basis} · {policy.notice} · {policy.name}")
        print(f"    rules: {keys}")


def _print_show(policy: ReadyPolicy, *, as_json: bool) -> None:
    if as_json:
        document = {k: v for k, v in vars(policy).items() if k != "file"}
        print(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode())
        return
    lines = [
        f"{policy.policy_id}: {policy.name}",
        f"  依据 basis:       {policy.basis}（{policy.notice}）",
        f"  文件 document:    {policy.title}",
        f"  制发 issued by:   {policy.issued_by}{'，' + policy.issued_on if policy.issued_on else ''}",
        f"  适用 jurisdiction: {policy.jurisdiction_name}（{policy.jurisdiction}）",
        f"  有效期 valid:     {_interval(vars(policy))}  [{policy.valid_from}, {policy.valid_to or '—'})",
        f"                    {policy.validity['part']}：“{policy.validity['quote']}”",
        f"                    {policy.validity['reading']}",
    ]
    for phase in policy.phases:
        lines.append(f"  阶段 phase:       {phase['name']} {phase['from'] or '…'} — {phase['to']}：“{phase['quote']}”")
    lines.append("  规则 rules:" if policy.rules else "  规则 rules: none — this document sets no rule key")
    for key, value in policy.rules.items():
        source = policy.sources[key]
        lines.append(f"    {key} = {orjson.dumps(value).decode()}")
        lines.append(f"        {source['part']}：“{source['quote']}”")
    for path, why in policy.adopter_sets.items():
        lines.append(f"  由采用方确定 adopter sets: {path} — {why}")
    for item in policy.not_rules:
        lines.append(f"  不设规则 not a rule: {item['part']}：“{item['quote']}” — {item['why']}")
    lines += [f"  注 note: {note}" for note in policy.notes]
    print("\n".join(lines))


# --- adopt --------------------------------------------------------------------------------------


def _parts(given: list[str]) -> dict[str, Any]:
    parts: dict[str, Any] = {}
    for item in given:
        path, sep, text = item.partition("=")
        if not sep or "." not in path:
            raise BadOption(f"--set {item!r}: write KEY.PART=VALUE, e.g. fatal_accident_sanctions.within_days=30")
        try:
            parts[path] = orjson.loads(text)
        except orjson.JSONDecodeError:
            raise BadOption(f"--set {item!r}: the value must be JSON (a number: 30)") from None
    return parts


def _timestamp(option: str, text: str | None) -> str | None:
    if text is None:
        return None
    try:
        return parse_timestamp(text).isoformat()
    except ValueError as exc:
        raise BadOption(f"{option}: {exc}") from None


async def _adopt(args: argparse.Namespace, settings: Settings) -> None:
    from ops.bootstrap import open_ledger

    policy = ready_policy(args.policy_id)
    data = adoption(
        policy,
        jurisdiction=args.jurisdiction,
        valid_from=_timestamp("--from", args.valid_from),
        valid_to=_timestamp("--to", args.valid_to),
        parts=_parts(args.parts),
        policy_id=args.adopted_id,
    )
    now = datetime.now(BEIJING).replace(microsecond=0).isoformat()
    event = parse_proposed({"type": "policy.adopted", "occurred_at": now, "data": data}, args.actor)
    store = await open_ledger(settings.database_url)
    try:
        [stored] = await store.append([event])
    finally:
        await store.close()
    print(
        f"adopted {data['policy_id']} ({policy.basis}) for {data['jurisdiction']} "
        f"[{data['valid_from']}, {data.get('valid_to') or '—'}): position {stored.position}",
    )
