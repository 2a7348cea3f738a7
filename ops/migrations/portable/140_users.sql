-- Dashboard accounts (SPEC §8, §11): people sign in with a user name and a password; an
-- account carries a role and a jurisdiction as a token does. Only an argon2id hash of the
-- password is kept.
CREATE TABLE users (
    login               TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    role                TEXT NOT NULL,  -- recorder | viewer | investigator | admin
    scope               TEXT,           -- a unit id: its subtree; NULL for investigators and admins
    password_hash       TEXT NOT NULL,  -- argon2id, PHC string
    created_at          TEXT NOT NULL,
    password_changed_at TEXT NOT NULL,
    disabled_at         TEXT
);

-- Failed sign-ins by the login name typed, whether or not such an account exists (so that
-- the lockout tells nobody which names exist). A success or a new password removes the row.
CREATE TABLE sign_in_failures (
    login           TEXT    PRIMARY KEY,
    failures        INTEGER NOT NULL,  -- consecutive failures since the last lock ended
    locked_until    TEXT,              -- UTC key; refused until then
    last_failure_at TEXT    NOT NULL
);

-- Signed-in sessions: only a SHA-256 of the cookie's secret is kept.
CREATE TABLE user_sessions (
    session_hash TEXT PRIMARY KEY,
    login        TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL         -- UTC key
);
CREATE INDEX user_sessions_login ON user_sessions (login);
