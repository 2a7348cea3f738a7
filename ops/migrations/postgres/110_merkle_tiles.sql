-- The log's Merkle tree in the C2SP tlog-tiles layout (ledger/tiles.py): tile (level, idx)
-- holds up to 256 hashes of one level. The appender writes them in the same transaction as
-- the events they cover (ledger/store/tiles.py); the rightmost tile of a level above 0 grows,
-- and nothing ever changes a hash already written. Level-0 tiles are stored once full; the
-- leaves of the last, partial one are in merkle_leaves.
CREATE TABLE merkle_tiles (
    level  smallint NOT NULL CHECK (level BETWEEN 0 AND 63),
    idx    bigint   NOT NULL CHECK (idx >= 0),
    hashes bytea    NOT NULL CHECK (length(hashes) BETWEEN 32 AND 8192 AND length(hashes) % 32 = 0),
    PRIMARY KEY (level, idx)
);
-- hashes do not compress: keep them out of line without trying
ALTER TABLE merkle_tiles ALTER COLUMN hashes SET STORAGE EXTERNAL;

CREATE FUNCTION ledger_tile_grows_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'UPDATE' OR NEW.level <> OLD.level OR NEW.idx <> OLD.idx
       OR length(NEW.hashes) < length(OLD.hashes)
       OR substring(NEW.hashes FROM 1 FOR length(OLD.hashes)) <> OLD.hashes THEN
        RAISE EXCEPTION 'a Merkle tile only grows: % of its hashes is refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER merkle_tiles_grow_only BEFORE UPDATE OR DELETE ON merkle_tiles
    FOR EACH ROW EXECUTE FUNCTION ledger_tile_grows_only();
CREATE TRIGGER merkle_tiles_no_truncate BEFORE TRUNCATE ON merkle_tiles
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_tile_grows_only();

-- The leaves of the log's last, partial level-0 tile, as each write transaction added them
-- (its leaves within that tile, from leaf index ``start``): a few dozen bytes a commit, not a
-- rewritten tile. Once the tile is full it is in merkle_tiles and these rows are not read.
CREATE TABLE merkle_leaves (
    start  bigint PRIMARY KEY CHECK (start >= 0),
    hashes bytea  NOT NULL CHECK (length(hashes) BETWEEN 32 AND 8160 AND length(hashes) % 32 = 0)
);
CREATE FUNCTION ledger_leaves_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a Merkle tile only grows: % of its leaves is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER merkle_leaves_append_only BEFORE UPDATE OR DELETE ON merkle_leaves
    FOR EACH ROW EXECUTE FUNCTION ledger_leaves_refuse_change();
CREATE TRIGGER merkle_leaves_no_truncate BEFORE TRUNCATE ON merkle_leaves
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_leaves_refuse_change();

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'ledger_app') THEN
        REVOKE ALL ON merkle_tiles, merkle_leaves FROM ledger_app;
        GRANT SELECT, INSERT, UPDATE ON merkle_tiles TO ledger_app;
        GRANT SELECT, INSERT ON merkle_leaves TO ledger_app;
    END IF;
END;
$$;
