"""The ``ledger`` command. Errors are one line on stderr with exit status 2."""

from __future__ import annotations

import argparse
import asyncio
import errno
import getpass
import socket
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any, NoReturn

import structlog

from ledger.errors import IntegrityAlarm, LedgerError
from ledger.store import EventStore
from ledger.store.snapshots import RulesSnapshots, Snapshot
from ops.bootstrap import (
    ensure_tiles,
    log_key,
    open_ledger,
    open_notary,
    open_without_rules,
    snapshot_when_due,
    take_snapshot,
)
from ops.config import Settings, port_number
from ops.importer import import_file
from ops.logging import configure_logging
from ops.migrate import migrate
from ops.progress import progress_bar

__all__ = ["main"]

log = structlog.get_logger("ledger.cli")
Command = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]


async def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from ledger.store import open_backend

    backend = await open_backend(settings.database_url)
    try:
        applied = await migrate(backend)
        built = await ensure_tiles(backend)  # a ledger from before the Merkle tiles: once, with progress
    finally:
        await backend.close()
    print(f"schema is current ({len(applied)} migration(s) applied now)")
    if built:
        print(f"Merkle tiles built for {built} events")
    if backend.tiles.alarm:
        print(f"ledger: error: {backend.tiles.alarm}", file=sys.stderr)
        return 1
    return 0


async def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    store = await open_ledger(settings.database_url, key=log_key(settings))
    try:
        result = await import_file(store, Path(args.file), actor=args.actor, batch_size=args.batch_size)
        await snapshot_when_due(store)
    finally:
        await store.close()
    print(f"imported {result.appended} events ({result.replayed} already present); head is at {result.head}")
    return 0


async def cmd_verify(args: argparse.Namespace, settings: Settings) -> int:
    if args.dossier is not None:
        return _verify_dossier(args)
    if args.witness or args.threshold is not None or args.public_key is not None:
        print("ledger: error: --public-key, --witness and --threshold are for checking a dossier", file=sys.stderr)
        return 2
    store = await open_without_rules(settings.database_url, apply_migrations=False)
    try:
        problems = await _verify_ledger(store, settings)
    finally:
        await store.close()
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


async def _verify_ledger(store: EventStore, settings: Settings) -> list[str]:
    """The chain, the Merkle tiles against the events, and the log against the last
    checkpoint signed with LEDGER_SIGNING_KEY (its record beside the key); the problems."""
    from ledger.store.tiles import audit_tiles

    problems = []
    total = (await store.head()).position
    with progress_bar("verifying the chain", total) as bar:
        report = await store.verify(bar.update)
    if report.ok:
        print(f"chain holds: {report.count} events, head hash {report.head_hash}")
    else:
        problems.append(f"chain broken at position {report.bad_position}: {report.reason}")
    with progress_bar("verifying the Merkle tiles", total) as bar:
        audit = await audit_tiles(store.backend, total, bar.update)
    if audit.ok:
        print(f"Merkle tiles hold the same {total} events")
    else:
        problems.append(f"Merkle tree: {audit.problem}")
    if not _exists(settings.signing_key):
        print(f"no signing key at {settings.signing_key}: no signed checkpoint to compare the log with")
        return problems
    problems.extend(await _verify_snapshots(store, settings))
    notary = open_notary(store, settings)
    alarm = await notary.check()
    if alarm is not None:
        problems.append(f"checkpoint: {alarm}")
    elif notary.latest is not None:
        cp = notary.latest.checkpoint
        print(f"consistent with the checkpoint of {cp.size} events signed at {cp.timestamp} ({cp.origin})")
    else:
        print(f"no checkpoint signed with {settings.signing_key} yet")
    return problems


async def _verify_snapshots(store: EventStore, settings: Settings) -> list[str]:
    """Each stored snapshot of the rules' state: signed by this ledger's key, of this log —
    and one of this code loaded and compared with the log folded to its position."""
    from ledger.domain import Domain
    from ops.migrate import RULES_SNAPSHOTS

    if RULES_SNAPSHOTS not in await store.backend.applied_migrations():
        return []
    problems = []
    shelf = RulesSnapshots(store.backend, log_key(settings), Domain())
    for snapshot in await shelf.stored():
        where = f"snapshot of the rules' state at position {snapshot.position}"
        if snapshot.fingerprint == shelf.fingerprint:  # loaded (which checks it) and compared
            why = await _unlike_the_log(store, shelf, snapshot)
            if why is None:
                print(f"{where} holds (signed, of this log, and the log folded to it gives the same state)")
        elif (why := await shelf.check(snapshot)) is None:
            print(f"{where} holds (signed, of this log; taken by other code, so not compared)")
        if why is not None:
            problems.append(f"{where}: {why}")
    return problems


