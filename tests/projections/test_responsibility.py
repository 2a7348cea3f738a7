"""The responsibility read model: who held what, when, as known when (临沂 2019 方案: 市包县、县包乡、乡包企)."""

from __future__ import annotations

from typing import Any

import pytest

from projections.asof import as_of
from projections.duty import holders_at, responsibility, timeline
from projections.registry import UnknownUnit
from tests.projections.support import dump_tables, ledger_with, post, sample_events

XINYUAN = "91371302MA3C4R1X0A"  # 鑫源化工, 兰山街道 (its territorial duty changes hands on 11-15)
YONGSHENG = "91371311MA3F9L3Z2C"  # 永盛冶金, 傅庄街道, 罗庄区 (the accident)
HANDOVER = 68  # the sample's assignment.made of A-4R1X0A-TERR-2 with supersedes
CORRECTION = 69  # the back-dated correction of A-DD1-371311's valid_from (10-01 → 09-25)

TABLES = ("assignments",)


def _who(holdings: list[dict[str, Any]], role: str) -> list[str]:
    return [h["holder"] for h in holdings if h["role"] == role]


def _assignment(aid: str, role: str, holder: str, target: str, start: str, **more: Any) -> dict[str, Any]:
    return {
        "type": "assignment.made",
        "occurred_at": start,
        "data": {"assignment_id": aid, "role": role, "holder": holder, "target": target, "valid_from": start, **more},
    }


async def test_a_territorial_hand_over_in_valid_time(db_url: str) -> None:
    """Supersession ends the earlier holder at the new one's valid_from."""
    async with ledger_with(db_url, sample_events()) as (store, _runner):
        db = store.backend
        head = (await store.head()).position
        before = await holders_at(db, XINYUAN, "2019-11-14T23:59:59+08:00", head)
        after = await holders_at(db, XINYUAN, "2019-11-15T00:00:00+08:00", head)
        assert _who(before, "territorial") == ["P-371302001-002"]
        assert _who(after, "territorial") == ["P-371302001-003"]
        new = next(h for h in after if h["role"] == "territorial")
        assert new["holder_name"] == "孙晓东"
        assert new["holder_title"] == "安监站副站长"
        assert new["holder_kind"] == "person"
        assert new["supersedes"] == "A-4R1X0A-TERR"
        assert new["basis"] == "兰山街道安委办〔2019〕7号"
        old = next(h for h in before if h["role"] == "territorial")
        assert old["valid_to"] == "2019-11-14T16:00:00.000000Z"
        assert old["superseded_by"] == "A-4R1X0A-TERR-2"
        # the earlier version rests on its own making and on the superseding post
        assert [e["position"] for e in old["events"]] == [19, HANDOVER]
        assert all(len(e["hash"]) == 64 for e in old["events"])
        # the other roles did not change hands
        assert _who(before, "principal") == _who(after, "principal") == ["P-4R1X0A-GM"]
        ind = next(h for h in after if h["role"] == "industry_supervisor")
        assert ind["holder_kind"] == "unit"
        assert ind["holder_name"] == "临沂市应急管理局"
        assert ind["industry"] == "hazardous_chemicals"
        # only some roles
        assert [
            h["role"] for h in await holders_at(db, XINYUAN, "2019-11-16T00:00:00+08:00", head, roles=["principal"])
        ] == ["principal"]
        # as known before the hand-over was recorded, the earlier holder still held it on 11-16
        known_before = await holders_at(db, XINYUAN, "2019-11-16T00:00:00+08:00", HANDOVER - 1)
        assert _who(known_before, "territorial") == ["P-371302001-002"]
        assert next(h for h in known_before if h["role"] == "territorial")["valid_to"] is None


