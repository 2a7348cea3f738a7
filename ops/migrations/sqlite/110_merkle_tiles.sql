-- The log's Merkle tree in the C2SP tlog-tiles layout (ledger/tiles.py): tile (level, idx)
-- holds up to 256 hashes of one level. The appender writes them in the same transaction as
-- the events they cover (ledger/store/tiles.py); the rightmost tile of a level above 0 grows,
-- and nothing ever changes a hash already written. Level-0 tiles are stored once full; the
-- leaves of the last, partial one are in merkle_leaves.
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

-- The leaves of the log's last, partial level-0 tile, as each write transaction added them
-- (its leaves within that tile, from leaf index ``start``): a few dozen bytes a commit, not a
-- rewritten tile. Once the tile is full it is in merkle_tiles and these rows are not read.
CREATE TABLE merkle_leaves (
    start  INTEGER PRIMARY KEY CHECK (start >= 0),
    hashes BLOB    NOT NULL CHECK (length(hashes) BETWEEN 32 AND 8160 AND length(hashes) % 32 = 0)
);
CREATE TRIGGER merkle_leaves_no_update BEFORE UPDATE ON merkle_leaves
BEGIN
    SELECT RAISE(ABORT, 'a Merkle tile only grows: UPDATE of its leaves is refused');
END;
CREATE TRIGGER merkle_leaves_no_delete BEFORE DELETE ON merkle_leaves
BEGIN
    SELECT RAISE(ABORT, 'a Merkle tile only grows: DELETE of its leaves is refused');
END;
