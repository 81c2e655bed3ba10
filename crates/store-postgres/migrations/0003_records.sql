-- Log entries that are not EPCIS events: 承诺达标合格证 certificates, recalls, and later
-- donations and credentials. Each has a row in log_entries like an event.
CREATE TABLE records (
    log_index   BIGINT PRIMARY KEY,
    kind        TEXT COLLATE "C" NOT NULL,
    record_id   TEXT COLLATE "C" NOT NULL,
    org_id      BIGINT NOT NULL REFERENCES orgs (id),
    created_at  BIGINT NOT NULL,
    body        BYTEA NOT NULL,
    UNIQUE (kind, record_id)
);

-- What each record is about (identifiers in their normal form), found by value: "is this lot
-- recalled?", "which certificate covers this lot?".
CREATE TABLE record_subjects (
    value      TEXT COLLATE "C" NOT NULL,
    kind       TEXT COLLATE "C" NOT NULL,
    log_index  BIGINT NOT NULL,
    PRIMARY KEY (value, kind, log_index)
);
