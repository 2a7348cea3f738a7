"""The accountability chain behind the sample's 较大 accident (ACC-2019-0001, 永盛冶金, 2019-11-20)."""

from __future__ import annotations

from typing import Any

import pytest

from projections.accountability import UnknownAccident, UnknownHazard, accountability, hazard_accountability
from tests.projections.support import ledger_with, sample_events

YONGSHENG = "91371311MA3F9L3Z2C"
OCCURRED = 89  # the sample's accident.occurred


def _roles(chain: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(p["tier"], p["role"], p["holder"]) for p in chain["responsible"]]


async def test_the_chain_of_the_sample_accident(db_url: str) -> None:
    async with ledger_with(db_url, sample_events()) as (store, _runner):
        chain = await accountability(store.backend, "ACC-2019-0001", (await store.head()).position)
        occurred = (await store.read(after=OCCURRED - 1, limit=1))[0]
        assert chain["accident"]["events"] == [
            {"position": OCCURRED, "hash": occurred.hash, "type": "accident.occurred"}
        ]
        assert chain["accident"]["unit_name"] == "临沂罗庄永盛冶金有限公司"
        assert (chain["grade"], chain["grade_label"]) == ("larger", "较大")  # 3 deaths
        assert chain["at"] == "2019-11-20T06:05:00.000000Z"
        # tier by tier: 乡包企, 县包乡, 市包县 (the work group and its leader)
        assert _roles(chain) == [
            ("enterprise", "covers", "P-371311002-002"),
            ("enterprise", "industry_supervisor", "371300-YJJ"),
            ("enterprise", "principal", "P-9L3Z2C-GM"),
            ("enterprise", "territorial", "P-371311002-002"),
            ("township", "covers", "P-371311-001"),
            ("township", "party_secretary", "P-371311002-005"),  # 党政同责: both heads
            ("township", "principal", "P-371311002-001"),
            ("county", "covers", "371300-DD1"),
            ("county", "group_leader", "P-371300-002"),
        ]
        leader = chain["responsible"][-1]
        assert leader["via"] == "371300-DD1"
        assert leader["holder_name"] == "刘志强"
        assert [t["unit_id"] for t in chain["tiers"]] == [YONGSHENG, "371311002", "371311", "371300", "370000"]
        for link in chain["responsible"]:
            assert link["events"]
            assert all(isinstance(e["position"], int) and len(e["hash"]) == 64 for e in link["events"])
        assert chain["gaps"] == []
        assert chain["findings"] == []
        # what the other read models add: reports on time or late, the investigation, inspections
        # the national baseline: the initial report within the hour; the stages after it have
        # no national deadline; the report reached the city 30 minutes late and never the province
        assert [(r["stage"], r["on_time"]) for r in chain["reports"]] == [
            ("initial", True),
            ("written", None),
            ("detailed", None),
        ]
        assert [(e["level"], e["on_time"]) for e in chain["escalation"]] == [("city", False), ("province", None)]
        assert [(r["holder"], r["in_chain"]) for r in chain["investigation"]["responsible"]] == [
            ("P-9L3Z2C-GM", True),
            ("P-371311002-002", True),
        ]
        assert [i["inspection_id"] for i in chain["inspections"]] == ["INS-2019-0002"]
        assert [h["hazard_id"] for h in chain["hazards"]["open"]] == ["HZ-2019-0003"]
        assert chain["hazards"]["overdue"] == []
        # the sanctions of the sample came after the accident
        assert chain["sanctions"] == []


async def test_an_accident_not_yet_recorded_is_not_found(db_url: str) -> None:
    async with ledger_with(db_url, sample_events()) as (store, _runner):
        with pytest.raises(UnknownAccident) as caught:
            await accountability(store.backend, "ACC-2019-0001", OCCURRED - 1)
        assert caught.value.code == "not-found"
        with pytest.raises(UnknownAccident):
            await accountability(store.backend, "ACC-nowhere", (await store.head()).position)


