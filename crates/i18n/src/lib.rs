//! Retu's one mechanism for user-facing text.
//!
//! Every string a person reads (pages, form problems, labels) lives in two message catalogs,
//! `locales/zh-CN.txt` and `locales/en.txt`, and is looked up by key with [`t`] or, when it
//! has placeholders, filled with [`tf`]. The catalogs are compiled into the binary with
//! `include_str!` and parsed once, on first use, so a county server has no locale files to
//! lose and no start-up step that can fail.
//!
//! # Catalog format
//!
//! One message per line, `key = value`:
//!
//! ```text
//! # A comment: the whole line is ignored, as are blank lines.
//! cert.title = 承诺达标合格证
//! cert.log_entry = 透明日志第 {index} 条
//! ```
//!
//! - A key is made of ASCII lower-case letters, digits, `.`, `_` and `-`.
//! - The value is everything after the first `=`, with surrounding white space removed; it
//!   may be empty. There are no escapes and no multi-line values: a message that needs a line
//!   break is two messages, so every catalog line can be reviewed on its own.
//! - `{name}` (ASCII letters, digits, `_`) is a placeholder that [`tf`] fills; any other `{`
//!   is an ordinary character.
//! - Both catalogs must have the same keys with the same placeholders; a test checks it, and
//!   also checks that every literal key passed to `t(` or `tf(` in the workspace exists.
//!
//! # Example
//!
//! ```
//! use i18n::{Locale, t, tf};
//!
//! let locale = Locale::negotiate(Some("en-GB,en;q=0.9,zh-CN;q=0.5"));
//! assert_eq!(locale, Locale::En);
//! assert_eq!(t(Locale::ZhCn, "cert.title"), "承诺达标合格证");
//! assert_eq!(
//!     tf(locale, "cert.log_entry", &[("index", "42")]),
//!     "Transparency log entry 42"
//! );
//! ```

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
#![warn(missing_docs)]

use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

/// A language Retu's pages are written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Locale {
    /// Simplified Chinese as used in mainland China: the language of the official forms and
    /// of the people who run and use a county's server, hence the default.
    #[default]
    ZhCn,
    /// English, for buyers and visitors who read no Chinese.
    En,
}

impl Locale {
    /// Every locale, in the order pages list them.
    pub const ALL: [Locale; 2] = [Locale::ZhCn, Locale::En];

