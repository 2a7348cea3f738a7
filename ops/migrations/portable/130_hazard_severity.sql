-- Findings and the hazard ledger ask for major hazards reported before a day (the 580
-- cycle's listing, the veto, 三个必须): without this index every hazard is scanned.
CREATE INDEX hazard_current_severity ON hazard_current (severity, reported_at);
CREATE INDEX hazards_severity ON hazards (severity, reported_at);
