-- A rebuild fills the read models from empty faster without their secondary indexes: it
-- drops them first and builds them again after (Backend.park_indexes / restore_indexes).
-- Each dropped index's definition is kept here, in the same transaction as the drop, so
-- that one dying half-way leaves nothing lost: the next rebuild, `ledger project` or
-- `ledger serve` builds again whatever is still parked.
CREATE TABLE parked_indexes (
    index_name text PRIMARY KEY,
    table_name text NOT NULL,
    definition text NOT NULL
);
