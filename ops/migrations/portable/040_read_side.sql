-- The read side, one home for each fact (DESIGN §5). Every read-model table is derived from
-- the log alone: this migration drops the tables of the first read side and creates the new
-- ones empty; the projections then fold the whole log again (their positions are reset).
--
-- Conventions: instants are UTC keys (projections/timekeys.py); a believed interval is the
-- log positions [recorded_from, recorded_to) (recorded_to = 9223372036854775807 while still
-- believed); a valid interval is [valid_from, valid_to) ('0001-01-01T00:00:00.000000Z' and
-- '9999-12-31T23:59:59.999999Z' for open ends). "At valid time T as known at position P" is
--   recorded_from <= P AND P < recorded_to AND valid_from <= T AND T < valid_to.
-- Rows resting on one event carry its `position` and `hash`: "as known at P" is position <= P.

DROP TABLE IF EXISTS unit_ancestors;
DROP TABLE IF EXISTS units;
DROP TABLE IF EXISTS people;
DROP TABLE IF EXISTS policies;
DROP TABLE IF EXISTS assignments;
DROP TABLE IF EXISTS accountability_accidents;
DROP TABLE IF EXISTS accountability_hazards;
DROP TABLE IF EXISTS hazard_transitions;
DROP TABLE IF EXISTS inspection_inspectors;
DROP TABLE IF EXISTS inspections;
DROP TABLE IF EXISTS accident_events;
DROP TABLE IF EXISTS accidents;
DROP TABLE IF EXISTS reports;
DROP TABLE IF EXISTS sanctions;
DROP TABLE IF EXISTS illegal_sites;
DROP TABLE IF EXISTS exams;
DROP TABLE IF EXISTS evaluations;
DROP TABLE IF EXISTS enforcement_accidents;
DROP TABLE IF EXISTS enforcement_investigations;
DROP TABLE IF EXISTS enforcement_major_hazards;
DELETE FROM projection_positions;

-- == registry (projector "registry"): units and people in valid time, the tree, policies ==

-- Every registration and update as posted: the attributes it sets from its valid_from on
-- (a registration from the dawn of time). Versions and the tree are derived from these.
CREATE TABLE registry_facts (
    entity      TEXT    NOT NULL,   -- unit | person
    entity_id   TEXT    NOT NULL,
    position    bigint  NOT NULL,
    hash        TEXT    NOT NULL,
    type        TEXT    NOT NULL,
    valid_from  TEXT    NOT NULL,
    changes     TEXT    NOT NULL,   -- JSON: attribute -> value
    PRIMARY KEY (entity, entity_id, position)
);

CREATE TABLE unit_versions (
    unit_id       TEXT    NOT NULL,
    valid_from    TEXT    NOT NULL,
    valid_to      TEXT    NOT NULL,
    recorded_from bigint  NOT NULL,
    recorded_to   bigint  NOT NULL,
    kind          TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    parent_id     TEXT,
    industry      TEXT,
    above_scale   INTEGER,
    risk_level    TEXT,
    attributes    TEXT    NOT NULL,  -- JSON: every attribute in force (address, closed_reason …)
    closed_at     TEXT,              -- UTC key of the closure, in versions from it on
    events        TEXT    NOT NULL,  -- JSON [[position, hash, type], …]: the facts it rests on
    PRIMARY KEY (unit_id, valid_from, recorded_from)
);
CREATE INDEX unit_versions_believed ON unit_versions (unit_id, recorded_to);
CREATE INDEX unit_versions_parent ON unit_versions (parent_id, recorded_to);
CREATE INDEX unit_versions_kind ON unit_versions (kind);

-- The closure of the tree in valid time: ancestor_id lies `depth` levels above unit_id
-- (the unit itself at depth 0) during [valid_from, valid_to), as believed between positions.
CREATE TABLE unit_tree (
    unit_id       TEXT    NOT NULL,
    ancestor_id   TEXT    NOT NULL,
    depth         INTEGER NOT NULL,
    valid_from    TEXT    NOT NULL,
    valid_to      TEXT    NOT NULL,
    recorded_from bigint  NOT NULL,
    recorded_to   bigint  NOT NULL,
    PRIMARY KEY (unit_id, ancestor_id, valid_from, recorded_from)
);
CREATE INDEX unit_tree_ancestor ON unit_tree (ancestor_id, unit_id);
CREATE INDEX unit_tree_believed ON unit_tree (unit_id, recorded_to);

CREATE TABLE person_versions (
    person_id     TEXT    NOT NULL,
    valid_from    TEXT    NOT NULL,
    valid_to      TEXT    NOT NULL,
    recorded_from bigint  NOT NULL,
    recorded_to   bigint  NOT NULL,
    name          TEXT    NOT NULL,
    title         TEXT    NOT NULL,
    unit_id       TEXT    NOT NULL,
    departed_at   TEXT,
    events        TEXT    NOT NULL,
    PRIMARY KEY (person_id, valid_from, recorded_from)
);
CREATE INDEX person_versions_believed ON person_versions (person_id, recorded_to);
CREATE INDEX person_versions_unit ON person_versions (unit_id);

