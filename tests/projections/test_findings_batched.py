"""The findings read what they need for all their items at once (``Context``'s reads at
many moments); the same unit asked at two moments must be answered as it was at each — here
an enterprise moved in valid time from 兰山区 to 河东区, each county with its own policy, and
renamed on the way. Each batched read is the one-by-one read, pair by pair, on both backends."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from projections.calendar import parse_period
from projections.duty import holders_of
from projections.findings import findings
from projections.findings.context import Context
from projections.registry import chain_at, rules_at, units_at
from tests.projections.support import ledger_with, sample_events

Fresh = Callable[[], Awaitable[str]]
NOW = "2020-03-01T00:00:00.000000Z"
BUILDER = "91371302MA3D7K2Y1B"  # 恒达建筑 (construction), 兰山街道 371302001, 兰山区 371302
OLD_NAME = "临沂兰山恒达建筑工程有限公司"
NEW_NAME = "临沂河东恒达建筑工程有限公司"
BEFORE = "2019-10-10T00:00:00.000000Z"  # in 兰山区
AFTER = "2019-11-10T00:00:00.000000Z"  # in 河东区


def ev(type_: str, occurred_at: str, **data: Any) -> dict[str, Any]:
    return {"type": type_, "occurred_at": occurred_at, "data": data}


def fatal(accident_id: str, day: str) -> dict[str, Any]:
    return ev("accident.occurred", f"{day}T08:00:00+08:00", accident_id=accident_id, unit_id=BUILDER, deaths=1,
              serious_injuries=0, direct_loss_cny=50000, description="坍塌致1人死亡")  # fmt: skip


#: 兰山区 and 河东区 each with its own days for a fatal accident's sanctions; 恒达建筑 moves to
#: 汤头街道 (河东区) on 11-01, renamed; a fatal accident before the move and one after it
MOVED = [
    ev("policy.adopted", "2019-10-01T00:00:00+08:00", policy_id="POL-LS", jurisdiction="371302",
       rules={"fatal_accident_sanctions": {"within_days": 30}}, basis="兰山30日",
       valid_from="2019-10-01T00:00:00+08:00"),
    ev("policy.adopted", "2019-10-01T00:00:00+08:00", policy_id="POL-HD", jurisdiction="371312",
       rules={"fatal_accident_sanctions": {"within_days": 10}}, basis="河东10日",
       valid_from="2019-10-01T00:00:00+08:00"),
    ev("unit.updated", "2019-11-01T00:00:00+08:00", unit_id=BUILDER,
       changes={"parent_id": "371312101", "name": NEW_NAME}, valid_from="2019-11-01T00:00:00+08:00"),
    fatal("ACC-BEFORE", "2019-10-10"),
    fatal("ACC-AFTER", "2019-11-10"),
]  # fmt: skip


async def test_each_accident_of_a_moved_enterprise_is_judged_where_and_as_it_was_then(fresh_db: Fresh) -> None:
    """临汾 三(三)1(7) at the same enterprise twice: the accident before the move by 兰山区's
    30 days, the one after by 河东区's 10 days; each names the enterprise as it was then, and
    both stand against its name at the end of the period."""
    async with ledger_with(await fresh_db(), [*sample_events(), *MOVED]) as (store, _runner):
        found = await findings(store.backend, None, "2019Q4", (await store.head()).position, now=NOW)
    by_accident = {f["detail"]["accident_id"]: f for f in found if f["rule"] == "fatal_accident.sanctions"}
    assert set(by_accident) == {"ACC-BEFORE", "ACC-AFTER"}
    before, after = by_accident["ACC-BEFORE"], by_accident["ACC-AFTER"]
    assert (before["policy"]["policy_id"], before["policy"]["value"]["within_days"]) == ("POL-LS", 30)
    assert (after["policy"]["policy_id"], after["policy"]["value"]["within_days"]) == ("POL-HD", 10)
    assert before["detail"]["due"] == "2019-11-09T00:00:00.000000Z"  # 10-10 + 30 days
    assert after["detail"]["due"] == "2019-11-20T00:00:00.000000Z"
    assert (before["subject"]["name"], after["subject"]["name"]) == (OLD_NAME, NEW_NAME)
    assert before["unit_name"] == after["unit_name"] == NEW_NAME  # its name at the end of the period
    assert (
        before["detail"]["missing"]
        == after["detail"]["missing"]
        == [
            "suspension",
            "license_suspended_or_revoked",
        ]
    )


async def test_reads_at_many_moments_answer_as_one_by_one(fresh_db: Fresh) -> None:
    """Rules, units, chains and holders of the same unit at two moments (and of a unit never
    registered), read at once, equal the reads one pair at a time; and the two moments do
    differ, so that equality means something."""
    pairs = [
        (BUILDER, BEFORE),
        (BUILDER, AFTER),
        ("371302001", BEFORE),
        ("371312101", AFTER),
        (BUILDER, "2018-06-01T00:00:00.000000Z"),  # before anything the sample says happened
        ("NO-SUCH-UNIT", AFTER),
    ]
    roles = ("principal", "territorial", "industry_supervisor")
    async with ledger_with(await fresh_db(), [*sample_events(), *MOVED]) as (store, _runner):
        db, position = store.backend, (await store.head()).position

        def context() -> Context:
            return Context(db, None, parse_period("2019Q4"), position, NOW)

        rules = await context().rules_at_moments(pairs)
        units = await context().units_at_moments(pairs)
        holders = await context().holders_at_moments(pairs, roles)
        chained = context()
        await chained.chains_at_moments(pairs)
        chains = {p: await chained.chain(*p) for p in pairs}
        assert rules == {(u, at): (await rules_at(db, [u], at, position))[u] for u, at in pairs}
        assert units == {(u, at): (await units_at(db, [u], at, position)).get(u) for u, at in pairs}
        assert holders == {(u, at): await holders_of(db, [u], at, position, roles) for u, at in pairs}
        assert chains == {(u, at): await chain_at(db, u, at, position) for u, at in pairs}
        # what the chains read is cached as the units of their links, each as it was then
        for (_, at), chain in chains.items():
            for link in chain:
                assert (
                    await chained.unit(link["unit_id"], at)
                    == (await units_at(db, [link["unit_id"]], at, position))[link["unit_id"]]
                )

    assert rules[(BUILDER, BEFORE)].source("fatal_accident_sanctions")["policy_id"] == "POL-LS"
    assert rules[(BUILDER, AFTER)].source("fatal_accident_sanctions")["policy_id"] == "POL-HD"
    before, after = units[(BUILDER, BEFORE)], units[(BUILDER, AFTER)]
    assert before is not None
    assert after is not None
    assert (before["name"], before["parent_id"]) == (OLD_NAME, "371302001")
    assert (after["name"], after["parent_id"]) == (NEW_NAME, "371312101")
    assert [c["unit_id"] for c in chains[(BUILDER, BEFORE)]][:3] == [BUILDER, "371302001", "371302"]
    assert [c["unit_id"] for c in chains[(BUILDER, AFTER)]][:3] == [BUILDER, "371312101", "371312"]
    assert units[("NO-SUCH-UNIT", AFTER)] is None
    assert chains[("NO-SUCH-UNIT", AFTER)] == []
    assert any(holders.values())  # the sample's enterprises have their principals and supervisors
