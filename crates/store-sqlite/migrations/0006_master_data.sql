-- Producers' master data (docs/master-data.md): the locations they record at and the products
-- they make, so that a phone form offers "my plot 2 号茶园" instead of an identifier.

-- Named counters that only go up: county-issued location numbers (`location:<county>`) and
-- GTIN item references under the county's company prefix (`gtin:<prefix>`). A number drawn is
-- never drawn again, even when what it was drawn for fails to be stored.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    last  INTEGER NOT NULL CHECK (last >= 1)
) WITHOUT ROWID;

-- A location's identifier is also its organisation's location asset (the `locations` table
-- the capture ownership rule reads); both rows are written in one transaction.
CREATE TABLE master_locations (
    id             INTEGER PRIMARY KEY,
    org_id         INTEGER NOT NULL REFERENCES orgs (id),
    kind           TEXT NOT NULL,
    identifier     TEXT NOT NULL UNIQUE REFERENCES locations (location),
    county_issued  INTEGER NOT NULL,
    name_zh        TEXT NOT NULL,
    name_en        TEXT,
    township       TEXT,
    village        TEXT,
    parent_id      INTEGER REFERENCES master_locations (id),
    area_mu        REAL,
    area_m2        REAL,
    crop           TEXT,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX master_locations_org ON master_locations (org_id, id);

-- A product's GTIN is unique. county_gtin marks a GTIN allocated from the county's company
-- prefix: the organisation owns that one GTIN (OrgAssets::gtins), not the prefix.
CREATE TABLE products (
    id           INTEGER PRIMARY KEY,
    org_id       INTEGER NOT NULL REFERENCES orgs (id),
    gtin         TEXT NOT NULL UNIQUE,
    county_gtin  INTEGER NOT NULL,
    name_zh      TEXT NOT NULL,
    name_en      TEXT,
    unit         TEXT NOT NULL,
    category     TEXT NOT NULL,
    brand        TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX products_org ON products (org_id, id);