CREATE TABLE policies (
    policy_id    TEXT    PRIMARY KEY,
    jurisdiction TEXT    NOT NULL,
    rules        TEXT    NOT NULL,  -- JSON
    basis        TEXT    NOT NULL,
    name         TEXT,
    valid_from   TEXT    NOT NULL,
    valid_to     TEXT    NOT NULL,
    position     bigint  NOT NULL,
    hash         TEXT    NOT NULL
);
CREATE INDEX policies_jurisdiction ON policies (jurisdiction);

-- == duty (projector "duty"): assignments as bitemporal facts ==
CREATE TABLE assignments (
    assignment_id      TEXT    NOT NULL,
    recorded_from      bigint  NOT NULL,
    recorded_to        bigint  NOT NULL,
    role               TEXT    NOT NULL,
    holder             TEXT    NOT NULL,
    target             TEXT    NOT NULL,
    industry           TEXT,
    basis              TEXT,
    valid_from         TEXT    NOT NULL,
    valid_to           TEXT    NOT NULL,
    valid_from_text    TEXT    NOT NULL,  -- as posted (with the client's offset)
    valid_to_text      TEXT,
    supersedes         TEXT,
    superseded_by      TEXT,
    superseded_at      TEXT,
    superseded_at_text TEXT,
    end_reason         TEXT,
    correction_reason  TEXT,
    made_position      bigint  NOT NULL,
    made_hash          TEXT    NOT NULL,
    events             TEXT    NOT NULL,
    PRIMARY KEY (assignment_id, recorded_from)
);
CREATE INDEX assignments_target_role ON assignments (target, role, valid_from, valid_to);
CREATE INDEX assignments_holder ON assignments (holder, valid_from);

-- == hazards (projector "hazards"): the hazard ledger ==
-- What hazard.reported says of a hazard, once.
CREATE TABLE hazards (
    hazard_id     TEXT    PRIMARY KEY,
    unit_id       TEXT    NOT NULL,
    severity      TEXT    NOT NULL,
    source        TEXT    NOT NULL,
    description   TEXT    NOT NULL,
    category      TEXT,
    location      TEXT,
    inspection_id TEXT,
    found_by      TEXT,
    reported_at   TEXT    NOT NULL,
    position      bigint  NOT NULL,
    hash          TEXT    NOT NULL
);
CREATE INDEX hazards_unit ON hazards (unit_id, reported_at);

-- One row per hazard event: the hazard's state right after it (folded in log order). The
-- state at valid time T as known at P is the row of the greatest position with
-- position <= P and occurred_at <= T. unit_id, severity and reported_at repeat the hazard's
-- for filtering in one index.
CREATE TABLE hazard_transitions (
    hazard_id         TEXT    NOT NULL,
    position          bigint  NOT NULL,
    hash              TEXT    NOT NULL,
    occurred_at       TEXT    NOT NULL,
    type              TEXT    NOT NULL,
    unit_id           TEXT    NOT NULL,
    severity          TEXT    NOT NULL,
    reported_at       TEXT    NOT NULL,
    state             TEXT    NOT NULL,
    deadline          TEXT,
    deadline_position bigint,
    responsible       TEXT,
    assigned_by       TEXT,
    assigned_position bigint,
    supervision_level TEXT,
    supervisor        TEXT,
    last_progress_at  TEXT,
    rectified_at      TEXT,
    rectified_by      TEXT,
    on_the_spot       INTEGER NOT NULL,
    verifier          TEXT,
    PRIMARY KEY (hazard_id, position)
);
CREATE INDEX hazard_transitions_unit ON hazard_transitions (unit_id, hazard_id);
CREATE INDEX hazard_transitions_position ON hazard_transitions (position);

-- Each hazard's latest transition (by position) and the latest valid time of any of its
-- transitions: for a question about position P and valid time T, a hazard whose latest
-- transition is at or before P and all of whose transitions happened by T is in that state
-- — the common case, answered without searching its history (hazards/queries.py).
CREATE TABLE hazard_current (
    hazard_id         TEXT    PRIMARY KEY,
    position          bigint  NOT NULL,
    hash              TEXT    NOT NULL,
    occurred_at       TEXT    NOT NULL,
    type              TEXT    NOT NULL,
    unit_id           TEXT    NOT NULL,
    severity          TEXT    NOT NULL,
    reported_at       TEXT    NOT NULL,
    state             TEXT    NOT NULL,
    deadline          TEXT,
    deadline_position bigint,
    responsible       TEXT,
    assigned_by       TEXT,
    assigned_position bigint,
    supervision_level TEXT,
    supervisor        TEXT,
    last_progress_at  TEXT,
    rectified_at      TEXT,
    rectified_by      TEXT,
    on_the_spot       INTEGER NOT NULL,
    verifier          TEXT,
    max_occurred_at   TEXT    NOT NULL
);
CREATE INDEX hazard_current_unit ON hazard_current (unit_id);
CREATE INDEX hazard_current_moved ON hazard_current (position, max_occurred_at);
CREATE INDEX hazard_current_deadline ON hazard_current (state, deadline);

-- == activity (projector "activity"): inspections and visits ==
CREATE TABLE inspections (
    inspection_id TEXT    PRIMARY KEY,
    unit_id       TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    inspectors    TEXT    NOT NULL,  -- JSON array
    led_by        TEXT,
    result        TEXT    NOT NULL,
    hazard_ids    TEXT    NOT NULL,  -- JSON array
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

-- 现场办公 and 督导 visits (visit.made): a work group or a person at a unit
CREATE TABLE visits (
    visit_id    TEXT    PRIMARY KEY,
    holder      TEXT    NOT NULL,
    target      TEXT    NOT NULL,
    purpose     TEXT    NOT NULL,
    occurred_at TEXT    NOT NULL,
    position    bigint  NOT NULL,
    hash        TEXT    NOT NULL
);
CREATE INDEX visits_holder ON visits (holder, occurred_at);
CREATE INDEX visits_target ON visits (target, occurred_at);

-- == accidents (projector "accidents") ==
-- What accident.occurred says of an accident, once (its figures live in accident_figures).
CREATE TABLE accidents (
    accident_id       TEXT    PRIMARY KEY,
    unit_id           TEXT    NOT NULL,
    occurred_at       TEXT    NOT NULL,
    occurred_at_text  TEXT    NOT NULL,
    description       TEXT    NOT NULL,
    illegal_operation INTEGER,
    sensitive         INTEGER,           -- 敏感事件, as the reporter flagged it
    location          TEXT,
    position          bigint  NOT NULL,
    hash              TEXT    NOT NULL
);
CREATE INDEX accidents_unit ON accidents (unit_id, occurred_at);
CREATE INDEX accidents_occurred ON accidents (occurred_at);

-- The figures and the derived grade: from the occurrence, and from each 补报 (accident.corrected)
-- at its valid time. The figures at T as known at P: the row of the greatest position with
-- position <= P and valid_from <= T.
CREATE TABLE accident_figures (
    accident_id      TEXT    NOT NULL,
    position         bigint  NOT NULL,
    hash             TEXT    NOT NULL,
    type             TEXT    NOT NULL,
    valid_from       TEXT    NOT NULL,
    deaths           bigint  NOT NULL,
    serious_injuries bigint  NOT NULL,
    direct_loss_cny  double precision NOT NULL,
    grade            TEXT    NOT NULL,
    reason           TEXT,
    PRIMARY KEY (accident_id, position)
);

-- accident.reported / investigation_opened / _extended / _concluded, one row each
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
    days         INTEGER,
    findings     TEXT,
    responsible  TEXT                    -- JSON
);
CREATE INDEX accident_events_accident ON accident_events (accident_id, position);

-- == enforcement (projector "enforcement"): sanctions, illegal sites, exams, evaluations, reports ==
CREATE TABLE sanctions (
    sanction_id     TEXT    PRIMARY KEY,
    target          TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    basis_refs      TEXT    NOT NULL,
    issued_by       TEXT    NOT NULL,
    amount_cny      double precision,
    until_at        TEXT,
    note            TEXT,
    imposed_at      TEXT    NOT NULL,
    position        bigint  NOT NULL,
    hash            TEXT    NOT NULL,
    lifted_at       TEXT,
    lift_reason     TEXT,
    lifted_position bigint,
    lifted_hash     TEXT
);
CREATE INDEX sanctions_target ON sanctions (target, imposed_at);
CREATE INDEX sanctions_imposed ON sanctions (imposed_at);

CREATE TABLE illegal_sites (
    site_id          TEXT    PRIMARY KEY,
    unit_id          TEXT    NOT NULL,   -- the township
    description      TEXT    NOT NULL,
    found_at         TEXT    NOT NULL,
    position         bigint  NOT NULL,
    hash             TEXT    NOT NULL,
    stopped_at       TEXT,               -- found stopped: found_at; else illegal_site.stopped's
    stopped_position bigint,
    stopped_hash     TEXT,
    stopped_by       TEXT
);
CREATE INDEX illegal_sites_found ON illegal_sites (found_at);

CREATE TABLE exams (
    position  bigint  PRIMARY KEY,
    person_id TEXT    NOT NULL,
    subject   TEXT    NOT NULL,
    score     double precision NOT NULL,
    passed    INTEGER NOT NULL,
    taken_at  TEXT    NOT NULL,
    hash      TEXT    NOT NULL
);
CREATE INDEX exams_taken ON exams (taken_at);

CREATE TABLE evaluations (
    position  bigint  PRIMARY KEY,
    unit_id   TEXT    NOT NULL,
    period    TEXT    NOT NULL,
    scope     TEXT    NOT NULL,
    score     double precision NOT NULL,
    rank      INTEGER,
    scored_at TEXT    NOT NULL,
    hash      TEXT    NOT NULL
);
CREATE INDEX evaluations_period ON evaluations (period, scope);

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
