//! The OpenAPI 3.1 description of Retu's HTTP API, served at `/openapi.json` and committed as
//! `docs/openapi.json`. It is written here, next to the router, rather than generated from
//! annotations: the API is small, and the EPCIS parts follow the GS1 REST binding's own
//! description (`openapi.yaml` of EPCIS 2.0), whose names it keeps. Tests check that the served
//! document is the committed one and that every operation it lists is routed.

use serde_json::{Map, Value, json};

/// A parameter of an operation.
#[derive(Clone, Copy)]
struct Param {
    name: &'static str,
    location: &'static str,
    required: bool,
    description: &'static str,
}

const fn path(name: &'static str, description: &'static str) -> Param {
    Param {
        name,
        location: "path",
        required: true,
        description,
    }
}

const fn query(name: &'static str, description: &'static str) -> Param {
    Param {
        name,
        location: "query",
        required: false,
        description,
    }
}

const fn header(name: &'static str, description: &'static str) -> Param {
    Param {
        name,
        location: "header",
        required: false,
        description,
    }
}

/// One operation: a method on a path.
struct Operation {
    method: &'static str,
    path: &'static str,
    id: &'static str,
    tag: &'static str,
    summary: &'static str,
    /// Whether a bearer token is needed (some public operations answer more with one).
    token: Token,
    params: &'static [Param],
    /// Media types of the request body, if it has one.
    request: &'static [&'static str],
    /// Status, description and media types of the answers other than problems.
    answers: &'static [(&'static str, &'static str, &'static [&'static str])],
    /// Statuses answered with a problem document.
    problems: &'static [&'static str],
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Token {
    None,
    Optional,
    Required,
}

const EVENT_MEDIA: &[&str] = &["application/ld+json", "application/json", "application/xml"];
const QUERY_MEDIA: &[&str] = &["application/ld+json", "application/xml"];

const SIMPLE_EVENT_QUERY: &[Param] = &[
    query(
        "eventType",
        "ObjectEvent, AggregationEvent, TransactionEvent, TransformationEvent, AssociationEvent or an extension type; repeat or separate with | for several",
    ),
    query("GE_eventTime", "events at or after this RFC 3339 time"),
    query("LT_eventTime", "events before this RFC 3339 time"),
    query("GE_recordTime", "events recorded at or after this time"),
    query("LT_recordTime", "events recorded before this time"),
    query("EQ_action", "ADD, OBSERVE or DELETE"),
    query(
        "EQ_bizStep",
        "CBV business steps (bare word, URN or Web URI)",
    ),
    query("EQ_disposition", "CBV dispositions"),
    query(
        "EQ_readPoint",
        "read point identifiers (URN or Digital Link)",
    ),
    query("EQ_bizLocation", "business location identifiers"),
    query(
        "MATCH_epc",
        "EPCs in epcList or childEPCs; URN and Digital Link forms are the same identifier; values separated by |",
    ),
    query("MATCH_parentID", "parent identifiers"),
    query("MATCH_inputEPC", "transformation inputs"),
    query("MATCH_outputEPC", "transformation outputs"),
    query("MATCH_anyEPC", "any instance identifier of the event"),
    query(
        "MATCH_epcClass",
        "classes in quantityList or childQuantityList",
    ),
    query("MATCH_anyEPCClass", "any class identifier of the event"),
    query("EQ_eventID", "event IDs"),
    query(
        "EXISTS_errorDeclaration",
        "events with an error declaration; EXISTS_<field> works for every standard field and extension name",
    ),
    query(
        "EQ_ILMD_cbvmda:lotNumber",
        "events whose instance/lot master data has this lot number; EQ_ILMD_<name> and EQ_INNER_ILMD_<name> work for any ILMD field",
    ),
    query(
        "orderBy",
        "eventTime or recordTime (default: the log's order)",
    ),
    query("orderDirection", "ASC or DESC"),
    query("eventCountLimit", "at most this many events in all"),
    query(
        "perPage",
        "events per page (default 30, at most 1000); the Link header names the next page",
    ),
    query(
        "nextPageToken",
        "the token from the previous page's Link header",
    ),
];

const CAPTURE_HEADERS: &[Param] = &[
    header(
        "GS1-Capture-Error-Behaviour",
        "rollback (default: store nothing if any event is invalid) or proceed (store the valid events)",
    ),
    header(
        "Retu-Shared",
        "true to make the captured events readable by everyone (default false: the organisation, its county office and the admin)",
    ),
];

