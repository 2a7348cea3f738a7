"""``unit.updated`` and ``person.updated`` take effect at their ``valid_from`` (SPEC §4, §5).

The aggregate's attributes are the state as of now (every known change, in valid-time order);
the changes themselves are kept, so that the cycle check judges a parent change against the
tree of every moment it is in force."""

from __future__ import annotations

from datetime import datetime

from ledger.domain import Person, Unit
from ledger.domain.testing import CITY, COUNTY, TOWNSHIP, FakeLedger, jurisdiction, proposed
from ledger.envelope import Proposed

ZONE = "371371"


def updated(unit_id: str, occurred_at: str, valid_from: str | None = None, **changes: object) -> Proposed:
    data: dict[str, object] = {"unit_id": unit_id, "changes": changes}
    if valid_from is not None:
        data["valid_from"] = valid_from
    return proposed("unit.updated", occurred_at, **data)


def with_zone() -> FakeLedger:
    return jurisdiction().given(
        proposed("unit.registered", unit_id=ZONE, kind="dev_zone", name="临沂高新技术产业开发区", parent_id=CITY)
    )


def unit(fl: FakeLedger, unit_id: str) -> Unit:
    found = fl.domain.get(f"unit:{unit_id}")
    assert isinstance(found, Unit)
    return found


def test_a_change_takes_effect_at_its_valid_from_defaulting_to_occurred_at() -> None:
    """A township moved into a development zone from 2019-07-01, recorded in December."""
    fl = with_zone()
    fl.post(updated(TOWNSHIP, "2019-12-20T10:00:00+08:00", "2019-07-01T00:00:00+08:00", parent_id=ZONE))
    fl.post(updated(TOWNSHIP, "2019-12-21T10:00:00+08:00", name="枣园街道"))
    township = unit(fl, TOWNSHIP)
    assert (township.parent_id, township.name) == (ZONE, "枣园街道")
    assert [(c[0].isoformat(), sorted(c[2])) for c in township.changes] == [
        ("2019-07-01T00:00:00+08:00", ["parent_id"]),
        ("2019-12-21T10:00:00+08:00", ["name"]),
    ]
    assert township.parent_timeline() == [(None, COUNTY), (datetime.fromisoformat("2019-07-01T00:00:00+08:00"), ZONE)]
    assert fl.replayed().snapshot() == fl.domain.snapshot() == fl.replayed(library=True).snapshot()


def test_the_attributes_are_the_latest_in_valid_time_whatever_the_order_recorded() -> None:
    """A back-dated change recorded after a later one does not undo it."""
    fl = jurisdiction()
    fl.post(updated(TOWNSHIP, "2019-12-01T10:00:00+08:00", "2019-12-01T00:00:00+08:00", name="枣园街道"))
    fl.post(updated(TOWNSHIP, "2019-12-05T10:00:00+08:00", "2019-03-01T00:00:00+08:00", name="枣园镇（更正）"))
    assert unit(fl, TOWNSHIP).name == "枣园街道"
    assert unit(fl, TOWNSHIP).registered == {
        "name": "枣园镇",
        "kind": "township",
        "parent_id": COUNTY,
        "industry": None,
        "above_scale": None,
        "risk_level": None,
        "address": None,
    }


def test_a_parent_change_cannot_close_a_cycle_at_any_time_it_is_in_force() -> None:
    """The county lies under the zone from March to June only; the zone may be put under the
    county from June on, but not from May."""
    fl = with_zone()
    fl.post(updated(COUNTY, "2019-03-01T09:00:00+08:00", "2019-03-01T00:00:00+08:00", parent_id=ZONE))
    fl.post(updated(COUNTY, "2019-06-01T09:00:00+08:00", "2019-06-01T00:00:00+08:00", parent_id=CITY))
    error = fl.refuse(updated(ZONE, "2019-12-01T09:00:00+08:00", "2019-05-01T00:00:00+08:00", parent_id=COUNTY))
    assert (error.rule, error.field) == ("unit.parent", "changes/parent_id")
    fl.post(updated(ZONE, "2019-12-01T09:00:00+08:00", "2019-06-01T00:00:00+08:00", parent_id=COUNTY))


def test_a_back_dated_change_holds_only_until_the_next_one() -> None:
    """The zone goes under the county from June; a back-dated move of the county under the zone
    is checked for the interval until the county's own next parent change."""
    fl = with_zone()
    fl.post(updated(COUNTY, "2019-09-01T09:00:00+08:00", "2019-09-01T00:00:00+08:00", parent_id=CITY))
    fl.post(updated(ZONE, "2019-10-01T09:00:00+08:00", "2019-06-01T00:00:00+08:00", parent_id=COUNTY))
    # the county under the zone from March: in force until September, overlapping June–September
    in_march = updated(COUNTY, "2019-12-01T09:00:00+08:00", "2019-03-01T00:00:00+08:00", parent_id=ZONE)
    assert fl.refuse(in_march).rule == "unit.parent"
    # with a (back-dated) return to the city in May recorded first, March–May is fine
    fl.post(updated(COUNTY, "2019-12-01T09:00:00+08:00", "2019-05-01T00:00:00+08:00", parent_id=CITY))
    fl.post(updated(COUNTY, "2019-12-02T09:00:00+08:00", "2019-03-01T00:00:00+08:00", parent_id=ZONE))
    assert unit(fl, COUNTY).parent_id == CITY  # as of now
    assert fl.refuse(updated(TOWNSHIP, "2019-12-01T09:00:00+08:00", parent_id=TOWNSHIP)).rule == "unit.parent"


def test_a_person_update_takes_effect_at_its_valid_from() -> None:
    fl = jurisdiction()
    fl.post(
        proposed(
            "person.updated",
            "2019-12-01T10:00:00+08:00",
            person_id="P1",
            changes={"title": "党委副书记、镇长"},
            valid_from="2019-09-01T00:00:00+08:00",
        )
    )
    fl.post(
        proposed(
            "person.updated",
            "2019-12-02T10:00:00+08:00",
            person_id="P1",
            changes={"title": "副镇长"},
            valid_from="2019-01-01T00:00:00+08:00",
        )
    )
    person = fl.domain.get("person:P1")
    assert isinstance(person, Person)
    assert person.title == "党委副书记、镇长"
    assert [c[2] for c in person.changes] == [{"title": "副镇长"}, {"title": "党委副书记、镇长"}]
    assert fl.replayed().snapshot() == fl.domain.snapshot()


def test_valid_from_must_be_a_timestamp_with_an_offset() -> None:
    error = jurisdiction().refuse(updated(TOWNSHIP, "2019-12-01T10:00:00+08:00", "2019-07-01", name="x"))
    assert (error.rule, error.field) == ("schema", "valid_from")