async def _unlike_the_log(store: EventStore, shelf: RulesSnapshots, snapshot: Snapshot) -> str | None:
    """Why the state a snapshot holds is not the log folded to its position (None: it is)."""
    from ledger.domain import Domain

    restored, folded = Domain(), Domain()
    why = await shelf.load(snapshot, restored)
    if why is not None:
        return why
    with progress_bar(f"folding the log to the snapshot at {snapshot.position}", snapshot.position) as bar:
        while folded.position < snapshot.position:
            events = await store.backend.read(folded.position, min(5000, snapshot.position - folded.position))
            for event in events:
                folded.replay(event)
            bar.update(len(events))
    mine, theirs = restored.snapshot(), folded.snapshot()
    if mine == theirs and restored.anomalies == folded.anomalies:
        return None
    streams = mine["aggregates"].keys() | theirs["aggregates"].keys()
    differ = sorted(s for s in streams if mine["aggregates"].get(s) != theirs["aggregates"].get(s))
    example = f", e.g. {differ[0]}" if differ else " (the indexes of roles, or the anomalies)"
    return f"its state is not what the log implies there: {len(differ)} entities differ{example}"


def _verify_dossier(args: argparse.Namespace) -> int:
    """Offline: a dossier's checkpoint, events and proofs against a public key (no database)."""
    from ops.verify_dossier import DossierUnreadable, verify_dossier

    if args.public_key is None:
        print("ledger: error: verifying a dossier needs --public-key KEY", file=sys.stderr)
        return 2
    try:
        report = verify_dossier(Path(args.dossier), args.public_key, args.witness, args.threshold)
    except DossierUnreadable as exc:
        print(f"ledger: error: {exc}", file=sys.stderr)
        return 2
    if report.ok:
        print(report.summary())
        return 0
    print(report.summary(), file=sys.stderr)
    for issue in report.issues[1:]:
        print(f"  also: {issue}", file=sys.stderr)
    return 1


async def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from dossier import build_dossier, zip_path
    from projections.installed import all_projectors
    from projections.runner import ProjectionRunner

    store = await open_without_rules(settings.database_url)
    try:
        runner = ProjectionRunner(store, all_projectors())
        await runner.load_positions()
        await runner.catch_up()  # the chain is read as of the head
        notary = open_notary(store, settings)
        if await notary.check():
            raise IntegrityAlarm(f"integrity alarm, no dossier is signed: {notary.alarm}")
        total = (await store.head()).position
        with progress_bar("reading the log", total) as bar:
            directory = await build_dossier(
                store,
                args.subject,
                Path(args.out),
                notary=notary,
                issuer=settings.issuer,
                with_personal_data=args.with_personal_data,
                known_position=runner.position(),
                progress=bar.update,
            )
    finally:
        await store.close()
    print(f"dossier written: {directory} (and {zip_path(directory)})")
    return 0


async def cmd_project(args: argparse.Namespace, settings: Settings) -> int:
    """Run the projectors on their own: catch up (with progress), then follow the log."""
    from projections.installed import all_projectors
    from projections.runner import ProjectionRunner

    store = await open_without_rules(settings.database_url)
    try:
        runner = ProjectionRunner(store, all_projectors())
        await runner.load_positions()
        head = (await store.head()).position
        if await store.backend.try_fold_lease():
            await runner.restore_indexes()
            with progress_bar("projecting", head - runner.position()) as bar:
                await runner.catch_up(bar.update)
        elif args.once:  # another process folds: wait for it to reach the head
            log.info("another process folds the read models; waiting for it", head=head)
            while not await runner.wait_for(head, 3600):
                pass
            await runner.load_positions()
        if args.once:
            print(f"projections are at position {runner.position()}")
            return 0
        log.info("following the log", position=runner.position())
        await runner.run()
    finally:
        await store.close()
    return 0


async def cmd_rebuild(args: argparse.Namespace, settings: Settings) -> int:
    from projections.installed import all_projectors
    from projections.runner import ProjectionRunner

    store = await open_without_rules(settings.database_url)
    try:
        if not await store.backend.try_fold_lease():
            raise LedgerError(
                "another process folds the read models (a `ledger serve` or `ledger project`); stop it first"
            )
        runner = ProjectionRunner(store, all_projectors())
        total = (await store.head()).position
        with progress_bar(f"rebuilding {', '.join(args.names) or 'all projections'}", total) as bar:
            position = await runner.rebuild(args.names, bar.update)
    finally:
        await store.close()
    print(f"rebuilt {', '.join(args.names) or 'all projections'} up to position {position}")
    return 0