const OPERATIONS: &[Operation] = &[
    Operation {
        method: "get",
        path: "/healthz",
        id: "health",
        tag: "Service",
        summary: "Whether the server is up",
        token: Token::None,
        params: &[],
        request: &[],
        answers: &[("200", "ok", &["text/plain"])],
        problems: &[],
    },
    Operation {
        method: "get",
        path: "/openapi.json",
        id: "openapi",
        tag: "Service",
        summary: "This document",
        token: Token::None,
        params: &[],
        request: &[],
        answers: &[("200", "The OpenAPI description", &["application/json"])],
        problems: &[],
    },
    Operation {
        method: "get",
        path: "/log/checkpoint",
        id: "logCheckpoint",
        tag: "Transparency log",
        summary: "The newest signed checkpoint (C2SP signed note, with witness cosignatures)",
        token: Token::None,
        params: &[],
        request: &[],
        answers: &[("200", "The checkpoint", &["text/plain"])],
        problems: &["503"],
    },
    Operation {
        method: "get",
        path: "/log/key",
        id: "logKey",
        tag: "Transparency log",
        summary: "The log's verifier key (vkey)",
        token: Token::None,
        params: &[],
        request: &[],
        answers: &[("200", "The verifier key", &["text/plain"])],
        problems: &[],
    },
    Operation {
        method: "get",
        path: "/log/tile/{tile}",
        id: "logTile",
        tag: "Transparency log",
        summary: "A Merkle tile or an entry bundle (C2SP tlog-tiles); full tiles are immutable",
        token: Token::None,
        params: &[path(
            "tile",
            "The tile path of C2SP tlog-tiles, over several segments: <L>/<N>[.p/<W>] for hash tiles, entries/<N>[.p/<W>] for entry bundles, N written in x-prefixed three-digit groups (e.g. 0/x001/234)",
        )],
        request: &[],
        answers: &[("200", "The tile", &["application/octet-stream"])],
        problems: &["400", "404"],
    },
    Operation {
        method: "get",
        path: "/log/proof",
        id: "logProof",
        tag: "Transparency log",
        summary: "A c2sp.org/tlog-proof@v1 that an event, certificate or recall is in the log, against the newest checkpoint",
        token: Token::Optional,
        params: &[
            Param {
                name: "event",
                location: "query",
                required: false,
                description: "The event ID",
            },
            query("certificate", "Instead of event: a certificate number"),
            query("recall", "Instead of event: a recall ID"),
        ],
        request: &[],
        answers: &[("200", "The proof", &["text/plain"])],
        problems: &["400", "404", "503"],
    },
    Operation {
        method: "post",
        path: "/epcis/capture",
        id: "capture",
        tag: "Capture",
        summary: "Capture an EPCISDocument (JSON-LD or XML); every event becomes a log entry",
        token: Token::Required,
        params: CAPTURE_HEADERS,
        request: EVENT_MEDIA,
        answers: &[(
            "202",
            "Accepted and finished: Location names the capture job, whose state is in the body",
            &["application/json"],
        )],
        problems: &["400", "401", "403", "409", "413", "415", "429"],
    },
    Operation {
        method: "get",
        path: "/epcis/capture/{captureID}",
        id: "captureJob",
        tag: "Capture",
        summary: "The state of a capture job (running, success, errors)",
        token: Token::Required,
        params: &[path(
            "captureID",
            "The job's ID, from the capture's Location header",
        )],
        request: &[],
        answers: &[("200", "The capture job", &["application/json"])],
        problems: &["401", "404"],
    },
    Operation {
        method: "post",
        path: "/epcis/events",
        id: "captureEvent",
        tag: "Capture",
        summary: "Capture one event",
        token: Token::Required,
        params: &[CAPTURE_HEADERS[1]],
        request: EVENT_MEDIA,
        answers: &[
            (
                "201",
                "Stored: Location names the event",
                &["application/json"],
            ),
            (
                "200",
                "Already stored (a resend): nothing was added",
                &["application/json"],
            ),
        ],
        problems: &["400", "401", "403", "409", "413", "415", "429"],
    },
    Operation {
        method: "get",
        path: "/epcis/events",
        id: "queryEvents",
        tag: "Query",
        summary: "SimpleEventQuery: the events the caller may see, as an EPCISQueryDocument",
        token: Token::Optional,
        params: SIMPLE_EVENT_QUERY,
        request: &[],
        answers: &[(
            "200",
            "An EPCISQueryDocument; Link names the next page",
            QUERY_MEDIA,
        )],
        problems: &["400", "401", "406", "429"],
    },
    Operation {
        method: "get",
        path: "/epcis/events/{eventID}",
        id: "event",
        tag: "Query",
        summary: "One event: in JSON-LD the exact stored bytes the log commits to, in XML a query document holding it",
        token: Token::Optional,
        params: &[path("eventID", "The event ID (percent-encoded)")],
        request: &[],
        answers: &[("200", "The event", QUERY_MEDIA)],
        problems: &["401", "404", "406"],
    },
    Operation {
        method: "get",
        path: "/epcis/epcs/{epc}/events",
        id: "epcEvents",
        tag: "Query",
        summary: "The events of one identifier (EPC URN or Digital Link), with the query parameters of /epcis/events",
        token: Token::Optional,
        params: &[path("epc", "The identifier (percent-encoded)")],
        request: &[],
        answers: &[("200", "An EPCISQueryDocument", QUERY_MEDIA)],
        problems: &["400", "401", "406"],
    },
    Operation {
        method: "get",
        path: "/epcis/eventTypes",
        id: "eventTypes",
        tag: "Discovery",
        summary: "The event types: the five of EPCIS and any other stored",
        token: Token::Optional,
        params: &[],
        request: &[],
        answers: &[("200", "A collection", &["application/ld+json"])],
        problems: &["401"],
    },
    Operation {
        method: "get",
        path: "/epcis/bizSteps",
        id: "bizSteps",
        tag: "Discovery",
        summary: "The business steps of the events the caller may see",
        token: Token::Optional,
        params: &[],
        request: &[],
        answers: &[("200", "A collection", &["application/ld+json"])],
        problems: &["401"],
    },
    Operation {
        method: "get",
        path: "/epcis/dispositions",
        id: "dispositions",
        tag: "Discovery",
        summary: "The dispositions of the events the caller may see",
        token: Token::Optional,
        params: &[],
        request: &[],
        answers: &[("200", "A collection", &["application/ld+json"])],
        problems: &["401"],
    },
    Operation {
        method: "get",
        path: "/epcis/readPoints",
        id: "readPoints",
        tag: "Discovery",
        summary: "The read points of the events the caller may see",
        token: Token::Optional,
        params: &[],
        request: &[],
        answers: &[("200", "A collection", &["application/ld+json"])],
        problems: &["401"],
    },
    Operation {
        method: "get",
        path: "/epcis/bizLocations",
        id: "bizLocations",
        tag: "Discovery",
        summary: "The business locations of the events the caller may see",
        token: Token::Optional,
        params: &[],
        request: &[],
        answers: &[("200", "A collection", &["application/ld+json"])],
        problems: &["401"],
    },
    Operation {
        method: "get",
        path: "/api/trace",
        id: "trace",
        tag: "Trace and recall",
        summary: "The lineage of an identifier: where it came from and where it went, with every recall that concerns it",
        token: Token::Optional,
        params: &[
            Param {
                name: "id",
                location: "query",
                required: true,
                description: "An EPC URN, EPC class (lot), SSCC or GS1 Digital Link (any host)",
            },
            query(
                "direction",
                "up (where it came from), down (where it went and what was made from it) or both (the default)",
            ),
            query("depth", "At most this many hops, 0 to 64 (default 10)"),
        ],
        request: &[],
        answers: &[(
            "200",
            "{id, direction, depth, depthReached, recalls, nodes, edges, events}: every event with its log index and stored JSON-LD; only events the caller may see",
            &["application/json"],
        )],
        problems: &["400", "401"],
    },
    Operation {
        method: "post",
        path: "/api/recalls",
        id: "createRecall",
        tag: "Trace and recall",
        summary: "Recall an identifier and everything downstream of it; the recall becomes a log entry",
        token: Token::Required,
        params: &[],
        request: &["application/json"],
        answers: &[(
            "201",
            "The recall: {recallId, id, reason, organisation, createdAt, logIndex, affected: {epcs, lots, sscc, locations, organisations}, events, eventIndices}; Location names it",
            &["application/json"],
        )],
        problems: &["400", "401", "403", "404"],
    },
    Operation {
        method: "get",
        path: "/api/recalls",
        id: "recallNotices",
        tag: "Trace and recall",
        summary: "Public recall notices of an identifier: recalls of it or of anything it was made from or belongs to",
        token: Token::None,
        params: &[Param {
            name: "id",
            location: "query",
            required: true,
            description: "An EPC URN, EPC class (lot), SSCC or GS1 Digital Link (any host)",
        }],
        request: &[],
        answers: &[(
            "200",
            "{id, recalled, recalls: [{recallId, id, reason, organisation, createdAt, logIndex}]}",
            &["application/json"],
        )],
        problems: &["400"],
    },
    Operation {
        method: "get",
        path: "/api/recalls/{recall}",
        id: "recall",
        tag: "Trace and recall",
        summary: "A recall with everything it affects, for the recalling organisation, the office of its county and the admin; add .csv or .xlsx for a spreadsheet",
        token: Token::Required,
        params: &[path(
            "recall",
            "The recall ID (RC-000001), optionally followed by .csv or .xlsx",
        )],
        request: &[],
        answers: &[(
            "200",
            "The recall (JSON), or its affected identifiers as CSV or XLSX",
            &[
                "application/json",
                "text/csv",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ],
        )],
        problems: &["401", "404"],
    },
    Operation {
        method: "get",
        path: "/api/item",
        id: "itemEvidence",
        tag: "Consumer page",
        summary: "An item's public records as the consumer page shows and verifies them: every shared event of its lineage, its certificates and recalls, each with the exact stored bytes, the leaf's fields and a tlog-proof against the newest checkpoint, and the trust policy the page pins (docs/consumer-page.md). What `retu verify --policy FILE URL` checks",
        token: Token::None,
        params: &[Param {
            name: "id",
            location: "query",
            required: true,
            description: "A GS1 Digital Link or its path (/01/{gtin}/10/{lot}, /01/{gtin}/21/{serial}, /00/{sscc}), percent-encoded",
        }],
        request: &[],
        answers: &[(
            "200",
            "{id, path, kind, origin, policy, eventsTruncated, recalled, certificates, recalls, records: [{logIndex, kind, subject, org, time, body, proof (null until published)}]}",
            &["application/json"],
        )],
        problems: &["400", "404"],
    },
    Operation {
        method: "get",
        path: "/api/county",
        id: "countySummary",
        tag: "County",
        summary: "The county dashboard's numbers for a period: registered producers, producers with a traced batch, traced batches, certificates issued, consumer scans, traceability coverage (with its definition), and the same by township and village (docs/county-dashboard.md). For the county's office, its specialists (session) and the admin",
        token: Token::Required,
        params: &[
            Param {
                name: "county",
                location: "query",
                required: false,
                description: "The county code; the admin must name it, a county office may leave it out",
            },
            Param {
                name: "from",
                location: "query",
                required: false,
                description: "First day, YYYY-MM-DD in China Standard Time (default: 1 January of this year)",
            },
            Param {
                name: "to",
                location: "query",
                required: false,
                description: "Last day, inclusive (default: today)",
            },
        ],
        request: &[],
        answers: &[(
            "200",
            "{county, from, to, producers, tracingProducers, batches, certificates, scans, traceabilityCoverage, coverageDefinition, partial, areas: [{township, village, producers, batches}]}",
            &["application/json"],
        )],
        problems: &["400", "401", "403"],
    },
    Operation {
        method: "post",
        path: "/api/forms",
        id: "submitForm",
        tag: "Forms",
        summary: "One phone form (harvest, process, inspect, pack, ship, receive, sell) becomes one EPCIS event through the capture pipeline (repository::forms). The form's ID is the event's ID, so a form sent again after being offline is stored once: 201 for a new event, 200 for a resend",
        token: Token::Required,
        params: &[header(
            "Accept-Language",
            "zh-CN or en, for the problems' and the receipt's wording",
        )],
        request: &["application/json"],
        answers: &[
            (
                "201",
                "The receipt: {eventID, eventHash, logIndex, new, stored, shared, consumerPage, proof}",
                &["application/json"],
            ),
            (
                "200",
                "A resend: the same receipt with new: false",
                &["application/json"],
            ),
        ],
        problems: &["400", "401", "403", "409"],
    },
    Operation {
        method: "post",
        path: "/api/scans",
        id: "recordScan",
        tag: "Scans",
        summary: "Count one consumer scan (the consumer page's beacon). Only the code and the browser's time zone are kept, as a count per code, hour and time zone: no address, cookie or user agent (docs/scans.md). The body is read as JSON whatever its media type",
        token: Token::None,
        params: &[header(
            "Accept-Language",
            "zh-CN or en, for the problems' wording",
        )],
        request: &["application/json", "text/plain"],
        answers: &[("204", "Counted (it shows within about a second)", &[])],
        problems: &["400", "413", "429"],
    },
    Operation {
        method: "get",
        path: "/api/scans",
        id: "scanCount",
        tag: "Scans",
        summary: "How often a code was scanned, public like the count on the consumer page",
        token: Token::None,
        params: &[Param {
            name: "code",
            location: "query",
            required: true,
            description: "The GS1 Digital Link path of the code (/01/{gtin}/21/{serial}, /01/{gtin}/10/{lot}, /00/{sscc}), percent-encoded",
        }],
        request: &[],
        answers: &[(
            "200",
            "{code (canonical path), total, firstScan (RFC 3339, the start of the hour; null if never scanned), scansLast24h}",
            &["application/json"],
        )],
        problems: &["400"],
    },
    Operation {
        method: "get",
        path: "/api/scans/flags",
        id: "scanFlags",
        tag: "Scans",
        summary: "Codes whose scans suggest copied labels: a serial or SSCC scanned more than 20 times in 24 hours or from 3 time zones in 7 days, a lot from 6 time zones in 7 days or in a burst. A member sees its own company prefixes' codes, a county office its county's, the admin all",
        token: Token::Required,
        params: &[header(
            "Accept-Language",
            "zh-CN or en, for the reasons' wording",
        )],
        request: &[],
        answers: &[(
            "200",
            "{generatedAt, flags: [{code, uri, kind, reason, reasonText, reasons: [{reason, reasonText}], scansLast24h, scansLast7d, timeZonesLast7d, timeZones, busiestHour: {hour, scans}}]}",
            &["application/json"],
        )],
        problems: &["401"],
    },
    Operation {
        method: "get",
        path: "/api/exports/fsma204",
        id: "fsma204Export",
        tag: "Exports",
        summary: "The FSMA 204 electronic sortable spreadsheet of key data elements, for one traceability lot code or a period (docs/fsma204.md has the mapping)",
        token: Token::Required,
        params: &[
            query(
                "tlc",
                "A traceability lot code (EPC class or Digital Link of a lot): the rows of that lot, from its whole lineage",
            ),
            query("from", "Events at or after this RFC 3339 time"),
            query("to", "Events before this RFC 3339 time"),
            query("format", "csv (the default) or xlsx"),
        ],
        request: &[],
        answers: &[(
            "200",
            "The spreadsheet, one row per event and lot, sorted by event time",
            &[
                "text/csv",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ],
        )],
        problems: &["400", "401"],
    },
    Operation {
        method: "post",
        path: "/api/certificates",
        id: "issueCertificate",
        tag: "Certificates",
        summary: "Issue a 承诺达标合格证 for a production batch (a harvest or production event of the caller and its lot); it becomes a log entry. Without parents, the nearest certified lots upstream are linked",
        token: Token::Required,
        params: &[header(
            "Accept-Language",
            "zh-CN or en, for the problems' wording",
        )],
        request: &["application/json"],
        answers: &[(
            "201",
            "{number, logIndex, page, proof, deletableAfter, certificate}; Location names it",
            &["application/json"],
        )],
        problems: &["400", "401", "403"],
    },
    Operation {
        method: "get",
        path: "/api/certificates/{number}",
        id: "certificate",
        tag: "Certificates",
        summary: "A certificate as JSON, public like the printed slip; its canonical (RFC 8785) bytes are what the log entry commits to",
        token: Token::None,
        params: &[path(
            "number",
            "The certificate number, as printed or typed (case and hyphens do not matter)",
        )],
        request: &[],
        answers: &[(
            "200",
            "{number, logIndex, page, proof, deletableAfter, certificate}",
            &["application/json"],
        )],
        problems: &["404"],
    },
    Operation {
        method: "get",
        path: "/c/{number}",
        id: "certificatePage",
        tag: "Certificates",
        summary: "The printable certificate page the QR code on the label points to, in Chinese or English",
        token: Token::None,
        params: &[
            path("number", "The certificate number"),
            query("lang", "zh-CN or en; otherwise Accept-Language decides"),
        ],
        request: &[],
        answers: &[
            ("200", "The page", &["text/html"]),
            (
                "404",
                "A page saying no such certificate exists",
                &["text/html"],
            ),
        ],
        problems: &[],
    },
    Operation {
        method: "post",
        path: "/api/labels",
        id: "printLabels",
        tag: "Labels",
        summary: "Print QR labels of GS1 Digital Links: {layout (a4-3x8, a4-2x7, a4-3x7, a4-4x10, a4-2x4; default a4-3x8), format (pdf, svg or png; default pdf), pixelsPerModule (png, 1-40, default 10), labels: [{uri, nameZh, nameEn, certificate?}]}, at most 1,000 labels. PDF: A4 sticker sheets, codes as vector rectangles (error correction M, 4-module quiet zone), text in an embedded subset CJK font; svg and png: the one code of a single label. Each URI must be a valid Digital Link under a company prefix the caller may print for (its own; a county office its county's; the admin any), each certificate one issued to it. 503 when the server has no font with Chinese glyphs (PDF only). docs/labels.md",
        token: Token::Required,
        params: &[header(
            "Accept-Language",
            "zh-CN or en, for the problems' wording",
        )],
        request: &["application/json"],
        answers: &[(
            "200",
            "The label sheet, or the code",
            &["application/pdf", "image/svg+xml", "image/png"],
        )],
        problems: &["400", "401", "403", "413", "503"],
    },
    Operation {
        method: "post",
        path: "/api/invitations",
        id: "createInvitation",
        tag: "Accounts",
        summary: "Invite a person with a one-use link (docs/accounts.md): {orgName, county, role, expiresInDays?} creates the farm or cooperative (a member organisation) with the invitation, {orgId, role, expiresInDays?} invites into an existing one. A county officer invites producers and processors of their county, a specialist of their assigned counties, the admin anyone anywhere; a county office's or the admin's API token may too. With a session cookie, send the session's CSRF token as X-CSRF-Token. The link expires after expiresInDays (1-30, default 7) and works once",
        token: Token::Required,
        params: &[header(
            "Accept-Language",
            "zh-CN or en, for the problems' wording",
        )],
        request: &["application/json"],
        answers: &[(
            "201",
            "{url (shown this once: the server keeps only its SHA-256), expiresAt, role, organisation: {id, name, county, role}, qrSvg (the link's QR code, to show on the inviter's phone)}",
            &["application/json"],
        )],
        problems: &["400", "401", "403"],
    },
    Operation {
        method: "post",
        path: "/api/users/disabled",
        id: "setUserDisabled",
        tag: "Accounts",
        summary: "Disable or enable a person (docs/accounts.md): {login, disabled: true|false}. A disabled person cannot log in and every session of theirs ends at once; enabling lets them log in again. A county officer manages the producers and processors of member organisations in their county, a specialist those of their assigned counties, the admin anyone; a county office's or the admin's API token may too. Nobody disables or enables themselves (403), an officer or specialist never an officer, specialist or administrator, nor anyone of another county (403, pointer /login); an unknown login is 404. With a session cookie, send the session's CSRF token as X-CSRF-Token",
        token: Token::Required,
        params: &[header(
            "Accept-Language",
            "zh-CN or en, for the problems' wording",
        )],
        request: &["application/json"],
        answers: &[(
            "200",
            "The person as they are now: {login, name, role, disabled, organisation: {id, name, county, role}}",
            &["application/json"],
        )],
        problems: &["400", "401", "403", "404"],
    },
    Operation {
        method: "get",
        path: "/api/locations",
        id: "locations",
        tag: "Master data",
        summary: "The locations (farms, plots, workshops, warehouses, shops) the caller may read: its own; a county office its county's; the admin all. docs/master-data.md",
        token: Token::Required,
        params: &[query(
            "kind",
            "Only this kind: farm, plot, workshop, warehouse or shop",
        )],
        request: &[],
        answers: &[(
            "200",
            "{locations: [{id, org, kind, identifier, countyIssued, gln, nameZh, nameEn, township, village, parent, areaMu, areaM2, crop, createdAt, updatedAt}]}, oldest first",
            &["application/json"],
        )],
        problems: &["401"],
    },
    Operation {
        method: "post",
        path: "/api/locations",
        id: "createLocation",
        tag: "Master data",
        summary: "Register a location: {kind, nameZh, nameEn?, township?, village?, gln?, and for a plot parent (a farm's id)?, areaMu?, areaM2?, crop?; org? (the admin for anyone; a logged-in county officer or specialist for a farmer of their counties)}. With a GLN (check digit verified) its identifier is https://id.gs1.org/414/{gln}; without, the county issues {public URL}/loc/{county}/{n}. The identifier becomes the organisation's location asset in the same transaction, so capture accepts events there",
        token: Token::Required,
        params: &[header(
            "Accept-Language",
            "zh-CN or en, for the problems' wording",
        )],
        request: &["application/json"],
        answers: &[(
            "201",
            "The location, as GET /api/locations/{locationId} answers it; Location names it",
            &["application/json"],
        )],
        problems: &["400", "401", "403", "409"],
    },
    Operation {
        method: "get",
        path: "/api/locations/{locationId}",
        id: "location",
        tag: "Master data",
        summary: "One location, if the caller may read it",
        token: Token::Required,
        params: &[path("locationId", "The location's id")],
        request: &[],
        answers: &[(
            "200",
            "{id, org, kind, identifier, countyIssued, gln, nameZh, nameEn, township, village, parent, areaMu, areaM2, crop, createdAt, updatedAt}",
            &["application/json"],
        )],
        problems: &["401", "404"],
    },
    Operation {
        method: "patch",
        path: "/api/locations/{locationId}",
        id: "updateLocation",
        tag: "Master data",
        summary: "Change a location of the caller's (the admin: anyone's) with a JSON merge patch (RFC 7396) of nameZh, nameEn, township, village, parent, areaMu, areaM2, crop; null removes. Kind, identifier and GLN never change",
        token: Token::Required,
        params: &[
            path("locationId", "The location's id"),
            header("Accept-Language", "zh-CN or en, for the problems' wording"),
        ],
        request: &["application/merge-patch+json", "application/json"],
        answers: &[("200", "The changed location", &["application/json"])],
        problems: &["400", "401", "403", "404"],
    },
    Operation {
        method: "get",
        path: "/api/products",
        id: "products",
        tag: "Master data",
        summary: "The products the caller may read: its own; a county office its county's; the admin all",
        token: Token::Required,
        params: &[],
        request: &[],
        answers: &[(
            "200",
            "{products: [{id, org, gtin, countyGtin, digitalLink, nameZh, nameEn, unit, category, brand, createdAt, updatedAt}]}, oldest first",
            &["application/json"],
        )],
        problems: &["401"],
    },
    Operation {
        method: "post",
        path: "/api/products",
        id: "createProduct",
        tag: "Master data",
        summary: "Register a product: {gtin?, nameZh, nameEn?, unit (kg, g, jin, t, piece, head, bird, box, bag), category (tea, rice, poultry, fruit, vegetables, eggs, other), brand?; org? (the admin for anyone; a logged-in county officer or specialist for a farmer of their counties)}. An organisation with a GS1 company prefix gives a GTIN under it; one without leaves it out and gets the next GTIN of the county's prefix (--county-prefix), which becomes its own",
        token: Token::Required,
        params: &[header(
            "Accept-Language",
            "zh-CN or en, for the problems' wording",
        )],
        request: &["application/json"],
        answers: &[(
            "201",
            "The product, as GET /api/products/{productId} answers it; Location names it",
            &["application/json"],
        )],
        problems: &["400", "401", "403", "409"],
    },
    Operation {
        method: "get",
        path: "/api/products/{productId}",
        id: "product",
        tag: "Master data",
        summary: "One product, if the caller may read it",
        token: Token::Required,
        params: &[path("productId", "The product's id")],
        request: &[],
        answers: &[(
            "200",
            "{id, org, gtin, countyGtin, digitalLink, nameZh, nameEn, unit, category, brand, createdAt, updatedAt}",
            &["application/json"],
        )],
        problems: &["401", "404"],
    },
    Operation {
        method: "patch",
        path: "/api/products/{productId}",
        id: "updateProduct",
        tag: "Master data",
        summary: "Change a product of the caller's (the admin: anyone's) with a JSON merge patch (RFC 7396) of nameZh, nameEn, unit, category, brand; null removes. The GTIN never changes",
        token: Token::Required,
        params: &[
            path("productId", "The product's id"),
            header("Accept-Language", "zh-CN or en, for the problems' wording"),
        ],
        request: &["application/merge-patch+json", "application/json"],
        answers: &[("200", "The changed product", &["application/json"])],
        problems: &["400", "401", "403", "404"],
    },
    Operation {
        method: "get",
        path: "/api/products/{productId}/lots",
        id: "productLots",
        tag: "Master data",
        summary: "The product's lots, read from the events the caller may see (a lot class in any identifier list, or the ILMD lot number of commissioned serials), each with the event that first named it",
        token: Token::Required,
        params: &[path("productId", "The product's id")],
        request: &[],
        answers: &[(
            "200",
            "{product, gtin, lots: [{lot, id, events, firstEvent: {eventID, logIndex, eventTime, bizStep, location, org, quantity, uom}}]}, by first event",
            &["application/json"],
        )],
        problems: &["401", "404"],
    },
    Operation {
        method: "get",
        path: "/01/{gtin}",
        id: "resolveGtin",
        tag: "Resolver",
        summary: "GS1 Digital Link resolver: A product, lot or item (GTIN with optional /10/{lot}, /21/{serial}). Redirects (307) to the default link (the newest 承诺达标合格证, else the trace) or to ?linkType=…; Accept: application/linkset+json or ?linkType=all answers the RFC 9264 linkset; GET, HEAD and OPTIONS with CORS",
        token: Token::None,
        params: &[
            path(
                "gtin",
                "The primary key value; key qualifiers follow as further path segments (/10/{lot}, /21/{serial}), data attributes as query parameters",
            ),
            query(
                "linkType",
                "all or linkset: the linkset; gs1:certificationInfo, gs1:traceability, gs1:epcis, gs1:recallStatus: redirect to that link",
            ),
        ],
        request: &[],
        answers: &[
            ("200", "The linkset", &["application/linkset+json"]),
            ("307", "Redirect to the link; Link names the linkset", &[]),
            (
                "404",
                "Nothing recorded about the identifier (an HTML page for browsers), or no link of the requested type",
                &["text/html", "application/problem+json"],
            ),
        ],
        problems: &["400"],
    },
    Operation {
        method: "get",
        path: "/00/{sscc}",
        id: "resolveSscc",
        tag: "Resolver",
        summary: "GS1 Digital Link resolver: A logistic unit (SSCC). Redirects (307) to the default link (the newest 承诺达标合格证, else the trace) or to ?linkType=…; Accept: application/linkset+json or ?linkType=all answers the RFC 9264 linkset; GET, HEAD and OPTIONS with CORS",
        token: Token::None,
        params: &[
            path(
                "sscc",
                "The primary key value; key qualifiers follow as further path segments (/10/{lot}, /21/{serial}), data attributes as query parameters",
            ),
            query(
                "linkType",
                "all or linkset: the linkset; gs1:certificationInfo, gs1:traceability, gs1:epcis, gs1:recallStatus: redirect to that link",
            ),
        ],
        request: &[],
        answers: &[
            ("200", "The linkset", &["application/linkset+json"]),
            ("307", "Redirect to the link; Link names the linkset", &[]),
            (
                "404",
                "Nothing recorded about the identifier (an HTML page for browsers), or no link of the requested type",
                &["text/html", "application/problem+json"],
            ),
        ],
        problems: &["400"],
    },
    Operation {
        method: "get",
        path: "/414/{gln}",
        id: "resolveGln",
        tag: "Resolver",
        summary: "GS1 Digital Link resolver: A location (GLN). Redirects (307) to the default link (the newest 承诺达标合格证, else the trace) or to ?linkType=…; Accept: application/linkset+json or ?linkType=all answers the RFC 9264 linkset; GET, HEAD and OPTIONS with CORS",
        token: Token::None,
        params: &[
            path(
                "gln",
                "The primary key value; key qualifiers follow as further path segments (/10/{lot}, /21/{serial}), data attributes as query parameters",
            ),
            query(
                "linkType",
                "all or linkset: the linkset; gs1:certificationInfo, gs1:traceability, gs1:epcis, gs1:recallStatus: redirect to that link",
            ),
        ],
        request: &[],
        answers: &[
            ("200", "The linkset", &["application/linkset+json"]),
            ("307", "Redirect to the link; Link names the linkset", &[]),
            (
                "404",
                "Nothing recorded about the identifier (an HTML page for browsers), or no link of the requested type",
                &["text/html", "application/problem+json"],
            ),
        ],
        problems: &["400"],
    },
    Operation {
        method: "get",
        path: "/.well-known/gs1resolver",
        id: "resolverDescription",
        tag: "Resolver",
        summary: "The GS1 resolver description file: root, supported primary keys and link types",
        token: Token::None,
        params: &[],
        request: &[],
        answers: &[("200", "The description", &["application/json"])],
        problems: &[],
    },
];

