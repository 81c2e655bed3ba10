//! Consumer scans: how often each printed code is scanned, and which codes look copied.
//!
//! When a consumer's phone opens the page of a GS1 Digital Link (`/01/{gtin}/21/{serial}` on a
//! tin, `/01/{gtin}/10/{lot}` on a lot label, `/00/{sscc}` on a case), the page sends a beacon
//! with the code and the browser's IANA time zone. [`ScanBook`] counts it in memory, per
//! (code, hour, time zone), and a background task writes the counts to the store in batches
//! ([`ScanBook::flush`], every [`FLUSH_INTERVAL`]), so a page view never waits for a database
//! write. Nothing that identifies a person is kept: no address, cookie or user agent, and no
//! time finer than the hour (`docs/scans.md`).
//!
//! Counts shown lag by up to one flush interval: [`ScanBook::summary`] adds the counts still in
//! memory to the stored ones, but not those of a batch being written at that moment, so a
//! count may briefly read low, never high.
//!
//! The counterfeit signals ([`flag_reasons`]) are a pure function of a code's recent counts:
//! a serialised code (one tin, one case) scanned too often or from too many time zones, a lot
//! code scanned from many time zones or in a sudden burst. A flag is a reason for the producer
//! to look, not proof.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use gs1::{DigitalLink, GS1_RESOLVER};
use store::{Org, Role, ScanCount, Store, StoreError};

use crate::capture::owned_by;

/// One hour in microseconds: the granularity of stored counts.
pub const HOUR: i64 = 3_600_000_000;

/// How often the server writes the counts gathered in memory. A second keeps the counts a
/// consumer sees nearly current while turning thousands of beacons into one transaction.
pub const FLUSH_INTERVAL: Duration = Duration::from_secs(1);

/// The time zone stored when the beacon's is missing or does not look like an IANA name.
pub const UNKNOWN_TIME_ZONE: &str = "unknown";

/// The longest time zone name accepted (the longest IANA name is 30 characters).
pub const TIME_ZONE_MAX_LEN: usize = 64;

/// The most distinct (code, hour, time zone) keys held in memory between flushes. Beyond it
/// (the database is down for long, or someone sends a flood of made-up serials) new keys are
/// dropped and counted in [`ScanBook::dropped`], so memory stays bounded (a key is about
/// 100 bytes: at most some 20 MB).
pub const MAX_PENDING_KEYS: usize = 200_000;

/// A serialised code scanned more than this often in 24 hours is flagged. One real tin is
/// scanned by its buyer and perhaps a few relatives or a shop assistant; a code copied onto
/// many fake tins is scanned by every buyer of every copy.
pub const SERIAL_MAX_SCANS_PER_DAY: u64 = 20;

/// A serialised code scanned from this many time zones in 7 days is flagged: one tin does not
/// travel between three time zones in a week, but photographs of its label do.
pub const SERIAL_FLAG_TIME_ZONES: usize = 3;

/// A lot code scanned from this many time zones in 7 days is flagged. A lot is many tins and
/// may well be sold in two or three regions (and abroad), so the bar is higher than for a
/// serial; six regions in a week is more than a county cooperative's lot normally reaches.
pub const LOT_FLAG_TIME_ZONES: usize = 6;

/// A lot code is flagged when its busiest hour of the last 24 hours has more than this many
/// scans... The absolute floor keeps a rarely scanned lot from being flagged for a handful of
/// scans at a tasting.
pub const LOT_SPIKE_MIN_SCANS: u64 = 100;

/// ...and more than this many times its average hourly rate over the other hours of the last
/// 7 days. Sales grow gradually; a burst ten times the usual rate suggests a batch of copied
/// labels reaching the market at once.
pub const LOT_SPIKE_FACTOR: u64 = 10;

/// The hours the spike rule averages over: the week minus the spike's own hour.
const BASELINE_HOURS: u64 = 7 * 24 - 1;

/// Time zones that say nothing about where a phone is: privacy-hardened browsers (Firefox's
/// fingerprinting resistance, Tor Browser) report UTC wherever they are. They are stored as
/// reported but not counted as regions.
const NOT_A_REGION: &[&str] = &[UNKNOWN_TIME_ZONE, "UTC"];

/// Old names of zones that are one region today, mapped to the current name so that a phone
/// with an old zone database does not count as another region. Only the names a Chinese
/// county's buyers meet; `docs/scans.md` says why there is no full alias table.
const ZONE_ALIASES: &[(&str, &str)] = &[
    ("Asia/Chongqing", "Asia/Shanghai"),
    ("Asia/Chungking", "Asia/Shanghai"),
    ("Asia/Harbin", "Asia/Shanghai"),
    ("PRC", "Asia/Shanghai"),
    ("Asia/Kashgar", "Asia/Urumqi"),
    ("Hongkong", "Asia/Hong_Kong"),
    ("ROC", "Asia/Taipei"),
    ("Etc/UTC", "UTC"),
    ("Etc/UCT", "UTC"),
    ("UCT", "UTC"),
    ("Etc/Universal", "UTC"),
    ("Universal", "UTC"),
    ("Etc/Zulu", "UTC"),
    ("Zulu", "UTC"),
    ("Etc/GMT", "UTC"),
    ("Etc/GMT0", "UTC"),
    ("Etc/GMT+0", "UTC"),
    ("Etc/GMT-0", "UTC"),
    ("Etc/Greenwich", "UTC"),
    ("GMT", "UTC"),
    ("GMT0", "UTC"),
    ("GMT+0", "UTC"),
    ("GMT-0", "UTC"),
    ("Greenwich", "UTC"),
];

