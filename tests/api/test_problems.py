"""Errors an official can read (issue 12.2): every problem document carries a Chinese
``title`` and ``detail`` (naming the bad field) beside the English ones, and its ``type`` is a
page of the service that explains it — served without a token, for every type there is."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api.problem_types import PROBLEM_TYPES
from api.problems import Problem
from ledger.labels import LABELS
from tests.api.support import service

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")

CLOSED_TWICE = [
    {
        "type": "hazard.reported",
        "occurred_at": "2019-12-01T10:00:00+08:00",
        "data": {
            "hazard_id": "HZ-PROB-1",
            "unit_id": "91371302MA3D7K2Y1B",
            "severity": "general",
            "description": "配电箱未接地",
            "source": "self_check",
        },
    },
    {"type": "hazard.closed", "occurred_at": "2019-12-02T10:00:00+08:00", "data": {"hazard_id": "HZ-PROB-1"}},
]


async def test_a_refusal_speaks_chinese_names_the_rule_and_the_field_and_its_type_explains_it(db_url: str) -> None:
    async with service(db_url) as svc:
        status, problem = await svc.post(CLOSED_TWICE, role="recorder")
        assert status == 422
        assert problem["type"] == "/problems/domain-rule"
        assert problem["title"] == "违反安全生产责任规则"
        assert problem["title_en"] == "Refused by a rule of duty"
        assert "第 1 个事件" in problem["detail"]
        assert "/1/data/hazard_id" in problem["detail"]
        assert LABELS["domain_rule"]["hazard.lifecycle"] in problem["detail"]
        assert "hazard.lifecycle" in problem["detail_en"]
        assert not CJK.search(problem["title_en"])

        page = await svc.client.get(problem["type"])  # no token: the type is a public page
        assert page.status == 200
        assert page.content_type == "text/html"
        text = await page.text()
        assert "违反安全生产责任规则" in text
        assert "Refused by a rule of duty" in text


async def test_bad_parameters_and_missing_things_are_said_in_both_languages(sqlite_url: str) -> None:
    async with service(sqlite_url) as svc:
        status, problem = await svc.get("/v1/events", limit="many")
        assert status == 400
        assert problem["detail"].startswith("参数 limit 不正确")
        assert "limit" in problem["detail_en"]
        status, problem = await svc.get("/v1/hazards/HZ-NONE/accountability")
        assert status == 404
        assert CJK.search(problem["detail"])
        assert problem["detail_en"]
        response = await svc.client.get("/v1/stats")  # no token
        problem = await response.json(content_type=None)
        assert response.status == 401
        assert "令牌" in problem["detail"]
        status, problem = await svc.get("/v1/exports/dossier", role="viewer", subject="accident:ACC-2019-0001")
        assert status == 403
        assert "查阅员令牌无权" in problem["detail"]


async def test_every_problem_type_has_its_page_and_an_unknown_one_is_a_problem(sqlite_url: str) -> None:
    async with service(sqlite_url) as svc:
        index = await svc.client.get("/problems/")
        assert index.status == 200
        listing = await index.text()
        for slug, kind in PROBLEM_TYPES.items():
            assert f"/problems/{slug}" in listing
            page = await svc.client.get(f"/problems/{slug}")
            assert page.status == 200, slug
            assert kind.meaning in await page.text()
        missing = await svc.client.get("/problems/no-such-thing")
        assert missing.status == 404
        assert (await missing.json(content_type=None))["type"] == "/problems/not-found"


def test_a_problem_of_no_known_type_cannot_be_raised() -> None:
    with pytest.raises(ValueError, match="no problem type"):
        Problem(400, "made-up", "Made up", "made up")


def test_every_slug_and_rule_in_the_code_has_its_type_or_label() -> None:
    """Read the source: every ``Problem(status, "slug", …)`` names a type of the catalogue,
    every ledger error code that can reach HTTP has a type, and every rule a ``DomainRefused``
    names has a Chinese label (so a refusal is never said in a code alone)."""
    sources = {p: p.read_text(encoding="utf-8") for d in ("api", "ledger") for p in (ROOT / d).rglob("*.py")}
    slugs = {m for text in sources.values() for m in re.findall(r"Problem\(\s*\w+,\s*\"([a-z-]+)\"", text)}
    assert slugs, "the scan found no Problem(…) at all"
    assert slugs <= set(PROBLEM_TYPES), slugs - set(PROBLEM_TYPES)
    codes = set(re.findall(r'^\s+code = "([a-z-]+)"', sources[ROOT / "ledger" / "errors.py"], re.M))
    assert codes - {"ledger-error"} <= set(PROBLEM_TYPES), codes - set(PROBLEM_TYPES)
    rules = {
        m
        for text in sources.values()
        for m in re.findall(r"DomainRefused\(\s*\"([a-z_]+\.[a-z_.]+)\"", text)
        + re.findall(r"\"rule\": \"([a-z_]+\.[a-z_.]+)\"", text)
        + re.findall(r"rule=\"([a-z_]+\.[a-z_.]+)\"", text)
    }
    assert len(rules) > 25, rules
    assert rules <= set(LABELS["domain_rule"]), rules - set(LABELS["domain_rule"])
