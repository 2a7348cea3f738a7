"""The app factory: ``create_app(settings)`` wires the ledger, the projections and the routes."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import structlog
from aiohttp import web

from api.auth import PRINCIPAL, authenticated
from api.metrics import Metrics
from api.params import checked_parameters
from api.problems import Problem, from_ledger_error, problem_response
from ledger.errors import LedgerError
from ledger.integrity import Notary
from ledger.store import EventStore
from ledger.store.personal import PersonalData
from ops.bootstrap import log_key, open_ledger, open_notary, open_read_replica, personal_data, read_replica_url
from ops.config import Settings
from projections.installed import all_projectors
from projections.replica import Replica
from projections.runner import ProjectionRunner

__all__ = ["METRICS", "NOTARY", "PERSONAL", "REPLICA", "RUNNER", "SETTINGS", "STORE", "create_app"]

log = structlog.get_logger("ledger.api")

SETTINGS = web.AppKey("settings", Settings)
STORE = web.AppKey("store", EventStore)
RUNNER = web.AppKey("runner", ProjectionRunner)
METRICS = web.AppKey("metrics", Metrics)
NOTARY = web.AppKey("notary", Notary)
PERSONAL = web.AppKey("personal", PersonalData)
#: the read models on a streaming replica (LEDGER_READ_DATABASE_URL); absent without one
REPLICA = web.AppKey("replica", Replica)

#: how often a checkpoint of a moved head is signed and pushed to the witnesses
CHECKPOINT_SECONDS = 1.0

#: a request body larger than this is refused (413) before it is read
MAX_BODY_BYTES = 8 * 1024 * 1024
#: a client's X-Request-ID is kept only when it looks like one (it is echoed and logged)
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
#: how long the projections pause before starting again after the database failed
RESTART_SECONDS = 1.0

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A request id, one log line per request, metrics, and every error as problem+json."""
    given = request.headers.get("X-Request-ID", "")
    request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex[:16]
    structlog.contextvars.bind_contextvars(request_id=request_id)
    started = time.perf_counter()
    route = request.match_info.route.resource.canonical if request.match_info.route.resource else "unmatched"
    try:
        response = await _answer(request, handler)
    finally:
        structlog.contextvars.unbind_contextvars("request_id")
    elapsed = time.perf_counter() - started
    response.headers["X-Request-ID"] = request_id
    request.app[METRICS].observe(request.method, route, response.status, elapsed)
    log.info(
        "request",
        request_id=request_id,
        method=request.method,
        path=request.path,
        query=request.query_string or None,
        status=response.status,
        ms=round(elapsed * 1000, 2),
        actor=getattr(request.get(PRINCIPAL), "actor", None),
    )
    return response


async def _answer(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except Problem as problem:
        return problem_response(problem, request.path)
    except LedgerError as error:
        return problem_response(from_ledger_error(error), request.path)
    except web.HTTPRequestEntityTooLarge:
        detail = f"the request body is larger than {MAX_BODY_BYTES} bytes"
        return problem_response(
            Problem(413, "too-large", "Request too large", detail, zh=f"请求体超过 {MAX_BODY_BYTES} 字节"), request.path
        )
    except web.HTTPException as http:
        if http.status < 400:
            raise
        slug = {404: "not-found", 405: "method-not-allowed"}.get(http.status, "http-error")
        return problem_response(Problem(http.status, slug, http.reason, http.reason), request.path)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("unhandled error")
        detail = "the ledger failed to answer; the error is logged with this request's id"
        return problem_response(Problem(500, "internal", "Internal error", detail), request.path)


async def _ledger_context(app: web.Application) -> AsyncIterator[None]:
    """Open the ledger (migrating an empty database), run the projections, close on shutdown."""
    settings = app[SETTINGS]
    replica_url = read_replica_url(settings)  # a wrong one is said before anything opens
    # the rules' state is folded in the background: the service answers at once, an append
    # that comes before the fold ends replays the rest first (ledger.store.base.catch_up)
    store = await open_ledger(settings.database_url, catch_up=False, key=log_key(settings))
    runner = ProjectionRunner(store, all_projectors())
    if replica_url is not None:  # the read models' queries go there (api/reads.py)
        try:
            app[REPLICA] = await open_read_replica(replica_url, store, [p.name for p in runner.projectors])
        except BaseException:
            await store.close()
            raise
    # the read models are folded by one process at a time (the lease): this one folds in the
    # background when it holds it; reads wait for them (honest reads) and /readyz tells
    await runner.load_positions()
    app[STORE] = store
    app[PERSONAL] = personal_data(store)
    app[RUNNER] = runner
    notary = app[NOTARY] = open_notary(store, settings)
    await notary.check()  # a log cut or rewritten since the last checkpoint: the alarm, at once
    tasks = [
        asyncio.create_task(_fold_rules(store), name="rules"),
        asyncio.create_task(_follow(runner), name="projections"),
        asyncio.create_task(notary.follow(CHECKPOINT_SECONDS), name="checkpoints"),
    ]
    replica = app.get(REPLICA)
    log.info(
        "ledger open",
        database=settings.database_url.split("@")[-1],
        read_database=replica_url.split("@")[-1] if replica_url else None,
        folded=runner.position(),
    )
    yield
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    await store.close()  # finishes the appends already accepted, then releases the database
    if replica is not None:
        await replica.close()
    log.info("ledger closed")


async def _fold_rules(store: EventStore) -> None:
    """Fold the log into the rules' state (the decider) once, beside serving."""
    started = time.perf_counter()
    try:
        head = (await store.head()).position
        log.info("folding the rules' state", events=head)
        position = await store.catch_up()
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # the next append or scoped read folds what is left, or says why not
        log.error("folding the rules' state failed; the next request that needs it folds it", error=repr(exc))
        return
    # the state is hundreds of thousands of long-lived objects: out of the collector's sight,
    # a full collection no longer walks them (a pause of ~0.2 s on the demo city, every few
    # requests that allocate much — the p95 of the dashboard's calls)
    gc.freeze()
    log.info("rules' state folded", position=position, seconds=round(time.perf_counter() - started, 1))
    try:  # a long fold is not done twice: the next start begins from here
        if store.snapshots is not None and await store.snapshots.due():
            await store.take_snapshot()
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        log.error("could not take a snapshot of the rules' state; the next start folds the log", error=repr(exc))


async def _follow(runner: ProjectionRunner) -> None:
    """Run the projections as long as the service runs. When the database fails (restarted,
    unreachable) they start again once it answers, from the positions it has committed."""
    while True:
        try:
            await runner.load_positions()
            await runner.run()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.error("projections stopped; starting again", error=repr(exc), pause=RESTART_SECONDS)
            await asyncio.sleep(RESTART_SECONDS)


def create_app(settings: Settings) -> web.Application:
    from api.routes import add_routes

    app = web.Application(
        middlewares=[request_context, authenticated, checked_parameters], client_max_size=MAX_BODY_BYTES
    )
    app[SETTINGS] = settings
    app[METRICS] = Metrics(replica=bool(settings.read_database_url))
    app.cleanup_ctx.append(_ledger_context)
    add_routes(app)
    return app
