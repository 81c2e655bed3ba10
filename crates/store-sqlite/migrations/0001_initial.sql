-- Retu's first schema (SQLite). Times are microseconds since the Unix epoch, UTC, as INTEGER,
-- so both backends store the same values and nothing depends on a database time type.

CREATE TABLE orgs (
    id         INTEGER PRIMARY KEY,
    public_id  TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('admin', 'member', 'county')),
    county     TEXT
);

-- API tokens are stored as SHA-256 digests; the token itself is shown once and never kept.
CREATE TABLE tokens (
    hash        BLOB PRIMARY KEY,
    org_id      INTEGER NOT NULL REFERENCES orgs (id),
    label       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);

CREATE TABLE company_prefixes (
    prefix  TEXT PRIMARY KEY,
    org_id  INTEGER NOT NULL REFERENCES orgs (id)
);

CREATE TABLE locations (
    location  TEXT PRIMARY KEY,
    org_id    INTEGER NOT NULL REFERENCES orgs (id)
);

-- The sequenced log: one row per leaf, indices contiguous from 0.
CREATE TABLE log_entries (
    idx   INTEGER PRIMARY KEY,
    kind  TEXT NOT NULL,
    leaf  BLOB NOT NULL
);

-- The single row that sequencing, integration and publishing coordinate on.
CREATE TABLE log_state (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    sequenced   INTEGER NOT NULL,
    integrated  INTEGER NOT NULL,
    edge        BLOB NOT NULL
);
INSERT INTO log_state (id, sequenced, integrated, edge) VALUES (1, 0, 0, X'');

CREATE TABLE tiles (
    level  INTEGER NOT NULL,
    idx    INTEGER NOT NULL,
    width  INTEGER NOT NULL,
    data   BLOB NOT NULL,
    PRIMARY KEY (level, idx, width)
);

CREATE TABLE checkpoints (
    size          INTEGER PRIMARY KEY,
    note          BLOB NOT NULL,
    published_at  INTEGER NOT NULL
);

CREATE TABLE events (
    log_index     INTEGER PRIMARY KEY REFERENCES log_entries (idx),
    event_id      TEXT NOT NULL UNIQUE,
    event_hash    TEXT NOT NULL,
    org_id        INTEGER NOT NULL REFERENCES orgs (id),
    shared        INTEGER NOT NULL,
    event_type    TEXT NOT NULL,
    event_time    INTEGER NOT NULL,
    record_time   INTEGER NOT NULL,
    action        TEXT,
    biz_step      TEXT,
    disposition   TEXT,
    read_point    TEXT,
    biz_location  TEXT,
    body          BLOB NOT NULL
);
CREATE INDEX events_event_time ON events (event_time, log_index);
CREATE INDEX events_record_time ON events (record_time, log_index);
CREATE INDEX events_org ON events (org_id, log_index);
CREATE INDEX events_biz_step ON events (biz_step);
CREATE INDEX events_biz_location ON events (biz_location);
CREATE INDEX events_read_point ON events (read_point);

CREATE TABLE event_identifiers (
    log_index  INTEGER NOT NULL REFERENCES events (log_index),
    role       TEXT NOT NULL,
    value      TEXT NOT NULL
);
CREATE INDEX event_identifiers_value ON event_identifiers (value, role, log_index);

CREATE TABLE event_attributes (
    log_index  INTEGER NOT NULL REFERENCES events (log_index),
    name       TEXT NOT NULL,
    value      TEXT NOT NULL
);
CREATE INDEX event_attributes_name_value ON event_attributes (name, value, log_index);

CREATE TABLE capture_jobs (
    id           TEXT PRIMARY KEY,
    org_id       INTEGER NOT NULL REFERENCES orgs (id),
    state        TEXT NOT NULL,
    stored       INTEGER NOT NULL,
    errors       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    finished_at  INTEGER
);
