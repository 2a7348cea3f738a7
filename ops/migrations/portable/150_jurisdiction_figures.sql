-- A jurisdiction's figures (the dashboard's 总览, /v1/stats, the overdue counts) read every
-- hazard and every inspection of a subtree: with the columns they count in the index beside
-- unit_id, they read the index alone, never the table (3-5x faster on the demo city).
DROP INDEX hazard_current_unit;
CREATE INDEX hazard_current_unit ON hazard_current (
    unit_id, position, max_occurred_at, state, severity, deadline, supervision_level, reported_at
);
DROP INDEX inspections_unit;
CREATE INDEX inspections_unit ON inspections (unit_id, occurred_at, position, kind);