async def test_a_back_dated_correction_changes_the_past_only_as_known_after_it(db_url: str) -> None:
    """A-DD1-371311 was corrected (recorded 12-02) to start on 10-21, when the group really
    arrived, instead of 10-19: who covered 罗庄区 on 10-20 depends on when you ask."""
    events = sample_events()
    async with ledger_with(db_url, events[: CORRECTION - 1]) as (store, runner):
        db = store.backend
        first = await store.head()
        await post(store, events[CORRECTION - 1 :])
        await runner.catch_up()
        at = "2019-10-20T12:00:00+08:00"
        then = await as_of(db, at, known_at=first.recorded_at)
        now = await as_of(db, at)
        assert then.position == CORRECTION - 1
        assert now.position == len(events)
        covering = await holders_at(db, "371311", then.at, then.position, roles=["covers"])
        assert [(h["holder"], h["valid_from_text"]) for h in covering] == [("371300-DD1", "2019-10-19T00:00:00+08:00")]
        assert await holders_at(db, "371311", now.at, now.position, roles=["covers"]) == []
        later = await holders_at(db, "371311", "2019-10-22T00:00:00+08:00", now.position, roles=["covers"])
        assert [(h["holder"], h["valid_from_text"]) for h in later] == [("371300-DD1", "2019-10-21T00:00:00+08:00")]
        assert later[0]["correction_reason"] == "按督导组实际进驻日期更正（补录）"
        assert [e["type"] for e in later[0]["events"]] == ["assignment.made", "assignment.corrected"]
        # the map: covered then, a gap now
        county_then = await responsibility(db, YONGSHENG, then)
        county_now = await responsibility(db, YONGSHENG, now)
        assert ("371311", "covers") not in [(g["unit_id"], g["role"]) for g in county_then["gaps"]]
        assert ("371311", "covers") in [(g["unit_id"], g["role"]) for g in county_now["gaps"]]
        # and the same question asked again later gives the same answer as then
        assert await holders_at(db, "371311", then.at, then.position) == await holders_at(
            db, "371311", then.at, CORRECTION - 1
        )


async def test_the_covering_chain_up_to_the_work_group_and_its_leader(db_url: str) -> None:
    async with ledger_with(db_url, sample_events()) as (store, _runner):
        asof = await as_of(store.backend, "2019-11-01T10:00:00+08:00")
        chain = await responsibility(store.backend, XINYUAN, asof)
        assert chain["unit"]["name"] == "临沂市兰山区鑫源化工有限公司"
        tiers = chain["tiers"]
        assert [(t["unit_id"], t["kind"]) for t in tiers] == [
            (XINYUAN, "enterprise"),
            ("371302001", "township"),
            ("371302", "county"),
            ("371300", "city"),
            ("370000", "province"),
        ]
        assert [h["holder"] for h in tiers[0]["covered_by"]] == ["P-371302001-002"]  # 乡包企
        assert [h["holder"] for h in tiers[1]["covered_by"]] == ["P-371302-001"]  # 县包乡
        group = tiers[2]["covered_by"]  # 市包县: the city's second work group (Annex 1)
        assert [(h["holder"], h["holder_kind"], h["holder_name"]) for h in group] == [
            ("371300-DD2", "unit", "包县区督导工作组二组")
        ]
        leaders = [(m["role"], m["holder"], m["holder_name"]) for m in group[0]["members"]]
        assert leaders == [("group_leader", "P-371300-003", "周海涛")]
        assert group[0]["basis"] == "临应急发〔2019〕119号"
        assert tiers[3]["covered_by"] == []
        assert _who(tiers[1]["holders"], "principal") == ["P-371302001-001"]
        assert chain["gaps"] == []


