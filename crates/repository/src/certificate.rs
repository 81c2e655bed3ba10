//! The 承诺达标合格证 (compliance certificate) of the 《农产品质量安全承诺达标合格证管理办法》
//! (MARA Order 2025 No. 4, in force since 2026-02-01): what a producer or buyer fills in
//! ([`CertificateDraft`]), how it is checked ([`CertificateDraft::validate`]), the issued
//! certificate ([`Certificate`]) with its number ([`certificate_number`]) and the exact bytes
//! the transparency log commits to ([`Certificate::canonical_bytes`]).
//!
//! The fields follow the national template: product name, quantity or weight, producer name
//! and contact, origin, date of issue, the three ticked commitments (不使用禁用农药兽药、停用兽药
//! 和非法添加物; 常规农药兽药残留不超标; 对承诺的真实性负责), the basis of the commitment (委托检测,
//! 自我检测, 内部质量控制, 自我承诺) and optional test results. Retu adds what makes a certificate
//! traceable: the EPCIS event and the GS1 lot it covers, and the certificates it was re-issued
//! from after mixing or splitting (the Measures require buyers to re-issue then).
//!
//! Problems carry a JSON pointer into the draft's camelCase JSON and an i18n message key, so a
//! form can show the message in the reader's language next to the field.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::{Date, Month, OffsetDateTime};

/// How long an issued certificate is kept, in days, counted from the moment it was issued.
///
/// The 2025 Measures require certificate records to be kept for at least six months
/// ([`MEASURES_MINIMUM_RETENTION_DAYS`]). Retu keeps them two years because that floor is not
/// the only rule a county meets: the Agricultural Product Quality Safety Law keeps production
/// records two years, provinces such as Shandong require certificate records to be kept two
/// years, and the 2019 trial kept the second copy one year. Two years satisfies all of them.
/// "Deleting" a certificate removes its stored bytes; its log leaf, which holds only hashes,
/// stays, as every leaf of an append-only log must.
pub const RETENTION_DAYS: u32 = 730;

/// The Measures' floor for keeping certificate records: six months, counted generously.
pub const MEASURES_MINIMUM_RETENTION_DAYS: u32 = 183;

/// The most characters a text field may hold; a certificate is a small printed slip.
pub const MAX_TEXT_CHARS: usize = 200;

/// The most test results one certificate lists.
pub const MAX_TESTS: usize = 20;

/// The most parent certificates one certificate names (a collection station may mix the
/// produce of many smallholders into one lot).
pub const MAX_PARENTS: usize = 1000;

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// China Standard Time (UTC+8), in microseconds: certificate dates are the dates people in
/// the county see on their calendars, and China has one time zone.
const CST_OFFSET_MICROS: i64 = 8 * 3_600_000_000;

/// A problem with one field of a draft.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldProblem {
    /// An RFC 6901 JSON pointer into the draft's JSON, such as `/producer/contact`.
    pub pointer: String,
    /// The i18n key of the message that explains the problem, such as `cert.problem.phone`.
    pub message_key: &'static str,
}

/// What a producer or buyer fills in to issue a certificate.
///
/// Text fields default to empty when missing from the JSON so that [`Self::validate`] can
/// report them with a pointer; enumerations (units, test kinds and outcomes) must be present.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CertificateDraft {
    /// 产品名称, such as 雷山银球茶鲜叶.
    #[serde(default)]
    pub product_name: String,
    /// 数量（重量）.
    pub quantity: Quantity,
    /// The producer or, for a re-issued certificate, the buyer who mixed or split the lots.
    #[serde(default)]
    pub producer: Producer,
    /// 产地.
    #[serde(default)]
    pub origin: Origin,
    /// 开具日期, an RFC 3339 full-date (`2026-02-01`).
    #[serde(default)]
    pub issue_date: String,
    /// The three commitments of the template; all must be ticked.
    #[serde(default)]
    pub commitments: Commitments,
    /// 承诺依据: what the commitment rests on, at least one.
    #[serde(default)]
    pub basis: Vec<Basis>,
    /// Test results behind a test basis.
    #[serde(default)]
    pub tests: Vec<TestResult>,
    /// The lot the certificate covers and the event that recorded it.
    #[serde(default)]
    pub batch: Batch,
    /// Numbers of the certificates this one was re-issued from after mixing or splitting.
    #[serde(default)]
    pub parents: Vec<String>,
}

/// A quantity or weight: a positive decimal number and its unit.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Quantity {
    /// The amount as a decimal string (`12.5`), so that it is stored exactly as written; a
    /// JSON number is accepted too and kept in its shortest decimal form.
    #[serde(default, deserialize_with = "string_or_number")]
    pub value: String,
    /// The unit; `None` only in a draft, where it is reported as missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<Unit>,
}

/// Units farm produce is counted or weighed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Unit {
    /// 公斤.
    Kg,
    /// 克.
    G,
    /// 斤 (500 g), the unit of every village market.
    Jin,
    /// 吨.
    T,
    /// 件.
    Piece,
    /// 头 (pigs, cattle).
    Head,
    /// 只 (poultry).
    Bird,
    /// 箱.
    Box,
    /// 袋.
    Bag,
}

impl Unit {
    /// The spelling in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Kg => "kg",
            Unit::G => "g",
            Unit::Jin => "jin",
            Unit::T => "t",
            Unit::Piece => "piece",
            Unit::Head => "head",
            Unit::Bird => "bird",
            Unit::Box => "box",
            Unit::Bag => "bag",
        }
    }

    /// The i18n key of the unit's label.
    pub fn message_key(self) -> &'static str {
        match self {
            Unit::Kg => "cert.unit.kg",
            Unit::G => "cert.unit.g",
            Unit::Jin => "cert.unit.jin",
            Unit::T => "cert.unit.t",
            Unit::Piece => "cert.unit.piece",
            Unit::Head => "cert.unit.head",
            Unit::Bird => "cert.unit.bird",
            Unit::Box => "cert.unit.box",
            Unit::Bag => "cert.unit.bag",
        }
    }
}

/// Who issues the certificate and answers for it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Producer {
    /// The enterprise, cooperative or farmer's name.
    #[serde(default)]
    pub name: String,
    /// A telephone number a buyer or inspector can call: a mobile number or a landline with
    /// its area code.
    #[serde(default)]
    pub contact: String,
    /// The 主体码 of the national traceability platform, when the producer has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_code: Option<String>,
}

/// 产地: where the produce was grown or raised.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Origin {
    /// 省 (or autonomous region, municipality).
    #[serde(default)]
    pub province: String,
    /// 县 (or county-level city, district).
    #[serde(default)]
    pub county: String,
    /// 乡镇.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub township: Option<String>,
    /// 村.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub village: Option<String>,
    /// The plot, field, pond or barn, as the producer names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plot: Option<String>,
}

/// The commitments of the national template, each a checkbox.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Commitments {
    /// 不使用禁用农药兽药、停用兽药和非法添加物.
    #[serde(default)]
    pub no_banned_substances: bool,
    /// 常规农药兽药残留不超标.
    #[serde(default)]
    pub residues_within_limits: bool,
    /// 对承诺的真实性负责.
    #[serde(default)]
    pub responsible_for_truth: bool,
}

