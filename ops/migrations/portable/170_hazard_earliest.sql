-- A hazard's state at a past moment is searched in its history only when it changed after
-- that moment (max_occurred_at > at, or a later position). On a ledger of several years a
-- past period's question sent every later hazard there — none of which has a transition by
-- then. min_occurred_at (the earliest valid time of any of its transitions) leaves those out
-- exactly: a hazard whose earliest transition is after ``at`` had no state at ``at``.
-- '' (before every key) until filled: a hazard is never wrongly left out.
ALTER TABLE hazard_current ADD COLUMN min_occurred_at TEXT NOT NULL DEFAULT '';
UPDATE hazard_current SET min_occurred_at = (
    SELECT MIN(t.occurred_at) FROM hazard_transitions t WHERE t.hazard_id = hazard_current.hazard_id
) WHERE EXISTS (SELECT 1 FROM hazard_transitions t WHERE t.hazard_id = hazard_current.hazard_id);
DROP INDEX hazard_current_unit;
CREATE INDEX hazard_current_unit ON hazard_current (
    unit_id, position, max_occurred_at, min_occurred_at, state, severity, deadline, supervision_level, reported_at
);