async def test_gaps_are_the_roles_nobody_held(db_url: str) -> None:
    async with ledger_with(db_url, sample_events()) as (store, _runner):
        db = store.backend
        head = (await store.head()).position
        # before the campaign's assignments (10-01) only the principals were in place
        chain = await responsibility(db, XINYUAN, ("2019-09-01T00:00:00+08:00", head))
        gaps = [(g["unit_id"], g["role"]) for g in chain["gaps"]]
        assert gaps == [
            (XINYUAN, "territorial"),
            (XINYUAN, "industry_supervisor"),
            (XINYUAN, "covers"),
            ("371302001", "covers"),
            ("371302", "covers"),
        ]
        ind = next(g for g in chain["gaps"] if g["role"] == "industry_supervisor")
        assert ind["industry"] == "hazardous_chemicals"
        assert "行业监管" in ind["finding"]
        # a new enterprise whose only industry supervisor answers for another industry
        await post(
            store,
            [
                {
                    "type": "unit.registered",
                    "occurred_at": "2019-10-01T00:00:00+08:00",
                    "data": {
                        "unit_id": "91371302MA3X0X0X0X",
                        "kind": "enterprise",
                        "name": "兰山区某加油站",
                        "parent_id": "371302001",
                        "industry": "hazardous_chemicals",
                    },
                },
                _assignment(
                    "A-X-IND",
                    "industry_supervisor",
                    "371300-YJJ",
                    "91371302MA3X0X0X0X",
                    "2019-10-01T00:00:00+08:00",
                    industry="gas",
                ),
            ],
        )
        await _runner.catch_up()
        head = (await store.head()).position
        chain = await responsibility(db, "91371302MA3X0X0X0X", ("2019-11-01T00:00:00+08:00", head))
        assert [(g["unit_id"], g["role"]) for g in chain["gaps"]] == [
            ("91371302MA3X0X0X0X", "principal"),
            ("91371302MA3X0X0X0X", "territorial"),
            ("91371302MA3X0X0X0X", "industry_supervisor"),
            ("91371302MA3X0X0X0X", "covers"),
        ]
        # the unit was not known before it was registered
        with pytest.raises(UnknownUnit) as caught:
            await responsibility(db, "91371302MA3X0X0X0X", ("2019-11-01T00:00:00+08:00", head - 2))
        assert caught.value.code == "not-found"
        with pytest.raises(UnknownUnit):
            await responsibility(db, "nowhere", ("2019-11-01T00:00:00+08:00", head))


async def test_timeline_of_a_role(db_url: str) -> None:
    async with ledger_with(db_url, sample_events()) as (store, _runner):
        db = store.backend
        terr = await timeline(db, XINYUAN, role="territorial")
        assert [(t["holder"], t["valid_from"], t["valid_to"]) for t in terr] == [
            ("P-371302001-002", "2019-09-30T16:00:00.000000Z", "2019-11-14T16:00:00.000000Z"),
            ("P-371302001-003", "2019-11-14T16:00:00.000000Z", None),
        ]
        assert [e["type"] for e in terr[0]["events"]] == ["assignment.made", "assignment.made"]
        # a window of valid time, and the timeline as known before the hand-over
        assert [t["holder"] for t in await timeline(db, XINYUAN, "territorial", from_="2019-12-01T00:00:00+08:00")] == [
            "P-371302001-003"
        ]
        assert [t["holder"] for t in await timeline(db, XINYUAN, "territorial", to="2019-10-15T00:00:00+08:00")] == [
            "P-371302001-002"
        ]
        known_before = await timeline(db, XINYUAN, "territorial", position=HANDOVER - 1)
        assert [(t["holder"], t["valid_to"]) for t in known_before] == [("P-371302001-002", None)]
        every = await timeline(db, XINYUAN)
        assert sorted({t["role"] for t in every}) == ["covers", "industry_supervisor", "principal", "territorial"]
        with pytest.raises(UnknownUnit):
            await timeline(db, "nowhere")


