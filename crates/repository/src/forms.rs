//! Phone forms → EPCIS 2.0 events. A farmer fills in 采收 (harvest), 加工 (process), 检测
//! (inspect), 包装 (pack), 发货 (ship), 收货 (receive) or 销售 (sell) with words and numbers;
//! this module turns one filled-in form into one EPCIS 2.0 JSON-LD document of one event,
//! which then goes through the same capture pipeline as the API ([`crate::capture`]): there is
//! no second way in.
//!
//! Pure: the web layer resolves the farmer's picks (my plot, my product) into identifiers
//! first. The mapping follows CBV 2.0 and GS1's guidance for fresh produce:
//!
//! | form | event | bizStep | what it names |
//! |---|---|---|---|
//! | harvest | ObjectEvent ADD | commissioning | the new lot (quantity), the plot, ILMD lot number |
//! | process | TransformationEvent | creating_class_instance | input lots → output lot |
//! | inspect | ObjectEvent OBSERVE | inspecting | the lot; disposition conformant / non_conformant; readings |
//! | pack | TransformationEvent | packing | bulk lot → packaged product lot |
//! | ship | ObjectEvent OBSERVE | shipping | lots; source and destination |
//! | receive | ObjectEvent OBSERVE | receiving | lots; source |
//! | sell | ObjectEvent OBSERVE | retail_selling | lots; the sales channel |
//!
//! Every event carries the form's own ID as its `eventID` (`urn:uuid:…`, made on the phone when
//! the form was opened), so a form sent twice — offline, then again when the signal comes
//! back — is the same event with the same hash, and capture stores it once. When a county
//! officer records for a farmer without a phone, `retu:enteredBy` names the officer in the
//! event itself, so the log says so.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::certificate::Unit;

/// The namespace of Retu's EPCIS extension fields. `.invalid` is reserved (RFC 2606): the
/// name can never be registered by anyone else, and nothing pretends it resolves.
pub const RETU_NAMESPACE: &str = "https://retu.invalid/epcis#";

/// The longest free text a form accepts in one field.
pub const TEXT_LIMIT: usize = 200;

/// A field of a form that is wrong, and the i18n key of the message that says why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormProblem {
    /// A JSON pointer into the submitted form (`/quantity`, `/inputs/1/lot`).
    pub pointer: String,
    /// The i18n key of the message (`form.problem.quantity`).
    pub key: &'static str,
}

fn problem(pointer: impl Into<String>, key: &'static str) -> FormProblem {
    FormProblem {
        pointer: pointer.into(),
        key,
    }
}

/// An amount of one lot: the lot of a product (`gtin` + `lot`), how much, in what unit.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LotAmount {
    /// The product's GTIN (14 digits).
    pub gtin: String,
    /// The lot number.
    pub lot: String,
    /// A positive decimal number, as typed.
    pub quantity: String,
    /// Its unit.
    pub unit: Unit,
}

/// Pass or fail, as a rapid test reads.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum TestResult {
    /// 合格.
    Pass,
    /// 不合格.
    Fail,
}

/// One reading of a test (for example an enzyme inhibition rate of 12.5 %).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Reading {
    /// What was measured, as the farmer names it (抑制率).
    pub name: String,
    /// The number, as typed.
    pub value: String,
    /// Its unit as a UN/ECE code (`P1` for percent, `MGM` for mg…), or empty.
    #[serde(default)]
    pub unit: String,
}

/// What a form records.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", tag = "form", deny_unknown_fields)]
pub enum FormKind {
    /// 采收: a new lot harvested on a plot.
    Harvest {
        /// The harvested lot.
        output: LotAmount,
    },
    /// 加工: lots turned into a new lot (withering, rolling, drying, milling…).
    Process {
        /// What went in.
        inputs: Vec<LotAmount>,
        /// What came out.
        output: LotAmount,
        /// The process step as the farmer names it (萎凋, 揉捻), optional.
        #[serde(default)]
        step: String,
    },
    /// 检测: a test of a lot.
    Inspect {
        /// The lot tested (the quantity is the sample).
        lot: LotAmount,
        /// The test (农药残留速测).
        test: String,
        /// The result.
        result: TestResult,
        /// The readings behind it, if any.
        #[serde(default)]
        readings: Vec<Reading>,
    },
    /// 包装: a bulk lot packed into a lot of a packaged product.
    Pack {
        /// The bulk that went in.
        input: LotAmount,
        /// The packaged lot that came out.
        output: LotAmount,
    },
    /// 发货: lots sent away.
    Ship {
        /// What was sent.
        lots: Vec<LotAmount>,
        /// The receiving place's identifier, when it is on record.
        #[serde(default)]
        destination: Option<String>,
        /// The buyer, as the farmer names them.
        #[serde(default)]
        buyer: String,
    },
    /// 收货: lots received.
    Receive {
        /// What arrived.
        lots: Vec<LotAmount>,
        /// The sending place's identifier, when it is on record.
        #[serde(default)]
        source: Option<String>,
    },
    /// 销售: lots sold to consumers (a shop, a market stall, a live stream).
    Sell {
        /// What was sold.
        lots: Vec<LotAmount>,
        /// Where or how (直播, 集市), optional.
        #[serde(default)]
        channel: String,
    },
}