impl Commitments {
    /// All three ticked, as a certificate requires.
    pub const ALL: Commitments = Commitments {
        no_banned_substances: true,
        residues_within_limits: true,
        responsible_for_truth: true,
    };
}

/// 承诺依据: what a commitment rests on, the template's checkboxes in its order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Basis {
    /// 委托检测: a test by an outside laboratory.
    CommissionedTest,
    /// 自我检测: the producer's own (rapid) test.
    SelfTest,
    /// 内部质量控制: the producer's quality control system.
    InternalQualityControl,
    /// 自我承诺: the producer's word.
    SelfCommitment,
}

impl Basis {
    /// Every basis, in the template's order.
    pub const ALL: [Basis; 4] = [
        Basis::CommissionedTest,
        Basis::SelfTest,
        Basis::InternalQualityControl,
        Basis::SelfCommitment,
    ];

    /// The i18n key of the checkbox label.
    pub fn message_key(self) -> &'static str {
        match self {
            Basis::CommissionedTest => "cert.basis.commissioned_test",
            Basis::SelfTest => "cert.basis.self_test",
            Basis::InternalQualityControl => "cert.basis.internal_qc",
            Basis::SelfCommitment => "cert.basis.self_commitment",
        }
    }
}

/// Who tested.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TestKind {
    /// 自检.
    SelfTest,
    /// 委托检测.
    CommissionedTest,
    /// A check of the internal quality control system (内部质量控制).
    InternalQualityControl,
}

impl TestKind {
    /// The basis a result of this kind supports.
    pub fn basis(self) -> Basis {
        match self {
            TestKind::SelfTest => Basis::SelfTest,
            TestKind::CommissionedTest => Basis::CommissionedTest,
            TestKind::InternalQualityControl => Basis::InternalQualityControl,
        }
    }
}

/// Whether the produce passed a test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TestOutcome {
    /// 合格.
    Pass,
    /// 不合格.
    Fail,
}

/// One test result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TestResult {
    /// Who tested.
    pub kind: TestKind,
    /// 检测项目, such as 有机磷和氨基甲酸酯类农药.
    #[serde(default)]
    pub item: String,
    /// 检测方法, such as 酶抑制率法 (GB/T 5009.199).
    #[serde(default)]
    pub method: String,
    /// Passed or failed.
    pub outcome: TestOutcome,
    /// The measured value as written, such as `抑制率 12%`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The test date, an RFC 3339 full-date.
    #[serde(default)]
    pub date: String,
    /// The laboratory of a commissioned test.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
    /// The laboratory's report number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_number: Option<String>,
}

/// The lot a certificate covers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Batch {
    /// The EPCIS `eventID` of the event that recorded the lot (harvest, packing, or the
    /// aggregation or transformation that mixed or split lots).
    #[serde(default)]
    pub event_id: String,
    /// The lot as an EPC class URN (`urn:epc:class:lgtin:…`) or a GS1 Digital Link; an item
    /// (SGTIN) or logistic unit (SSCC) identifier is accepted too, for one certificate per
    /// package or per vehicle.
    #[serde(default)]
    pub lot: String,
}

impl CertificateDraft {
    /// Every problem of the draft, in field order; empty when it can be issued.
    ///
    /// Optional text fields that are blank count as absent. Whether the date of issue is later
    /// than the moment of issue is checked by [`Certificate::issue`], which knows that moment.
    pub fn validate(&self) -> Vec<FieldProblem> {
        let mut p = Problems::default();
        p.required_text("/productName", &self.product_name);
        self.quantity.check(&mut p);
        p.required_text("/producer/name", &self.producer.name);
        if p.required_text("/producer/contact", &self.producer.contact)
            && !is_phone_number(&self.producer.contact)
        {
            p.push("/producer/contact", "cert.problem.phone");
        }
        p.optional_text(
            "/producer/subjectCode",
            self.producer.subject_code.as_deref(),
        );
        p.required_text("/origin/province", &self.origin.province);
        p.required_text("/origin/county", &self.origin.county);
        p.optional_text("/origin/township", self.origin.township.as_deref());
        p.optional_text("/origin/village", self.origin.village.as_deref());
        p.optional_text("/origin/plot", self.origin.plot.as_deref());
        let issue_date = p.date("/issueDate", &self.issue_date);

        let c = self.commitments;
        for (ticked, pointer) in [
            (c.no_banned_substances, "/commitments/noBannedSubstances"),
            (
                c.residues_within_limits,
                "/commitments/residuesWithinLimits",
            ),
            (c.responsible_for_truth, "/commitments/responsibleForTruth"),
        ] {
            if !ticked {
                p.push(pointer, "cert.problem.commitment");
            }
        }

        if self.basis.is_empty() {
            p.push("/basis", "cert.problem.basis_required");
        }
        for (i, basis) in self.basis.iter().enumerate() {
            if self.basis.get(..i).is_some_and(|b| b.contains(basis)) {
                p.push(&format!("/basis/{i}"), "cert.problem.basis_duplicate");
            } else if matches!(basis, Basis::CommissionedTest | Basis::SelfTest)
                && !self.tests.iter().any(|t| t.kind.basis() == *basis)
            {
                p.push(&format!("/basis/{i}"), "cert.problem.basis_without_test");
            }
        }

        if self.tests.len() > MAX_TESTS {
            p.push("/tests", "cert.problem.too_many");
        }
        for (i, test) in self.tests.iter().enumerate().take(MAX_TESTS) {
            let at = |field: &str| format!("/tests/{i}/{field}");
            if !self.basis.contains(&test.kind.basis()) {
                p.push(&at("kind"), "cert.problem.test_without_basis");
            }
            p.required_text(&at("item"), &test.item);
            p.required_text(&at("method"), &test.method);
            if test.outcome == TestOutcome::Fail {
                p.push(&at("outcome"), "cert.problem.test_failed");
            }
            p.optional_text(&at("value"), test.value.as_deref());
            if let (Some(tested), Some(issued)) = (p.date(&at("date"), &test.date), issue_date)
                && tested > issued
            {
                p.push(&at("date"), "cert.problem.test_after_issue");
            }
            p.optional_text(&at("agency"), test.agency.as_deref());
            p.optional_text(&at("reportNumber"), test.report_number.as_deref());
        }

        if p.required_text("/batch/eventId", &self.batch.event_id)
            && !is_uri(self.batch.event_id.trim())
        {
            p.push("/batch/eventId", "cert.problem.event_id");
        }
        if p.required_text("/batch/lot", &self.batch.lot)
            && epcis::canon::digital_link(self.batch.lot.trim()).is_none()
        {
            p.push("/batch/lot", "cert.problem.lot");
        }

        if self.parents.len() > MAX_PARENTS {
            p.push("/parents", "cert.problem.too_many");
        }
        let mut seen = std::collections::HashSet::new();
        for (i, parent) in self.parents.iter().enumerate().take(MAX_PARENTS) {
            match normalize_certificate_number(parent).map(|number| seen.insert(number)) {
                None => p.push(&format!("/parents/{i}"), "cert.problem.certificate_number"),
                Some(false) => p.push(&format!("/parents/{i}"), "cert.problem.parent_duplicate"),
                Some(true) => {}
            }
        }
        p.0
    }

