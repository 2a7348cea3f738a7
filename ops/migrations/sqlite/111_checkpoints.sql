-- Every checkpoint the ledger signed (a C2SP note: ledger/checkpoint.py) and the witnesses'
-- cosignatures of it (tlog-cosignature lines). Append-only, like the log. The ledger also
-- keeps the checkpoints it signed in a file beside its signing key (ledger/integrity.py),
-- out of the database administrator's reach.
CREATE TABLE checkpoints (
    seq       INTEGER PRIMARY KEY,
    origin    TEXT    NOT NULL,
    size      INTEGER NOT NULL CHECK (size >= 0),
    root      TEXT    NOT NULL,
    signed_at TEXT    NOT NULL,
    note      TEXT    NOT NULL UNIQUE
);
CREATE INDEX checkpoints_by_size ON checkpoints (origin, size);

CREATE TABLE cosignatures (
    checkpoint  INTEGER NOT NULL REFERENCES checkpoints (seq),
    witness     TEXT    NOT NULL,
    key_id      TEXT    NOT NULL,
    cosigned_at TEXT    NOT NULL,
    line        TEXT    NOT NULL,
    PRIMARY KEY (checkpoint, witness, key_id)
);

CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
BEGIN
    SELECT RAISE(ABORT, 'signed checkpoints are kept as signed: UPDATE is refused');
END;
CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
BEGIN
    SELECT RAISE(ABORT, 'signed checkpoints are kept as signed: DELETE is refused');
END;
CREATE TRIGGER cosignatures_no_update BEFORE UPDATE ON cosignatures
BEGIN
    SELECT RAISE(ABORT, 'cosignatures are kept as signed: UPDATE is refused');
END;
CREATE TRIGGER cosignatures_no_delete BEFORE DELETE ON cosignatures
BEGIN
    SELECT RAISE(ABORT, 'cosignatures are kept as signed: DELETE is refused');
END;