/// Why a scanned code was refused. Each has an i18n key for the problem shown to the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodeError {
    /// No code was sent.
    Missing,
    /// Not a path starting with a primary key: a host, a path prefix, a query or a fragment.
    NotAPath,
    /// A path, but not a valid GS1 Digital Link (the `gs1` crate's reason).
    Invalid(String),
}

impl CodeError {
    /// The i18n key of the message (`detail` fills `{detail}` for [`CodeError::Invalid`]).
    pub fn key(&self) -> &'static str {
        match self {
            CodeError::Missing => "scans.problem.code_required",
            CodeError::NotAPath => "scans.problem.code_not_a_path",
            CodeError::Invalid(_) => "scans.problem.code_invalid",
        }
    }
}

/// The canonical form of a scanned code: the constrained GS1 Digital Link path, key and
/// qualifiers only (`/01/06901234567892/21/ABC`), the same identity the resolver computes
/// for `https://id.gs1.org` + the path (GTIN-13s padded to 14 digits, qualifiers
/// percent-encoded). The path must start with its primary key and carry no query string.
pub fn canonical_code(text: &str) -> Result<String, CodeError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(CodeError::Missing);
    }
    // The longest valid identity is far shorter; the bound keeps parsing cheap.
    if !text.starts_with('/') || text.contains(['?', '#']) || text.len() > 512 {
        return Err(CodeError::NotAPath);
    }
    let link = DigitalLink::parse(&format!("{GS1_RESOLVER}{text}"))
        .map_err(|error| CodeError::Invalid(error.to_string()))?;
    if link.base() != GS1_RESOLVER {
        // Something before the primary key (`/item/01/…`): not the code itself.
        return Err(CodeError::NotAPath);
    }
    Ok(link.to_constrained_uri(""))
}

/// The time zone to store for a beacon's `timeZone`: the name if it looks like an IANA name
/// (ASCII letters first, then letters, digits, `/`, `_`, `-`, `+`, at most
/// [`TIME_ZONE_MAX_LEN`] characters), with old aliases of one region mapped to its current
/// name; [`UNKNOWN_TIME_ZONE`] otherwise.
pub fn time_zone(text: Option<&str>) -> String {
    let Some(name) = text.map(str::trim) else {
        return UNKNOWN_TIME_ZONE.to_owned();
    };
    let looks_right = name.len() <= TIME_ZONE_MAX_LEN
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-' | b'+'));
    if !looks_right {
        return UNKNOWN_TIME_ZONE.to_owned();
    }
    ZONE_ALIASES
        .iter()
        .find(|(alias, _)| *alias == name)
        .map_or(name, |(_, current)| current)
        .to_owned()
}

/// What a code identifies, which decides the rules that apply to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeKind {
    /// One physical item: a GTIN with a serial (AI 21) or an SSCC.
    Serialised,
    /// A lot: a GTIN with a batch/lot (AI 10) and no serial.
    Lot,
    /// Anything else (a bare GTIN, a location, …): counted, never flagged.
    Other,
}

impl CodeKind {
    /// The spelling in answers.
    pub fn as_str(self) -> &'static str {
        match self {
            CodeKind::Serialised => "serialised",
            CodeKind::Lot => "lot",
            CodeKind::Other => "other",
        }
    }
}

/// The kind of a canonical code (see [`canonical_code`]).
pub fn code_kind(code: &str) -> CodeKind {
    // Canonical paths alternate AI and percent-encoded value, so every other segment is an AI.
    let ais: Vec<&str> = code.trim_start_matches('/').split('/').step_by(2).collect();
    match ais.first() {
        Some(&"00") => CodeKind::Serialised,
        Some(&"01") if ais.contains(&"21") => CodeKind::Serialised,
        Some(&"01") if ais.contains(&"10") => CodeKind::Lot,
        _ => CodeKind::Other,
    }
}

/// The start of the hour `at` (µs since the epoch) falls in.
pub fn hour_of(at: i64) -> i64 {
    at.div_euclid(HOUR) * HOUR
}

/// Scans counted in memory since the last flush: per code, (hour, time zone, count). A code
/// has one entry per zone seen in the flush interval, so a short list beats a map.
#[derive(Debug, Default)]
struct Pending {
    codes: HashMap<String, Vec<(i64, String, u64)>>,
    keys: usize,
    dropped: u64,
}