async def test_a_role_nobody_held_is_a_finding_once_known(db_url: str) -> None:
    """The territorial assignment is ended (back-dated, recorded after the accident) before
    the accident: as known afterwards, nobody held it at that moment."""
    events = sample_events()
    end = {
        "type": "assignment.ended",
        "occurred_at": "2019-12-20T09:00:00+08:00",
        "data": {"assignment_id": "A-9L3Z2C-TERR", "valid_to": "2019-11-10T00:00:00+08:00", "reason": "调离"},
    }
    async with ledger_with(db_url, [*events, end]) as (store, _runner):
        before = await accountability(store.backend, "ACC-2019-0001", len(events))
        assert before["findings"] == []
        after = await accountability(store.backend, "ACC-2019-0001", (await store.head()).position)
        assert [(f["rule"], f["unit_id"], f["role"]) for f in after["findings"]] == [
            ("responsibility.gap", YONGSHENG, "territorial")
        ]
        assert after["findings"][0]["events"] == after["accident"]["events"]
        assert after["findings"][0]["finding"] == "无属地管理责任人"
        assert ("enterprise", "territorial", "P-371311002-002") not in _roles(after)
        # the investigation named the station head, who no longer held the territorial duty then
        assert [(r["holder"], r["in_chain"]) for r in after["investigation"]["responsible"]] == [
            ("P-9L3Z2C-GM", True),
            ("P-371311002-002", True),  # still covering the enterprise (乡包企)
        ]


async def test_earlier_sanctions_against_the_unit_and_the_people_in_the_chain(db_url: str) -> None:
    earlier = [
        {
            "type": "sanction.imposed",
            "occurred_at": "2019-11-05T10:00:00+08:00",
            "data": {
                "sanction_id": "SAN-2019-E1",
                "target": YONGSHENG,
                "kind": "warning",
                "basis_refs": ["inspection:INS-2019-0002"],
                "issued_by": "371311",
            },
        },
        {
            "type": "sanction.imposed",
            "occurred_at": "2019-11-06T10:00:00+08:00",
            "data": {
                "sanction_id": "SAN-2019-E2",
                "target": "P-371311-001",
                "kind": "interview",
                "basis_refs": ["inspection:INS-2019-0002"],
                "issued_by": "371300-YJJ",
            },
        },
        {
            "type": "sanction.imposed",
            "occurred_at": "2019-11-07T10:00:00+08:00",
            "data": {
                "sanction_id": "SAN-2019-E3",
                "target": "P-371312-001",  # 河东区: not in this chain
                "kind": "interview",
                "basis_refs": ["inspection:INS-2019-0002"],
                "issued_by": "371300-YJJ",
            },
        },
    ]
    async with ledger_with(db_url, [*sample_events(), *earlier]) as (store, _runner):
        chain = await accountability(store.backend, "ACC-2019-0001", (await store.head()).position)
        assert [(s["sanction_id"], s["target"]) for s in chain["sanctions"]] == [
            ("SAN-2019-E1", YONGSHENG),
            ("SAN-2019-E2", "P-371311-001"),
        ]
        assert all(s["events"] for s in chain["sanctions"])


async def test_the_chain_behind_a_hazard(db_url: str) -> None:
    async with ledger_with(db_url, sample_events()) as (store, _runner):
        chain = await hazard_accountability(store.backend, "HZ-2019-0001", (await store.head()).position)
        assert chain["hazard"]["unit_id"] == "91371302MA3C4R1X0A"
        assert chain["at"] == "2019-10-12T03:00:00.000000Z"
        # on 10-12 the territorial duty was still the station head's (handed over on 11-15)
        assert ("enterprise", "territorial", "P-371302001-002") in _roles(chain)
        assert [i["inspection_id"] for i in chain["inspections"]] == ["INS-2019-0001"]
        assert "HZ-2019-0001" in [h["hazard_id"] for h in chain["hazards"]["open"]]
        with pytest.raises(UnknownHazard):
            await hazard_accountability(store.backend, "HZ-nowhere", (await store.head()).position)