/// One filled-in form, with the picks already resolved into identifiers. (Unknown fields are
/// ignored here, not refused: serde cannot refuse them next to a flattened enum.)
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Form {
    /// The form's ID, a UUID made on the phone when the form was opened.
    pub id: String,
    /// When it happened, RFC 3339 with the phone's offset (`2026-04-01T09:30:00+08:00`).
    pub time: String,
    /// Where it happened: the identifier of one of the organisation's locations.
    pub place: String,
    /// What happened.
    #[serde(flatten)]
    pub kind: FormKind,
    /// A note, optional.
    #[serde(default)]
    pub note: String,
}

/// The UN/ECE Recommendation 20 code and the factor for a unit; 斤 is half a kilogram and is
/// recorded in kilograms, so that every trading partner reads the same weight.
fn uom(unit: Unit) -> (&'static str, Option<u32>) {
    match unit {
        Unit::Kg => ("KGM", None),
        Unit::G => ("GRM", None),
        Unit::Jin => ("KGM", Some(2)),
        Unit::T => ("TNE", None),
        Unit::Piece | Unit::Head | Unit::Bird => ("H87", None),
        Unit::Box => ("XBX", None),
        Unit::Bag => ("XBG", None),
    }
}

/// Parses a positive decimal as typed (`40`, `40.5`, `0.25`), at most 12 digits before and 6
/// after the point; `None` otherwise.
fn positive_decimal(text: &str) -> Option<f64> {
    let text = text.trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str, max: usize| s.len() <= max && s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole, 12) || !digits(fraction, 6) {
        return None;
    }
    if text.ends_with('.') {
        return None;
    }
    let value: f64 = text.parse().ok()?;
    (value > 0.0).then_some(value)
}

fn valid_gtin(gtin: &str) -> bool {
    gs1::DigitalLink::parse(&format!("{}/01/{gtin}", gs1::GS1_RESOLVER)).is_ok() && gtin.len() == 14
}

fn check_text(problems: &mut Vec<FormProblem>, pointer: &str, text: &str, required: bool) {
    let trimmed = text.trim();
    if required && trimmed.is_empty() {
        problems.push(problem(pointer, "form.problem.required"));
    } else if trimmed.chars().count() > TEXT_LIMIT || trimmed.chars().any(char::is_control) {
        problems.push(problem(pointer, "form.problem.text"));
    }
}

/// The lot's class identifier, as a canonical Digital Link.
fn lot_class(amount: &LotAmount) -> String {
    format!(
        "{}/01/{}/10/{}",
        gs1::GS1_RESOLVER,
        amount.gtin,
        crate::normalize::percent_encode_component(amount.lot.trim())
    )
}

fn check_amount(problems: &mut Vec<FormProblem>, pointer: &str, amount: &LotAmount) {
    if !valid_gtin(&amount.gtin) {
        problems.push(problem(format!("{pointer}/gtin"), "form.problem.gtin"));
    }
    let lot = amount.lot.trim();
    // GS1 AI (10): up to 20 characters of the GS1 character set 82.
    let lot_ok = !lot.is_empty()
        && lot.len() <= 20
        && lot
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"#\"$@[\\]^`{|}~".contains(&b));
    if !lot_ok {
        problems.push(problem(format!("{pointer}/lot"), "form.problem.lot"));
    }
    if positive_decimal(&amount.quantity).is_none() {
        problems.push(problem(
            format!("{pointer}/quantity"),
            "form.problem.quantity",
        ));
    }
}