fn problem_description(status: &str) -> &'static str {
    match status {
        "400" => "Invalid input: the problem's errors name each field at fault with a JSON pointer",
        "401" => "The bearer token is unknown or revoked, or one is needed",
        "403" => {
            "The organisation does not own a location or identifier of the submission (for a session: or the CSRF token is missing)"
        }
        "404" => "No such resource, or not visible to the caller",
        "406" => "None of the representations the Accept header allows is available",
        "409" => {
            "An event ID is already used by a different event (master data: the GLN or GTIN is registered already)"
        }
        "413" => "The body is larger than the server accepts",
        "415" => "The body's media type is not JSON-LD, JSON or XML",
        "429" => "The caller's rate limit is exhausted; Retry-After says when to come back",
        "503" => {
            "Not available yet: the log has not published a checkpoint yet (for /api/labels: the server has no font with Chinese glyphs)"
        }
        _ => "A problem",
    }
}

fn operation(op: &Operation) -> Value {
    let mut result = Map::new();
    result.insert("operationId".into(), json!(op.id));
    result.insert("tags".into(), json!([op.tag]));
    result.insert("summary".into(), json!(op.summary));
    if !op.params.is_empty() {
        let params: Vec<Value> = op
            .params
            .iter()
            .map(|p| {
                json!({
                    "name": p.name,
                    "in": p.location,
                    "required": p.required,
                    "description": p.description,
                    "schema": { "type": "string" },
                })
            })
            .collect();
        result.insert("parameters".into(), Value::Array(params));
    }
    if !op.request.is_empty() {
        let content: Map<String, Value> = op
            .request
            .iter()
            .map(|media| ((*media).to_owned(), json!({})))
            .collect();
        result.insert(
            "requestBody".into(),
            json!({ "required": true, "content": content }),
        );
    }
    let mut responses = Map::new();
    for (status, description, media) in op.answers {
        let content: Map<String, Value> =
            media.iter().map(|m| ((*m).to_owned(), json!({}))).collect();
        responses.insert(
            (*status).to_owned(),
            json!({ "description": description, "content": content }),
        );
    }
    for status in op.problems {
        responses.insert(
            (*status).to_owned(),
            json!({
                "description": problem_description(status),
                "content": { "application/problem+json": {
                    "schema": { "$ref": "#/components/schemas/Problem" }
                } },
            }),
        );
    }
    result.insert("responses".into(), Value::Object(responses));
    match op.token {
        Token::None => {
            result.insert("security".into(), json!([]));
        }
        Token::Optional => {
            result.insert(
                "security".into(),
                json!([{}, { "bearer": [] }, { "session": [] }]),
            );
        }
        Token::Required => {
            result.insert(
                "security".into(),
                json!([{ "bearer": [] }, { "session": [] }]),
            );
        }
    }
    Value::Object(result)
}

