"""Dashboard statistics of the 临沂 sample, as known at a position and over a period."""

from __future__ import annotations

from projections.stats import stats
from projections.timekeys import utc_key
from tests.projections.support import ledger_with, sample_events

HEAD = len(sample_events())  # 125: the sample, posted as one batch
Q4 = (utc_key("2019-10-01T00:00:00+08:00"), utc_key("2020-01-01T00:00:00+08:00"))


async def test_the_samples_figures(db_url: str) -> None:
    async with ledger_with(db_url, sample_events()) as (store, _runner):
        db = store.backend
        city = await stats(db, "371300", *Q4, HEAD)
        hazards = city["hazards"]
        assert hazards["total"] == 3
        assert hazards["open"] == 2
        assert hazards["by_state"]["closed"] == 1
        assert hazards["by_state"]["verified"] == 1
        assert hazards["by_state"]["assigned"] == 1
        assert hazards["by_severity"]["major"] == {"total": 1, "open": 1, "closed": 0}
        # as the seeds count it: rectified (rectified, verified, closed) over handed over
        assert (hazards["handed_over"], hazards["rectified"]) == (3, 2)
        assert hazards["rectification_rate"] == 0.6667
        assert hazards["overdue"] == 1  # HZ-2019-0002: extended to 11-30, open at year end
        assert city["major_hazards_listed"] == {
            "total": 1,
            "open": 1,
            "by_level": {"city": 1},
            "open_by_level": {"city": 1},
        }
        grades = {g["grade"]: g for g in city["accidents"]["by_grade"]}
        assert grades["larger"] == {"grade": "larger", "label": "较大", "count": 1, "deaths": 3}
        assert grades["general"]["count"] == 0
        assert city["accidents"]["total"] == 1
        assert city["inspections"]["by_kind"] == {"covert": 1, "enforcement": 1, "supervision": 1}
        assert city["inspections"]["units_inspected"] == 3


async def test_scope_period_and_known_at(db_url: str) -> None:
    async with ledger_with(db_url, sample_events()) as (store, _runner):
        db = store.backend
        lanshan = await stats(db, "371302", *Q4, HEAD)
        assert lanshan["hazards"]["total"] == 2
        assert lanshan["accidents"]["total"] == 0
        assert lanshan["inspections"]["by_kind"] == {"covert": 1}

        # at the end of October: HZ-2019-0003 had failed its verification, HZ-2019-0001 was closed
        october = await stats(db, None, Q4[0], utc_key("2019-11-01T00:00:00+08:00"), HEAD)
        assert october["hazards"]["by_state_labels"]["verification_failed"] == "验收未通过"
        assert october["hazards"]["by_state"]["verification_failed"] == 1
        assert october["hazards"]["by_state"]["closed"] == 1
        assert october["hazards"]["rectification_rate"] == 0.3333
        assert october["accidents"]["total"] == 0
        assert october["inspections"]["total"] == 2

        # as known before the closure and the accident were recorded
        known = await stats(db, None, *Q4, 74)
        assert known["hazards"]["total"] == 1
        assert known["hazards"]["by_state"]["verified"] == 1
        assert known["accidents"]["total"] == 0