impl Pending {
    /// Adds `count`; false if the key is new and the book is full.
    fn add(&mut self, code: &str, hour: i64, time_zone: &str, count: u64, limit: usize) -> bool {
        if let Some(entries) = self.codes.get_mut(code)
            && let Some(entry) = entries
                .iter_mut()
                .find(|(h, zone, _)| *h == hour && zone == time_zone)
        {
            entry.2 = entry.2.saturating_add(count);
            return true;
        }
        if self.keys >= limit {
            self.dropped = self.dropped.saturating_add(count);
            return false;
        }
        self.keys += 1;
        self.codes
            .entry(code.to_owned())
            .or_default()
            .push((hour, time_zone.to_owned(), count));
        true
    }
}

/// What a consumer page shows about a code's scans.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScanSummary {
    /// The canonical code.
    pub code: String,
    /// Every scan recorded, including those not yet written to the store.
    pub total: u64,
    /// The start of the hour of the first scan (µs since the epoch, UTC); only the hour is
    /// kept.
    pub first_scan: Option<i64>,
    /// Scans in the last 24 hourly buckets (the current hour and the 23 before it).
    pub last_24h: u64,
}

/// Scans gathered in memory and written to the store in batches. Shared by every request
/// (behind an `Arc`); recording takes a lock for a few hash-map operations and never waits
/// for the store.
#[derive(Debug)]
pub struct ScanBook {
    pending: Mutex<Pending>,
    max_keys: usize,
}

impl Default for ScanBook {
    fn default() -> Self {
        Self::new()
    }
}

impl ScanBook {
    /// An empty book holding at most [`MAX_PENDING_KEYS`] keys between flushes.
    pub fn new() -> Self {
        Self::with_capacity(MAX_PENDING_KEYS)
    }