    /// The draft with white space trimmed from every text, blank optional texts removed and
    /// parent numbers in their canonical spelling, so that the stored certificate holds what
    /// the producer meant and not stray spaces from a phone keyboard.
    pub fn normalized(mut self) -> CertificateDraft {
        fn text(s: &mut String) {
            let trimmed = s.trim();
            if trimmed.len() != s.len() {
                *s = trimmed.to_owned();
            }
        }
        fn optional(s: &mut Option<String>) {
            if let Some(value) = s {
                text(value);
                if value.is_empty() {
                    *s = None;
                }
            }
        }
        text(&mut self.product_name);
        text(&mut self.quantity.value);
        text(&mut self.producer.name);
        text(&mut self.producer.contact);
        optional(&mut self.producer.subject_code);
        text(&mut self.origin.province);
        text(&mut self.origin.county);
        optional(&mut self.origin.township);
        optional(&mut self.origin.village);
        optional(&mut self.origin.plot);
        text(&mut self.issue_date);
        for test in &mut self.tests {
            text(&mut test.item);
            text(&mut test.method);
            optional(&mut test.value);
            text(&mut test.date);
            optional(&mut test.agency);
            optional(&mut test.report_number);
        }
        text(&mut self.batch.event_id);
        text(&mut self.batch.lot);
        for parent in &mut self.parents {
            match normalize_certificate_number(parent) {
                Some(number) => *parent = number,
                None => text(parent),
            }
        }
        self
    }
}

impl Quantity {
    fn check(&self, p: &mut Problems) {
        if p.required_text("/quantity/value", &self.value) {
            match positive_decimal(self.value.trim()) {
                None => p.push("/quantity/value", "cert.problem.quantity_number"),
                Some(false) => p.push("/quantity/value", "cert.problem.quantity_positive"),
                Some(true) => {}
            }
        }
        if self.unit.is_none() {
            p.push("/quantity/unit", "cert.problem.required");
        }
    }
}

/// Collects problems; the helpers return whether the value is usable for further checks.
#[derive(Default)]
struct Problems(Vec<FieldProblem>);

impl Problems {
    fn push(&mut self, pointer: &str, message_key: &'static str) {
        self.0.push(FieldProblem {
            pointer: pointer.to_owned(),
            message_key,
        });
    }

    fn required_text(&mut self, pointer: &str, value: &str) -> bool {
        if value.trim().is_empty() {
            self.push(pointer, "cert.problem.required");
            return false;
        }
        self.optional_text(pointer, Some(value))
    }

    fn optional_text(&mut self, pointer: &str, value: Option<&str>) -> bool {
        let Some(value) = value else { return true };
        if value.trim().chars().count() > MAX_TEXT_CHARS {
            self.push(pointer, "cert.problem.too_long");
            false
        } else if value.chars().any(char::is_control) {
            self.push(pointer, "cert.problem.control_chars");
            false
        } else {
            true
        }
    }

    fn date(&mut self, pointer: &str, value: &str) -> Option<Date> {
        if !self.required_text(pointer, value) {
            return None;
        }
        let date = parse_full_date(value.trim());
        if date.is_none() {
            self.push(pointer, "cert.problem.date");
        }
        date
    }
}

/// An RFC 3339 full-date, `YYYY-MM-DD`, and nothing else.
fn parse_full_date(text: &str) -> Option<Date> {
    let b = text.as_bytes();
    let shape = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !shape {
        return None;
    }
    let year: i32 = text.get(0..4)?.parse().ok()?;
    let month: u8 = text.get(5..7)?.parse().ok()?;
    let day: u8 = text.get(8..10)?.parse().ok()?;
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

/// `Some(true)` for a positive decimal (`12`, `0.5`, `12.500`; at most nine integer digits and
/// three decimals), `Some(false)` for zero, `None` for anything else.
fn positive_decimal(text: &str) -> Option<bool> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let valid = !whole.is_empty()
        && whole.len() <= 9
        && digits(whole)
        && fraction.len() <= 3
        && digits(fraction)
        && fraction.is_empty() != text.contains('.');
    valid.then(|| whole.bytes().chain(fraction.bytes()).any(|b| b != b'0'))
}

/// A plausible Chinese telephone number, as people write them: a mobile number
/// (`13812345678`, `138 1234 5678`, `+86 138-1234-5678`), a landline with its area code
/// (`0855-1234567`, `(010) 12345678`, `+86 10 1234 5678`, with an optional extension after
/// `转`, `ext` or `#`), or a 400/800 service number. A local number without its area code is
/// refused: a buyer in another county could not dial it.
pub fn is_phone_number(text: &str) -> bool {
    let text = text.trim();
    // The extension, if any, is digits after a marker; the rest is checked below.
    let (number, extension) = ["转", "ext.", "ext", "EXT", "#"]
        .iter()
        .find_map(|marker| text.split_once(marker))
        .unwrap_or((text, ""));
    let extension = extension.trim();
    if !(extension.len() <= 6 && extension.bytes().all(|b| b.is_ascii_digit())) {
        return false;
    }
    let mut digits = String::with_capacity(number.len());
    for (i, c) in number.char_indices() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '(' | ')' => {}
            '+' if i == 0 => {}
            _ => return false,
        }
    }
    let international = number.starts_with('+') || digits.starts_with("0086");
    let national = if number.starts_with('+') {
        match digits.strip_prefix("86") {
            Some(rest) => format!("0{rest}"),
            None => return false,
        }
    } else if let Some(rest) = digits.strip_prefix("0086") {
        format!("0{rest}")
    } else {
        digits
    };
    let b = national.as_bytes();
    let mobile_like = |d: &[u8]| {
        d.len() == 11 && d.first() == Some(&b'1') && matches!(d.get(1), Some(b'3'..=b'9'))
    };
    if international {
        // "+86 138…" became "0138…": a mobile number behind the added 0.
        if let Some(rest) = b.get(1..)
            && mobile_like(rest)
        {
            return extension.is_empty();
        }
    } else if mobile_like(b) {
        return extension.is_empty();
    }
    if (b.starts_with(b"400") || b.starts_with(b"800")) && b.len() == 10 {
        return true;
    }
    // Area codes are 010, 02x (three digits) or 0xxx (four digits, never 01xx); local numbers
    // have 7 or 8 digits, and Beijing's always 8.
    match b.get(..2) {
        Some(b"01") => b.starts_with(b"010") && b.len() == 11,
        Some([b'0', d]) => *d != b'0' && (10..=12).contains(&b.len()),
        _ => false,
    }
}

/// An absolute URI: an RFC 3986 scheme, a colon, and more, without spaces or controls.
fn is_uri(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once(':') else {
        return false;
    };
    let mut scheme_bytes = scheme.bytes();
    scheme_bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && scheme_bytes.all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
        && !rest.is_empty()
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
        && text.len() <= 2048
}

