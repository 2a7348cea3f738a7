-- The log. Positions are assigned by the one writer holding the ledger's advisory lock,
-- so they are 1, 2, 3 … with no gap (no sequence: a sequence leaves holes on rollback).
CREATE TABLE events (
    position        bigint  PRIMARY KEY,
    stream          text    NOT NULL,
    version         integer NOT NULL,
    type            text    NOT NULL,
    occurred_at     text    NOT NULL,
    recorded_at     text    NOT NULL,
    actor           text    NOT NULL,
    data            text    NOT NULL,  -- JSON as text: verification re-reads exactly what was hashed
    idempotency_key text,
    prev_hash       text    NOT NULL,
    hash            text    NOT NULL,
    request_hash    text    NOT NULL,
    UNIQUE (stream, version)
);
CREATE UNIQUE INDEX events_idempotency_key ON events (idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX events_type ON events (type, position);
CREATE INDEX events_recorded_at ON events (recorded_at);

-- Append-only, enforced by the database itself: corrections are new events.
CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % of events is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- The service role: the service switches to it (SET ROLE) on every connection, so even a
-- bug in the application cannot UPDATE or DELETE the log. Roles are cluster-wide.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ledger_app') THEN
        CREATE ROLE ledger_app NOLOGIN;
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE WARNING 'cannot create role ledger_app; the service will run as the connecting user';
END;
$$;
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'ledger_app') THEN
        EXECUTE format('GRANT CONNECT ON DATABASE %I TO ledger_app', current_database());
        GRANT USAGE ON SCHEMA public TO ledger_app;
        REVOKE ALL ON events FROM ledger_app;
        GRANT SELECT, INSERT ON events TO ledger_app;
        GRANT SELECT ON schema_migrations TO ledger_app;
    END IF;
END;
$$;
