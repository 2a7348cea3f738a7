-- Every checkpoint the ledger signed (a C2SP note: ledger/checkpoint.py) and the witnesses'
-- cosignatures of it (tlog-cosignature lines). Append-only, like the log. The ledger also
-- keeps the checkpoints it signed in a file beside its signing key (ledger/integrity.py),
-- out of the database administrator's reach.
CREATE TABLE checkpoints (
    seq       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    origin    text   NOT NULL,
    size      bigint NOT NULL CHECK (size >= 0),
    root      text   NOT NULL,  -- hex
    signed_at text   NOT NULL,  -- RFC 3339 UTC, the note's time line
    note      text   NOT NULL UNIQUE
);
CREATE INDEX checkpoints_by_size ON checkpoints (origin, size);

CREATE TABLE cosignatures (
    checkpoint  bigint NOT NULL REFERENCES checkpoints (seq),
    witness     text   NOT NULL,  -- the witness's key name
    key_id      text   NOT NULL,  -- 8 hex digits
    cosigned_at text   NOT NULL,  -- RFC 3339 UTC, from the cosignature's timestamp
    line        text   NOT NULL,  -- the note signature line, as the witness sent it
    PRIMARY KEY (checkpoint, witness, key_id)
);

CREATE FUNCTION ledger_record_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'signed checkpoints and cosignatures are kept as signed: % of % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE ON checkpoints
    FOR EACH ROW EXECUTE FUNCTION ledger_record_refuse_change();
CREATE TRIGGER cosignatures_append_only BEFORE UPDATE OR DELETE ON cosignatures
    FOR EACH ROW EXECUTE FUNCTION ledger_record_refuse_change();

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'ledger_app') THEN
        REVOKE ALL ON checkpoints, cosignatures FROM ledger_app;
        GRANT SELECT, INSERT ON checkpoints, cosignatures TO ledger_app;
    END IF;
END;
$$;
