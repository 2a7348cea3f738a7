-- The service role may read, make and destroy keys of personal data; it still may only
-- SELECT and INSERT the log (001_events.sql): erasing a person never touches an event.
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'ledger_app') THEN
        REVOKE ALL ON person_keys FROM ledger_app;
        GRANT SELECT, INSERT, UPDATE, DELETE ON person_keys TO ledger_app;
    END IF;
END;
$$;
