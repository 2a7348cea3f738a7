-- The registry as the log has it now: units, their ancestors (a closure table, for
-- "in the subtree of" filters), people, and the policies of SPEC §6.
CREATE TABLE units (
    unit_id     TEXT    PRIMARY KEY,
    kind        TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    parent_id   TEXT,
    industry    TEXT,
    above_scale INTEGER,
    risk_level  TEXT,
    closed_at   TEXT,               -- UTC key of the closure's occurred_at
    position    bigint  NOT NULL    -- registered at
);
CREATE INDEX units_parent ON units (parent_id);
CREATE INDEX units_kind ON units (kind);

CREATE TABLE unit_ancestors (
    unit_id     TEXT    NOT NULL,
    ancestor_id TEXT    NOT NULL,   -- the unit itself at depth 0
    depth       INTEGER NOT NULL,
    PRIMARY KEY (unit_id, ancestor_id)
);
CREATE INDEX unit_ancestors_ancestor ON unit_ancestors (ancestor_id, unit_id);

CREATE TABLE people (
    person_id   TEXT    PRIMARY KEY,
    name        TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    unit_id     TEXT    NOT NULL,
    departed_at TEXT,
    position    bigint  NOT NULL
);
CREATE INDEX people_unit ON people (unit_id);

CREATE TABLE policies (
    policy_id    TEXT    PRIMARY KEY,
    jurisdiction TEXT    NOT NULL,
    rules        TEXT    NOT NULL,  -- JSON
    basis        TEXT    NOT NULL,
    name         TEXT,
    valid_from   TEXT    NOT NULL,  -- UTC keys
    valid_to     TEXT    NOT NULL,
    position     bigint  NOT NULL
);
CREATE INDEX policies_jurisdiction ON policies (jurisdiction);