/// The document, as served and committed (pretty-printed, with a final newline).
#[must_use]
pub fn document() -> String {
    let mut paths: Map<String, Value> = Map::new();
    for op in OPERATIONS {
        let entry = paths
            .entry(op.path.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(methods) = entry {
            methods.insert(op.method.to_owned(), operation(op));
        }
    }
    let document = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Retu (热土)",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "A county's verifiable farm-product traceability server: an EPCIS 2.0 repository (GS1 REST binding) whose every event is an entry of a C2SP transparency log. EPCIS operations keep the names of the GS1 EPCIS 2.0 OpenAPI description; errors are RFC 9457 problems whose type is the EPCIS exception.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "description": "An API token from `retu token create` (the admin's is printed on first start)" },
                "session": { "type": "apiKey", "in": "cookie", "name": "retu_session", "description": "A person's session from POST /login or an invitation (docs/accounts.md); requests other than GET, HEAD and OPTIONS must also send the session's CSRF token as X-CSRF-Token" },
            },
            "schemas": {
                "Problem": {
                    "type": "object",
                    "properties": {
                        "type": { "type": "string", "description": "The EPCIS exception (epcisException:ValidationException, …) or a URI" },
                        "title": { "type": "string" },
                        "status": { "type": "integer" },
                                                "detail": { "type": "string" },
                        "instance": { "type": "string", "description": "The request path" },
                        "pointer": { "type": "string", "description": "The first field at fault" },
                        "errors": {
                            "type": "array",
                            "description": "Each field at fault",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "pointer": { "type": "string", "description": "JSON pointer (or XML path) into the submitted document" },
                                    "detail": { "type": "string" },
                                },
                            },
                        },
                    },
                    "required": ["type", "title", "status"],
                },
            },
        },
    });
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

/// Every operation as (method, path template), for the test that each is routed.
#[must_use]
pub fn operations() -> Vec<(&'static str, &'static str)> {
    OPERATIONS.iter().map(|op| (op.method, op.path)).collect()
}
