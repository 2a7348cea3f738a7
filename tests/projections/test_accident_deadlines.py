"""The national deadlines of an accident's reports at their edges (条例 第九、十、十一条), on the
临沂 sample and two accidents added to it, on both backends: the initial report within one
hour (at the 60th minute is in time), each level passing it up within two hours, and up to
the level the grade requires — a 一般 accident stops at the 设区的市, a 重大 one goes to the
国务院."""

from __future__ import annotations

from typing import Any

from projections.accidents import accident
from projections.overdue import overdue
from projections.timekeys import utc_key
from tests.projections.support import ledger_with, sample_events

BUILDER = "91371302MA3D7K2Y1B"  # 恒达建筑, 兰山区 371302
METALS = "91371311MA3F9L3Z2C"  # 永盛冶金, 罗庄区 371311
HEAD = len(sample_events())


def ev(type_: str, occurred_at: str, **data: Any) -> dict[str, Any]:
    return {"type": type_, "occurred_at": occurred_at, "data": data}


def report(accident_id: str, stage: str, at: str, to_unit: str, by: str) -> dict[str, Any]:
    return ev("accident.reported", at, accident_id=accident_id, stage=stage, to_unit=to_unit, by=by)


#: a 一般 accident: reported to the county at the 60th minute, passed to the city one minute late
GENERAL = [
    ev("accident.occurred", "2019-11-10T08:00:00+08:00", accident_id="ACC-GEN", unit_id=BUILDER, deaths=1,
       serious_injuries=0, direct_loss_cny=300000, description="起重伤害致1人死亡"),
    report("ACC-GEN", "initial", "2019-11-10T09:00:00+08:00", "371302", "P-7K2Y1B-GM"),
    report("ACC-GEN", "written", "2019-11-10T11:01:00+08:00", "371300-YJJ", "P-371302-001"),
]  # fmt: skip
#: a 重大 accident: reported one minute late, up to the province at the 120th minute, never to the state
MAJOR = [
    ev("accident.occurred", "2019-11-12T08:00:00+08:00", accident_id="ACC-MAJ", unit_id=METALS, deaths=10,
       serious_injuries=4, direct_loss_cny=25000000, description="煤气中毒致10人死亡"),
    report("ACC-MAJ", "initial", "2019-11-12T09:01:00+08:00", "371311", "P-9L3Z2C-GM"),
    report("ACC-MAJ", "written", "2019-11-12T10:30:00+08:00", "371300-YJJ", "P-371311-001"),
    report("ACC-MAJ", "detailed", "2019-11-12T12:30:00+08:00", "370000", "P-371300-001"),
]  # fmt: skip


async def test_reports_are_due_within_the_hour_and_each_level_within_two_hours(db_url: str) -> None:
    """条例 第九条: 单位负责人接到报告后，应当于1小时内…报告 — at 09:00 for an accident of 08:00 is
    in time, 09:01 is a minute late. 第十一条: 每级上报的时间不得超过2小时 — the county got it at
    09:00, the city at 11:01: a minute late. 第十条: 一般事故上报至设区的市级 — no further level."""
    async with ledger_with(db_url, [*sample_events(), *GENERAL, *MAJOR]) as (store, _runner):
        db = store.backend
        general = await accident(db, "ACC-GEN", HEAD + 7)
        assert general is not None
        initial = general["reports"][0]
        assert (initial["due_minutes"], initial["on_time"], initial["late_by_minutes"]) == (60, True, 0)
        assert [level["level"] for level in general["escalation"]] == ["city"]
        city = general["escalation"][0]
        assert (city["due_at"], city["on_time"], city["late_by_minutes"]) == (
            utc_key("2019-11-10T11:00:00+08:00"),
            False,
            1,
        )
        assert "第十一条" in city["policy"]["basis"]
        major = await accident(db, "ACC-MAJ", HEAD + 7)
        assert major is not None
        assert (major["grade"], major["reports"][0]["on_time"], major["reports"][0]["late_by_minutes"]) == (
            "major",
            False,
            1,
        )


async def test_a_report_goes_up_to_the_level_the_grade_requires(db_url: str) -> None:
    """条例 第十条: 特别重大事故、重大事故逐级上报至国务院安全生产监督管理部门 — the 重大 accident
    reached the province at 12:30, the 120th minute after the city got it (in time); the
    national level never got it: overdue from 14:30, charged to the province that had it. The
    一般 accident, passed to the city late but passed, owes nothing more."""
    async with ledger_with(db_url, [*sample_events(), *GENERAL, *MAJOR]) as (store, _runner):
        db = store.backend
        major = await accident(db, "ACC-MAJ", HEAD + 7)
        assert major is not None
        levels = {level["level"]: level for level in major["escalation"]}
        assert list(levels) == ["city", "province", "state"]
        assert (levels["province"]["on_time"], levels["province"]["late_by_minutes"]) == (True, 0)
        at = utc_key("2019-11-12T15:00:00+08:00")
        items = await overdue(db, None, at, HEAD + 7, {"accident_report", "accident_escalation"})
        assert [(i["subject"], i["kind"]) for i in items] == [("accident:ACC-MAJ:state", "accident_escalation")]
        (state,) = items
        assert (state["deadline"], state["overdue_by"]["minutes"]) == (utc_key("2019-11-12T14:30:00+08:00"), 30)
        assert state["received_below_by"] == "370000"
        assert state["grade_label"] == "重大"
