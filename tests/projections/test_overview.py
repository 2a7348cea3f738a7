"""The 总览's figures (projections/overview.py): each unit's enterprises by risk colour and its
hazards open, overdue and major open, over its subtree in the tree in force at ``at`` as
known at a position, each enterprise in its colour then, each hazard in its state then; and
the breadcrumbs of a drill-down, which never lead out of a jurisdiction."""

from __future__ import annotations

from typing import Any

from projections.hazards import hazard_ledger
from projections.overview import breadcrumbs, figures
from projections.registry import Within, chain_at, children_at
from projections.timekeys import utc_key
from tests.projections.support import ledger_with, post, sample_events
from tests.projections.test_registry import XINYUAN, ZONE, _move, _zone

OCTOBER = utc_key("2019-10-15T12:00:00+08:00")
DECEMBER = utc_key("2019-12-15T12:00:00+08:00")


def _hazards(found: dict[str, Any], unit_id: str) -> dict[str, int]:
    return dict(found[unit_id]["hazards"])


def _recoloured(valid_from: str) -> dict[str, Any]:
    """鑫源化工 assessed red (重大风险) from ``valid_from``."""
    return {
        "type": "unit.updated",
        "occurred_at": "2019-11-05T09:00:00+08:00",
        "data": {"unit_id": XINYUAN, "changes": {"risk_level": "red"}, "valid_from": valid_from, "reason": "风险评估"},
    }


async def test_each_unit_counts_its_subtree_in_the_state_of_the_moment(db_url: str) -> None:
    """In October 兰山区 has two hazards open (one major, none overdue); in December the
    general one is closed and the major one is past its extended deadline; the city counts
    what its counties count; each child's figures agree with the 隐患台账 of its subtree."""
    async with ledger_with(db_url, sample_events()) as (store, _runner):
        db = store.backend
        head = (await store.head()).position
        counties = [c["unit_id"] for c in await children_at(db, "371300", OCTOBER, head)]
        assert {"371302", "371311", "371312"} <= set(counties)
        october = await figures(db, "371300", ["371300", *counties], OCTOBER, head)
        assert _hazards(october, "371302") == {"open": 2, "overdue": 0, "major_open": 1}
        assert _hazards(october, "371311") == {"open": 0, "overdue": 0, "major_open": 0}
        assert _hazards(october, "371300") == {"open": 2, "overdue": 0, "major_open": 1}
        december = await figures(db, "371300", ["371300", *counties], DECEMBER, head)
        assert _hazards(december, "371302") == {"open": 1, "overdue": 1, "major_open": 1}
        assert _hazards(december, "371311") == {"open": 1, "overdue": 0, "major_open": 0}  # verified, not yet 销号
        for county in counties:
            within = Within(county, DECEMBER, head)
            for state, key in (("open", "open"), ("overdue", "overdue")):
                page = await hazard_ledger(db, within, head, DECEMBER, state=state, limit=1000)
                assert len(page["items"]) == december[county]["hazards"][key], (county, state)


async def test_enterprises_are_counted_by_their_risk_colour_at_the_moment(db_url: str) -> None:
    """The sample's six enterprises by colour; 鑫源化工 assessed red from November counts
    orange in October and red in December."""
    async with ledger_with(db_url, [*sample_events(), _recoloured("2019-11-01T00:00:00+08:00")]) as (store, _r):
        db = store.backend
        head = (await store.head()).position
        october = await figures(db, "371300", ["371300", "371302"], OCTOBER, head)
        assert october["371300"]["enterprises"] == {
            "total": 6,
            "by_risk": {"red": 2, "orange": 2, "yellow": 1, "blue": 1, "none": 0},
        }
        assert october["371302"]["enterprises"]["by_risk"]["orange"] == 1
        december = await figures(db, "371300", ["371302"], DECEMBER, head)
        assert december["371302"]["enterprises"]["by_risk"]["orange"] == 0
        assert december["371302"]["enterprises"]["by_risk"]["red"] == 1


async def test_a_township_moved_in_valid_time_takes_its_figures_along_once_recorded(db_url: str) -> None:
    """兰山街道 placed under the development zone from November, recorded in December: in
    December its open major hazard counts under the zone — but, as the ledger stood before
    the move was recorded, under 兰山区."""
    async with ledger_with(db_url, [*sample_events(), _zone()]) as (store, runner):
        db = store.backend
        before = (await store.head()).position
        await post(store, [_move("2019-11-01T00:00:00+08:00", "2019-12-20T09:00:00+08:00")])
        await runner.catch_up()
        head = (await store.head()).position
        after = await figures(db, "371300", ["371302", ZONE], DECEMBER, head)
        assert _hazards(after, ZONE)["major_open"] == 1
        assert _hazards(after, "371302")["major_open"] == 0
        then = await figures(db, "371300", ["371302", ZONE], DECEMBER, before)
        assert _hazards(then, ZONE)["major_open"] == 0
        assert _hazards(then, "371302")["major_open"] == 1
        october = await figures(db, "371300", ["371302", ZONE], OCTOBER, head)
        assert _hazards(october, "371302")["open"] == 2  # before the move took effect


async def test_breadcrumbs_start_at_the_jurisdiction(db_url: str) -> None:
    """From the root for an account without a jurisdiction, from its own unit for a county
    account, and the unit alone when the jurisdiction is not above it in that tree."""
    async with ledger_with(db_url, sample_events()) as (store, _runner):
        head = (await store.head()).position
        chain = await chain_at(store.backend, XINYUAN, OCTOBER, head)

    def ids(crumbs: list[dict[str, Any]]) -> list[str]:
        return [c["unit_id"] for c in crumbs]

    assert ids(breadcrumbs(chain, None)) == ["370000", "371300", "371302", "371302001", XINYUAN]
    assert ids(breadcrumbs(chain, "371302")) == ["371302", "371302001", XINYUAN]
    assert ids(breadcrumbs(chain, "371311")) == [XINYUAN]
    assert breadcrumbs(chain, "371302")[0]["kind_label"] == "县（市、区）"
