-- The keys of personal data (SPEC §4, crypto-shredding): one per person, outside the hash
-- chain. The log holds personal fields only sealed under these keys (ledger/personal.py).
-- person.erased destroys a key: `key` becomes NULL for good, the row stays as the record
-- that the person's data was erased (no new key is ever made for them).
CREATE TABLE person_keys (
    person_id       TEXT PRIMARY KEY,
    key             TEXT,              -- base64 of a 64-byte AES-SIV key; NULL once erased
    created_at      TEXT NOT NULL,
    erased_at       TEXT,
    erased_position BIGINT             -- the person.erased event that destroyed the key
);
CREATE INDEX person_keys_erased ON person_keys (erased_position);
