-- The revocation generation: bumped in the transaction of every revocation. A service
-- trusts a token it checked before only while the generation it read then is still the
-- generation now (one tiny read, shared by the requests that arrive meanwhile), so a
-- revocation takes effect at the next request, in every process.
CREATE TABLE token_revocations (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO token_revocations (id, generation) VALUES (1, 0);