/// An issued certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Certificate {
    /// The certificate number, from [`certificate_number`].
    pub number: String,
    /// The public ID of the organisation that issued it (the one the log leaf names).
    pub organisation: String,
    /// When it was issued, in microseconds since the epoch (UTC); JSON holds it as RFC 3339
    /// in UTC with six fractional digits, the same layout as log leaves.
    #[serde(with = "rfc3339_micros")]
    pub issued_at: i64,
    /// What the producer filled in, normalised.
    pub content: CertificateDraft,
}

impl Certificate {
    /// Checks and normalises `draft` and makes it a certificate issued at `issued_at_micros`.
    /// Besides [`CertificateDraft::validate`], the date of issue may not be later than the
    /// China Standard Time date of that moment (a certificate may be written up a few days
    /// after the harvest, but not dated ahead).
    pub fn issue(
        draft: CertificateDraft,
        number: String,
        organisation: String,
        issued_at_micros: i64,
    ) -> Result<Certificate, Vec<FieldProblem>> {
        let draft = draft.normalized();
        let mut problems = draft.validate();
        if let (Some(date), Some(today)) = (
            parse_full_date(&draft.issue_date),
            china_date(issued_at_micros),
        ) && date > today
        {
            problems.push(FieldProblem {
                pointer: "/issueDate".to_owned(),
                message_key: "cert.problem.issue_after_issued",
            });
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Certificate {
            number,
            organisation,
            issued_at: issued_at_micros,
            content: draft,
        })
    }

    /// The exact bytes the transparency log commits to (through SHA-256).
    ///
    /// They are the RFC 8785 (JCS) canonical form of the certificate's JSON: object keys
    /// sorted, no insignificant white space, strings escaped as JCS prescribes, absent
    /// optional fields left out. Anyone holding the JSON the public page serves can therefore
    /// recompute them with any JCS library. The writer below spells the fields out instead of
    /// going through serde, so that neither a serde feature nor a reordered struct can change
    /// the bytes of an already logged certificate; a test checks it agrees with serde.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let d = &self.content;
        let mut w = Canonical(String::with_capacity(1024));
        w.open();
        w.key("content");
        w.open();
        w.key("basis");
        w.array(&d.basis, |w, b| w.string(basis_str(*b)));
        w.key("batch");
        w.open();
        w.field("eventId", &d.batch.event_id);
        w.field("lot", &d.batch.lot);
        w.close();
        w.key("commitments");
        w.open();
        w.key("noBannedSubstances");
        w.bool(d.commitments.no_banned_substances);
        w.key("residuesWithinLimits");
        w.bool(d.commitments.residues_within_limits);
        w.key("responsibleForTruth");
        w.bool(d.commitments.responsible_for_truth);
        w.close();
        w.field("issueDate", &d.issue_date);
        w.key("origin");
        w.open();
        w.field("county", &d.origin.county);
        w.optional("plot", d.origin.plot.as_deref());
        w.field("province", &d.origin.province);
        w.optional("township", d.origin.township.as_deref());
        w.optional("village", d.origin.village.as_deref());
        w.close();
        w.key("parents");
        w.array(&d.parents, |w, p| w.string(p));
        w.key("producer");
        w.open();
        w.field("contact", &d.producer.contact);
        w.field("name", &d.producer.name);
        w.optional("subjectCode", d.producer.subject_code.as_deref());
        w.close();
        w.field("productName", &d.product_name);
        w.key("quantity");
        w.open();
        w.optional("unit", d.quantity.unit.map(Unit::as_str));
        w.field("value", &d.quantity.value);
        w.close();
        w.key("tests");
        w.array(&d.tests, |w, t| {
            w.open();
            w.optional("agency", t.agency.as_deref());
            w.field("date", &t.date);
            w.field("item", &t.item);
            w.field("kind", test_kind_str(t.kind));
            w.field("method", &t.method);
            w.field(
                "outcome",
                match t.outcome {
                    TestOutcome::Pass => "pass",
                    TestOutcome::Fail => "fail",
                },
            );
            w.optional("reportNumber", t.report_number.as_deref());
            w.optional("value", t.value.as_deref());
            w.close();
        });
        w.close();
        w.field("issuedAt", &format_micros(self.issued_at));
        w.field("number", &self.number);
        w.field("organisation", &self.organisation);
        w.close();
        w.0.into_bytes()
    }

    /// The moment (microseconds since the epoch, UTC) from which the certificate may be
    /// deleted: [`RETENTION_DAYS`] after it was issued.
    pub fn deletable_after(&self) -> i64 {
        self.issued_at
            .saturating_add(i64::from(RETENTION_DAYS).saturating_mul(MICROS_PER_DAY))
    }
}

fn basis_str(basis: Basis) -> &'static str {
    match basis {
        Basis::CommissionedTest => "commissionedTest",
        Basis::SelfTest => "selfTest",
        Basis::InternalQualityControl => "internalQualityControl",
        Basis::SelfCommitment => "selfCommitment",
    }
}

fn test_kind_str(kind: TestKind) -> &'static str {
    match kind {
        TestKind::SelfTest => "selfTest",
        TestKind::CommissionedTest => "commissionedTest",
        TestKind::InternalQualityControl => "internalQualityControl",
    }
}

/// A JCS writer for the certificate's shape: it tracks only whether a comma is due.
struct Canonical(String);

impl Canonical {
    fn comma(&mut self) {
        if !matches!(self.0.chars().next_back(), None | Some('{' | '[' | ':')) {
            self.0.push(',');
        }
    }
    fn open(&mut self) {
        self.comma();
        self.0.push('{');
    }
    fn close(&mut self) {
        self.0.push('}');
    }
    fn key(&mut self, key: &str) {
        self.string(key);
        self.0.push(':');
    }
    fn field(&mut self, key: &str, value: &str) {
        self.key(key);
        self.string(value);
    }
    fn optional(&mut self, key: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.field(key, value);
        }
    }
    fn bool(&mut self, value: bool) {
        self.comma();
        self.0.push_str(if value { "true" } else { "false" });
    }
    fn array<T>(&mut self, items: &[T], mut each: impl FnMut(&mut Self, &T)) {
        self.comma();
        self.0.push('[');
        for item in items {
            each(self, item);
        }
        self.0.push(']');
    }
    /// A JSON string as RFC 8785 writes it: `"` and `\` escaped, the short escapes for
    /// backspace, tab, line feed, form feed and carriage return, `\u00xx` in lower case for
    /// the other controls, and every other character as itself.
    fn string(&mut self, value: &str) {
        self.comma();
        let out = &mut self.0;
        out.push('"');
        for c in value.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\u{8}' => out.push_str("\\b"),
                '\t' => out.push_str("\\t"),
                '\n' => out.push_str("\\n"),
                '\u{c}' => out.push_str("\\f"),
                '\r' => out.push_str("\\r"),
                c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
                c => out.push(c),
            }
        }
        out.push('"');
    }
}

/// The China Standard Time date of a moment, or `None` for moments outside years 1–9999.
fn china_date(micros: i64) -> Option<Date> {
    let local = micros.checked_add(CST_OFFSET_MICROS)?;
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(local) * 1000)
        .ok()
        .map(OffsetDateTime::date)
}

