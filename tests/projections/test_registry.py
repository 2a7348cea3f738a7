"""The registry in valid time (SPEC §4): a unit's parent, name and kind are facts with a
``valid_from``; the covering chain at ``at`` follows the tree in force at ``at``, as known at
``known_at``; names are those of the time."""

from __future__ import annotations

from typing import Any

from projections.duty import responsibility
from projections.hazards import hazard_ledger
from projections.registry import Within, chain_at, names_at, search_units, subtree_at, unit_at
from projections.timekeys import utc_key
from tests.projections.support import dump_tables, ledger_with, post, sample_events

XINYUAN = "91371302MA3C4R1X0A"  # 鑫源化工, in 兰山街道 (371302001), 兰山区 (371302)
ZONE = "371371"


def _zone() -> dict[str, Any]:
    return {
        "type": "unit.registered",
        "occurred_at": "2019-01-01T00:00:00+08:00",
        "data": {"unit_id": ZONE, "kind": "dev_zone", "name": "临沂经济技术开发区", "parent_id": "371300"},
    }


def _move(valid_from: str, recorded: str) -> dict[str, Any]:
    """兰山街道 placed under the development zone from ``valid_from``, posted at ``recorded``."""
    return {
        "type": "unit.updated",
        "occurred_at": recorded,
        "data": {
            "unit_id": "371302001",
            "changes": {"parent_id": ZONE},
            "valid_from": valid_from,
            "reason": "区划调整",
        },
    }


def _ids(chain: list[dict[str, Any]]) -> list[str]:
    return [u["unit_id"] for u in chain]


async def test_a_township_moved_in_valid_time_and_recorded_later(db_url: str) -> None:
    """The chain before the move, after it, and after it as known before the move was recorded."""
    async with ledger_with(db_url, [*sample_events(), _zone()]) as (store, runner):
        db = store.backend
        before_recording = (await store.head()).position
        await post(store, [_move("2019-11-01T00:00:00+08:00", "2019-12-20T09:00:00+08:00")])
        await runner.catch_up()
        head = (await store.head()).position
        october, december = utc_key("2019-10-15T00:00:00+08:00"), utc_key("2019-12-01T00:00:00+08:00")
        assert _ids(await chain_at(db, XINYUAN, october, head)) == [XINYUAN, "371302001", "371302", "371300", "370000"]
        assert _ids(await chain_at(db, XINYUAN, december, head)) == [XINYUAN, "371302001", ZONE, "371300", "370000"]
        # as the ledger stood before the move was recorded, December still followed 兰山区
        assert _ids(await chain_at(db, XINYUAN, december, before_recording)) == [
            XINYUAN,
            "371302001",
            "371302",
            "371300",
            "370000",
        ]
        # the responsibility map follows the tree of the time: 兰山区's covering group, then none
        then = await responsibility(db, XINYUAN, (october, head))
        now = await responsibility(db, XINYUAN, (december, head))
        assert [t["unit_id"] for t in then["tiers"]][2] == "371302"
        assert [t["unit_id"] for t in now["tiers"]][2] == ZONE
        assert (ZONE, "covers") in [(g["unit_id"], g["role"]) for g in now["gaps"]]
        # a subtree at a moment: the zone holds the township's enterprises only from November
        assert XINYUAN in await subtree_at(db, ZONE, december, head)
        assert XINYUAN not in await subtree_at(db, ZONE, october, head)
        assert XINYUAN in await subtree_at(db, "371302", october, head)
        assert XINYUAN not in await subtree_at(db, "371302", december, head)
        # and the hazard ledger of 兰山区 at each moment
        in_october = await hazard_ledger(db, Within("371302", october, head), head, october)
        in_december = await hazard_ledger(db, Within("371302", december, head), head, december)
        assert any(h["unit_id"] == XINYUAN for h in in_october["items"])
        assert not any(h["unit_id"] == XINYUAN for h in in_december["items"])


async def test_a_renamed_enterprise_keeps_the_name_of_the_time(db_url: str) -> None:
    rename = {
        "type": "unit.updated",
        "occurred_at": "2019-11-20T10:00:00+08:00",
        "data": {"unit_id": XINYUAN, "changes": {"name": "临沂鑫源新材料有限公司"}, "reason": "企业更名"},
    }
    async with ledger_with(db_url, [*sample_events(), rename]) as (store, _runner):
        db = store.backend
        head = (await store.head()).position
        old = await unit_at(db, XINYUAN, utc_key("2019-11-01T00:00:00+08:00"), head)
        new = await unit_at(db, XINYUAN, utc_key("2019-12-01T00:00:00+08:00"), head)
        assert old["name"] == "临沂市兰山区鑫源化工有限公司"
        assert new["name"] == "临沂鑫源新材料有限公司"
        assert new["kind_label"] == "生产经营单位"
        names = await names_at(db, [XINYUAN], utc_key("2019-11-01T00:00:00+08:00"), head)
        assert names == {XINYUAN: "临沂市兰山区鑫源化工有限公司"}
        # the former name still finds it
        found = await search_units(db, "鑫源化工", None, utc_key("2019-12-01T00:00:00+08:00"), head)
        assert [u["unit_id"] for u in found] == [XINYUAN]
        assert found[0]["former_names"] == ["临沂市兰山区鑫源化工有限公司"]
        chain = await responsibility(db, XINYUAN, ("2019-11-01T00:00:00+08:00", head))
        assert chain["unit"]["name"] == "临沂市兰山区鑫源化工有限公司"


