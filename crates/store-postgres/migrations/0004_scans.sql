-- Consumer scans of printed codes, as counts: how many scans of a code fell in an hour from
-- browsers reporting a time zone. No address, cookie, user agent or exact time is stored, so a
-- row says nothing about who scanned (docs/scans.md). These are statistics, not log entries.
-- Codes are COLLATE "C" so that prefix ranges compare bytes, as in SQLite.
CREATE TABLE scan_counts (
    code       TEXT COLLATE "C" NOT NULL,  -- canonical GS1 Digital Link path, /01/…/21/…
    hour       BIGINT NOT NULL,            -- start of the hour, µs since the epoch, UTC
    time_zone  TEXT COLLATE "C" NOT NULL,  -- IANA name the browser reported, or 'unknown'
    count      BIGINT NOT NULL CHECK (count >= 0),
    PRIMARY KEY (code, hour, time_zone)
);

-- One row per code, kept in the transaction that adds its counts, so that "scanned N times
-- since …" on every page view is one primary-key lookup rather than a sum over the code's
-- hours. last_hour finds the codes scanned lately without reading older hours.
CREATE TABLE scan_totals (
    code        TEXT COLLATE "C" PRIMARY KEY,
    total       BIGINT NOT NULL CHECK (total >= 0),
    first_hour  BIGINT NOT NULL,
    last_hour   BIGINT NOT NULL
);
CREATE INDEX scan_totals_last_hour ON scan_totals (last_hour, code);