fn quantity_element(amount: &LotAmount) -> Value {
    let (code, divisor) = uom(amount.unit);
    let value = positive_decimal(&amount.quantity).unwrap_or_default();
    let value = divisor.map_or(value, |d| value / f64::from(d));
    json!({"epcClass": lot_class(amount), "quantity": value, "uom": code})
}

fn check_list(problems: &mut Vec<FormProblem>, pointer: &str, lots: &[LotAmount]) {
    if lots.is_empty() || lots.len() > 50 {
        problems.push(problem(pointer, "form.problem.lots"));
    }
    for (i, amount) in lots.iter().enumerate() {
        check_amount(problems, &format!("{pointer}/{i}"), amount);
    }
}

fn is_uuid(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(part, len)| part.len() == len && part.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The event time in RFC 3339 and its offset (`+08:00`), or `None` when `time` is not a date
/// and time with an offset.
fn time_and_offset(time: &str) -> Option<(String, String)> {
    let parsed =
        time::OffsetDateTime::parse(time, &time::format_description::well_known::Rfc3339).ok()?;
    let offset = parsed.offset();
    let (hours, minutes, _) = offset.as_hms();
    let sign = if offset.is_negative() { '-' } else { '+' };
    // Written back in RFC 3339's own form: the parser also takes forms EPCIS does not (a
    // separator other than `T`), which the fuzzer found.
    let written = parsed
        .format(&time::format_description::well_known::Rfc3339)
        .ok()?;
    Some((
        written,
        format!("{sign}{:02}:{:02}", hours.abs(), minutes.abs()),
    ))
}

/// Checks a form; every problem at once, each naming its field.
pub fn check(form: &Form) -> Vec<FormProblem> {
    let mut problems = Vec::new();
    if !is_uuid(&form.id) {
        problems.push(problem("/id", "form.problem.id"));
    }
    // EPCIS's own definitions of a date-time and a URI, so that a checked form is always an
    // event capture accepts.
    if !epcis::is_rfc3339(form.time.trim()) || time_and_offset(form.time.trim()).is_none() {
        problems.push(problem("/time", "form.problem.time"));
    }
    if !epcis::is_uri(form.place.trim()) {
        problems.push(problem("/place", "form.problem.place"));
    }
    check_text(&mut problems, "/note", &form.note, false);
    match &form.kind {
        FormKind::Harvest { output } => check_amount(&mut problems, "/output", output),
        FormKind::Process {
            inputs,
            output,
            step,
        } => {
            check_list(&mut problems, "/inputs", inputs);
            check_amount(&mut problems, "/output", output);
            check_text(&mut problems, "/step", step, false);
        }
        FormKind::Inspect {
            lot,
            test,
            readings,
            ..
        } => {
            check_amount(&mut problems, "/lot", lot);
            check_text(&mut problems, "/test", test, true);
            if readings.len() > 20 {
                problems.push(problem("/readings", "form.problem.readings"));
            }
            for (i, reading) in readings.iter().enumerate() {
                check_text(
                    &mut problems,
                    &format!("/readings/{i}/name"),
                    &reading.name,
                    true,
                );
                if reading
                    .value
                    .trim()
                    .parse::<f64>()
                    .map_or(true, |v| !v.is_finite())
                {
                    problems.push(problem(
                        format!("/readings/{i}/value"),
                        "form.problem.number",
                    ));
                }
                let unit_ok = reading.unit.is_empty() || epcis::is_uom(&reading.unit);
                if !unit_ok {
                    problems.push(problem(format!("/readings/{i}/unit"), "form.problem.unit"));
                }
            }
        }
        FormKind::Pack { input, output } => {
            check_amount(&mut problems, "/input", input);
            check_amount(&mut problems, "/output", output);
        }
        FormKind::Ship {
            lots,
            destination,
            buyer,
        } => {
            check_list(&mut problems, "/lots", lots);
            check_text(&mut problems, "/buyer", buyer, destination.is_none());
            if destination
                .as_deref()
                .is_some_and(|d| !epcis::is_uri(d.trim()))
            {
                problems.push(problem("/destination", "form.problem.place"));
            }
        }
        FormKind::Receive { lots, source } => {
            check_list(&mut problems, "/lots", lots);
            if source.as_deref().is_some_and(|s| !epcis::is_uri(s.trim())) {
                problems.push(problem("/source", "form.problem.place"));
            }
        }
        FormKind::Sell { lots, channel } => {
            check_list(&mut problems, "/lots", lots);
            check_text(&mut problems, "/channel", channel, false);
        }
    }
    problems
}

/// Who entered a form for someone else: a county officer recording for a farmer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnteredBy {
    /// The officer's name.
    pub name: String,
    /// The officer's organisation (its public ID).
    pub organisation: String,
}

