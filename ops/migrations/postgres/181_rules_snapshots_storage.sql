-- The parts of a snapshot of the rules' state come compressed (zlib, ledger/store/snapshots.py):
-- PostgreSQL need not try again.
ALTER TABLE rules_snapshot_parts ALTER COLUMN body SET STORAGE EXTERNAL;
