"""The five notices as ready policies (SPEC §6, issue 9 item 4): every document loads and
validates, every rule quotes the sentence of its notice verbatim, only keys the notice
really sets, and each adopts on a ledger holding its jurisdiction."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.domain import LOCAL_KEYS, Policy
from ledger.domain.testing import FakeLedger, proposed
from ledger.policies import READY, NotAdoptable, PolicyDocumentError, _load, adoption, ready_policy
from tests.helpers import TEXTS, notice_text

ADOPTABLE = sorted(p.policy_id for p in READY.values() if p.adoptable)
WITHIN_DAYS = {"fatal_accident_sanctions.within_days": 30}


def test_the_five_notices_ship_as_policies() -> None:
    """Each notice of seeds/ has its document; the 临沂 方案's illegal-site rule is the 山东省's."""
    assert {p.notice for p in READY.values()} == set(TEXTS)
    assert sorted(READY) == [
        "POL-141000-2020-1",
        "POL-370000-ILLEGAL-SITES",
        "POL-370400-GXQ-2021-9",
        "POL-371300-2019-119",
        "POL-371300-2020-SUMMARY",
        "POL-431127-2019",
    ]


@pytest.mark.parametrize("policy_id", sorted(READY))
def test_every_quote_is_the_notice_s_own_words(policy_id: str) -> None:
    """A rule, the validity, each phase and each "not a rule" quote a sentence found verbatim
    in the notice (the texts as received, tests/vectors/notices)."""
    policy = READY[policy_id]
    text = notice_text(policy.notice)
    quotes = [policy.validity["quote"], *(s["quote"] for s in policy.sources.values())]
    quotes += [item["quote"] for item in policy.not_rules] + [phase["quote"] for phase in policy.phases]
    assert [q for q in quotes if q not in text] == []


@pytest.mark.parametrize(
    ("policy_id", "number"),
    [
        ("POL-371300-2019-119", "临应急发〔2019〕119号"),
        ("POL-370400-GXQ-2021-9", "枣高安发〔2021〕9号"),
        ("POL-141000-2020-1", "临政发〔2020〕1号"),
    ],
)
def test_the_document_numbers_are_written_as_the_notices_write_them(policy_id: str, number: str) -> None:
    policy = READY[policy_id]
    assert policy.basis == number
    assert number in notice_text(policy.notice)


@pytest.mark.parametrize("policy_id", sorted(READY))
def test_every_rule_has_its_source_and_only_local_keys_or_tightened_baselines(policy_id: str) -> None:
    policy = READY[policy_id]
    assert set(policy.sources) == set(policy.rules)
    assert set(policy.rules) <= LOCAL_KEYS | {"accident_report_minutes"}


def test_the_rules_are_as_the_notices_state_them() -> None:
    """SPEC §6's table, document by document — and nothing a notice does not contain."""
    assert dict(READY["POL-371300-2019-119"].rules) == {
        "ranking": {"county_warning": 1, "county_statement": 2, "township_interview": 10},
        "covering_visit_days": 7,
        "exam_failure_removal": True,
        "cycle_580": {"collect_day": 25, "consult_day": 28, "listing_day": 30},
    }
    assert dict(READY["POL-370000-ILLEGAL-SITES"].rules) == {"illegal_sites_dismissal": {"township": 1, "county": 2}}
    assert dict(READY["POL-431127-2019"].rules) == {
        "elevate_general_accidents": True,
        "major_hazard_requires_suspension": True,
        "principal_inspection_days": 31,
    }
    assert dict(READY["POL-370400-GXQ-2021-9"].rules) == {
        "accident_report_minutes": {"initial": 20, "written": 60, "detailed": 120},
        "hazard_progress_days": 15,
        "monthly_report_day": 1,
        "monthly_report_kinds": ["township", "department"],
        "veto_grades": ["larger", "major", "especially_major"],
    }
    assert dict(READY["POL-141000-2020-1"].rules) == {
        "fatal_accident_sanctions": {
            "kinds": ["suspension", "standardization_revoked", "license_suspended", "license_revoked"]
        }
    }
    assert dict(READY["POL-371300-2020-SUMMARY"].rules) == {}


def test_jurisdictions_bases_and_intervals_are_the_notices() -> None:
    linyi = READY["POL-371300-2019-119"]
    assert (linyi.jurisdiction, linyi.basis) == ("371300", "临应急发〔2019〕119号")
    assert (linyi.valid_from, linyi.valid_to) == ("2019-10-19T00:00:00+08:00", "2020-01-01T00:00:00+08:00")
    assert linyi.name == "下基层驻企业防事故安全生产“决战四季度、决胜2019年”专项行动"
    shandong = READY["POL-370000-ILLEGAL-SITES"]
    assert (shandong.jurisdiction, shandong.valid_to) == ("370000", None)
    lanshan = READY["POL-431127-2019"]
    assert (lanshan.jurisdiction, lanshan.valid_from, lanshan.valid_to) == (
        "431127",
        "2019-09-01T00:00:00+08:00",
        "2020-01-01T00:00:00+08:00",
    )
    assert [p["to"] for p in lanshan.phases] == ["2019-09-09", "2019-10-31", "2019-11-30", "2019-12-31"]
    zaozhuang = READY["POL-370400-GXQ-2021-9"]
    assert (zaozhuang.basis, zaozhuang.valid_from, zaozhuang.valid_to) == (
        "枣高安发〔2021〕9号",
        "2021-02-05T00:00:00+08:00",
        None,
    )
    linfen = READY["POL-141000-2020-1"]
    assert (linfen.jurisdiction, linfen.basis, linfen.valid_from) == (
        "141000",
        "临政发〔2020〕1号",
        "2020-02-10T00:00:00+08:00",
    )


