"""The reads the dashboard makes, over HTTP on both backends: a unit with its children's
figures and the way down to it (GET /v1/units/{id}), the 隐患台账 as XLSX
(GET /v1/hazards.xlsx: every row of /v1/hazards, as an official's spreadsheet), the overdue
counts by kind, and the labels table."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
from openpyxl import load_workbook

from api import dashboard
from api.dashboard import COLUMNS, xlsx_row
from ledger.labels import LABELS
from tests.api.support import Service, service

OCTOBER = "2019-10-15T12:00:00+08:00"
DECEMBER = "2019-12-15T12:00:00+08:00"


@pytest.fixture
async def svc(db_url: str) -> AsyncIterator[Service]:
    async with service(db_url) as running:
        yield running


def _by_id(children: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {c["unit_id"]: c for c in children}


async def test_a_unit_carries_its_childrens_figures_and_the_way_down_from_the_jurisdiction(svc: Service) -> None:
    """The city's counties each with enterprises by colour and hazards open, overdue and
    major open at ``at``; the breadcrumbs start at the root for an investigator and at the
    county for the county's viewer; names and Beijing time throughout."""
    status, city = await svc.get("/v1/units/371300", at=OCTOBER)
    assert status == 200, city
    assert [c["unit_id"] for c in city["path"]] == ["370000", "371300"]
    assert city["as_of"]["at"] == "2019-10-15T12:00:00+08:00"
    lanshan = _by_id(city["children"])["371302"]
    assert lanshan["name"] == "兰山区"
    assert lanshan["figures"]["hazards"] == {"open": 2, "overdue": 0, "major_open": 1}
    assert lanshan["figures"]["enterprises"]["by_risk"] == {"red": 0, "orange": 1, "yellow": 1, "blue": 0, "none": 0}
    assert city["unit"]["figures"]["enterprises"]["total"] == 6
    _, december = await svc.get("/v1/units/371300", at=DECEMBER)
    assert _by_id(december["children"])["371302"]["figures"]["hazards"] == {"open": 1, "overdue": 1, "major_open": 1}
    status, township = await svc.get("/v1/units/371302001", role="viewer")
    assert status == 200
    assert [c["unit_id"] for c in township["path"]] == ["371302", "371302001"]
    assert [c["name"] for c in township["path"]] == ["兰山区", "兰山街道"]
    assert {c["kind"] for c in township["children"]} == {"enterprise"}


async def test_the_xlsx_holds_every_row_of_the_hazard_ledger_as_an_official_reads_it(svc: Service) -> None:
    """Row for row /v1/hazards with the same filter; Chinese headers, bold and frozen, column
    widths, an autofilter over every row; times as date-times in Beijing time (or ``tz``),
    positions as numbers, names beside ids."""
    _, api = await svc.get("/v1/hazards", scope="371300", limit="1000")
    assert api["items"]
    assert api["next"] is None
    response = await svc.client.get("/v1/hazards.xlsx", params={"scope": "371300"}, headers=svc.auth("investigator"))
    assert response.status == 200
    assert response.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "filename*=UTF-8''%E9%9A%90%E6%82%A3" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(await response.read()))["隐患台账"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == [title for title, _width in COLUMNS]
    assert rows[1:] == [xlsx_row(i) for i in api["items"]]
    assert sheet.auto_filter.ref == f"A1:R{len(rows)}"
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    assert sheet.column_dimensions["C"].width == 30
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["单位名称"] == "临沂市兰山区鑫源化工有限公司"
    assert first["入库时间"] == datetime(2019, 10, 12, 11, 0)  # Beijing wall time
    assert sheet["I2"].number_format == "yyyy-mm-dd hh:mm"
    assert isinstance(first["最新事件位置"], int)
    assert first["状态"] == "销号"
    utc = await svc.client.get("/v1/hazards.xlsx", params={"scope": "371300", "tz": "Z"}, headers=svc.auth("admin"))
    in_utc = load_workbook(io.BytesIO(await utc.read()), read_only=True)["隐患台账"]
    assert next(in_utc.iter_rows(min_row=2, values_only=True))[8] == datetime(2019, 10, 12, 3, 0)
    opened = await svc.client.get("/v1/hazards.xlsx", params={"state": "open"}, headers=svc.auth("viewer"))
    assert [
        r[0] for r in load_workbook(io.BytesIO(await opened.read())).active.iter_rows(min_row=2, values_only=True)
    ] == ["HZ-2019-0002"]


async def test_an_export_larger_than_the_limit_is_refused_as_too_large(
    svc: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More rows than the limit: 413, a problem document saying to narrow the filter."""
    monkeypatch.setattr(dashboard, "MAX_EXPORT_ROWS", 1)
    response = await svc.client.get("/v1/hazards.xlsx", headers=svc.auth("investigator"))
    assert response.status == 413
    problem = await response.json()
    assert problem["type"].endswith("/too-large")
    assert problem["limit"] == 1


async def test_the_overdue_summary_counts_the_overdue_list_by_kind(svc: Service) -> None:
    """Each kind's count is the number of its items in /v1/overdue at the same moment."""
    _, listed = await svc.get("/v1/overdue", scope="371300", at=DECEMBER)
    status, summary = await svc.get("/v1/overdue/summary", scope="371300", at=DECEMBER)
    assert status == 200
    assert summary["total"] == len(listed["items"]) > 0
    counts = Counter(i["kind"] for i in listed["items"])
    assert {k["kind"]: k["count"] for k in summary["by_kind"]} == {k: counts.get(k, 0) for k in LABELS["overdue_kind"]}
    assert summary["by_kind"][0]["kind_label"] == "隐患整改逾期"
    assert summary["as_of"]["at"] == DECEMBER


async def test_the_labels_table_is_served_as_it_is_to_any_reader(svc: Service) -> None:
    """The dashboard keeps no copy of its own: /v1/labels is ledger/labels.py."""
    status, labels = await svc.get("/v1/labels", role="viewer")
    assert status == 200
    assert labels == LABELS
    assert (await svc.client.get("/v1/labels")).status == 401


async def test_every_answer_about_a_jurisdiction_names_it_beside_its_id(svc: Service) -> None:
    """``scope_name`` beside ``scope``: the unit's name as of what the answer reflects."""
    for path, params in (
        ("/v1/overdue/summary", {"scope": "371302", "at": DECEMBER}),
        ("/v1/overdue", {"scope": "371302", "at": DECEMBER}),
        ("/v1/stats", {"scope": "371302"}),
        ("/v1/findings", {"scope": "371302", "period": "2019Q4"}),
        ("/v1/hazards", {"scope": "371302"}),
        ("/v1/units", {"scope": "371302", "q": "化工"}),
    ):
        status, body = await svc.get(path, **params)
        assert status == 200, (path, body)
        assert (body["scope"], body["scope_name"]) == ("371302", "兰山区"), path
    _, everything = await svc.get("/v1/stats")
    assert (everything["scope"], everything["scope_name"]) == (None, None)