/// RFC 3339 in UTC with six fractional digits, as log leaves write times. A moment outside
/// years 1–9999 (which [`Certificate::issue`] never produces, as no clock reads it) is written
/// as its microsecond count, so that the canonical bytes still exist and stay deterministic.
fn format_micros(micros: i64) -> String {
    let Ok(at) = OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000) else {
        return micros.to_string();
    };
    let (date, time) = (at.date(), at.time());
    if !(1..=9999).contains(&date.year()) {
        return micros.to_string();
    }
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        date.year(),
        u8::from(date.month()),
        date.day(),
        time.hour(),
        time.minute(),
        time.second(),
        time.microsecond()
    )
}

mod rfc3339_micros {
    use serde::de::Error as _;

    use super::{Deserialize, Deserializer, Serializer, format_micros};

    pub(super) fn serialize<S: Serializer>(micros: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_micros(*micros))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        let text = String::deserialize(d)?;
        crate::normalize::micros(&text)
            .or_else(|| text.parse().ok())
            .ok_or_else(|| D::Error::custom(format!("not an RFC 3339 time: {text:?}")))
    }
}

/// Accepts a JSON string or number for a decimal amount, keeping the number's shortest
/// decimal spelling (`12.5`), which the validation then checks like any typed text.
fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct Visitor;
    impl serde::de::Visitor<'_> for Visitor {
        type Value = String;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a decimal number, as a string or a number")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<String, E> {
            Ok(v.to_string())
        }
    }
    d.deserialize_any(Visitor)
}

// Certificate numbers.

/// The Crockford base-32 alphabet: digits and upper-case letters without I, L, O and U, so
/// that nothing typed from a printed slip is ambiguous.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The prefix of every certificate number: 合格 (hégé).
pub const NUMBER_PREFIX: &str = "HG";

/// The number of a certificate:
/// `HG-<county>-<yyyymmdd>-<sequence><check>`, for example `HG-522634-20260201-000AM`.
///
/// - `<county>` is the county's six-digit administrative division code (GB/T 2260, such as
///   522634 for 雷山县); only its ASCII digits are used, and a code without any becomes
///   `000000`. Callers pass a checked code ([`is_county_code`]).
/// - `<yyyymmdd>` is the date of `issued_at_micros` in China Standard Time, the date the
///   producer sees; a moment outside years 1–9999 gives `00000000`.
/// - `<sequence>` is `sequence` in Crockford base 32, at least four characters. The caller
///   keeps it unique per county and day (a global counter does too), which makes the number
///   unique.
/// - `<check>` is a Luhn mod 32 check character over the county, date and sequence
///   characters: it catches every single mistyped character and every swap of two adjacent
///   ones except `0`↔`Z`, so a number read out over the phone can be checked before lookup.
///
/// Numbers are upper case without I, L, O or U; [`normalize_certificate_number`] accepts
/// lower case, O for 0, I or L for 1, spaces, and missing hyphens.
pub fn certificate_number(county_code: &str, issued_at_micros: i64, sequence: u64) -> String {
    let mut county: String = county_code.chars().filter(char::is_ascii_digit).collect();
    if county.is_empty() {
        county = "000000".to_owned();
    }
    let date = china_date(issued_at_micros)
        .filter(|d| (1..=9999).contains(&d.year()))
        .map_or_else(
            || "00000000".to_owned(),
            |d| format!("{:04}{:02}{:02}", d.year(), u8::from(d.month()), d.day()),
        );
    let seq = base32(sequence);
    let check = luhn32_check(county.bytes().chain(date.bytes()).chain(seq.bytes()));
    format!("{NUMBER_PREFIX}-{county}-{date}-{seq}{}", char::from(check))
}

/// Whether `code` is a six-digit administrative division code not ending a province or city
/// (`522634`, not `520000`).
pub fn is_county_code(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) && !code.ends_with("00")
}

