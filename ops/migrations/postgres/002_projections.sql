-- Where each projector has folded the log up to. Advanced in the same transaction as the
-- projector's own writes, so a crash never applies an event twice or skips one.
CREATE TABLE projection_positions (
    name     text   PRIMARY KEY,
    position bigint NOT NULL
);

-- Read-model tables (this one and those of later migrations) are the service's to rewrite:
-- unlike the log, the service role may update and delete them (a rebuild empties them).
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'ledger_app') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON projection_positions TO ledger_app;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ledger_app;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ledger_app;
    END IF;
END;
$$;