async def test_ended_corrected_reopened_and_holder_corrected(db_url: str) -> None:
    """Every version stays readable at its own position; the last one is what is known now."""
    base = sample_events()
    county = "371312"
    extra = [
        _assignment("A-371312-PRINCIPAL", "principal", "P-371312-001", county, "2019-10-01T00:00:00+08:00"),
        {
            "type": "assignment.ended",
            "occurred_at": "2019-11-30T00:00:00+08:00",
            "data": {"assignment_id": "A-371312-PRINCIPAL", "valid_to": "2019-12-01T00:00:00+08:00", "reason": "调任"},
        },
        {
            "type": "assignment.corrected",
            "occurred_at": "2019-12-05T00:00:00+08:00",
            "data": {"assignment_id": "A-371312-PRINCIPAL", "valid_to": None, "reason": "调任未实施"},
        },
        {
            "type": "assignment.corrected",
            "occurred_at": "2019-12-06T00:00:00+08:00",
            "data": {"assignment_id": "A-371312-PRINCIPAL", "holder": "P-371312101-001", "reason": "录入人员有误"},
        },
    ]
    async with ledger_with(db_url, base + extra) as (store, runner):
        db = store.backend
        made = len(base) + 1
        at = "2019-12-10T00:00:00+08:00"
        assert _who(await holders_at(db, county, at, made), "principal") == ["P-371312-001"]
        assert _who(await holders_at(db, county, at, made + 1), "principal") == []  # ended 12-01
        assert _who(await holders_at(db, county, "2019-11-30T00:00:00+08:00", made + 1), "principal") == [
            "P-371312-001"
        ]
        reopened = await holders_at(db, county, at, made + 2)
        assert _who(reopened, "principal") == ["P-371312-001"]
        principal = next(h for h in reopened if h["role"] == "principal")
        assert principal["valid_to"] is None
        assert principal["end_reason"] is None
        fixed = await holders_at(db, county, at, made + 3)
        assert _who(fixed, "principal") == ["P-371312101-001"]
        principal = next(h for h in fixed if h["role"] == "principal")
        assert [e["position"] for e in principal["events"]] == [made, made + 1, made + 2, made + 3]
        versions = await store.backend.fetch(
            "SELECT recorded_from, recorded_to FROM assignments WHERE assignment_id = ? ORDER BY recorded_from",
            "A-371312-PRINCIPAL",
        )
        assert [(int(a), int(b)) for a, b in versions][:-1] == [
            (made, made + 1),
            (made + 1, made + 2),
            (made + 2, made + 3),
        ]
        # rebuilt in one page (versions closed in memory) == built one event at a time
        incremental = {t: v for t, v in (await dump_tables(store, runner)).items() if t in TABLES}
        await runner.rebuild(["duty"])
        assert {t: v for t, v in (await dump_tables(store, runner)).items() if t in TABLES} == incremental


async def test_a_correction_of_a_superseded_assignment_keeps_the_supersession(db_url: str) -> None:
    events = sample_events()
    fix = {
        "type": "assignment.corrected",
        "occurred_at": "2019-12-10T00:00:00+08:00",
        "data": {"assignment_id": "A-4R1X0A-TERR", "valid_to": None, "reason": "补录"},
    }
    async with ledger_with(db_url, [*events, fix]) as (store, _runner):
        terr = await timeline(store.backend, XINYUAN, "territorial")
        assert [(t["holder"], t["valid_to"]) for t in terr] == [
            ("P-371302001-002", "2019-11-14T16:00:00.000000Z"),
            ("P-371302001-003", None),
        ]


async def test_rebuild_equals_the_incremental_build_event_by_event(db_url: str) -> None:
    """Pages of one event close earlier versions in the database; a rebuild in one page
    closes them in memory. The tables must come out the same."""
    events = sample_events()
    async with ledger_with(db_url) as (store, runner):
        for event in events:
            await post(store, [event])
            await runner.catch_up()
        incremental = await dump_tables(store, runner)
        await runner.rebuild(["duty"])
        rebuilt = await dump_tables(store, runner)
        for table in TABLES:
            assert rebuilt[table] == incremental[table], table
        assert len(incremental["assignments"]) == 42  # 40 made + the superseded and the corrected versions
