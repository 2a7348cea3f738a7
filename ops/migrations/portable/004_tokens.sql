-- Bearer tokens: only a SHA-256 of the secret is kept; the token itself is shown once.
CREATE TABLE api_tokens (
    token_id    TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL,      -- recorder | viewer | investigator | admin
    scope       TEXT,               -- a unit id: its subtree; NULL for investigators and admins
    secret_hash TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);
