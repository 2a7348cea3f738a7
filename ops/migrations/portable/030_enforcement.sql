-- The enforcement read model (SPEC §5 "Enforcement and accountability", §6 findings):
-- sanctions, illegal sites, exams, evaluations, and the few accident and major-hazard facts
-- the findings need. Every row carries the log position and hash of the event it rests on,
-- so "as known at" is ``position <= P``; instants are UTC keys (projections/timekeys.py).
CREATE TABLE sanctions (
    sanction_id     TEXT    PRIMARY KEY,
    target          TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    basis_refs      TEXT    NOT NULL,   -- JSON array of positions and entity ids
    issued_by       TEXT    NOT NULL,
    amount_cny      double precision,
    until_at        TEXT,               -- UTC key
    note            TEXT,
    imposed_at      TEXT    NOT NULL,   -- UTC key of occurred_at
    position        bigint  NOT NULL,
    hash            TEXT    NOT NULL,
    lifted_at       TEXT,               -- UTC key of the sanction.lifted occurred_at
    lift_reason     TEXT,
    lifted_position bigint,
    lifted_hash     TEXT
);
CREATE INDEX sanctions_target ON sanctions (target, imposed_at);

CREATE TABLE illegal_sites (
    site_id     TEXT    PRIMARY KEY,
    unit_id     TEXT    NOT NULL,       -- the township
    description TEXT    NOT NULL,
    stopped     INTEGER NOT NULL,       -- 0/1
    found_at    TEXT    NOT NULL,       -- UTC key
    month       TEXT    NOT NULL,       -- the calendar month in China time (+08:00), 2019-11
    position    bigint  NOT NULL,
    hash        TEXT    NOT NULL
);
CREATE INDEX illegal_sites_month ON illegal_sites (month, unit_id);

CREATE TABLE exams (
    position  bigint  PRIMARY KEY,
    person_id TEXT    NOT NULL,
    subject   TEXT    NOT NULL,
    score     double precision NOT NULL,
    passed    INTEGER NOT NULL,         -- 0/1
    taken_at  TEXT    NOT NULL,
    hash      TEXT    NOT NULL
);
CREATE INDEX exams_taken ON exams (taken_at);

CREATE TABLE evaluations (
    position  bigint  PRIMARY KEY,      -- a later score of the same unit and period replaces it
    unit_id   TEXT    NOT NULL,
    period    TEXT    NOT NULL,
    scope     TEXT    NOT NULL,         -- county | township | department
    score     double precision NOT NULL,
    rank      INTEGER,
    scored_at TEXT    NOT NULL,
    hash      TEXT    NOT NULL
);
CREATE INDEX evaluations_period ON evaluations (period, scope);

CREATE TABLE enforcement_accidents (
    accident_id      TEXT    PRIMARY KEY,
    unit_id          TEXT    NOT NULL,
    grade            TEXT    NOT NULL,
    deaths           INTEGER NOT NULL,
    serious_injuries INTEGER NOT NULL,
    direct_loss_cny  double precision NOT NULL,
    occurred_at      TEXT    NOT NULL,
    position         bigint  NOT NULL,
    hash             TEXT    NOT NULL
);
CREATE INDEX enforcement_accidents_occurred ON enforcement_accidents (occurred_at);

-- investigation opened / concluded, one row per event
CREATE TABLE enforcement_investigations (
    position    bigint  PRIMARY KEY,
    accident_id TEXT    NOT NULL,
    stage       TEXT    NOT NULL,       -- opened | concluded
    level       TEXT,                   -- county | city | province | state (opened)
    at          TEXT    NOT NULL,
    hash        TEXT    NOT NULL
);
CREATE INDEX enforcement_investigations_accident ON enforcement_investigations (accident_id);

-- major hazards (重大事故隐患): 安全生产法 第113条 and 三个一律
CREATE TABLE enforcement_major_hazards (
    hazard_id       TEXT    PRIMARY KEY,
    unit_id         TEXT    NOT NULL,
    reported_at     TEXT    NOT NULL,
    position        bigint  NOT NULL,
    hash            TEXT    NOT NULL,
    closed_at       TEXT,
    closed_position bigint,
    closed_hash     TEXT
);
CREATE INDEX enforcement_major_hazards_unit ON enforcement_major_hazards (unit_id);