/// The EPCIS 2.0 document of one form, or every problem of the form.
pub fn to_document(form: &Form, entered_by: Option<&EnteredBy>) -> Result<Value, Vec<FormProblem>> {
    let problems = check(form);
    if !problems.is_empty() {
        return Err(problems);
    }
    let (time, offset) = time_and_offset(form.time.trim())
        .ok_or_else(|| vec![problem("/time", "form.problem.time")])?;
    let place = json!({"id": form.place.trim()});
    let mut event = Map::new();
    let quantities = |lots: &[LotAmount]| lots.iter().map(quantity_element).collect::<Vec<_>>();
    match &form.kind {
        FormKind::Harvest { output } => {
            event.insert("type".into(), json!("ObjectEvent"));
            event.insert("action".into(), json!("ADD"));
            event.insert("bizStep".into(), json!("commissioning"));
            event.insert("disposition".into(), json!("active"));
            event.insert("epcList".into(), json!([]));
            event.insert("quantityList".into(), json!([quantity_element(output)]));
            event.insert(
                "ilmd".into(),
                json!({"cbvmda:lotNumber": output.lot.trim()}),
            );
        }
        FormKind::Process {
            inputs,
            output,
            step,
        } => {
            event.insert("type".into(), json!("TransformationEvent"));
            event.insert("bizStep".into(), json!("creating_class_instance"));
            event.insert("inputQuantityList".into(), json!(quantities(inputs)));
            event.insert(
                "outputQuantityList".into(),
                json!([quantity_element(output)]),
            );
            event.insert(
                "ilmd".into(),
                json!({"cbvmda:lotNumber": output.lot.trim()}),
            );
            if !step.trim().is_empty() {
                event.insert("retu:process".into(), json!(step.trim()));
            }
        }
        FormKind::Inspect {
            lot,
            test,
            result,
            readings,
        } => {
            event.insert("type".into(), json!("ObjectEvent"));
            event.insert("action".into(), json!("OBSERVE"));
            event.insert("bizStep".into(), json!("inspecting"));
            event.insert(
                "disposition".into(),
                json!(match result {
                    TestResult::Pass => "conformant",
                    TestResult::Fail => "non_conformant",
                }),
            );
            event.insert("epcList".into(), json!([]));
            event.insert("quantityList".into(), json!([quantity_element(lot)]));
            event.insert("retu:test".into(), json!(test.trim()));
            if !readings.is_empty() {
                let reports: Vec<Value> = readings
                    .iter()
                    .map(|reading| {
                        let mut report = json!({
                            "type": format!("{RETU_NAMESPACE}reading"),
                            "stringValue": reading.name.trim(),
                            "value": reading.value.trim().parse::<f64>().unwrap_or_default(),
                        });
                        if !reading.unit.is_empty() {
                            report["uom"] = json!(reading.unit);
                        }
                        report
                    })
                    .collect();
                event.insert(
                    "sensorElementList".into(),
                    json!([{"sensorReport": reports}]),
                );
            }
        }
        FormKind::Pack { input, output } => {
            event.insert("type".into(), json!("TransformationEvent"));
            event.insert("bizStep".into(), json!("packing"));
            event.insert("inputQuantityList".into(), json!([quantity_element(input)]));
            event.insert(
                "outputQuantityList".into(),
                json!([quantity_element(output)]),
            );
            event.insert(
                "ilmd".into(),
                json!({"cbvmda:lotNumber": output.lot.trim()}),
            );
        }
        FormKind::Ship {
            lots,
            destination,
            buyer,
        } => {
            event.insert("type".into(), json!("ObjectEvent"));
            event.insert("action".into(), json!("OBSERVE"));
            event.insert("bizStep".into(), json!("shipping"));
            event.insert("disposition".into(), json!("in_transit"));
            event.insert("epcList".into(), json!([]));
            event.insert("quantityList".into(), json!(quantities(lots)));
            event.insert(
                "sourceList".into(),
                json!([{"type": "location", "source": form.place.trim()}]),
            );
            if let Some(destination) = destination {
                event.insert(
                    "destinationList".into(),
                    json!([{"type": "location", "destination": destination.trim()}]),
                );
            }
            if !buyer.trim().is_empty() {
                event.insert("retu:buyer".into(), json!(buyer.trim()));
            }
        }
        FormKind::Receive { lots, source } => {
            event.insert("type".into(), json!("ObjectEvent"));
            event.insert("action".into(), json!("OBSERVE"));
            event.insert("bizStep".into(), json!("receiving"));
            event.insert("disposition".into(), json!("in_progress"));
            event.insert("epcList".into(), json!([]));
            event.insert("quantityList".into(), json!(quantities(lots)));
            if let Some(source) = source {
                event.insert(
                    "sourceList".into(),
                    json!([{"type": "location", "source": source.trim()}]),
                );
            }
            event.insert(
                "destinationList".into(),
                json!([{"type": "location", "destination": form.place.trim()}]),
            );
        }
        FormKind::Sell { lots, channel } => {
            event.insert("type".into(), json!("ObjectEvent"));
            event.insert("action".into(), json!("OBSERVE"));
            event.insert("bizStep".into(), json!("retail_selling"));
            event.insert("disposition".into(), json!("retail_sold"));
            event.insert("epcList".into(), json!([]));
            event.insert("quantityList".into(), json!(quantities(lots)));
            if !channel.trim().is_empty() {
                event.insert("retu:channel".into(), json!(channel.trim()));
            }
        }
    }
    event.insert(
        "eventID".into(),
        json!(format!("urn:uuid:{}", form.id.to_lowercase())),
    );
    event.insert("eventTime".into(), json!(time));
    event.insert("eventTimeZoneOffset".into(), json!(offset));
    event.insert("readPoint".into(), place.clone());
    event.insert("bizLocation".into(), place);
    if !form.note.trim().is_empty() {
        event.insert("retu:note".into(), json!(form.note.trim()));
    }
    if let Some(officer) = entered_by {
        event.insert(
            "retu:enteredBy".into(),
            json!({"retu:name": officer.name, "retu:organisation": officer.organisation}),
        );
    }
    let document = json!({
        "@context": [
            "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
            {"retu": RETU_NAMESPACE}
        ],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": time,
        "epcisBody": {"eventList": [Value::Object(event)]},
    });
    // The checks above catch what a farmer gets wrong; EPCIS's own validation catches the rest
    // (a GLN with a wrong check digit, say), so a form either becomes an event capture accepts
    // or is refused here, naming the form's field.
    let bytes = document.to_string().into_bytes();
    let problems = match epcis::parse(&bytes) {
        Ok(parsed) => parsed.validate(),
        Err(_) => return Err(vec![problem("", "form.problem.invalid")]),
    };
    if problems.is_empty() {
        Ok(document)
    } else {
        let mut mapped: Vec<FormProblem> = problems
            .iter()
            .map(|p| form_problem(&form.kind, &p.pointer))
            .collect();
        mapped.dedup();
        Err(mapped)
    }
}

