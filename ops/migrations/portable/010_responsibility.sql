-- Who was responsible for what, when: assignments as bitemporal facts.
-- A row is one version of an assignment: its valid interval [valid_from, valid_to) in UTC
-- keys (an open end is '9999-12-31T23:59:59.999999Z'), and the log positions between
-- which the ledger believed it [recorded_from, recorded_to) (an open end is the largest
-- bigint). "At valid time T as known at position P" is
--   recorded_from <= P AND P < recorded_to AND valid_from <= T AND T < valid_to.
-- A correction, an end or a supersession closes the believed interval of the version it
-- replaces (recorded_to = that event's position) and opens the next version.
CREATE TABLE assignments (
    assignment_id    TEXT    NOT NULL,
    recorded_from    bigint  NOT NULL,  -- position of the event this version rests on
    recorded_to      bigint  NOT NULL,  -- position of the event that replaced it
    role             TEXT    NOT NULL,
    holder           TEXT    NOT NULL,
    target           TEXT    NOT NULL,
    industry         TEXT,
    basis            TEXT,
    valid_from       TEXT    NOT NULL,  -- UTC keys
    valid_to         TEXT    NOT NULL,
    valid_from_text  TEXT    NOT NULL,  -- as posted (with the client's offset)
    valid_to_text    TEXT,
    supersedes       TEXT,              -- the assignment this one ended at its valid_from
    superseded_by    TEXT,              -- the assignment that ended this one
    superseded_at    TEXT,              -- at that one's valid_from as made (UTC key): the end
    superseded_at_text TEXT,            -- holds whatever a later correction of valid_to says
    end_reason       TEXT,              -- assignment.ended's reason
    correction_reason TEXT,             -- the last assignment.corrected's reason
    made_position    bigint  NOT NULL,
    made_hash        TEXT    NOT NULL,
    events           TEXT    NOT NULL,  -- JSON [[position, hash, type], ...]: every event this version rests on
    PRIMARY KEY (assignment_id, recorded_from)
);
CREATE INDEX assignments_target_role ON assignments (target, role, valid_from, valid_to);
CREATE INDEX assignments_holder ON assignments (holder, valid_from);

-- The accidents the accountability chain starts from (accident.occurred only; the full
-- accident read model with its report stages lives elsewhere).
CREATE TABLE accountability_accidents (
    accident_id       TEXT    PRIMARY KEY,
    unit_id           TEXT    NOT NULL,
    occurred_at       TEXT    NOT NULL,  -- UTC key
    occurred_at_text  TEXT    NOT NULL,  -- as posted
    deaths            bigint  NOT NULL,
    serious_injuries  bigint  NOT NULL,
    direct_loss_cny   double precision NOT NULL,
    description       TEXT    NOT NULL,
    illegal_operation INTEGER,           -- 0/1, NULL when not said
    position          bigint  NOT NULL,
    hash              TEXT    NOT NULL
);
CREATE INDEX accountability_accidents_unit ON accountability_accidents (unit_id, occurred_at);

-- The hazards a hazard's accountability chain starts from (hazard.reported only).
CREATE TABLE accountability_hazards (
    hazard_id        TEXT    PRIMARY KEY,
    unit_id          TEXT    NOT NULL,
    reported_at      TEXT    NOT NULL,   -- UTC key of occurred_at
    reported_at_text TEXT    NOT NULL,
    severity         TEXT    NOT NULL,
    source           TEXT    NOT NULL,
    description      TEXT    NOT NULL,
    position         bigint  NOT NULL,
    hash             TEXT    NOT NULL
);
CREATE INDEX accountability_hazards_unit ON accountability_hazards (unit_id, reported_at);