/// The canonical spelling of a typed certificate number, or `None` when it is not one or its
/// check character does not match. The county part is taken to have six digits when the
/// hyphens are missing.
pub fn normalize_certificate_number(input: &str) -> Option<String> {
    let mut cleaned = String::with_capacity(input.len());
    for c in input.trim().chars() {
        match c.to_ascii_uppercase() {
            ' ' => {}
            'O' => cleaned.push('0'),
            'I' | 'L' => cleaned.push('1'),
            c => cleaned.push(c),
        }
    }
    let rest = cleaned.strip_prefix(NUMBER_PREFIX)?;
    let (county, date, tail) = match rest.strip_prefix('-') {
        Some(rest) => {
            let mut parts = rest.split('-');
            let parts = (parts.next()?, parts.next()?, parts.next()?, parts.next());
            match parts {
                (county, date, tail, None) => (county, date, tail),
                _ => return None,
            }
        }
        None => {
            let county = rest.get(..6)?;
            let date = rest.get(6..14)?;
            (county, date, rest.get(14..)?)
        }
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if county.is_empty() || county.len() > 12 || !all_digits(county) {
        return None;
    }
    if date.len() != 8 || !all_digits(date) {
        return None;
    }
    let (seq, check) = tail.split_at_checked(tail.len().checked_sub(1)?)?;
    if seq.is_empty() || seq.len() > 13 {
        return None;
    }
    let value = seq.bytes().try_fold(0u64, |acc, b| {
        let digit = u64::from(crockford_value(b)?);
        acc.checked_mul(32)?.checked_add(digit)
    })?;
    let seq = base32(value);
    let expected = luhn32_check(county.bytes().chain(date.bytes()).chain(seq.bytes()));
    (check.as_bytes() == [expected])
        .then(|| format!("{NUMBER_PREFIX}-{county}-{date}-{seq}{check}"))
}

/// `value` in Crockford base 32, padded with zeros to at least four characters.
fn base32(mut value: u64) -> String {
    let mut digits = Vec::with_capacity(13);
    while value > 0 || digits.len() < 4 {
        digits.push(
            CROCKFORD
                .get((value % 32) as usize)
                .copied()
                .unwrap_or(b'0'),
        );
        value /= 32;
    }
    digits.iter().rev().map(|&b| char::from(b)).collect()
}

fn crockford_value(symbol: u8) -> Option<u8> {
    CROCKFORD
        .iter()
        .position(|&c| c == symbol)
        .and_then(|p| u8::try_from(p).ok())
}

/// The Luhn mod N (N = 32) check character of `symbols`; symbols outside the alphabet count
/// as 0, which never happens for the digits and base-32 characters passed in.
fn luhn32_check(symbols: impl DoubleEndedIterator<Item = u8>) -> u8 {
    let mut sum = 0u32;
    for (i, symbol) in symbols.rev().enumerate() {
        let value = u32::from(crockford_value(symbol).unwrap_or(0));
        // The rightmost payload symbol is doubled, as the check symbol will sit right of it.
        let addend = if i % 2 == 0 { value * 2 } else { value };
        sum += addend / 32 + addend % 32;
    }
    let check = (32 - sum % 32) % 32;
    CROCKFORD.get(check as usize).copied().unwrap_or(b'0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fuzz_properties_hold_on_seeds() {
        let sample = serde_json::to_vec(&draft()).expect("json");
        fuzzing::certificate(&sample);
        fuzzing::certificate(b"{}");
        fuzzing::certificate(b"hg-522634-20260201-000am");
        fuzzing::certificate(&[0xff, 0xfe]);
        let number = certificate_number("522634", ISSUED_AT, 10);
        fuzzing::certificate(number.as_bytes());
        // The fuzzer's committed seed is a draft that issues, so that fuzzing starts from the
        // interesting path.
        let seed = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fuzz/seeds/certificate/draft.json"
        ))
        .expect("seed");
        let seed: CertificateDraft = serde_json::from_slice(&seed).expect("the seed parses");
        Certificate::issue(seed, number, "org-1".into(), ISSUED_AT).expect("the seed issues");
    }

    /// 2026-02-01T09:30:00+08:00.
    const ISSUED_AT: i64 = 1_769_909_400_000_000;

    fn draft() -> CertificateDraft {
        CertificateDraft {
            product_name: "雷山银球茶鲜叶".into(),
            quantity: Quantity {
                value: "12.5".into(),
                unit: Some(Unit::Kg),
            },
            producer: Producer {
                name: "雷山县望丰茶叶专业合作社".into(),
                contact: "0855-3331234".into(),
                subject_code: Some("52263400012345".into()),
            },
            origin: Origin {
                province: "贵州省".into(),
                county: "雷山县".into(),
                township: Some("望丰乡".into()),
                village: Some("公统村".into()),
                plot: Some("3 号茶园".into()),
            },
            issue_date: "2026-02-01".into(),
            commitments: Commitments::ALL,
            basis: vec![Basis::SelfTest, Basis::InternalQualityControl],
            tests: vec![TestResult {
                kind: TestKind::SelfTest,
                item: "有机磷和氨基甲酸酯类农药".into(),
                method: "酶抑制率法（GB/T 5009.199）".into(),
                outcome: TestOutcome::Pass,
                value: Some("抑制率 12%".into()),
                date: "2026-01-31".into(),
                agency: None,
                report_number: None,
            }],
            batch: Batch {
                event_id: "urn:uuid:6b1e2c1a-3f4e-4d5a-9b7c-0a1b2c3d4e5f".into(),
                lot: "urn:epc:class:lgtin:6901234.012345.TEA2602A".into(),
            },
            parents: vec![],
        }
    }

    fn certificate() -> Certificate {
        let number = certificate_number("522634", ISSUED_AT, 10);
        Certificate::issue(draft(), number, "org-7f3a9c2e".into(), ISSUED_AT)
            .expect("the sample draft is valid")
    }

    fn pointers(problems: &[FieldProblem]) -> Vec<(&str, &str)> {
        problems
            .iter()
            .map(|p| (p.pointer.as_str(), p.message_key))
            .collect()
    }

    #[test]
    fn the_sample_draft_is_valid() {
        assert_eq!(draft().validate(), vec![]);
    }

    #[test]
    fn an_empty_draft_names_every_required_field() {
        let problems = CertificateDraft::default().validate();
        assert_eq!(
            pointers(&problems),
            [
                ("/productName", "cert.problem.required"),
                ("/quantity/value", "cert.problem.required"),
                ("/quantity/unit", "cert.problem.required"),
                ("/producer/name", "cert.problem.required"),
                ("/producer/contact", "cert.problem.required"),
                ("/origin/province", "cert.problem.required"),
                ("/origin/county", "cert.problem.required"),
                ("/issueDate", "cert.problem.required"),
                ("/commitments/noBannedSubstances", "cert.problem.commitment"),
                (
                    "/commitments/residuesWithinLimits",
                    "cert.problem.commitment"
                ),
                (
                    "/commitments/responsibleForTruth",
                    "cert.problem.commitment"
                ),
                ("/basis", "cert.problem.basis_required"),
                ("/batch/eventId", "cert.problem.required"),
                ("/batch/lot", "cert.problem.required"),
            ]
        );
    }

    #[test]
    fn bad_values_are_reported_at_their_pointers() {
        let mut d = draft();
        d.quantity.value = "0".into();
        d.producer.contact = "3331234".into();
        d.origin.plot = Some("x".repeat(MAX_TEXT_CHARS + 1));
        d.product_name = "茶\u{7}".into();
        d.issue_date = "2026-02-30".into();
        d.commitments.residues_within_limits = false;
        d.basis = vec![Basis::CommissionedTest, Basis::SelfTest, Basis::SelfTest];
        d.tests[0].outcome = TestOutcome::Fail;
        d.tests[0].date = "2026/01/31".into();
        d.tests.push(TestResult {
            kind: TestKind::InternalQualityControl,
            item: String::new(),
            ..d.tests[0].clone()
        });
        d.batch.event_id = "not a uri".into();
        d.batch.lot = "TEA2602A".into();
        let good_parent = certificate_number("522634", ISSUED_AT, 3);
        d.parents = vec![
            good_parent.to_lowercase(),
            good_parent,
            "HG-522634-20260201-0003X".into(),
        ];
        assert_eq!(
            pointers(&d.validate()),
            [
                ("/productName", "cert.problem.control_chars"),
                ("/quantity/value", "cert.problem.quantity_positive"),
                ("/producer/contact", "cert.problem.phone"),
                ("/origin/plot", "cert.problem.too_long"),
                ("/issueDate", "cert.problem.date"),
                (
                    "/commitments/residuesWithinLimits",
                    "cert.problem.commitment"
                ),
                ("/basis/0", "cert.problem.basis_without_test"),
                ("/basis/2", "cert.problem.basis_duplicate"),
                ("/tests/0/outcome", "cert.problem.test_failed"),
                ("/tests/0/date", "cert.problem.date"),
                ("/tests/1/kind", "cert.problem.test_without_basis"),
                ("/tests/1/item", "cert.problem.required"),
                ("/tests/1/outcome", "cert.problem.test_failed"),
                ("/tests/1/date", "cert.problem.date"),
                ("/batch/eventId", "cert.problem.event_id"),
                ("/batch/lot", "cert.problem.lot"),
                ("/parents/1", "cert.problem.parent_duplicate"),
                ("/parents/2", "cert.problem.certificate_number"),
            ]
        );
    }

    #[test]
    fn quantities_are_positive_decimals() {
        for good in ["1", "12.5", "0.001", "999999999.999", "012"] {
            assert_eq!(positive_decimal(good), Some(true), "{good}");
        }
        for zero in ["0", "0.0", "000.000"] {
            assert_eq!(positive_decimal(zero), Some(false), "{zero}");
        }
        for bad in [
            "",
            ".5",
            "5.",
            "1.2345",
            "-1",
            "1e3",
            "1,5",
            "1 000",
            "１２",
            "1000000000",
        ] {
            assert_eq!(positive_decimal(bad), None, "{bad}");
        }
    }

    #[test]
    fn phone_numbers_as_people_write_them() {
        for good in [
            "13812345678",
            "138 1234 5678",
            "138-1234-5678",
            "+86 138 1234 5678",
            "+8613812345678",
            "008613812345678",
            "0855-3331234",
            "0855 33312345",
            "010-12345678",
            "(010) 12345678",
            "+86 10 1234 5678",
            "+86 855 3331234",
            "021-87654321",
            "0855-3331234转801",
            "0855-3331234 ext 12",
            "400-123-4567",
        ] {
            assert!(is_phone_number(good), "{good}");
        }
        for bad in [
            "",
            "3331234",
            "12812345678",
            "1381234567",
            "138123456789",
            "13812345678转1",
            "+1 415 555 0100",
            "0055-3331234",
            "0855-33312",
            "0855-3331234转abc",
            "tel:13812345678",
            "１３８１２３４５６７８",
            "138+12345678",
            "+86 138 1234 567",
            "0138-1234567",
        ] {
            assert!(!is_phone_number(bad), "{bad}");
        }
    }

    #[test]
    fn dates_are_rfc_3339_full_dates() {
        assert!(parse_full_date("2026-02-01").is_some());
        assert!(parse_full_date("2024-02-29").is_some());
        for bad in [
            "2025-02-29",
            "2026-2-1",
            "2026-02-01T00:00:00Z",
            "20260201",
            "+026-02-01",
            "",
        ] {
            assert!(parse_full_date(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn issue_normalises_and_refuses_dates_ahead() {
        let mut d = draft();
        d.product_name = "  雷山银球茶鲜叶 ".into();
        d.origin.village = Some("  ".into());
        let good_parent = certificate_number("522634", ISSUED_AT, 3);
        d.parents = vec![good_parent.to_lowercase().replace('-', "")];
        let cert = Certificate::issue(d, "HG-1".into(), "org-1".into(), ISSUED_AT)
            .expect("valid after normalising");
        assert_eq!(cert.content.product_name, "雷山银球茶鲜叶");
        assert_eq!(cert.content.origin.village, None);
        assert_eq!(cert.content.parents, [good_parent]);

        let mut d = draft();
        d.issue_date = "2026-02-02".into();
        let problems = Certificate::issue(d, "HG-1".into(), "org-1".into(), ISSUED_AT)
            .expect_err("dated tomorrow");
        assert_eq!(
            pointers(&problems),
            [("/issueDate", "cert.problem.issue_after_issued")]
        );
    }

    #[test]
    fn json_is_camel_case_and_round_trips() {
        let cert = certificate();
        let json = serde_json::to_string(&cert).expect("serialises");
        assert!(
            json.contains(r#""issuedAt":"2026-02-01T01:30:00.000000Z""#),
            "{json}"
        );
        assert!(json.contains(r#""productName":"雷山银球茶鲜叶""#), "{json}");
        assert!(json.contains(r#""noBannedSubstances":true"#), "{json}");
        let back: Certificate = serde_json::from_str(&json).expect("parses");
        assert_eq!(back, cert);

        // A form may send the quantity as a number and leave fields out; the draft still
        // parses and the validation names what is missing.
        let draft: CertificateDraft =
            serde_json::from_str(r#"{"quantity":{"value":12.5,"unit":"jin"}}"#).expect("parses");
        assert_eq!(draft.quantity.value, "12.5");
        assert!(pointers(&draft.validate()).contains(&("/productName", "cert.problem.required")));
        assert!(serde_json::from_str::<CertificateDraft>(r#"{"produceName":"x"}"#).is_err());
    }

    /// RFC 8785 over a serde_json value: sorted keys, compact, serde_json's string escaping
    /// (which is the same as JCS's).
    fn jcs(value: &serde_json::Value, out: &mut String) {
        match value {
            serde_json::Value::Object(map) => {
                let mut entries: Vec<_> = map.iter().collect();
                entries.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
                out.push('{');
                for (i, (k, v)) in entries.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::to_string(k).expect("string"));
                    out.push(':');
                    jcs(v, out);
                }
                out.push('}');
            }
            serde_json::Value::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    jcs(v, out);
                }
                out.push(']');
            }
            other => out.push_str(&serde_json::to_string(other).expect("scalar")),
        }
    }

    fn assert_matches_jcs(cert: &Certificate) {
        let mut expected = String::new();
        jcs(&serde_json::to_value(cert).expect("value"), &mut expected);
        assert_eq!(
            String::from_utf8(cert.canonical_bytes()).expect("UTF-8"),
            expected
        );
    }

    #[test]
    fn canonical_bytes_are_the_jcs_form_of_the_json() {
        let mut cert = certificate();
        assert_matches_jcs(&cert);
        cert.content.product_name = "引号\"反斜杠\\换行\n制表\t\u{1}\u{7f}\u{2028}<>&".into();
        cert.content.tests[0].agency = Some("黔东南州农产品质量安全检测中心".into());
        cert.content.tests[0].report_number = Some("QDN-2026-0042".into());
        cert.content.origin.township = None;
        cert.content.parents = vec!["HG-522634-20260201-0003Q".into()];
        assert_matches_jcs(&cert);
        cert.content = CertificateDraft::default();
        assert_matches_jcs(&cert);
    }

    #[test]
    fn canonical_bytes_are_stable() {
        let cert = certificate();
        assert_eq!(cert.canonical_bytes(), certificate().canonical_bytes());
        assert_eq!(cert.canonical_bytes(), cert.clone().canonical_bytes());
        // The bytes of this certificate are fixed for ever: logged leaves commit to them.
        let expected = concat!(
            r#"{"content":{"basis":["selfTest","internalQualityControl"],"#,
            r#""batch":{"eventId":"urn:uuid:6b1e2c1a-3f4e-4d5a-9b7c-0a1b2c3d4e5f","#,
            r#""lot":"urn:epc:class:lgtin:6901234.012345.TEA2602A"},"#,
            r#""commitments":{"noBannedSubstances":true,"residuesWithinLimits":true,"#,
            r#""responsibleForTruth":true},"issueDate":"2026-02-01","#,
            r#""origin":{"county":"雷山县","plot":"3 号茶园","province":"贵州省","#,
            r#""township":"望丰乡","village":"公统村"},"parents":[],"#,
            r#""producer":{"contact":"0855-3331234","name":"雷山县望丰茶叶专业合作社","#,
            r#""subjectCode":"52263400012345"},"productName":"雷山银球茶鲜叶","#,
            r#""quantity":{"unit":"kg","value":"12.5"},"#,
            r#""tests":[{"date":"2026-01-31","item":"有机磷和氨基甲酸酯类农药","#,
            r#""kind":"selfTest","method":"酶抑制率法（GB/T 5009.199）","outcome":"pass","#,
            r#""value":"抑制率 12%"}]},"issuedAt":"2026-02-01T01:30:00.000000Z","#,
            r#""number":"HG-522634-20260201-000AM","organisation":"org-7f3a9c2e"}"#,
        );
        assert_eq!(
            String::from_utf8(cert.canonical_bytes()).expect("UTF-8"),
            expected
        );
    }

    #[test]
    fn any_field_change_changes_the_canonical_bytes() {
        let base = certificate();
        let original = base.canonical_bytes();
        let changes: Vec<fn(&mut Certificate)> = vec![
            |c| c.number.push('0'),
            |c| c.organisation.push('x'),
            |c| c.issued_at += 1,
            |c| c.content.product_name.push('x'),
            |c| c.content.quantity.value = "12.50".into(),
            |c| c.content.quantity.unit = Some(Unit::Jin),
            |c| c.content.producer.name.push('x'),
            |c| c.content.producer.contact.push('0'),
            |c| c.content.producer.subject_code = None,
            |c| c.content.origin.province.push('x'),
            |c| c.content.origin.county.push('x'),
            |c| c.content.origin.township = None,
            |c| c.content.origin.village = None,
            |c| c.content.origin.plot = None,
            |c| c.content.issue_date = "2026-01-31".into(),
            |c| c.content.commitments.no_banned_substances = false,
            |c| c.content.commitments.residues_within_limits = false,
            |c| c.content.commitments.responsible_for_truth = false,
            |c| c.content.basis.reverse(),
            |c| c.content.basis.push(Basis::SelfCommitment),
            |c| c.content.tests.clear(),
            |c| c.content.tests[0].kind = TestKind::CommissionedTest,
            |c| c.content.tests[0].item.push('x'),
            |c| c.content.tests[0].method.push('x'),
            |c| c.content.tests[0].outcome = TestOutcome::Fail,
            |c| c.content.tests[0].value = None,
            |c| c.content.tests[0].date = "2026-01-30".into(),
            |c| c.content.tests[0].agency = Some("x".into()),
            |c| c.content.tests[0].report_number = Some("x".into()),
            |c| c.content.batch.event_id.push('0'),
            |c| c.content.batch.lot.push('0'),
            |c| c.content.parents.push("HG-522634-20260201-0003Q".into()),
        ];
        let mut seen = std::collections::HashSet::from([original.clone()]);
        for (i, change) in changes.iter().enumerate() {
            let mut cert = base.clone();
            change(&mut cert);
            assert!(
                seen.insert(cert.canonical_bytes()),
                "change {i} left the bytes alone or repeated others"
            );
        }
    }

    #[test]
    fn certificate_numbers_round_trip_and_catch_typos() {
        let number = certificate_number("522634", ISSUED_AT, 10);
        assert_eq!(number, "HG-522634-20260201-000AM");
        assert_eq!(
            normalize_certificate_number(&number).as_deref(),
            Some(number.as_str())
        );
        // What people type: lower case, O for 0, no hyphens, spaces, no padding.
        for typed in [
            "hg-522634-20260201-000am",
            "HG5226342026020I000AM",
            "HG 522634 20260201 000AM",
            "HG-522634-2026O201-AM",
        ] {
            assert_eq!(
                normalize_certificate_number(typed).as_deref(),
                Some(number.as_str()),
                "{typed}"
            );
        }
        // Every single substitution and adjacent swap in the checked part is caught.
        let symbols: Vec<char> = CROCKFORD.iter().map(|&b| char::from(b)).collect();
        let chars: Vec<char> = number.chars().collect();
        for (i, original) in chars.iter().enumerate().skip(3) {
            if *original == '-' {
                continue;
            }
            for &other in &symbols {
                if other == *original {
                    continue;
                }
                let mut typo = chars.clone();
                typo[i] = other;
                let typo: String = typo.into_iter().collect();
                assert_eq!(normalize_certificate_number(&typo), None, "{typo}");
            }
            if let Some(next) = chars.get(i + 1).filter(|c| **c != '-' && *c != original) {
                let mut swapped = chars.clone();
                swapped.swap(i, i + 1);
                let swapped: String = swapped.into_iter().collect();
                let zero_z = matches!((original, next), ('0', 'Z') | ('Z', '0'));
                assert!(
                    zero_z || normalize_certificate_number(&swapped).is_none(),
                    "{swapped}"
                );
            }
        }
        for bad in [
            "",
            "HG",
            "HG-",
            "HG-522634-20260201-",
            "XX-522634-20260201-000AX",
            "HG-522634-20260201-000AM-1",
            "HG-5226X4-20260201-000AX",
        ] {
            assert_eq!(normalize_certificate_number(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn certificate_numbers_never_panic_and_stay_unique() {
        let mut seen = std::collections::HashSet::new();
        for sequence in (0..2000).chain([u64::MAX, u64::MAX - 1, 1 << 40]) {
            let number = certificate_number("522634", ISSUED_AT, sequence);
            assert_eq!(
                normalize_certificate_number(&number).as_deref(),
                Some(number.as_str())
            );
            assert!(seen.insert(number));
        }
        assert_eq!(
            certificate_number("", i64::MIN, 0),
            "HG-000000-00000000-0000".to_owned() + "0"
        );
        let far = certificate_number("雷山县", i64::MAX, u64::MAX);
        assert!(normalize_certificate_number(&far).is_some(), "{far}");
        // The date is the China Standard Time date: 23:30 UTC is the next morning in China.
        let late = 1_769_988_600_000_000; // 2026-02-01T23:30:00Z
        assert!(certificate_number("522634", late, 1).contains("-20260202-"));
        assert!(is_county_code("522634"));
        assert!(!is_county_code("520000") && !is_county_code("52263") && !is_county_code("52263X"));
    }

    #[test]
    fn retention_meets_the_measures() {
        const { assert!(RETENTION_DAYS >= MEASURES_MINIMUM_RETENTION_DAYS) };
        let cert = certificate();
        assert_eq!(
            cert.deletable_after() - cert.issued_at,
            i64::from(RETENTION_DAYS) * MICROS_PER_DAY
        );
        let mut far = cert;
        far.issued_at = i64::MAX - 5;
        assert_eq!(far.deletable_after(), i64::MAX);
    }

    #[test]
    fn every_problem_key_is_in_the_catalogs() {
        let source = include_str!("certificate.rs");
        let keys: Vec<&str> = source
            .split('"')
            .filter(|s| {
                ["cert.problem.", "cert.unit.", "cert.basis."]
                    .iter()
                    .any(|prefix| s.starts_with(prefix) && s.len() > prefix.len())
            })
            .collect();
        assert!(keys.len() > 20, "{keys:?}");
        for key in keys {
            assert!(i18n::has_key(key), "{key} is not in the i18n catalogs");
        }
    }
}

/// Properties the fuzz target `certificate` checks on arbitrary input (and the tests on seeds):
/// no panic anywhere; a draft that issues has canonical bytes that survive a JSON round trip of
/// the certificate; certificate-number normalisation is idempotent.
pub mod fuzzing {
    use super::*;

    /// Runs every property on `data`.
    pub fn certificate(data: &[u8]) {
        if let Ok(text) = std::str::from_utf8(data)
            && let Some(number) = normalize_certificate_number(text)
        {
            assert_eq!(
                normalize_certificate_number(&number).as_deref(),
                Some(number.as_str()),
                "normalising a number twice changes it"
            );
        }
        let Ok(draft) = serde_json::from_slice::<CertificateDraft>(data) else {
            return;
        };
        let _ = draft.validate();
        let number = certificate_number("522634", 1_769_909_400_000_000, 7);
        if let Ok(issued) =
            Certificate::issue(draft, number, "org-fuzz".to_owned(), 1_769_909_400_000_000)
        {
            let bytes = issued.canonical_bytes();
            let json = serde_json::to_vec(&issued).unwrap_or_default();
            let back: Certificate = serde_json::from_slice(&json)
                .unwrap_or_else(|e| panic!("an issued certificate does not read back: {e}"));
            assert_eq!(
                back.canonical_bytes(),
                bytes,
                "canonical bytes change on a round trip"
            );
        }
    }
}
