-- The log's Merkle tree in the C2SP tlog-tiles layout (ledger/tiles.py): tile (level, idx)
-- holds up to 256 hashes of one level. The appender writes them in the same transaction as
-- the events they cover (ledger/store/tiles.py); the rightmost tile of a level grows, and
-- nothing ever changes a hash already written.
CREATE TABLE merkle_tiles (
    level  INTEGER NOT NULL CHECK (level BETWEEN 0 AND 63),
    idx    INTEGER NOT NULL CHECK (idx >= 0),
    hashes BLOB    NOT NULL CHECK (length(hashes) BETWEEN 32 AND 8192 AND length(hashes) % 32 = 0),
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TRIGGER merkle_tiles_grow_only BEFORE UPDATE ON merkle_tiles
WHEN NEW.level <> OLD.level OR NEW.idx <> OLD.idx OR length(NEW.hashes) < length(OLD.hashes)
     OR substr(NEW.hashes, 1, length(OLD.hashes)) <> OLD.hashes
BEGIN
    SELECT RAISE(ABORT, 'a Merkle tile only grows: UPDATE of its hashes is refused');
END;
CREATE TRIGGER merkle_tiles_no_delete BEFORE DELETE ON merkle_tiles
BEGIN
    SELECT RAISE(ABORT, 'a Merkle tile only grows: DELETE is refused');
END;