/// The form field an EPCIS validation problem is about.
fn form_problem(kind: &FormKind, pointer: &str) -> FormProblem {
    let field = pointer
        .strip_prefix("/epcisBody/eventList/0")
        .unwrap_or(pointer);
    let index = |list: &str| {
        field
            .strip_prefix(list)
            .and_then(|rest| rest.trim_start_matches('/').split('/').next())
            .and_then(|i| i.parse::<usize>().ok())
            .unwrap_or(0)
    };
    let at = |pointer: String| problem(pointer, "form.problem.invalid");
    if field.starts_with("/readPoint") || field.starts_with("/bizLocation") {
        return problem("/place", "form.problem.place");
    }
    if field.starts_with("/sourceList") {
        return problem("/source", "form.problem.place");
    }
    if field.starts_with("/destinationList") {
        return problem("/destination", "form.problem.place");
    }
    match kind {
        FormKind::Harvest { .. } | FormKind::Process { .. } | FormKind::Pack { .. }
            if field.starts_with("/outputQuantityList")
                || field.starts_with("/ilmd")
                || (matches!(kind, FormKind::Harvest { .. })
                    && field.starts_with("/quantityList")) =>
        {
            at("/output".into())
        }
        FormKind::Process { .. } if field.starts_with("/inputQuantityList") => {
            at(format!("/inputs/{}", index("/inputQuantityList")))
        }
        FormKind::Pack { .. } if field.starts_with("/inputQuantityList") => at("/input".into()),
        FormKind::Inspect { .. } if field.starts_with("/quantityList") => at("/lot".into()),
        FormKind::Inspect { .. } if field.starts_with("/sensorElementList") => {
            at("/readings".into())
        }
        FormKind::Ship { .. } | FormKind::Receive { .. } | FormKind::Sell { .. }
            if field.starts_with("/quantityList") =>
        {
            at(format!("/lots/{}", index("/quantityList")))
        }
        _ => at(String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLOT: &str = "https://id.gs1.org/414/6901234000115";
    const ID: &str = "0b8c7d3e-1f2a-4b5c-9d8e-7f6a5b4c3d2e";

    fn amount(gtin: &str, lot: &str, quantity: &str, unit: Unit) -> LotAmount {
        LotAmount {
            gtin: gtin.into(),
            lot: lot.into(),
            quantity: quantity.into(),
            unit,
        }
    }

    fn form(kind: FormKind) -> Form {
        Form {
            id: ID.into(),
            time: "2026-04-01T09:30:00+08:00".into(),
            place: PLOT.into(),
            kind,
            note: "头采".into(),
        }
    }

    fn every_kind() -> Vec<FormKind> {
        let leaf = amount("06901234111118", "LEAF-P1", "3", Unit::Jin);
        let made = amount("06901234222227", "MT-A", "18", Unit::Kg);
        let tins = amount("06901234333336", "TIN-A", "72", Unit::Piece);
        vec![
            FormKind::Harvest {
                output: leaf.clone(),
            },
            FormKind::Process {
                inputs: vec![leaf.clone()],
                output: made.clone(),
                step: "萎凋".into(),
            },
            FormKind::Inspect {
                lot: amount("06901234222227", "MT-A", "0.1", Unit::Kg),
                test: "农药残留速测".into(),
                result: TestResult::Pass,
                readings: vec![Reading {
                    name: "抑制率".into(),
                    value: "12.5".into(),
                    unit: "P1".into(),
                }],
            },
            FormKind::Pack {
                input: made.clone(),
                output: tins.clone(),
            },
            FormKind::Ship {
                lots: vec![tins.clone()],
                destination: Some("https://id.gs1.org/414/6912345000017".into()),
                buyer: "县城茶叶批发部".into(),
            },
            FormKind::Receive {
                lots: vec![tins.clone()],
                source: Some(PLOT.into()),
            },
            FormKind::Sell {
                lots: vec![tins],
                channel: "直播".into(),
            },
        ]
    }

    #[test]
    fn every_form_makes_one_valid_epcis_event_with_its_own_id() {
        for kind in every_kind() {
            let document = to_document(&form(kind.clone()), None).expect("valid form");
            let bytes = document.to_string().into_bytes();
            let parsed = epcis::parse(&bytes).expect("parses");
            assert_eq!(parsed.document.events.len(), 1);
            assert_eq!(parsed.validate(), Vec::new(), "{kind:?}: {document}");
            let event = &document["epcisBody"]["eventList"][0];
            assert_eq!(event["eventID"], format!("urn:uuid:{ID}"));
            assert_eq!(event["eventTimeZoneOffset"], "+08:00");
            assert_eq!(event["bizLocation"]["id"], PLOT);
        }
    }

    #[test]
    fn the_same_form_twice_is_the_same_event() {
        for kind in every_kind() {
            let hash = |document: Value| {
                let bytes = document.to_string().into_bytes();
                epcis::parse(&bytes)
                    .expect("parses")
                    .hashes(epcis::hash::HashOptions::default())
            };
            let first = hash(to_document(&form(kind.clone()), None).expect("valid"));
            let again = hash(to_document(&form(kind), None).expect("valid"));
            assert_eq!(first, again);
        }
    }

    #[test]
    fn jin_are_recorded_as_kilograms_and_the_officer_is_named() {
        let officer = EnteredBy {
            name: "王干事".into(),
            organisation: "org-county".into(),
        };
        let harvest = form(FormKind::Harvest {
            output: amount("06901234111118", "LEAF-P1", "3", Unit::Jin),
        });
        let document = to_document(&harvest, Some(&officer)).expect("valid");
        let event = &document["epcisBody"]["eventList"][0];
        assert_eq!(event["quantityList"][0]["quantity"], 1.5);
        assert_eq!(event["quantityList"][0]["uom"], "KGM");
        assert_eq!(
            event["quantityList"][0]["epcClass"],
            "https://id.gs1.org/01/06901234111118/10/LEAF-P1"
        );
        assert_eq!(event["ilmd"]["cbvmda:lotNumber"], "LEAF-P1");
        assert_eq!(event["retu:enteredBy"]["retu:name"], "王干事");
        let bytes = document.to_string().into_bytes();
        assert_eq!(epcis::parse(&bytes).expect("parses").validate(), Vec::new());
    }

    #[test]
    fn every_problem_names_its_field() {
        let bad = Form {
            id: "not-a-uuid".into(),
            time: "yesterday".into(),
            place: " ".into(),
            kind: FormKind::Process {
                inputs: vec![amount("06901234111119", "", "-1", Unit::Kg)],
                output: amount("06901234222227", "MT A#", "1.", Unit::Kg),
                step: "x".repeat(TEXT_LIMIT + 1),
            },
            note: "a\u{7}b".into(),
        };
        let pointers: Vec<(String, &str)> = check(&bad)
            .into_iter()
            .map(|p| (p.pointer, p.key))
            .collect();
        for expected in [
            ("/id", "form.problem.id"),
            ("/time", "form.problem.time"),
            ("/place", "form.problem.place"),
            ("/note", "form.problem.text"),
            ("/inputs/0/gtin", "form.problem.gtin"),
            ("/inputs/0/lot", "form.problem.lot"),
            ("/inputs/0/quantity", "form.problem.quantity"),
            ("/output/lot", "form.problem.lot"),
            ("/output/quantity", "form.problem.quantity"),
            ("/step", "form.problem.text"),
        ] {
            assert!(
                pointers.contains(&(expected.0.to_owned(), expected.1)),
                "{expected:?} missing from {pointers:?}"
            );
        }
        assert!(to_document(&bad, None).is_err());
        let no_buyer = form(FormKind::Ship {
            lots: vec![amount("06901234333336", "TIN-A", "1", Unit::Box)],
            destination: None,
            buyer: String::new(),
        });
        assert_eq!(
            check(&no_buyer),
            vec![problem("/buyer", "form.problem.required")]
        );
    }

    #[test]
    fn what_only_epcis_validation_catches_still_names_the_field() {
        let mut harvest = form(FormKind::Harvest {
            output: amount("06901234111118", "LEAF-P1", "3", Unit::Kg),
        });
        harvest.place = "https://id.gs1.org/414/9061234000115".into();
        assert!(check(&harvest).is_empty());
        assert_eq!(
            to_document(&harvest, None),
            Err(vec![problem("/place", "form.problem.place")])
        );
    }

    #[test]
    fn forms_read_from_the_phones_json() {
        let json = r#"{"id":"0b8c7d3e-1f2a-4b5c-9d8e-7f6a5b4c3d2e","time":"2026-04-01T09:30:00+08:00",
            "place":"https://id.gs1.org/414/6901234000115","form":"harvest",
            "output":{"gtin":"06901234111118","lot":"LEAF-P1","quantity":"40.5","unit":"kg"}}"#;
        let parsed: Form = serde_json::from_str(json).expect("form");
        assert!(matches!(parsed.kind, FormKind::Harvest { .. }));
        assert!(check(&parsed).is_empty());
        assert!(serde_json::from_str::<Form>(&json.replace("harvest", "plant")).is_err());
    }
}

/// Properties for the `form` fuzz target (`fuzz/fuzz_targets/form.rs`).
#[doc(hidden)]
pub mod fuzzing {
    use super::*;

    /// A form never panics; one that passes [`check`] becomes a document that parses as EPCIS
    /// and passes Retu's validation, so a farmer never gets a receipt for an event capture
    /// would then refuse.
    pub fn form(data: &[u8]) {
        let Ok(form) = serde_json::from_slice::<Form>(data) else {
            return;
        };
        let Ok(document) = to_document(&form, None) else {
            return;
        };
        let bytes = document.to_string().into_bytes();
        let parsed = epcis::parse(&bytes)
            .unwrap_or_else(|e| panic!("a checked form is not EPCIS: {e}: {document}"));
        let problems = parsed.validate();
        assert!(
            problems.is_empty(),
            "a checked form is not valid EPCIS: {problems:?}: {document}"
        );
    }
}