    /// An empty book holding at most `max_keys` keys between flushes.
    pub fn with_capacity(max_keys: usize) -> Self {
        ScanBook {
            pending: Mutex::new(Pending::default()),
            max_keys,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        // The data is counts; a panic elsewhere cannot leave them inconsistent enough to stop
        // counting.
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts one scan of a canonical `code` at `at` (µs) from `time_zone` (as
    /// [`time_zone`] returns it). False when the book is full and the scan was dropped.
    pub fn record(&self, code: &str, time_zone: &str, at: i64) -> bool {
        self.lock()
            .add(code, hour_of(at), time_zone, 1, self.max_keys)
    }

    /// Scans dropped because the book was full, since it was made.
    pub fn dropped(&self) -> u64 {
        self.lock().dropped
    }

    /// Scans counted and not yet handed to the store.
    pub fn pending(&self) -> u64 {
        self.lock()
            .codes
            .values()
            .flatten()
            .map(|(_, _, count)| *count)
            .sum()
    }

    /// Writes everything counted so far to the store in one transaction and returns the
    /// number of (code, hour, time zone) rows written. If the store fails, the counts go back
    /// into the book to be written with the next flush.
    pub async fn flush<S: Store>(&self, store: &S) -> Result<usize, StoreError> {
        let taken = {
            let mut pending = self.lock();
            pending.keys = 0;
            std::mem::take(&mut pending.codes)
        };
        if taken.is_empty() {
            return Ok(0);
        }
        let batch: Vec<ScanCount> = taken
            .into_iter()
            .flat_map(|(code, entries)| {
                entries
                    .into_iter()
                    .map(move |(hour, time_zone, count)| ScanCount {
                        code: code.clone(),
                        hour,
                        time_zone,
                        count,
                    })
            })
            .collect();
        match store.add_scans(&batch).await {
            Ok(()) => Ok(batch.len()),
            Err(error) => {
                let mut pending = self.lock();
                for scan in &batch {
                    // Already counted once: put back even beyond the limit.
                    pending.add(
                        &scan.code,
                        scan.hour,
                        &scan.time_zone,
                        scan.count,
                        usize::MAX,
                    );
                }
                Err(error)
            }
        }
    }

    /// The scans of a code so far, at `now` (µs): the stored totals (one indexed lookup) plus
    /// what is still in memory. `code` is canonicalised first; a code that is not a valid
    /// Digital Link path has no scans.
    pub async fn summary<S: Store>(
        &self,
        store: &S,
        code: &str,
        now: i64,
    ) -> Result<ScanSummary, StoreError> {
        let Ok(code) = canonical_code(code) else {
            return Ok(ScanSummary {
                code: code.to_owned(),
                ..ScanSummary::default()
            });
        };
        let since = hour_of(now) - 23 * HOUR;
        // The store first, memory second: a batch taken from memory after the store was read
        // is missing from both (the count lags), but no scan is ever counted twice.
        let stored = store.scan_totals(&code, since).await?;
        let mut summary = ScanSummary {
            total: stored.total,
            first_scan: stored.first_hour,
            last_24h: stored.recent,
            code,
        };
        let pending = self.lock();
        for (hour, _, count) in pending.codes.get(&summary.code).into_iter().flatten() {
            summary.total = summary.total.saturating_add(*count);
            summary.first_scan = Some(summary.first_scan.map_or(*hour, |first| first.min(*hour)));
            if *hour >= since {
                summary.last_24h = summary.last_24h.saturating_add(*count);
            }
        }
        Ok(summary)
    }
}

/// One code's recent scans, as the flag rules read them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeActivity {
    /// The canonical code.
    pub code: String,
    /// What it identifies.
    pub kind: CodeKind,
    /// Scans in the last 24 hourly buckets.
    pub scans_last_24h: u64,
    /// Scans in the last 7 × 24 hourly buckets.
    pub scans_last_7d: u64,
    /// The distinct time zones that say where a phone was (not `unknown` or UTC) in the last
    /// 7 days, sorted.
    pub time_zones_last_7d: Vec<String>,
    /// The busiest hour of the last 24 hours: its start (µs) and its scans.
    pub busiest_hour: Option<(i64, u64)>,
}

/// The first hour of the 7-day window at `now`.
pub fn week_start(now: i64) -> i64 {
    hour_of(now) - (7 * 24 - 1) * HOUR
}

/// Groups stored counts (sorted by code, as [`Store::scan_activity`] returns them, or not)
/// into each code's activity at `now`; counts before [`week_start`] or in the future are
/// ignored.
pub fn activity(rows: &[ScanCount], now: i64) -> Vec<CodeActivity> {
    let week = week_start(now);
    let day = hour_of(now) - 23 * HOUR;
    let end = hour_of(now) + HOUR;
    // code → (hour → scans, zones)
    let mut codes: BTreeMap<&str, (BTreeMap<i64, u64>, BTreeSet<&str>)> = BTreeMap::new();
    for row in rows.iter().filter(|r| r.hour >= week && r.hour < end) {
        let (hours, zones) = codes.entry(row.code.as_str()).or_default();
        let slot = hours.entry(row.hour).or_default();
        *slot = slot.saturating_add(row.count);
        if row.count > 0 && !NOT_A_REGION.contains(&row.time_zone.as_str()) {
            zones.insert(row.time_zone.as_str());
        }
    }
    codes
        .into_iter()
        .map(|(code, (hours, zones))| {
            let mut busiest: Option<(i64, u64)> = None;
            let mut day_scans = 0u64;
            for (&hour, &scans) in hours.range(day..) {
                day_scans = day_scans.saturating_add(scans);
                if busiest.is_none_or(|(_, most)| scans > most) {
                    busiest = Some((hour, scans));
                }
            }
            CodeActivity {
                code: code.to_owned(),
                kind: code_kind(code),
                scans_last_24h: day_scans,
                scans_last_7d: hours.values().fold(0u64, |sum, n| sum.saturating_add(*n)),
                time_zones_last_7d: zones.into_iter().map(str::to_owned).collect(),
                busiest_hour: busiest,
            }
        })
        .collect()
}

/// Why a code is flagged as a likely counterfeit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FlagReason {
    /// A serialised code scanned more than [`SERIAL_MAX_SCANS_PER_DAY`] times in 24 hours.
    SerialScannedOften,
    /// A serialised code scanned from [`SERIAL_FLAG_TIME_ZONES`] or more time zones in 7 days.
    SerialManyTimeZones,
    /// A lot code scanned from [`LOT_FLAG_TIME_ZONES`] or more time zones in 7 days.
    LotManyTimeZones,
    /// A lot code's busiest recent hour above [`LOT_SPIKE_MIN_SCANS`] and
    /// [`LOT_SPIKE_FACTOR`] times its usual hourly rate.
    LotSpike,
}

impl FlagReason {
    /// Every reason, in the order flags list them.
    pub const ALL: [FlagReason; 4] = [
        FlagReason::SerialScannedOften,
        FlagReason::SerialManyTimeZones,
        FlagReason::LotManyTimeZones,
        FlagReason::LotSpike,
    ];

    /// The spelling in answers.
    pub fn as_str(self) -> &'static str {
        match self {
            FlagReason::SerialScannedOften => "serial-scanned-often",
            FlagReason::SerialManyTimeZones => "serial-many-time-zones",
            FlagReason::LotManyTimeZones => "lot-many-time-zones",
            FlagReason::LotSpike => "lot-spike",
        }
    }

