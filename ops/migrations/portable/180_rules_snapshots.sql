-- Snapshots of the rules' state (the appender's decider, ledger.domain): a start loads the
-- latest one its own code can read and folds only the events after it, instead of the whole
-- log (ledger/store/snapshots.py). They are a cache, not the record: each names the event it
-- reflects (position and hash, checked against the log before use) and is signed with the
-- ledger's key (checked before a byte of it is read), and older ones are deleted as new ones
-- are taken (parts first: ledger/store/snapshots.py deletes both). The body is cut in parts,
-- so that loading it never stalls the service for long.
CREATE TABLE rules_snapshots (
    fingerprint text    NOT NULL,  -- the code that took it: another code's state is not read
    position    bigint  NOT NULL CHECK (position > 0),
    event_hash  text    NOT NULL,  -- the hash of the event at position
    taken_at    text    NOT NULL,  -- RFC 3339 UTC
    parts       integer NOT NULL CHECK (parts > 0),
    entities    integer NOT NULL,
    size        bigint  NOT NULL,  -- bytes stored, all parts (each compressed with zlib)
    signature   text    NOT NULL,  -- Ed25519 by the ledger's key over the manifest, hex
    PRIMARY KEY (fingerprint, position)
);

CREATE TABLE rules_snapshot_parts (
    fingerprint text    NOT NULL,
    position    bigint  NOT NULL,
    part        integer NOT NULL,
    body        bytea   NOT NULL,  -- SQLite keeps the bytes as a BLOB under this name too
    PRIMARY KEY (fingerprint, position, part)
);