    /// The BCP 47 tag, for `<html lang>` and `Content-Language`.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-CN",
            Locale::En => "en",
        }
    }

    /// The locale an HTTP `Accept-Language` header asks for.
    ///
    /// The entry with the highest q-value that names a language Retu has wins; among equal
    /// q-values the first listed wins, and a named language beats the `*` wildcard. Any `zh`
    /// tag (`zh-CN`, `zh-Hans`, `zh-TW`, `zh-HK`) gives [`Locale::ZhCn`], because a reader of
    /// Traditional Chinese reads Simplified far more easily than English. Entries with
    /// `q=0` are refusals and malformed q-values make an entry count as absent.
    ///
    /// When the header is absent or empty the answer is [`Locale::ZhCn`]: the clients that
    /// send none are mostly kiosks, label printers and scripts run by the county itself, whose
    /// readers read Chinese, and the Chinese page is the legally official form. When the header
    /// is present but names only other languages (`fr, de`) the answer is [`Locale::En`]: a
    /// browser set to French or German belongs to a visitor who is more likely to read English
    /// than Chinese. Should that visitor have refused English (`en;q=0`), Chinese it is.
    pub fn negotiate(accept_language: Option<&str>) -> Locale {
        let Some(header) = accept_language.map(str::trim).filter(|h| !h.is_empty()) else {
            return Locale::ZhCn;
        };
        // (q-value in thousandths, 1 for a named language and 0 for the wildcard, locale)
        let mut best: Option<(u16, u8, Locale)> = None;
        let mut refused_en = false;
        // A header is a few entries long; the bound keeps hostile headers cheap.
        for entry in header.split(',').take(64) {
            let mut parts = entry.split(';');
            let tag = parts.next().unwrap_or_default().trim();
            let mut q = Some(1000);
            for parameter in parts {
                let parameter = parameter.trim();
                if let Some(value) = parameter
                    .strip_prefix("q=")
                    .or_else(|| parameter.strip_prefix("Q="))
                {
                    q = parse_qvalue(value.trim());
                }
            }
            let Some(q) = q else { continue };
            let (locale, specificity) = match primary_subtag(tag).as_deref() {
                Some("zh") => (Locale::ZhCn, 1),
                Some("en") => (Locale::En, 1),
                // The wildcard means "any other language": the same answer as an unknown one.
                Some("*") => (Locale::En, 0),
                _ => continue,
            };
            if q == 0 {
                refused_en |= locale == Locale::En;
                continue;
            }
            if best.is_none_or(|(bq, bs, _)| (q, specificity) > (bq, bs)) {
                best = Some((q, specificity, locale));
            }
        }
        match best {
            Some((_, _, locale)) => locale,
            None if refused_en => Locale::ZhCn,
            None => Locale::En,
        }
    }

    /// The locale a `?lang=` query parameter names (`zh`, `zh-CN`, `zh_cn`, `zh-Hans`, `en`,
    /// `en-US`, any case), or `None` for anything else, so the caller can fall back to
    /// [`Locale::negotiate`].
    pub fn from_query(lang: &str) -> Option<Locale> {
        match primary_subtag(lang.trim()).as_deref() {
            Some("zh") => Some(Locale::ZhCn),
            Some("en") => Some(Locale::En),
            _ => None,
        }
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

/// The lower-cased first subtag of a language tag (`zh` of `zh-Hans-CN`), or `None` when it is
/// not a plausible one (empty, too long, or other than ASCII letters and the wildcard).
fn primary_subtag(tag: &str) -> Option<String> {
    let primary = tag.split(['-', '_']).next().unwrap_or_default();
    let plausible = primary == "*"
        || (!primary.is_empty()
            && primary.len() <= 8
            && primary.bytes().all(|b| b.is_ascii_alphabetic()));
    plausible.then(|| primary.to_ascii_lowercase())
}

/// An RFC 9110 qvalue (`0`, `0.5`, `1`, `1.000`) in thousandths, or `None` when malformed.
fn parse_qvalue(text: &str) -> Option<u16> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut thousandths: u16 = 0;
    for (i, digit) in fraction.bytes().enumerate() {
        let scale = [100, 10, 1].get(i).copied().unwrap_or(0);
        thousandths += u16::from(digit - b'0') * scale;
    }
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// One parsed message catalog.
#[derive(Debug)]
pub struct Catalog {
    messages: HashMap<&'static str, &'static str>,
    /// The keys in file order, so tests and tools report in a stable order.
    order: Vec<&'static str>,
    problems: Vec<String>,
}

impl Catalog {
    /// Parses catalog text. Malformed lines and repeated keys do not stop parsing (a running
    /// server must not fail on a typo in a label); they are reported by [`Catalog::problems`],
    /// which a test requires to be empty.
    pub fn parse(text: &'static str) -> Catalog {
        let mut catalog = Catalog {
            messages: HashMap::new(),
            order: Vec::new(),
            problems: Vec::new(),
        };
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                catalog
                    .problems
                    .push(format!("line {number}: no `=` in {line:?}"));
                continue;
            };
            let (key, value) = (key.trim(), value.trim());
            if !is_key(key) {
                catalog
                    .problems
                    .push(format!("line {number}: malformed key {key:?}"));
                continue;
            }
            if catalog.messages.contains_key(key) {
                catalog
                    .problems
                    .push(format!("line {number}: key {key:?} repeated"));
                continue;
            }
            catalog.messages.insert(key, value);
            catalog.order.push(key);
        }
        catalog
    }

    /// The message for `key`.
    pub fn get(&self, key: &str) -> Option<&'static str> {
        self.messages.get(key).copied()
    }

    /// Every key, in file order.
    pub fn keys(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.order.iter().copied()
    }

    /// What was wrong with the text, one line per problem.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }
}

fn is_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

fn is_placeholder_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

static ZH_CN: LazyLock<Catalog> =
    LazyLock::new(|| Catalog::parse(include_str!("../locales/zh-CN.txt")));
static EN: LazyLock<Catalog> = LazyLock::new(|| Catalog::parse(include_str!("../locales/en.txt")));

/// The parsed catalog of `locale`.
pub fn catalog(locale: Locale) -> &'static Catalog {
    match locale {
        Locale::ZhCn => &ZH_CN,
        Locale::En => &EN,
    }
}

/// Whether every locale has a message for `key`. For code that holds keys as data (such as
/// form problems) and wants to check them in its own tests.
pub fn has_key(key: &str) -> bool {
    Locale::ALL.iter().all(|&l| catalog(l).get(key).is_some())
}

/// The message for `key` in `locale`.
///
/// A missing key is a programming error that the catalog test catches for literal keys; it
/// fails a debug assertion and otherwise shows the key itself, because a page with one odd
/// label is better than a page that does not load.
pub fn t(locale: Locale, key: &'static str) -> &'static str {
    let message = catalog(locale).get(key);
    debug_assert!(message.is_some(), "missing i18n key {key:?} in {locale}");
    message.unwrap_or(key)
}

/// The message for `key` in `locale` with its `{name}` placeholders replaced by the values in
/// `args`. Values are inserted as given (callers escape them for HTML), and are not scanned
/// for placeholders themselves. A placeholder without a value fails a debug assertion and is
/// otherwise left as written.
pub fn tf(locale: Locale, key: &'static str, args: &[(&str, &str)]) -> String {
    fill(t(locale, key), args)
}

/// The placeholder names in `template`, in order of appearance, repeats included.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some((_, after)) = rest.split_once('{') {
        match after.split_once('}') {
            Some((name, tail)) if is_placeholder_name(name) => {
                names.push(name);
                rest = tail;
            }
            _ => rest = after,
        }
    }
    names
}

fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let extra: usize = args.iter().map(|(_, v)| v.len()).sum();
    let mut out = String::with_capacity(template.len() + extra);
    let mut rest = template;
    while let Some((before, after)) = rest.split_once('{') {
        out.push_str(before);
        match after.split_once('}') {
            Some((name, tail)) if is_placeholder_name(name) => {
                let value = args.iter().find(|(n, _)| *n == name);
                debug_assert!(
                    value.is_some(),
                    "no value for placeholder {{{name}}} in {template:?}"
                );
                match value {
                    Some((_, value)) => out.push_str(value),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = tail;
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_follows_q_values() {
        let cases = [
            (None, Locale::ZhCn),
            (Some(""), Locale::ZhCn),
            (Some("  "), Locale::ZhCn),
            (Some("zh-CN,zh;q=0.9,en;q=0.8"), Locale::ZhCn),
            (Some("en-US,en;q=0.9"), Locale::En),
            (Some("en;q=0.5, zh-TW;q=0.8"), Locale::ZhCn),
            (Some("zh-Hant-HK"), Locale::ZhCn),
            (Some("ZH_cn"), Locale::ZhCn),
            (Some("fr-FR, de;q=0.9"), Locale::En),
            (Some("fr, en;q=0"), Locale::ZhCn),
            (Some("zh;q=0, en;q=0.1"), Locale::En),
            (Some("*"), Locale::En),
            // A named language beats the wildcard at the same q-value, not at a higher one.
            (Some("*;q=0.5, zh;q=0.5"), Locale::ZhCn),
            (Some("zh;q=0.5, *"), Locale::En),
            // Equal q-values: the first listed wins.
            (Some("en;q=0.7, zh;q=0.7"), Locale::En),
            // A malformed q-value drops its entry only.
            (Some("en;q=2, zh;q=0.1"), Locale::ZhCn),
            (Some("en;q=0.1234, zh;q=0.001"), Locale::ZhCn),
            (Some(";;;,,,=,q="), Locale::En),
        ];
        for (header, expected) in cases {
            assert_eq!(Locale::negotiate(header), expected, "{header:?}");
        }
    }

    #[test]
    fn qvalues_parse_as_rfc_9110_says() {
        assert_eq!(parse_qvalue("1"), Some(1000));
        assert_eq!(parse_qvalue("1.000"), Some(1000));
        assert_eq!(parse_qvalue("0"), Some(0));
        assert_eq!(parse_qvalue("0.5"), Some(500));
        assert_eq!(parse_qvalue("0.05"), Some(50));
        assert_eq!(parse_qvalue("0.123"), Some(123));
        for bad in ["1.001", "0.1234", "2", "-1", "", ".5", "0.x", "１"] {
            assert_eq!(parse_qvalue(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn query_values_name_locales() {
        assert_eq!(Locale::from_query("zh"), Some(Locale::ZhCn));
        assert_eq!(Locale::from_query("zh-CN"), Some(Locale::ZhCn));
        assert_eq!(Locale::from_query(" zh_cn "), Some(Locale::ZhCn));
        assert_eq!(Locale::from_query("EN-us"), Some(Locale::En));
        assert_eq!(Locale::from_query("fr"), None);
        assert_eq!(Locale::from_query(""), None);
        assert_eq!(Locale::from_query("*"), None);
    }

    #[test]
    fn placeholders_are_filled_once() {
        assert_eq!(
            fill("{a} and {b}, {a}", &[("a", "x"), ("b", "{a}")]),
            "x and {a}, x"
        );
        // Braces that are not placeholders stay.
        assert_eq!(fill("{ } {} {a-b} {", &[]), "{ } {} {a-b} {");
        assert_eq!(fill("价格：{price}元", &[("price", "3.5")]), "价格：3.5元");
        assert_eq!(placeholders("{a}{ b}{c_1}{}"), vec!["a", "c_1"]);
    }

    #[test]
    #[cfg_attr(debug_assertions, should_panic(expected = "no value for placeholder"))]
    fn a_missing_value_leaves_the_placeholder() {
        assert_eq!(fill("entry {index}", &[]), "entry {index}");
    }

    #[test]
    #[cfg_attr(debug_assertions, should_panic(expected = "missing i18n key"))]
    fn a_missing_key_shows_the_key() {
        let key = "no.such.key";
        assert_eq!(t(Locale::En, key), key);
    }

    #[test]
    fn parse_reports_bad_lines() {
        let catalog = Catalog::parse("# c\n\na = 1\nA = 2\nnoequals\na = 3\nb =\n");
        assert_eq!(catalog.get("a"), Some("1"));
        assert_eq!(catalog.get("b"), Some(""));
        assert_eq!(catalog.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(catalog.problems().len(), 3, "{:?}", catalog.problems());
    }
}