async def test_a_parent_registered_after_its_child_completes_the_chain(db_url: str) -> None:
    late = [
        {
            "type": "unit.registered",
            "occurred_at": "2019-01-01T00:00:00+08:00",
            "data": {"unit_id": "371399001", "kind": "township", "name": "新设街道", "parent_id": "371399"},
        }
    ]
    parent = {
        "type": "unit.registered",
        "occurred_at": "2019-01-01T00:00:00+08:00",
        "data": {"unit_id": "371399", "kind": "county", "name": "新设区", "parent_id": "371300"},
    }
    async with ledger_with(db_url, sample_events()) as (store, runner):
        db = store.backend
        # the domain refuses an unknown parent; a log written without it still folds
        from ledger.decider import AcceptAll

        store.decider = AcceptAll()
        store.decider.position = (await store.head()).position
        await post(store, late)
        await runner.catch_up()
        at = utc_key("2019-06-01T00:00:00+08:00")
        assert _ids(await chain_at(db, "371399001", at, (await store.head()).position)) == ["371399001"]
        await post(store, [parent])
        await runner.catch_up()
        head = (await store.head()).position
        assert _ids(await chain_at(db, "371399001", at, head)) == ["371399001", "371399", "371300", "370000"]
        incremental = await dump_tables(store, runner)
        await runner.rebuild(["registry"])
        assert await dump_tables(store, runner) == incremental


async def test_moves_back_and_forth_rebuild_the_same(db_url: str) -> None:
    """A unit moved, moved back and its move corrected: the incremental fold equals a rebuild."""
    moves = [
        _zone(),
        _move("2019-11-01T00:00:00+08:00", "2019-11-02T09:00:00+08:00"),
        {
            "type": "unit.updated",
            "occurred_at": "2019-12-02T09:00:00+08:00",
            "data": {
                "unit_id": "371302001",
                "changes": {"parent_id": "371302"},
                "valid_from": "2019-12-01T00:00:00+08:00",
            },
        },
        _move("2019-10-20T00:00:00+08:00", "2019-12-10T09:00:00+08:00"),
    ]
    async with ledger_with(db_url, sample_events()) as (store, runner):
        for event in moves:
            await post(store, [event])
            await runner.catch_up()
        db = store.backend
        head = (await store.head()).position
        timeline = [
            ("2019-10-25T00:00:00+08:00", ZONE),
            ("2019-11-15T00:00:00+08:00", ZONE),
            ("2019-12-15T00:00:00+08:00", "371302"),
        ]
        for at, county in timeline:
            assert _ids(await chain_at(db, XINYUAN, utc_key(at), head))[2] == county, at
        incremental = await dump_tables(store, runner)
        await runner.rebuild(["registry"])
        assert await dump_tables(store, runner) == incremental


async def test_chains_and_rules_asked_for_many_moments_at_once_are_those_asked_one_by_one(db_url: str) -> None:
    """``chains_at_moments`` / ``rules_at_moments`` (a city's accidents, each where and when it
    happened, in one read) against ``chains_at`` / ``rules_at`` of each pair — with the tree
    moved in valid time, and before the policies were known."""
    from projections.registry import chains_at, chains_at_moments, rules_at, rules_at_moments
    from projections.timekeys import add_days

    events = [*sample_events(), _zone(), _move("2019-10-10T00:00:00+08:00", "2019-12-20T09:00:00+08:00")]
    async with ledger_with(db_url, events) as (store, _runner):
        db = store.backend
        head = (await store.head()).position
        units = sorted({r[0] for r in await db.fetch("SELECT unit_id FROM unit_versions")} | {"NO-SUCH-UNIT"})
        moments = [add_days(utc_key("2019-09-01T00:00:00+08:00"), d) for d in range(0, 120, 11)]
        pairs = [(u, m) for i, u in enumerate(units) for m in moments[i % 3 :: 3]]
        for position in (10, head):
            chains = await chains_at_moments(db, pairs, position)
            rules = await rules_at_moments(db, pairs, position)
            assert set(chains) == set(rules) == set(pairs)
            for unit, moment in pairs:
                assert chains[(unit, moment)] == (await chains_at(db, [unit], moment, position))[unit]
                assert rules[(unit, moment)] == (await rules_at(db, [unit], moment, position))[unit]
        assert any(len(c) > 3 for c in chains.values())  # at the head, the tree is there to be followed
