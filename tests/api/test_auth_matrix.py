"""Every role × inside / outside its jurisdiction × every endpoint (SPEC §8).

The scoped tokens (recorder, viewer) are kept to 兰山区 (371302); 罗庄区 (371311) is outside.
"""

from __future__ import annotations

from typing import Any

import pytest

from api.app import RUNNER
from tests.api.support import Service, service

INSIDE_UNIT, OUTSIDE_UNIT = "91371302MA3C4R1X0A", "91371311MA3F9L3Z2C"
INSIDE_COUNTY, OUTSIDE_COUNTY = "371302", "371311"


def _hazard(unit_id: str, hazard_id: str) -> dict[str, Any]:
    return {
        "type": "hazard.reported",
        "occurred_at": "2019-12-01T10:00:00+08:00",
        "data": {
            "hazard_id": hazard_id,
            "unit_id": unit_id,
            "severity": "general",
            "description": "隐患",
            "source": "self_check",
        },
    }


INSIDE_ACCIDENT = {
    "type": "accident.occurred",
    "occurred_at": "2019-12-05T08:00:00+08:00",
    "data": {
        "accident_id": "ACC-IN-1",
        "unit_id": INSIDE_UNIT,
        "deaths": 0,
        "serious_injuries": 1,
        "direct_loss_cny": 20000,
        "description": "叉车碰撞致1人重伤",
    },
}

#: (name, path inside the scoped tokens' jurisdiction, path outside it)
READS = [
    ("responsibility", f"/v1/units/{INSIDE_UNIT}/responsibility", f"/v1/units/{OUTSIDE_UNIT}/responsibility"),
    ("timeline", f"/v1/units/{INSIDE_UNIT}/timeline", f"/v1/units/{OUTSIDE_UNIT}/timeline"),
    ("overdue", f"/v1/overdue?scope={INSIDE_COUNTY}", f"/v1/overdue?scope={OUTSIDE_COUNTY}"),
    ("accountability", "/v1/accidents/ACC-IN-1/accountability", "/v1/accidents/ACC-2019-0001/accountability"),
    ("hazards", f"/v1/hazards?scope={INSIDE_COUNTY}", f"/v1/hazards?scope={OUTSIDE_COUNTY}"),
    ("hazards xlsx", f"/v1/hazards.xlsx?scope={INSIDE_COUNTY}", f"/v1/hazards.xlsx?scope={OUTSIDE_COUNTY}"),
    ("hazards xlsx of a unit", f"/v1/hazards.xlsx?unit={INSIDE_UNIT}", f"/v1/hazards.xlsx?unit={OUTSIDE_UNIT}"),
    (
        "overdue summary",
        f"/v1/overdue/summary?scope={INSIDE_COUNTY}",
        f"/v1/overdue/summary?scope={OUTSIDE_COUNTY}",
    ),
    ("stats", f"/v1/stats?scope={INSIDE_COUNTY}", f"/v1/stats?scope={OUTSIDE_COUNTY}"),
    (
        "findings",
        f"/v1/findings?scope={INSIDE_COUNTY}&period=2019Q4",
        f"/v1/findings?scope={OUTSIDE_COUNTY}&period=2019Q4",
    ),
    ("stream", "/v1/streams/hazard:HZ-2019-0001", "/v1/streams/hazard:HZ-2019-0003"),
    ("unit", f"/v1/units/{INSIDE_UNIT}", f"/v1/units/{OUTSIDE_UNIT}"),
    ("unit search", f"/v1/units?q=371&scope={INSIDE_COUNTY}", f"/v1/units?q=371&scope={OUTSIDE_COUNTY}"),
    ("people search", f"/v1/people?q=P&scope={INSIDE_COUNTY}", f"/v1/people?q=P&scope={OUTSIDE_COUNTY}"),
    (
        "hazard accountability",
        "/v1/hazards/HZ-2019-0001/accountability",
        "/v1/hazards/HZ-2019-0003/accountability",
    ),
]
ROLES = ["recorder", "viewer", "investigator", "admin"]
SCOPED = {"recorder", "viewer"}


@pytest.fixture
async def svc(db_url: str) -> Any:
    async with service(db_url) as running:
        status, body = await running.post(INSIDE_ACCIDENT)
        assert status == 201, body
        await running.app[RUNNER].catch_up()
        yield running


async def _status(svc: Service, role: str, path: str) -> int:
    response = await svc.client.get(path, headers=svc.auth(role))
    await response.read()
    return response.status


async def test_reads(svc: Service) -> None:
    """Scoped roles read inside (200) and nothing outside: 404, the same as for what does not exist,
    so that no answer tells a county what exists in another; the others read all."""
    failures = []
    for name, inside, outside in READS:
        for role in ROLES:
            expected_outside = 404 if role in SCOPED else 200
            for where, path, expected in (("inside", inside, 200), ("outside", outside, expected_outside)):
                got = await _status(svc, role, path)
                if got != expected:
                    failures.append(f"{role} {where} {name}: {got}, expected {expected}")
    assert failures == []


async def test_the_log_is_filtered_for_scoped_roles(svc: Service) -> None:
    for role in ROLES:
        status, body = await svc.get("/v1/events", role=role, limit=1000)
        assert status == 200
        units = {e["data"].get("unit_id") for e in body["events"] if e["type"] == "hazard.reported"}
        if role in SCOPED:
            assert units == {INSIDE_UNIT}
        else:
            assert OUTSIDE_UNIT in units


async def test_writes(svc: Service) -> None:
    """Recorders write inside only; admins anywhere; viewers and investigators never."""
    expected = {
        ("recorder", "inside"): 201,
        ("recorder", "outside"): 403,
        ("admin", "inside"): 201,
        ("admin", "outside"): 201,
        ("viewer", "inside"): 403,
        ("viewer", "outside"): 403,
        ("investigator", "inside"): 403,
        ("investigator", "outside"): 403,
    }
    failures = []
    for (role, where), status in expected.items():
        unit = INSIDE_UNIT if where == "inside" else OUTSIDE_UNIT
        got, body = await svc.post(_hazard(unit, f"HZ-{role}-{where}"), role=role)
        if got != status:
            failures.append(f"{role} {where}: {got} {body.get('detail')}, expected {status}")
    assert failures == []


async def test_anonymous_reads_and_writes_are_401(svc: Service) -> None:
    for _name, inside, _outside in READS:
        assert (await svc.client.get(inside)).status == 401
    assert (await svc.client.post("/v1/events", json=_hazard(INSIDE_UNIT, "HZ-anon"))).status == 401