    /// The i18n key of the explanation; its placeholders are `{count}` (the observed value),
    /// `{limit}` (the threshold) and, for the spike, `{factor}`.
    pub fn key(self) -> &'static str {
        match self {
            FlagReason::SerialScannedOften => "scans.flag.serial_scanned_often",
            FlagReason::SerialManyTimeZones => "scans.flag.serial_many_time_zones",
            FlagReason::LotManyTimeZones => "scans.flag.lot_many_time_zones",
            FlagReason::LotSpike => "scans.flag.lot_spike",
        }
    }

    /// The placeholder values of the explanation for `activity`.
    pub fn arguments(self, activity: &CodeActivity) -> Vec<(&'static str, String)> {
        let (count, limit) = match self {
            FlagReason::SerialScannedOften => (
                activity.scans_last_24h,
                SERIAL_MAX_SCANS_PER_DAY.to_string(),
            ),
            FlagReason::SerialManyTimeZones => (
                activity.time_zones_last_7d.len() as u64,
                SERIAL_FLAG_TIME_ZONES.to_string(),
            ),
            FlagReason::LotManyTimeZones => (
                activity.time_zones_last_7d.len() as u64,
                LOT_FLAG_TIME_ZONES.to_string(),
            ),
            FlagReason::LotSpike => (
                activity.busiest_hour.map_or(0, |(_, scans)| scans),
                LOT_SPIKE_MIN_SCANS.to_string(),
            ),
        };
        vec![
            ("count", count.to_string()),
            ("limit", limit),
            ("factor", LOT_SPIKE_FACTOR.to_string()),
        ]
    }
}

/// The counterfeit signals of one code's activity, in [`FlagReason::ALL`] order; empty when
/// nothing looks wrong. Pure: the same counts always give the same answer.
pub fn flag_reasons(activity: &CodeActivity) -> Vec<FlagReason> {
    let zones = activity.time_zones_last_7d.len();
    let mut reasons = Vec::new();
    match activity.kind {
        CodeKind::Serialised => {
            if activity.scans_last_24h > SERIAL_MAX_SCANS_PER_DAY {
                reasons.push(FlagReason::SerialScannedOften);
            }
            if zones >= SERIAL_FLAG_TIME_ZONES {
                reasons.push(FlagReason::SerialManyTimeZones);
            }
        }
        CodeKind::Lot => {
            if zones >= LOT_FLAG_TIME_ZONES {
                reasons.push(FlagReason::LotManyTimeZones);
            }
            if let Some((_, busiest)) = activity.busiest_hour {
                // busiest > factor × (other scans of the week / other hours), without division.
                let others = activity.scans_last_7d.saturating_sub(busiest);
                if busiest > LOT_SPIKE_MIN_SCANS
                    && u128::from(busiest) * u128::from(BASELINE_HOURS)
                        > u128::from(LOT_SPIKE_FACTOR) * u128::from(others)
                {
                    reasons.push(FlagReason::LotSpike);
                }
            }
        }
        CodeKind::Other => {}
    }
    reasons
}

/// A flagged code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    /// Its recent activity.
    pub activity: CodeActivity,
    /// Why it is flagged, never empty.
    pub reasons: Vec<FlagReason>,
}

/// The GS1 company prefixes whose codes `org` may see flags for: `None` for every code (the
/// admin); its own for a member; those of every organisation of its county for a county
/// office (none when it has no county), as county offices read their county's events.
pub async fn visible_company_prefixes<S: Store>(
    store: &S,
    org: &Org,
) -> Result<Option<Vec<String>>, StoreError> {
    match org.role {
        Role::Admin => Ok(None),
        Role::Member => Ok(Some(store.org_assets(org.id).await?.company_prefixes)),
        Role::County => {
            let mut prefixes = Vec::new();
            let Some(county) = org.county.as_deref() else {
                return Ok(Some(prefixes));
            };
            for other in store.orgs().await? {
                if other.county.as_deref() == Some(county) {
                    prefixes.extend(store.org_assets(other.id).await?.company_prefixes);
                }
            }
            prefixes.sort();
            prefixes.dedup();
            Ok(Some(prefixes))
        }
    }
}

/// The code prefixes under which the flaggable codes (GTIN and SSCC) of `company_prefixes`
/// are found: after `/01/` or `/00/` comes one indicator or extension digit, then the company
/// prefix (GS1 General Specifications §3.2).
pub fn code_prefixes(company_prefixes: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(company_prefixes.len() * 20);
    for prefix in company_prefixes {
        for key in ["00", "01"] {
            for digit in 0..=9 {
                out.push(format!("/{key}/{digit}{prefix}"));
            }
        }
    }
    out
}

