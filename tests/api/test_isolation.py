"""One bad post never fails another: a post the ledger cannot store, among 30 concurrent
valid posts, is refused alone with a 4xx naming its field; every valid post gets 201."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.api.support import service


def _hazard(hazard_id: str) -> dict[str, Any]:
    return {
        "type": "hazard.reported",
        "occurred_at": "2019-12-01T10:00:00+08:00",
        "data": {
            "hazard_id": hazard_id,
            "unit_id": "91371302MA3D7K2Y1B",
            "severity": "general",
            "description": "配电箱未接地",
            "source": "self_check",
        },
    }


BAD = {
    "NUL in an id": ("x\u0000", "/data/hazard_id"),
    "a control character": ("x\u001b[31m", "/data/hazard_id"),
    "an over-long id": ("H" * 201, "/data/hazard_id"),
}


async def test_a_bad_post_among_30_valid_ones_fails_alone(db_url: str) -> None:
    async with service(db_url) as svc:
        before = (await svc.store.head()).position
        for round_, (case, (bad_id, path)) in enumerate(BAD.items()):
            posts = [_hazard(f"HZ-ISO-{round_}-{i}") for i in range(30)]
            posts.insert(11 * round_, _hazard(bad_id))
            answers = await asyncio.gather(*(svc.post(body, role="recorder") for body in posts))
            bad_status, problem = answers.pop(11 * round_)
            assert 400 <= bad_status < 500, (case, problem)
            assert problem["errors"][0]["path"] == path
            assert [status for status, _ in answers] == [201] * 30, case
        events = await svc.store.read(after=before, limit=1000)
        assert len(events) == 30 * len(BAD)
        assert all(e.data["hazard_id"].startswith("HZ-ISO-") for e in events)
        assert (await svc.store.verify()).ok