async def cmd_snapshot(args: argparse.Namespace, settings: Settings) -> int:
    """Fold the rules' state (from the newest snapshot) and store a new signed snapshot."""
    if not _exists(settings.signing_key):
        raise LedgerError(
            f"no signing key at {settings.signing_key}: snapshots are signed with the ledger's key "
            "(LEDGER_SIGNING_KEY, created by the first `ledger serve`, `import` or `demo`)"
        )
    store = await open_ledger(settings.database_url, create=False, catch_up=False, key=log_key(settings))
    try:
        head = (await store.head()).position
        if head == 0:
            raise LedgerError("the ledger holds no event: there is no rules' state to snapshot")
        with progress_bar("folding the rules' state", head) as bar:
            await store.catch_up(bar.update)
        taken = await take_snapshot(store)
    finally:
        await store.close()
    print(
        f"snapshot of the rules' state at position {taken.position} (taken {taken.taken_at}): {taken.entities:,} "
        f"entities, {taken.size / 1e6:.1f} MB in {taken.parts} parts, signed; a start folds only the events after it"
    )
    return 0


async def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from ops.demo import run_demo

    return await run_demo(args, settings)


async def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Run the HTTP service until SIGINT/SIGTERM; then finish requests and appends, and stop."""
    import signal

    from aiohttp import web

    from api.app import create_app
    from api.server import LedgerRunner

    settings = settings.with_overrides(host=args.host, port=args.port, read_database_url=args.read_database)
    sock = _listening_socket(settings.host, settings.port)  # a taken port fails now, not after catch-up
    runner = LedgerRunner(create_app(settings), access_log=None)
    await runner.setup()  # opens the ledger, migrating an empty database, and catches up
    site = web.SockSite(runner, sock)
    await site.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("serving", url=f"http://{settings.host}:{settings.port}", database=settings.database_url.split("@")[-1])
    print(f"ledger: serving http://{settings.host}:{settings.port}  (Ctrl-C to stop)", file=sys.stderr, flush=True)
    await stop.wait()
    log.info("shutting down: finishing requests and appends")
    await runner.cleanup()
    return 0


class CannotListen(LedgerError):
    code = "cannot-listen"


def _listening_socket(host: str, port: int) -> socket.socket:
    """The service's socket, bound before anything else is opened (SO_REUSEADDR, as aiohttp)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
    except (OSError, UnicodeError) as exc:
        raise CannotListen(f"cannot listen on {host}:{port}: {exc}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        taken = exc.errno == errno.EADDRINUSE
        why = "the port is taken (another service listens on it)" if taken else (exc.strerror or str(exc))
        raise CannotListen(f"cannot listen on {host}:{port}: {why}") from None
    sock.setblocking(False)
    return sock


async def cmd_token(args: argparse.Namespace, settings: Settings) -> int:
    from api.tokens import authenticate, create_token, list_tokens, revoke_token

    store = await open_without_rules(settings.database_url)
    try:
        if args.action == "create":
            token_id, token = await create_token(store.backend, role=args.role, scope=args.scope, name=args.name)
            print(f"token {token_id} for {args.name} ({args.role}, scope {args.scope or 'all'}); shown once:")
            print(token)
        elif args.action == "list":
            for row in await list_tokens(store.backend):
                state = f"revoked {row['revoked_at']}" if row["revoked_at"] else "active"
                print(f"{row['token_id']}  {row['role']:<12} {row['scope'] or '*':<20} {row['name']}  ({state})")
        elif args.action == "check":
            who = await authenticate(store.backend, sys.stdin.readline().strip())
            print(f"token {who.token_id} is valid: {who.role}, scope {who.scope or 'all'}, {who.name}")
        else:
            await revoke_token(store.backend, args.token_id)
            print(f"token {args.token_id} revoked")
    finally:
        await store.close()
    return 0


async def cmd_policy(args: argparse.Namespace, settings: Settings) -> int:
    from ops.policy_cli import cmd_policy as run_policy

    return await run_policy(args, settings)


async def cmd_witness(args: argparse.Namespace, settings: Settings) -> int:
    """Run a C2SP tlog-witness for the logs of its configuration, until SIGINT/SIGTERM."""
    import signal

    from aiohttp import web

    from ops.witness import load_witness, witness_app

    try:
        witness = load_witness(Path(args.config))
    except ValueError as exc:
        print(f"ledger: error: {exc}", file=sys.stderr)
        return 2
    if args.vkey:
        print(witness.vkey)
        return 0
    runner = web.AppRunner(witness_app(witness), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, args.host, args.port).start()
    except OSError as exc:
        await runner.cleanup()
        print(f"ledger: error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    print(f"ledger: witness {witness.name} on http://{args.host}:{args.port}  vkey {witness.vkey}", file=sys.stderr)
    log.info("witnessing", name=witness.name, logs=sorted(witness.logs), url=f"http://{args.host}:{args.port}")
    await stop.wait()
    await runner.cleanup()
    witness.state.close()
    return 0


async def cmd_vkey(args: argparse.Namespace, settings: Settings) -> int:
    """The ledger's origin and verifier key, for witnesses and reviewers."""
    from ledger.checkpoint import LogKey, load_or_create_signing_key

    if not _exists(settings.signing_key):
        print(
            f"ledger: error: no signing key at {settings.signing_key} (it is created on first start)", file=sys.stderr
        )
        return 2
    key = LogKey(load_or_create_signing_key(settings.signing_key), settings.origin or None)
    print(f"origin {key.origin}")
    print(key.vkey)
    return 0


async def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    from ops.bench import run_bench

    return await run_bench(args, settings)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ledger", description="The duty and accountability ledger.")
    parser.add_argument("--database", help="database URL (env LEDGER_DATABASE_URL); default sqlite:///ledger.db")
    parser.add_argument("--log-format", choices=["json", "console", "auto"], help="env LEDGER_LOG_FORMAT")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    sub.add_parser("migrate", help="bring the database to the current schema").set_defaults(run=cmd_migrate)

    imp = sub.add_parser("import", help="append the events of a JSON Lines file (one envelope a line)")
    imp.add_argument("file", help="FILE.jsonl")
    imp.add_argument("--actor", default=f"cli:{_user()}", help="who is recorded as posting them")
    imp.add_argument("--batch-size", type=_positive, default=1000, help="events per atomic batch (1000)")
    imp.set_defaults(run=cmd_import)

    verify = sub.add_parser("verify", help="walk the hash chain, or check a dossier offline; exit 0 when it holds")
    verify.add_argument("dossier", nargs="?", help="a dossier directory or .zip to check offline (no database)")
    verify.add_argument(
        "--public-key", help="the ledger's verifier key (name+id+key, or a file holding it) or its PEM, for a dossier"
    )
    verify.add_argument(
        "--witness", action="append", default=[], metavar="VKEY", help="a witness's verifier key (or a file); repeat"
    )
    verify.add_argument(
        "--threshold", type=_natural, help="how many of the --witness keys must have cosigned (default: all)"
    )
    verify.set_defaults(run=cmd_verify)

    export = sub.add_parser("export", help="write a compliance dossier (PDF, XLSX, events, proofs) and its .zip")
    export.add_argument("subject", help="accident:ID, hazard:ID, person:ID or unit:ID[@2019Q4]")
    export.add_argument("--out", default=".", help="directory to write it under (.)")
    export.add_argument(
        "--with-personal-data", action="store_true", help="include personal data (id numbers, phones) in the clear"
    )
    export.set_defaults(run=cmd_export)

    serve = sub.add_parser("serve", help="run the HTTP service (migrates an empty database first)")
    serve.add_argument("--host", help="env LEDGER_HOST (127.0.0.1)")
    serve.add_argument("--port", type=_port, help="env LEDGER_PORT (8080)")
    serve.add_argument(
        "--read-database", help="env LEDGER_READ_DATABASE_URL: a streaming replica that answers the reads (none)"
    )
    serve.set_defaults(run=cmd_serve)

    witness = sub.add_parser("witness", help="run a C2SP tlog-witness that cosigns other ledgers' checkpoints")
    witness.add_argument("--config", required=True, help="its TOML configuration (name, key, state, logs)")
    witness.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    witness.add_argument("--port", type=int, default=8090, help="port to listen on (8090)")
    witness.add_argument("--vkey", action="store_true", help="print the witness's verifier key and exit")
    witness.set_defaults(run=cmd_witness)

    sub.add_parser("vkey", help="print the ledger's checkpoint origin and verifier key").set_defaults(run=cmd_vkey)

    token = sub.add_parser("token", help="create, list or revoke API tokens")
    actions = token.add_subparsers(dest="action", required=True, metavar="ACTION", parser_class=_Parser)
    create = actions.add_parser("create", help="create a token; it is printed once, on the last line")
    create.add_argument("--role", required=True, choices=["recorder", "viewer", "investigator", "admin"])
    create.add_argument("--scope", help="a unit id: the subtree a recorder or viewer is kept to")
    create.add_argument("--name", required=True, help="whose token it is (a system, a person)")
    actions.add_parser("list", help="every token (never the secrets)")
    revoke = actions.add_parser("revoke", help="revoke a token by its id")
    revoke.add_argument("token_id")
    actions.add_parser("check", help="is the token on standard input valid? (exit 0, else 2)")
    token.set_defaults(run=cmd_token)

    from ops.users import add_user_parser, cmd_user

    add_user_parser(sub)
    sub.choices["user"].set_defaults(run=cmd_user)

    project = sub.add_parser("project", help="run the projections on their own (the service runs them too)")
    project.add_argument("--once", action="store_true", help="catch up and stop instead of following the log")
    project.set_defaults(run=cmd_project)

    rebuild = sub.add_parser("rebuild", help="empty projections and fold the whole log again")
    rebuild.add_argument("names", nargs="*", metavar="NAME", help="projections to rebuild (default: all)")
    rebuild.set_defaults(run=cmd_rebuild)

    snapshot = sub.add_parser(
        "snapshot", help="store a signed snapshot of the rules' state, so that a start folds only what follows"
    )
    snapshot.set_defaults(run=cmd_snapshot)

    demo = sub.add_parser("demo", help="generate and import a realistic demo city (deterministic, seeded)")
    demo.add_argument("--seed", type=int, default=2019, help="random seed (2019); same seed, same log")
    demo.add_argument("--enterprises", type=_positive, default=9000, help="enterprises in the city (9000)")
    demo.add_argument("--years", type=_positive, default=1, help="years of history from 2019-01-01 (1)")
    demo.add_argument("--output", help="write the events as JSON Lines to this file instead of importing them")
    demo.add_argument("--if-empty", action="store_true", help="load only into an empty ledger (the quick start)")
    demo.set_defaults(run=cmd_demo)

    from ops.policy_cli import add_policy_parser

    add_policy_parser(sub, cmd_policy, actor=f"cli:{_user()}")

    bench = sub.add_parser("bench", help="benchmarks against the eventsourcing library, in one run; crash tests")
    bench.add_argument(
        "what",
        choices=["append", "http", "projections", "crash", "integrity", "replica", "scale"],
        help="the store's appends, HTTP posts, read models, kill -9 under load, proofs from the tiles, "
        "read-after-write with a streaming replica, or the growth curve (scale: --events N, measured at N/9, "
        "N/3 and N)",
    )
    bench.add_argument("--events", type=_positive, default=20000, help="events per concurrent workload (20000)")
    bench.add_argument("--backend", choices=["postgres", "sqlite", "both"], default="both")
    bench.add_argument("--enterprises", type=_positive, default=24000, help="projections: demo city size (24000)")
    bench.add_argument("--years", type=_positive, default=1, help="projections: years of history (1)")
    bench.add_argument("--seed", type=int, default=2019, help="projections: demo seed")
    bench.add_argument("--queries", type=_positive, default=300, help="projections: queries per kind (300)")
    bench.add_argument("--sizes", type=_sizes, default=None, help="scale: the sizes to measure at, e.g. 350000,1000000")
    bench.add_argument("--cycles", type=_positive, default=20, help="crash: kill -9 cycles per backend (20)")
    bench.add_argument("--clients", type=_positive, default=16, help="crash, replica: concurrent posting clients (16)")
    bench.set_defaults(run=cmd_bench)
    return parser


def _positive(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, not {text!r}")
    return int(text)


def _sizes(text: str) -> str:
    parts = text.split(",")
    if not all(p.isascii() and p.isdigit() and int(p) > 0 for p in parts):
        raise argparse.ArgumentTypeError(f"must be positive whole numbers separated by commas, not {text!r}")
    return text


def _port(text: str) -> int:
    try:
        return port_number(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


class _Parser(argparse.ArgumentParser):
    """Usage mistakes as every other error: one line on stderr, exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _exists(path: str) -> bool:
    return Path(path).exists()


def _natural(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be a whole number, 0 or more")
    return value


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in a bare container
        return "operator"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env().with_overrides(database_url=args.database, log_format=args.log_format)
    except ValueError as exc:
        print(f"ledger: error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_format)
    run: Command = args.run
    try:
        return asyncio.run(run(args, settings))
    except LedgerError as exc:
        print(f"ledger: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ledger: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