/// The flagged codes among those of `company_prefixes` (`None`: every code) at `now`, sorted
/// by code. Counts not yet flushed are not included: flags lag by one flush interval.
pub async fn flags<S: Store>(
    store: &S,
    company_prefixes: Option<&[String]>,
    now: i64,
) -> Result<Vec<Flag>, StoreError> {
    let code_prefixes = match company_prefixes {
        None => vec![String::new()],
        Some(prefixes) => code_prefixes(prefixes),
    };
    let rows = store.scan_activity(&code_prefixes, week_start(now)).await?;
    Ok(activity(&rows, now)
        .into_iter()
        .filter(|activity| {
            // The capture ownership rule decides, so flags and captures agree on what is
            // whose.
            company_prefixes.is_none_or(|prefixes| {
                owned_by(prefixes, &format!("{GS1_RESOLVER}{}", activity.code)).unwrap_or(false)
            })
        })
        .filter_map(|activity| {
            let reasons = flag_reasons(&activity);
            (!reasons.is_empty()).then_some(Flag { activity, reasons })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use store::ScanTotals;

    /// 2026-04-01T08:00:00Z in microseconds.
    const NOW: i64 = 1_775_030_400_000_000;
    const SERIAL: &str = "/01/06901234567892/21/ABC";
    const LOT: &str = "/01/06901234567892/10/LOT-A";

    fn rows(code: &str, list: &[(i64, &str, u64)]) -> Vec<ScanCount> {
        list.iter()
            .map(|(hours_ago, zone, count)| ScanCount {
                code: code.into(),
                hour: hour_of(NOW) - hours_ago * HOUR,
                time_zone: (*zone).into(),
                count: *count,
            })
            .collect()
    }

    fn reasons(code: &str, list: &[(i64, &str, u64)]) -> Vec<FlagReason> {
        let found = activity(&rows(code, list), NOW);
        assert_eq!(found.len(), 1, "{found:?}");
        flag_reasons(&found[0])
    }

    #[test]
    fn codes_are_canonical_digital_link_paths() {
        assert_eq!(canonical_code(SERIAL).unwrap(), SERIAL);
        // A GTIN-13 is padded, a trailing slash tolerated, reserved characters encoded.
        assert_eq!(
            canonical_code(" /01/6901234567892/10/LOT%2fA/ ").unwrap(),
            "/01/06901234567892/10/LOT%2FA"
        );
        assert_eq!(
            canonical_code("/00/069012340000000016").unwrap(),
            "/00/069012340000000016"
        );
        assert_eq!(canonical_code("  "), Err(CodeError::Missing));
        for not_a_path in [
            "https://trace.example/01/06901234567892",
            "01/06901234567892",
            "/01/06901234567892?17=260101",
            "/item/01/06901234567892/21/ABC",
        ] {
            assert_eq!(
                canonical_code(not_a_path),
                Err(CodeError::NotAPath),
                "{not_a_path}"
            );
        }
        for invalid in [
            "/01/06901234567893/21/ABC",
            "/01/06901234567892/21/ABC/10/LOT",
            "/",
            "/hello",
        ] {
            assert!(
                matches!(canonical_code(invalid), Err(CodeError::Invalid(_))),
                "{invalid}: {:?}",
                canonical_code(invalid)
            );
        }
    }

    #[test]
    fn time_zones_are_iana_names_or_unknown() {
        assert_eq!(time_zone(Some("Asia/Shanghai")), "Asia/Shanghai");
        assert_eq!(
            time_zone(Some("America/Argentina/Buenos_Aires")),
            "America/Argentina/Buenos_Aires"
        );
        assert_eq!(time_zone(Some("Etc/GMT+8")), "Etc/GMT+8");
        assert_eq!(
            time_zone(Some("America/Port-au-Prince")),
            "America/Port-au-Prince"
        );
        assert_eq!(time_zone(Some("PRC")), "Asia/Shanghai");
        assert_eq!(time_zone(Some("Etc/UTC")), "UTC");
        for bad in [
            None,
            Some(""),
            Some("127.0.0.1"),
            Some("Asia/Shang hai"),
            Some("/Asia"),
            Some("<script>"),
            Some("亚洲/上海"),
        ] {
            assert_eq!(time_zone(bad), UNKNOWN_TIME_ZONE, "{bad:?}");
        }
        assert_eq!(time_zone(Some(&"A".repeat(64))), "A".repeat(64));
        assert_eq!(time_zone(Some(&"A".repeat(65))), UNKNOWN_TIME_ZONE);
    }

    #[test]
    fn kinds_follow_the_qualifiers() {
        assert_eq!(code_kind(SERIAL), CodeKind::Serialised);
        assert_eq!(
            code_kind("/01/06901234567892/10/L1/21/S1"),
            CodeKind::Serialised
        );
        assert_eq!(code_kind("/00/069012340000000016"), CodeKind::Serialised);
        assert_eq!(code_kind(LOT), CodeKind::Lot);
        // A lot named "21" is still a lot.
        assert_eq!(code_kind("/01/06901234567892/10/21"), CodeKind::Lot);
        assert_eq!(code_kind("/01/06901234567892/22/21/10/L"), CodeKind::Lot);
        assert_eq!(code_kind("/01/06901234567892"), CodeKind::Other);
        assert_eq!(code_kind("/414/6901234000016"), CodeKind::Other);
    }

    #[test]
    fn a_serial_scanned_more_than_twenty_times_a_day_is_flagged() {
        assert!(reasons(SERIAL, &[(0, "Asia/Shanghai", 20)]).is_empty());
        assert_eq!(
            reasons(
                SERIAL,
                &[(0, "Asia/Shanghai", 15), (23, "Asia/Shanghai", 6)]
            ),
            [FlagReason::SerialScannedOften]
        );
        // Scans older than 24 hours do not count towards the day.
        assert!(
            reasons(
                SERIAL,
                &[(0, "Asia/Shanghai", 15), (24, "Asia/Shanghai", 6)]
            )
            .is_empty()
        );
        // The same counts on a lot code are ordinary.
        assert!(reasons(LOT, &[(0, "Asia/Shanghai", 15), (23, "Asia/Shanghai", 6)]).is_empty());
    }

    #[test]
    fn a_serial_from_three_time_zones_in_a_week_is_flagged() {
        assert!(reasons(SERIAL, &[(0, "Asia/Shanghai", 1), (100, "Asia/Tokyo", 1)]).is_empty());
        assert_eq!(
            reasons(
                SERIAL,
                &[
                    (0, "Asia/Shanghai", 1),
                    (100, "Asia/Tokyo", 1),
                    (167, "Europe/Berlin", 1)
                ]
            ),
            [FlagReason::SerialManyTimeZones]
        );
        // Outside the week, and zones that say nothing about place, do not count.
        assert!(
            reasons(
                SERIAL,
                &[
                    (0, "Asia/Shanghai", 1),
                    (100, "Asia/Tokyo", 1),
                    (168, "Europe/Berlin", 1),
                    (1, "UTC", 3),
                    (2, UNKNOWN_TIME_ZONE, 3),
                ]
            )
            .is_empty()
        );
        let case = reasons(
            "/00/069012340000000016",
            &[
                (0, "Asia/Shanghai", 30),
                (1, "Asia/Tokyo", 1),
                (2, "Asia/Seoul", 1),
            ],
        );
        assert_eq!(
            case,
            [
                FlagReason::SerialScannedOften,
                FlagReason::SerialManyTimeZones
            ]
        );
    }

    #[test]
    fn a_lot_from_six_time_zones_in_a_week_is_flagged() {
        let zones = [
            "Asia/Shanghai",
            "Asia/Tokyo",
            "Asia/Seoul",
            "Europe/Berlin",
            "America/New_York",
            "Australia/Sydney",
        ];
        let five: Vec<(i64, &str, u64)> = zones[..5].iter().map(|z| (3, *z, 2)).collect();
        assert!(reasons(LOT, &five).is_empty());
        let six: Vec<(i64, &str, u64)> = zones.iter().map(|z| (3, *z, 2)).collect();
        assert_eq!(reasons(LOT, &six), [FlagReason::LotManyTimeZones]);
        // Bare GTINs and locations are never flagged.
        assert!(reasons("/01/06901234567892", &six).is_empty());
    }

    #[test]
    fn a_lot_spike_must_be_large_and_ten_times_the_usual_rate() {
        // 101 in one hour and nothing else: flagged.
        assert_eq!(
            reasons(LOT, &[(2, "Asia/Shanghai", 101)]),
            [FlagReason::LotSpike]
        );
        // 100 is not more than the floor.
        assert!(reasons(LOT, &[(2, "Asia/Shanghai", 100)]).is_empty());
        // A steady 20 an hour all week makes 150 in one hour only 7.5 times the usual rate.
        let mut steady: Vec<(i64, &str, u64)> = (0..168)
            .filter(|h| *h != 5)
            .map(|h| (h, "Asia/Shanghai", 20))
            .collect();
        steady.push((5, "Asia/Shanghai", 150));
        assert!(reasons(LOT, &steady).is_empty());
        // ...but 250 is 12.5 times.
        steady.pop();
        steady.push((5, "Asia/Shanghai", 250));
        assert_eq!(reasons(LOT, &steady), [FlagReason::LotSpike]);
        // Counts of one hour from several zones add up.
        assert_eq!(
            reasons(LOT, &[(2, "Asia/Shanghai", 60), (2, "Asia/Tokyo", 60)]),
            [FlagReason::LotSpike]
        );
        // A spike more than a day ago no longer flags.
        assert!(reasons(LOT, &[(24, "Asia/Shanghai", 500)]).is_empty());
    }

    #[test]
    fn every_reason_has_its_words_in_both_languages() {
        for reason in FlagReason::ALL {
            assert!(i18n::has_key(reason.key()), "{}", reason.key());
        }
        for error in [
            CodeError::Missing,
            CodeError::NotAPath,
            CodeError::Invalid(String::new()),
        ] {
            assert!(i18n::has_key(error.key()), "{}", error.key());
        }
    }

    #[test]
    fn company_prefixes_cover_every_indicator_digit() {
        let prefixes = code_prefixes(&["6901234".into()]);
        assert_eq!(prefixes.len(), 20);
        assert!(prefixes.contains(&"/01/06901234".to_owned()));
        assert!(prefixes.contains(&"/00/96901234".to_owned()));
    }

    async fn sqlite() -> (store_sqlite::SqliteStore, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = store_sqlite::SqliteStore::open(&dir.path().join("retu.db"))
            .await
            .unwrap();
        (store, dir)
    }

    #[tokio::test]
    async fn the_book_counts_in_memory_and_flushes_in_one_batch() {
        let (store, _dir) = sqlite().await;
        let book = ScanBook::new();
        for zone in ["Asia/Shanghai", "Asia/Shanghai", "Asia/Tokyo"] {
            assert!(book.record(SERIAL, zone, NOW + 5));
        }
        assert!(book.record(SERIAL, "Asia/Shanghai", NOW - 30 * HOUR));
        // Before the flush, the summary comes from memory alone.
        let summary = book.summary(&store, SERIAL, NOW).await.unwrap();
        assert_eq!(
            summary,
            ScanSummary {
                code: SERIAL.into(),
                total: 4,
                first_scan: Some(hour_of(NOW - 30 * HOUR)),
                last_24h: 3,
            }
        );
        assert_eq!(book.flush(&store).await.unwrap(), 3);
        assert_eq!(book.pending(), 0);
        assert_eq!(book.flush(&store).await.unwrap(), 0);
        assert_eq!(
            store.scan_totals(SERIAL, hour_of(NOW)).await.unwrap(),
            ScanTotals {
                total: 4,
                first_hour: Some(hour_of(NOW - 30 * HOUR)),
                last_hour: Some(hour_of(NOW)),
                recent: 3,
            }
        );
        // After it, stored and new counts add up, and nothing is counted twice.
        book.record(SERIAL, "Asia/Shanghai", NOW + 10);
        let summary = book.summary(&store, SERIAL, NOW).await.unwrap();
        assert_eq!((summary.total, summary.last_24h), (5, 4));
        // Any spelling of the code finds the same counts; an invalid one has none.
        let padded = book
            .summary(&store, "/01/6901234567892/21/ABC", NOW)
            .await
            .unwrap();
        assert_eq!(padded.total, 5);
        let nothing = book.summary(&store, "/01/nope", NOW).await.unwrap();
        assert_eq!((nothing.total, nothing.first_scan), (0, None));
    }

    #[tokio::test]
    async fn a_failed_flush_keeps_the_counts() {
        let (store, _dir) = sqlite().await;
        let book = ScanBook::new();
        book.record(SERIAL, "Asia/Shanghai", NOW);
        book.record(LOT, UNKNOWN_TIME_ZONE, NOW);
        store.close().await;
        assert!(book.flush(&store).await.is_err());
        assert_eq!(book.pending(), 2);
        let (store, _dir) = sqlite().await;
        assert_eq!(book.flush(&store).await.unwrap(), 2);
        assert_eq!(store.scan_totals(LOT, 0).await.unwrap().total, 1);
    }

    #[test]
    fn a_full_book_drops_new_keys_but_still_counts_known_ones() {
        let book = ScanBook::with_capacity(2);
        assert!(book.record(SERIAL, "Asia/Shanghai", NOW));
        assert!(book.record(LOT, "Asia/Shanghai", NOW));
        assert!(!book.record(SERIAL, "Asia/Tokyo", NOW));
        assert!(book.record(SERIAL, "Asia/Shanghai", NOW + 1));
        assert_eq!((book.pending(), book.dropped()), (3, 1));
    }

    #[tokio::test]
    async fn flags_are_limited_to_the_owners_codes() {
        let (store, _dir) = sqlite().await;
        let mine = "/01/06901234567892/21/S1";
        let theirs = "/01/06912345000017/21/S1";
        let book = ScanBook::new();
        for code in [mine, theirs] {
            for zone in ["Asia/Shanghai", "Asia/Tokyo", "Europe/Berlin"] {
                book.record(code, zone, NOW);
            }
        }
        // Scanned from one zone only: not flagged.
        book.record("/01/06901234567892/21/S2", "Asia/Shanghai", NOW);
        book.flush(&store).await.unwrap();
        let codes = |flags: Vec<Flag>| {
            flags
                .into_iter()
                .map(|flag| flag.activity.code)
                .collect::<Vec<_>>()
        };
        let own = flags(&store, Some(&["6901234".to_owned()]), NOW)
            .await
            .unwrap();
        assert_eq!(own[0].reasons, [FlagReason::SerialManyTimeZones]);
        assert_eq!(codes(own), [mine]);
        assert_eq!(
            codes(flags(&store, None, NOW).await.unwrap()),
            [mine, theirs]
        );
        assert!(
            flags(&store, Some(&["6999999".to_owned()]), NOW)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(flags(&store, Some(&[]), NOW).await.unwrap().is_empty());
        // A week later the flag is gone.
        assert!(
            flags(&store, None, NOW + 7 * 24 * HOUR)
                .await
                .unwrap()
                .is_empty()
        );
    }
}
