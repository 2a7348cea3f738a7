"""Accidents: the derived grade (条例 第3条) at every boundary, staged reports, investigations."""

from __future__ import annotations

from typing import Any

import pytest

from ledger.domain import GRADE_LABELS, accident_grade, grade_label
from ledger.domain.testing import COUNTY, ENTERPRISE, FakeLedger, jurisdiction, proposed
from ledger.envelope import Proposed

# (deaths, serious injuries, loss) just below, at and above every threshold
GRADE_CASES = [
    ((0, 0, 0), "general"),
    ((2, 9, 9_999_999), "general"),
    ((3, 0, 0), "larger"),
    ((0, 10, 0), "larger"),
    ((0, 0, 10_000_000), "larger"),
    ((9, 49, 49_999_999), "larger"),
    ((9, 49, 49_999_999.99), "larger"),
    ((10, 0, 0), "major"),
    ((0, 50, 0), "major"),
    ((0, 0, 50_000_000), "major"),
    ((29, 99, 99_999_999), "major"),
    ((30, 0, 0), "especially_major"),
    ((0, 100, 0), "especially_major"),
    ((0, 0, 100_000_000), "especially_major"),
    ((2, 10, 0), "larger"),  # the worst criterion decides
    ((1, 0, 60_000_000), "major"),
    ((31, 200, 1e9), "especially_major"),
]


@pytest.mark.parametrize(("figures", "grade"), GRADE_CASES)
def test_accident_grade_thresholds_include_their_lower_bound(figures: tuple[int, int, float], grade: str) -> None:
    assert accident_grade(*figures) == grade


def test_grade_labels_are_the_chinese_terms() -> None:
    assert GRADE_LABELS == {
        "especially_major": "特别重大",
        "major": "重大",
        "larger": "较大",
        "general": "一般",
    }
    assert grade_label("larger") == "较大"


def occurred(**extra: Any) -> Proposed:
    data: dict[str, object] = {
        "accident_id": "AC1",
        "unit_id": ENTERPRISE,
        "deaths": 3,
        "serious_injuries": 1,
        "direct_loss_cny": 4_200_000,
        "description": "储罐爆炸",
    }
    data.update(extra)
    return proposed("accident.occurred", "2019-11-03T14:05:00+08:00", **data)


def reported(stage: str) -> Proposed:
    return proposed("accident.reported", accident_id="AC1", stage=stage, to_unit=COUNTY, by="P2")


def given(*events: Proposed) -> FakeLedger:
    return jurisdiction().given(occurred(), *events)


def test_the_grade_is_derived_on_the_aggregate() -> None:
    accident = given().domain.get("accident:AC1")
    assert accident.grade == "larger"  # type: ignore[union-attr]
    assert accident.grade_label == "较大"  # type: ignore[union-attr]


def test_a_posted_grade_is_refused() -> None:
    error = jurisdiction().refuse(occurred(grade="general"))
    assert (error.rule, error.field) == ("accident.grade", "grade")


def test_casualty_figures_are_non_negative_integers() -> None:
    assert jurisdiction().refuse(occurred(deaths=-1)).field == "deaths"
    assert jurisdiction().refuse(occurred(deaths=1.5)).field == "deaths"
    assert jurisdiction().refuse(occurred(serious_injuries=True)).field == "serious_injuries"
    assert jurisdiction().refuse(occurred(direct_loss_cny="lots")).field == "direct_loss_cny"


def test_report_stages_go_in_order_once_each() -> None:
    fl = given()
    error = fl.refuse(reported("written"))
    assert (error.rule, error.field) == ("accident.report_stage", "stage")
    fl.post(reported("initial"))
    assert fl.refuse(reported("initial")).rule == "accident.report_stage"
    assert fl.refuse(reported("detailed")).rule == "accident.report_stage"
    fl.post(reported("written"))
    fl.post(reported("detailed"))
    assert fl.refuse(reported("detailed")).rule == "accident.report_stage"


def test_a_report_goes_to_a_registered_unit() -> None:
    error = given().refuse(proposed("accident.reported", accident_id="AC1", stage="initial", to_unit="x", by="P2"))
    assert (error.rule, error.field) == ("registry.unknown", "to_unit")


def concluded(responsible: list[dict[str, object]] | None = None) -> Proposed:
    return proposed(
        "accident.investigation_concluded",
        accident_id="AC1",
        findings="违规动火",
        responsible=responsible or [{"holder": "P2", "responsibility": "direct", "note": "主要负责人"}],
    )


def test_an_investigation_is_opened_once_before_it_is_concluded() -> None:
    fl = given()
    error = fl.refuse(concluded())
    assert (error.rule, error.field) == ("accident.investigation", "accident_id")
    fl.post(proposed("accident.investigation_opened", accident_id="AC1", level="city"))
    assert fl.refuse(proposed("accident.investigation_opened", accident_id="AC1", level="city")).rule == (
        "accident.investigation"
    )
    fl.post(concluded())
    assert fl.refuse(concluded()).rule == "accident.investigation"


def test_the_responsible_of_a_conclusion_are_registered_with_a_known_responsibility() -> None:
    fl = given(proposed("accident.investigation_opened", accident_id="AC1", level="county", elevated=True))
    error = fl.refuse(concluded([{"holder": "P404", "responsibility": "direct"}]))
    assert (error.rule, error.field) == ("registry.unknown", "responsible/0/holder")
    error = fl.refuse(
        concluded([{"holder": "P2", "responsibility": "direct"}, {"holder": "P1", "responsibility": "x"}])
    )
    assert (error.rule, error.field) == ("schema", "responsible/1/responsibility")
