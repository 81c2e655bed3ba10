-- Log entries that are not EPCIS events: 承诺达标合格证 certificates, recalls, and later
-- donations and credentials. Each has a row in log_entries like an event.
CREATE TABLE records (
    log_index   INTEGER PRIMARY KEY REFERENCES log_entries (idx),
    kind        TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    org_id      INTEGER NOT NULL REFERENCES orgs (id),
    created_at  INTEGER NOT NULL,
    body        BLOB NOT NULL,
    UNIQUE (kind, record_id)
);

-- What each record is about (identifiers in their normal form), found by value: "is this lot
-- recalled?", "which certificate covers this lot?".
CREATE TABLE record_subjects (
    value      TEXT NOT NULL,
    kind       TEXT NOT NULL,
    log_index  INTEGER NOT NULL REFERENCES records (log_index),
    PRIMARY KEY (value, kind, log_index)
) WITHOUT ROWID;
