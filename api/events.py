"""The log over HTTP: post events, page the log, tail it live, read a stream."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from aiohttp import web

from api.app import METRICS, PERSONAL, STORE
from api.auth import principal, require
from api.params import int_param, parse_int
from api.problems import Problem
from api.scope import event_unit, event_units, within_written
from ledger.domain import Domain
from ledger.envelope import Proposed, StoredEvent, parse_proposed
from ledger.errors import DomainRefused, InvalidEnvelope
from ledger.labels import label

__all__ = ["get_events", "get_stream", "post_events", "tail_events", "visible"]

MAX_BATCH = 1000
HEARTBEAT_SECONDS = 15.0
#: who may read personal data in the clear (SPEC §4); everyone else sees it withheld
PERSONAL_READERS = frozenset({"investigator", "admin"})
#: event types only an admin may post: erasing a person's data destroys it for good
ADMIN_ONLY = frozenset({"person.erased"})


async def _json_body(request: web.Request) -> Any:
    raw = await request.read()
    if not raw.strip():
        raise Problem(
            400,
            "malformed",
            "Malformed request",
            "the body is empty: send an event or an array of events",
            zh="请求体为空：请提交一个事件或事件数组",
        )
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise Problem(
            400, "malformed", "Malformed JSON", f"the body is not valid JSON: {exc}", zh=f"请求体不是合法的 JSON：{exc}"
        ) from None


def _proposals(body: Any, actor: str, key: str | None) -> list[Proposed]:
    items = body if isinstance(body, list) else [body]
    if not items:
        raise Problem(
            400, "malformed", "Empty batch", "an array of events must hold at least one event", zh="事件数组不能为空"
        )
    if len(items) > MAX_BATCH:
        raise Problem(
            413,
            "too-large",
            "Batch too large",
            f"a batch holds at most {MAX_BATCH} events, not {len(items)}",
            zh=f"一批最多 {MAX_BATCH} 个事件，本次为 {len(items)} 个",
        )
    proposals = []
    for index, item in enumerate(items):
        event_key = key if len(items) == 1 or key is None else f"{key}#{index}"
        try:
            proposals.append(parse_proposed(item, actor, event_key))
        except InvalidEnvelope as error:
            raise InvalidEnvelope(error.errors, index if isinstance(body, list) else None) from None
    return proposals


def _check_scope(request: web.Request, proposals: list[Proposed], domain: Domain) -> None:
    who = principal(request)
    if who.scope is None:
        return
    for index, event in enumerate(proposals):
        for field, unit in event_units(event, domain, proposals[:index]):
            if not within_written(unit, who.scope, domain, proposals[:index]):
                # the same words for a unit elsewhere and for one that does not exist, and
                # never the unit itself: a refusal must not tell what lies outside the scope
                named = f" (through {field})" if field else ""
                raise Problem(
                    403,
                    "out-of-scope",
                    "Outside your jurisdiction",
                    f"event {index} ({event.type}) concerns a unit{named} that is not in the subtree of "
                    f"{who.scope}, or is not known",
                    zh=f"第 {index} 个事件（{label('event_type', event.type)}）"
                    f"{'经字段 ' + field + ' ' if field else ''}涉及的单位不在辖区 {who.scope} 之内，或尚未登记",
                )


def _check_admin_only(request: web.Request, proposals: list[Proposed]) -> None:
    who = principal(request)
    for index, event in enumerate(proposals):
        if event.type in ADMIN_ONLY and who.role != "admin":
            raise Problem(403, "forbidden", "Forbidden", f"event {index} ({event.type}): only an admin may post it")


def _without_index(error: DomainRefused | InvalidEnvelope) -> DomainRefused | InvalidEnvelope:
    if isinstance(error, DomainRefused):
        return DomainRefused(error.rule, error.message, error.field)
    return InvalidEnvelope(error.errors)


async def presented(request: web.Request, events: list[StoredEvent]) -> list[dict[str, Any]]:
    """Events as this caller may see them: personal fields in the clear, withheld or erased."""
    return await request.app[PERSONAL].present(events, principal(request).role in PERSONAL_READERS)


async def post_events(request: web.Request) -> web.Response:
    who = require(request, "recorder", "admin")
    body = await _json_body(request)
    proposals = _proposals(body, who.actor, request.headers.get("Idempotency-Key"))
    _check_admin_only(request, proposals)
    store = request.app[STORE]
    if isinstance(store.decider, Domain) and who.scope is not None:
        await store.folded()  # the registry as the log holds it (the start's fold may still run)
        _check_scope(request, proposals, store.decider)
    try:
        stored = await store.append(proposals)
    except (DomainRefused, InvalidEnvelope) as refused:
        if isinstance(body, list):
            raise
        raise _without_index(refused) from None  # one event: no index
    request.app[METRICS].appended.inc(len(stored))
    payload = await presented(request, stored)
    return web.Response(
        body=orjson.dumps(payload if isinstance(body, list) else payload[0]),
        status=201,
        content_type="application/json",
    )


async def visible(request: web.Request, events: list[StoredEvent]) -> list[StoredEvent]:
    """A scoped caller sees only events about units in their subtree (judged on the rules'
    registry, folded first if the start's fold has not ended)."""
    who = principal(request)
    store = request.app[STORE]
    if who.scope is None or not isinstance(store.decider, Domain) or not events:
        return events
    await store.folded()
    domain = store.decider
    return [e for e in events if within_written(event_unit(e, domain, ()), who.scope, domain, ())]  # type: ignore[arg-type]


async def get_events(request: web.Request) -> web.Response:
    require(request, "viewer", "investigator", "admin", "recorder")
    after = int_param(request, "after", 0)
    limit = int_param(request, "limit", 100, maximum=1000) or 100
    types = [t for t in request.query.get("type", "").split(",") if t]
    events = await request.app[STORE].read(after, limit, request.query.get("stream"), types)
    body = {
        "events": await presented(request, await visible(request, events)),
        "next_after": events[-1].position if events else after,
    }
    return web.Response(body=orjson.dumps(body), content_type="application/json")


async def tail_events(request: web.Request) -> web.StreamResponse:
    """Server-Sent Events: every event after ``after`` (or ``Last-Event-ID``), then live."""
    require(request, "viewer", "investigator", "admin", "recorder")
    after = int_param(request, "after", 0)
    resume = request.headers.get("Last-Event-ID")
    if resume is not None:  # checked like any parameter, before the stream's 200 is sent
        after = parse_int("Last-Event-ID", resume)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)
    store = request.app[STORE]
    pages = store.subscribe_batches(after=after).__aiter__()
    pending: asyncio.Task[list[StoredEvent]] | None = None
    try:
        while True:
            pending = pending or asyncio.ensure_future(pages.__anext__())
            done, _ = await asyncio.wait({pending}, timeout=HEARTBEAT_SECONDS)
            if not done:
                await response.write(b": keep-alive\n\n")
                continue
            events, pending = pending.result(), None
            for event in await presented(request, await visible(request, events)):
                frame = b"id: %d\nevent: %s\ndata: %s\n\n" % (
                    event["position"],
                    event["type"].encode(),
                    orjson.dumps(event),
                )
                await response.write(frame)
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        if pending is not None:
            pending.cancel()
    return response


async def get_stream(request: web.Request) -> web.Response:
    require(request, "viewer", "investigator", "admin", "recorder")
    stream = request.match_info["stream"]
    store = request.app[STORE]
    stored = await store.read_stream(stream)
    events = await visible(request, stored)
    if not events:
        raise Problem(404, "not-found", "Not found", f"no stream {stream!r} (or none you may read)")
    state = None
    if isinstance(store.decider, Domain):
        # the stream's own events folded apart, whole (an aggregate changes only by its own
        # events): the rules' state keeps only what it still reads of a closed hazard
        own = Domain(retire=False)
        for event in stored:
            own.replay(event)
        aggregate = own.get(stream)
        state = aggregate.attributes() if aggregate is not None else None
    body = {"stream": stream, "version": events[-1].version, "state": state, "events": await presented(request, events)}
    return web.Response(body=orjson.dumps(body, default=str), content_type="application/json")