def ledger_holding(unit_id: str, kind: str = "city") -> FakeLedger:
    return FakeLedger().given(proposed("unit.registered", unit_id=unit_id, kind=kind, name="某地"))


def adopted(fl: FakeLedger, data: dict[str, object]) -> Policy:
    fl.post(proposed("policy.adopted", "2019-10-19T16:00:00+08:00", **data))
    found = fl.domain.get(f"policy:{data['policy_id']}")
    assert isinstance(found, Policy)
    return found


@pytest.mark.parametrize("policy_id", ADOPTABLE)
def test_each_adopts_on_a_ledger_holding_its_jurisdiction(policy_id: str) -> None:
    policy = ready_policy(policy_id)
    parts = WITHIN_DAYS if policy.adopter_sets else {}
    found = adopted(ledger_holding(policy.jurisdiction), adoption(policy, parts=parts))
    assert (found.jurisdiction, found.basis, found.valid_from) == (policy.jurisdiction, policy.basis, policy.valid_from)
    assert set(found.rules) == set(policy.rules)


@pytest.mark.parametrize("policy_id", ADOPTABLE)
def test_a_jurisdiction_not_registered_is_refused(policy_id: str) -> None:
    policy = ready_policy(policy_id)
    parts = WITHIN_DAYS if policy.adopter_sets else {}
    error = FakeLedger().refuse(proposed("policy.adopted", **adoption(policy, parts=parts)))
    assert (error.rule, error.field) == ("registry.unknown", "jurisdiction")


def test_jurisdiction_and_interval_may_be_overridden() -> None:
    """A county adopting 蓝山's rules for itself: its own id, jurisdiction and dates."""
    data = adoption(
        ready_policy("POL-431127-2019"),
        jurisdiction="431102",
        valid_from="2020-03-01T00:00:00+08:00",
        valid_to="2020-07-01T00:00:00+08:00",
    )
    assert (data["policy_id"], data["jurisdiction"], data["valid_from"], data["valid_to"]) == (
        "POL-431127-2019-431102",
        "431102",
        "2020-03-01T00:00:00+08:00",
        "2020-07-01T00:00:00+08:00",
    )
    found = adopted(ledger_holding("431102", "county"), data)
    assert found.rules == dict(ready_policy("POL-431127-2019").rules)


def test_an_interval_ending_before_it_starts_is_refused_by_the_domain() -> None:
    data = adoption(ready_policy("POL-371300-2019-119"), valid_to="2019-10-01T00:00:00+08:00")
    assert ledger_holding("371300").refuse(proposed("policy.adopted", **data)).rule == "policy.interval"


def test_the_adopter_gives_what_the_notice_leaves_open_and_nothing_else() -> None:
    """临汾 sets no deadline for its fatal-accident sanctions: ``within_days`` is the adopter's."""
    linfen = ready_policy("POL-141000-2020-1")
    with pytest.raises(NotAdoptable, match="within_days"):
        adoption(linfen)
    data = adoption(linfen, parts=WITHIN_DAYS)
    assert data["rules"]["fatal_accident_sanctions"]["within_days"] == 30
    assert "within_days" not in linfen.rules["fatal_accident_sanctions"]  # the document is untouched
    with pytest.raises(NotAdoptable, match="ranking"):
        adoption(ready_policy("POL-371300-2019-119"), parts={"ranking.county_warning": 3})


def test_a_document_that_sets_no_rule_is_not_adopted() -> None:
    with pytest.raises(NotAdoptable, match="no rule key"):
        adoption(ready_policy("POL-371300-2020-SUMMARY"))


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (b"{", "not valid JSON"),
        (b"[]", "JSON object"),
        (b'{"policy_id": "X"}', "missing"),
    ],
)
def test_a_malformed_document_fails_loudly(text: bytes, why: str) -> None:
    with pytest.raises(PolicyDocumentError, match=why):
        _load("bad.json", text)


def _document(**changes: object) -> bytes:
    import orjson

    raw = orjson.loads(
        (Path(__file__).resolve().parents[2] / "ledger" / "policies" / "linyi-2019-119.json").read_bytes()
    )
    raw.update(changes)
    return orjson.dumps(raw)


def test_a_document_is_checked_against_the_domain_s_schema() -> None:
    with pytest.raises(PolicyDocumentError, match="cycle_580"):
        _load(
            "bad.json",
            _document(rules={"cycle_580": {"collect_day": 40}}, sources={"cycle_580": {"part": "x", "quote": "y"}}),
        )
    with pytest.raises(PolicyDocumentError, match="not keys of SPEC"):
        _load("bad.json", _document(rules={"weekly_tea": 1}, sources={"weekly_tea": {"part": "x", "quote": "y"}}))
    with pytest.raises(PolicyDocumentError, match="source"):
        _load("bad.json", _document(sources={}))
    with pytest.raises(PolicyDocumentError, match="valid_to"):
        _load("bad.json", _document(valid_to="2019-01-01T00:00:00+08:00"))
