-- People who log in, their sessions and the invitations that bring them in (docs/accounts.md).
-- No secret is stored in clear: passwords as Argon2id PHC strings, session and invitation
-- tokens as SHA-256 digests, like API tokens.

-- login is kept as the person typed it; login_key (trimmed, full-width ASCII folded, lower
-- case, computed by the store) is what makes it unique and what lookups use.
CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    org_id         INTEGER NOT NULL REFERENCES orgs (id),
    login          TEXT NOT NULL,
    login_key      TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL
                   CHECK (role IN ('producer', 'processor', 'officer', 'specialist', 'admin')),
    locale         TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    disabled       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX users_org ON users (org_id);

-- The counties a specialist (科技特派员) works in.
CREATE TABLE specialist_counties (
    user_id  INTEGER NOT NULL REFERENCES users (id),
    county   TEXT NOT NULL,
    PRIMARY KEY (user_id, county)
) WITHOUT ROWID;

CREATE TABLE sessions (
    token_hash  BLOB PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    csrf_token  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- One use only: redeeming sets used_at in the transaction that creates the person, on the
-- condition that it was not set.
CREATE TABLE invitations (
    id               INTEGER PRIMARY KEY,
    token_hash       BLOB NOT NULL UNIQUE,
    org_id           INTEGER NOT NULL REFERENCES orgs (id),
    role             TEXT NOT NULL
                     CHECK (role IN ('producer', 'processor', 'officer', 'specialist', 'admin')),
    created_by_org   INTEGER NOT NULL REFERENCES orgs (id),
    created_by_user  INTEGER REFERENCES users (id),
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    used_at          INTEGER,
    used_by          INTEGER REFERENCES users (id)
);
