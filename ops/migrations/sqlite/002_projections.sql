-- Where each projector has folded the log up to. Advanced in the same transaction as the
-- projector's own writes, so a crash never applies an event twice or skips one.
CREATE TABLE projection_positions (
    name     TEXT    PRIMARY KEY,
    position INTEGER NOT NULL
);
