-- The log. Positions are assigned by the one writer (BEGIN IMMEDIATE serialises writers
-- across processes), so they are 1, 2, 3 … with no gap; INTEGER PRIMARY KEY is the rowid.
CREATE TABLE events (
    position        INTEGER PRIMARY KEY,
    stream          TEXT    NOT NULL,
    version         INTEGER NOT NULL,
    type            TEXT    NOT NULL,
    occurred_at     TEXT    NOT NULL,
    recorded_at     TEXT    NOT NULL,
    actor           TEXT    NOT NULL,
    data            TEXT    NOT NULL,
    idempotency_key TEXT,
    prev_hash       TEXT    NOT NULL,
    hash            TEXT    NOT NULL,
    request_hash    TEXT    NOT NULL,
    UNIQUE (stream, version)
);
CREATE UNIQUE INDEX events_idempotency_key ON events (idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX events_type ON events (type, position);
CREATE INDEX events_recorded_at ON events (recorded_at);

-- Append-only, enforced by the database itself: corrections are new events.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only: UPDATE of events is refused');
END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only: DELETE of events is refused');
END;
