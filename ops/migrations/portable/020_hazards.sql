-- The hazard ledger (隐患台账), inspections, accidents and reports (projector "hazards").
-- Every row is a fact resting on one event: its log `position` (and `hash`, to cite it),
-- so "as known at P" is `position <= P`. Valid-time columns hold UTC keys.

-- One row per hazard event: the hazard's state right after it (events folded in log order).
-- The state at valid time `at` as known at P is the row of the greatest position with
-- position <= P and occurred_at <= at.
CREATE TABLE hazard_transitions (
    hazard_id         TEXT    NOT NULL,
    position          bigint  NOT NULL,
    hash              TEXT    NOT NULL,
    occurred_at       TEXT    NOT NULL,
    type              TEXT    NOT NULL,
    unit_id           TEXT    NOT NULL,
    severity          TEXT    NOT NULL,
    state             TEXT    NOT NULL,  -- state after the event
    deadline          TEXT,              -- UTC key, after the event
    deadline_position bigint,            -- the event that set it (assigned / deadline_extended)
    responsible       TEXT,
    assigned_position bigint,            -- the latest hazard.assigned
    supervision_level TEXT,              -- highest listed level: county < city < province
    supervisor        TEXT,
    reported_at       TEXT    NOT NULL,
    last_progress_at  TEXT,              -- latest progress report (valid time)
    PRIMARY KEY (hazard_id, position)
);
CREATE INDEX hazard_transitions_unit ON hazard_transitions (unit_id, hazard_id);
CREATE INDEX hazard_transitions_position ON hazard_transitions (position);

CREATE TABLE inspections (
    inspection_id TEXT    PRIMARY KEY,
    unit_id       TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    inspectors    TEXT    NOT NULL,      -- JSON array
    led_by        TEXT,
    result        TEXT    NOT NULL,
    hazard_ids    TEXT    NOT NULL,      -- JSON array
    occurred_at   TEXT    NOT NULL,
    position      bigint  NOT NULL,
    hash          TEXT    NOT NULL
);
CREATE INDEX inspections_unit ON inspections (unit_id, occurred_at);
CREATE INDEX inspections_led ON inspections (led_by, occurred_at);

CREATE TABLE inspection_inspectors (
    inspection_id TEXT    NOT NULL,
    inspector     TEXT    NOT NULL,
    unit_id       TEXT    NOT NULL,
    occurred_at   TEXT    NOT NULL,
    position      bigint  NOT NULL,
    PRIMARY KEY (inspection_id, inspector)
);
CREATE INDEX inspection_inspectors_by ON inspection_inspectors (inspector, occurred_at);

CREATE TABLE accidents (
    accident_id       TEXT    PRIMARY KEY,
    unit_id           TEXT    NOT NULL,
    occurred_at       TEXT    NOT NULL,
    deaths            INTEGER NOT NULL,
    serious_injuries  INTEGER NOT NULL,
    direct_loss_cny   double precision NOT NULL,
    grade             TEXT    NOT NULL,
    illegal_operation INTEGER,           -- 0/1, NULL when not said
    description       TEXT    NOT NULL,
    position          bigint  NOT NULL,
    hash              TEXT    NOT NULL
);
CREATE INDEX accidents_unit ON accidents (unit_id);
CREATE INDEX accidents_occurred ON accidents (occurred_at);

-- accident.reported / investigation_opened / investigation_concluded, one row each
CREATE TABLE accident_events (
    position     bigint  PRIMARY KEY,
    hash         TEXT    NOT NULL,
    accident_id  TEXT    NOT NULL,
    type         TEXT    NOT NULL,
    occurred_at  TEXT    NOT NULL,
    stage        TEXT,
    to_unit      TEXT,
    by_holder    TEXT,
    level        TEXT,
    elevated     INTEGER,
    led_by       TEXT,
    findings     TEXT,
    responsible  TEXT                    -- JSON
);
CREATE INDEX accident_events_accident ON accident_events (accident_id, position);

CREATE TABLE reports (
    report_id   TEXT    PRIMARY KEY,
    kind        TEXT    NOT NULL,
    unit_id     TEXT    NOT NULL,
    period      TEXT    NOT NULL,
    title       TEXT,
    occurred_at TEXT    NOT NULL,
    position    bigint  NOT NULL,
    hash        TEXT    NOT NULL
);
CREATE INDEX reports_unit ON reports (unit_id, kind, period);
