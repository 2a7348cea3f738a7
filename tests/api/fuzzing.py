"""Hostile requests for the fuzz test, drawn from a seeded ``random.Random``.

Each ``Request`` is either a normal HTTP request (method, path, headers, body bytes) sent
through the test client, or raw bytes written to the socket (what aiohttp's own parser must
answer). The kinds are those of issue 10: malformed JSON, wrong types, NUL bytes and other
control characters, huge numbers, absurd dates, huge bodies, unknown ids, forbidden
transitions, bad path and query parameters, bad headers.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["KINDS", "Request", "draw"]

IN_UNIT, OUT_UNIT = "91371302MA3D7K2Y1B", "91371311MA3F9L3Z2C"
IN_PERSON = "P-7K2Y1B-GM"


@dataclass
class Request:
    kind: str
    method: str = "GET"
    path: str = "/"
    role: str | None = "admin"  # whose token; None: none
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    raw: bytes | None = None  # written to the socket as it is

    @property
    def posts(self) -> bool:
        return self.method == "POST" and self.path == "/v1/events"


def _event(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": event_type, "occurred_at": "2019-12-01T10:00:00+08:00", "data": data}


def _templates(rng: random.Random) -> list[dict[str, Any]]:
    """Valid events (a fresh id each time), the material every mutation starts from."""
    n = rng.randrange(10**9)
    return [
        _event(
            "hazard.reported",
            {
                "hazard_id": f"HZ-F-{n}",
                "unit_id": IN_UNIT,
                "severity": "general",
                "description": "配电箱未接地",
                "source": "self_check",
            },
        ),
        _event(
            "accident.occurred",
            {
                "accident_id": f"ACC-F-{n}",
                "unit_id": IN_UNIT,
                "deaths": 0,
                "serious_injuries": 1,
                "direct_loss_cny": 20000.5,
                "description": "叉车碰撞",
            },
        ),
        _event(
            "hazard.assigned",
            {"hazard_id": "HZ-2019-0002", "responsible": IN_PERSON, "deadline": "2019-12-20T18:00:00+08:00"},
        ),
        _event("unit.updated", {"unit_id": IN_UNIT, "changes": {"name": f"恒达建筑{n}", "risk_level": "yellow"}}),
        _event(
            "inspection.conducted",
            {
                "inspection_id": f"INS-F-{n}",
                "unit_id": IN_UNIT,
                "kind": "routine",
                "inspectors": ["P-371302001-002"],
                "result": "无隐患",
            },
        ),
        _event("exam.taken", {"person_id": IN_PERSON, "subject": "安全生产知识", "score": 88.5, "passed": True}),
        _event(
            "evaluation.scored",
            {"unit_id": "371302", "period": "2019Q4", "score": 91.25, "scope": "county", "rank": 2},
        ),
    ]


NASTY_STRINGS = [
    "x\u0000",
    "\u0000",
    "a\u0001b",
    "\u001b[31mred",
    "\u007f",
    "tab\there",
    "line\nbreak",
    "\ufeffbom",
    "😀" * 3,
    "' OR 1=1 --",
    "%00",
    "../../etc/passwd",
    "",
    " ",
    "x" * 201,
    "名" * 10_001,
    "\u202eevil",
]
NASTY_NUMBERS: list[Any] = [
    2**53,
    2**64,
    -(2**63),
    10**30,
    1e308,
    -1e308,
    1e-320,
    -0.0,
    -1,
    0,
    1.5,
    9007199254740993,
]
ABSURD_DATES = [
    "0001-01-01T00:00:00+00:00",
    "0000-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "10000-01-01T00:00:00Z",
    "1949-09-30T23:59:59+08:00",
    "2101-01-01T00:00:00+08:00",
    "2019-02-30T00:00:00+08:00",
    "2019-10-01T25:00:00+08:00",
    "2019-10-01T00:00:00+99:99",
    "2019-10-01T00:00:00+23:59",
    "2019-10-01",
    "2019-10-01T00:00:00",
    "2019-10-01T00:00:00.99999999999999999+08:00",
    "-2019-10-01T00:00:00Z",
    "２０１９-10-01T00:00:00+08:00",
]
WRONG_TYPES: list[Any] = [None, True, 0, -7, 3.25, "", "text", [], [1, "a"], {}, {"a": {"b": []}}]


def _mutate_field(rng: random.Random, event: dict[str, Any], pool: list[Any]) -> dict[str, Any]:
    """One field of the envelope or of its data (nested too) replaced from ``pool``."""
    mutated = copy.deepcopy(event)
    target = mutated if rng.random() < 0.25 else mutated["data"]
    if target is mutated["data"] and "changes" in target and rng.random() < 0.5:
        target = target["changes"]
    name = rng.choice([*target.keys(), "extra_field"])
    target[name] = rng.choice(pool)
    return mutated


def _post(kind: str, body: Any, role: str = "admin", headers: dict[str, str] | None = None) -> Request:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()  # any int, NaN too
    return Request(kind, "POST", "/v1/events", role, {"Content-Type": "application/json", **(headers or {})}, data)


def _malformed_json(rng: random.Random) -> Request:
    good = json.dumps(rng.choice(_templates(rng)), ensure_ascii=False).encode()
    bodies = [
        good[: rng.randrange(1, len(good))],
        bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64))),
        b'{"type": "hazard.reported", "data": {"x": NaN}}',
        b"[" * 5000 + b"]" * 5000,
        b"\xef\xbb\xbf" + good,
        good.replace(b"\xe9", b"\xff", 1) if b"\xe9" in good else good + b"\xff",
        b'"\\ud800"',
        b'{"type":"hazard.reported","data":{"hazard_id":"\\udc00x"}}',
        b"",
        b"null",
        b"[]",
        b"[null, 1, {}]",
        b'{"type": "hazard.reported", "type": 5}',
    ]
    return _post("malformed JSON", rng.choice(bodies), role=rng.choice(["admin", "recorder"]))


def _wrong_types(rng: random.Random) -> Request:
    return _post("wrong types", _mutate_field(rng, rng.choice(_templates(rng)), WRONG_TYPES))


def _control_characters(rng: random.Random) -> Request:
    event = _mutate_field(rng, rng.choice(_templates(rng)), NASTY_STRINGS)
    if rng.random() < 0.3 and isinstance(event["data"], dict):
        event["data"]["key\u0000" if rng.random() < 0.5 else "k\u0007"] = "v"
    headers = {"Idempotency-Key": rng.choice(["k\u0001", "k" * 300, "正常-key", "k\tk"])} if rng.random() < 0.3 else {}
    return _post("NUL and control characters", event, role=rng.choice(["admin", "recorder"]), headers=headers)


def _huge_numbers(rng: random.Random) -> Request:
    templates = _templates(rng)
    event = rng.choice([templates[1], templates[5], templates[6]])  # the events with numbers
    return _post("huge numbers", _mutate_field(rng, event, NASTY_NUMBERS))


def _absurd_dates(rng: random.Random) -> Request:
    event = copy.deepcopy(rng.choice(_templates(rng)))
    if rng.random() < 0.6 or "deadline" not in event["data"]:
        event["occurred_at"] = rng.choice(ABSURD_DATES)
    else:
        event["data"]["deadline"] = rng.choice(ABSURD_DATES)
    return _post("absurd dates", event, role=rng.choice(["admin", "recorder"]))


def _huge_bodies(rng: random.Random) -> Request:
    template = rng.choice(_templates(rng))
    choice = rng.randrange(4)
    if choice == 0:
        return _post("huge bodies", b'{"pad": "' + b"x" * (9 * 1024 * 1024) + b'"}')
    if choice == 1:
        return _post("huge bodies", [template] * 1001)
    if choice == 2:
        event = copy.deepcopy(_templates(rng)[4])
        event["data"]["inspectors"] = [f"P-{i}" for i in range(1500)]
        return _post("huge bodies", event)
    nested: Any = "deep"
    for _ in range(40):
        nested = {"n": nested}
    return _post("huge bodies", {**template, "data": {**template["data"], "note": nested}})


def _unknown_ids(rng: random.Random) -> Request:
    event = copy.deepcopy(rng.choice(_templates(rng)))
    for name in ("unit_id", "responsible", "person_id", "hazard_id"):
        if name in event["data"] and rng.random() < 0.7:
            event["data"][name] = f"NO-SUCH-{rng.randrange(10**6)}"
    return _post("unknown ids", event, role=rng.choice(["admin", "recorder"]))


def _forbidden_transitions(rng: random.Random) -> Request:
    at = "2019-12-02T10:00:00+08:00"
    events = [
        {"type": "hazard.closed", "occurred_at": at, "data": {"hazard_id": "HZ-2019-0002"}},
        {"type": "hazard.closed", "occurred_at": at, "data": {"hazard_id": "HZ-2019-0001"}},
        {
            "type": "hazard.verified",
            "occurred_at": at,
            "data": {"hazard_id": "HZ-2019-0002", "verifier": IN_PERSON, "passed": True, "note": "合格"},
        },
        {
            "type": "unit.registered",
            "occurred_at": at,
            "data": {"unit_id": IN_UNIT, "kind": "enterprise", "name": "重"},
        },
        {
            "type": "accident.occurred",
            "occurred_at": at,
            "data": {**_templates(rng)[1]["data"], "grade": "major"},
        },
        {**rng.choice(_templates(rng)), "expected_version": 99},
        {**rng.choice(_templates(rng)), "stream": "hazard:OTHER"},
    ]
    role = rng.choice(["admin", "recorder", "viewer", "investigator"])
    return _post("forbidden transitions", rng.choice(events), role=role)


GET_PATHS = [
    "/v1/events",
    "/v1/events/stream",
    "/v1/streams/{id}",
    "/v1/units/{id}/responsibility",
    "/v1/units/{id}/timeline",
    "/v1/overdue",
    "/v1/accidents/{id}/accountability",
    "/v1/hazards",
    "/v1/hazards.xlsx",
    "/v1/overdue/summary",
    "/v1/units/{id}",
    "/v1/labels",
    "/v1/stats",
    "/v1/findings",
    "/v1/exports/dossier",
    "/v1/integrity/checkpoint",
    "/healthz",
    "/readyz",
    "/v1/openapi.json",
    "/v1/nowhere/{id}",
]
QUERY_NAMES = ["after", "limit", "type", "stream", "scope", "at", "known_at", "kind", "state", "severity"]
QUERY_NAMES += ["from", "to", "period", "role", "subject", "tz", "q"]
QUERY_VALUES: list[str] = [
    "%00",
    "%01",
    "%1b",
    "%7f",
    "%C2%B2",
    "%ED%A0%80",
    "%FF",
    "-1",
    "99999999999999999999",
    "1e3",
    "0",
    "371302",
    "371311",
    "hazard:HZ-2019-0001",
    "2019Q4",
    "2019Q5",
    "9999Q4",
    "2019-13",
    "hazard,nothing",
    "x" * 1500,
    "%27%20OR%201%3D1%20--",
    "2019-12-31T18:00:00%2B08:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "2019-12-31",
    "accident:%00",
    "unit:371302@2019Q9",
]
PATH_IDS = ["%00", "%C2%B2", "x" * 1200, IN_UNIT, OUT_UNIT, "ACC-2019-0001", "hazard:HZ-2019-0001", "%2F..%2F", "名"]


def _bad_parameters(rng: random.Random) -> Request:
    path = rng.choice(GET_PATHS).replace("{id}", rng.choice(PATH_IDS))
    names = rng.sample(QUERY_NAMES, rng.randrange(1, 4))
    query = "&".join(f"{name}={rng.choice(QUERY_VALUES)}" for name in names)
    if "/dossier" in path:  # a real dossier takes seconds to build: only subjects that fail fast
        query = f"subject={rng.choice(['%00', 'nothing:1', 'accident:', 'x' * 300])}"
    role = rng.choice(["admin", "viewer", "recorder", "investigator", None])
    return Request("bad parameters", rng.choice(["GET", "GET", "GET", "DELETE", "PUT"]), f"{path}?{query}", role)


def _bad_headers(rng: random.Random) -> Request:
    choice = rng.randrange(7)
    event = rng.choice(_templates(rng))
    if choice == 0:
        auth = rng.choice(["Basic abc", "Bearer", "Bearer ldg_", "Bearer ldg_zz_zz", "ldg_1_2", "Bearer " + "a" * 500])
        return Request("bad headers", "GET", "/v1/events", None, {"Authorization": auth})
    if choice == 1:
        return _post("bad headers", event, headers={"Content-Type": rng.choice(["text/plain", "x/y", ""])})
    if choice == 2:
        return Request("bad headers", "GET", "/v1/events/stream", "viewer", {"Last-Event-ID": rng.choice(QUERY_VALUES)})
    if choice == 3:
        return _post("bad headers", event, headers={"X-Request-ID": rng.choice(["é" * 80, "a b", "x" * 500, "ok-1"])})
    raw_token = b"Bearer ldg_" + bytes(rng.randrange(128, 256) for _ in range(20))
    raws = [
        b"GET /v1/events HTTP/1.1\r\nHost: t\r\nConnection: close\r\nAuthorization: " + raw_token + b"\r\n\r\n",
        b"GET /v1/events?x=" + b"a" * 9000 + b" HTTP/1.1\r\nHost: t\r\n\r\n",
        b"GET /v1/ev\x01nts HTTP/1.1\r\nHost: t\r\n\r\n",
        b"GET /v1/events HTTP/1.1\r\nHost: t\r\nNo-colon-here\r\n\r\n",
        b"POST /v1/events HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nabcde",
        b"POST /v1/events HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
        b"GET /v1/events HTTP/1.1\r\nHost: t\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
    ]
    return Request("bad headers", raw=rng.choice(raws))


def _valid(rng: random.Random) -> Request:
    """A well-formed post now and then, so that refusals interleave with appends."""
    return _post("valid posts", rng.choice(_templates(rng)[:2]), role=rng.choice(["admin", "recorder"]))


KINDS: dict[str, Callable[[random.Random], Request]] = {
    "malformed JSON": _malformed_json,
    "wrong types": _wrong_types,
    "NUL and control characters": _control_characters,
    "huge numbers": _huge_numbers,
    "absurd dates": _absurd_dates,
    "huge bodies": _huge_bodies,
    "unknown ids": _unknown_ids,
    "forbidden transitions": _forbidden_transitions,
    "bad parameters": _bad_parameters,
    "bad headers": _bad_headers,
    "valid posts": _valid,
}
#: how often each kind is drawn (huge bodies are slow to send: fewer of them)
WEIGHTS = {kind: 1.0 for kind in KINDS} | {"huge bodies": 0.15, "bad parameters": 2.0}


def draw(rng: random.Random) -> Request:
    kind = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
    return KINDS[kind](rng)
