//! The generator of `src/ai_table.rs`, and the test that keeps the committed table equal to
//! what the GS1 Barcode Syntax Dictionary in the test vectors produces.
//!
//! The table is committed as Rust source so that the crate builds without the vectors. To
//! regenerate it after the dictionary changes:
//!
//! ```text
//! cargo test -p gs1 --test ai_table -- --ignored regenerate_ai_table
//! ```
//!
//! The dictionary format is described in its own header: each line is
//! `AIs [Flags] Specification [Attributes...] [# Title]`.

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One component of a specification, e.g. `[N3],iso3166`.
#[derive(Debug, Clone, PartialEq)]
struct Component {
    cset: char,
    min: u8,
    max: u8,
    optional: bool,
    linters: Vec<String>,
}

/// One dictionary entry, with a range such as `3100-3105` expanded to one entry per AI.
#[derive(Debug, Clone)]
struct Entry {
    ai: String,
    title: String,
    fnc1: bool,
    dl_attr: bool,
    components: Vec<Component>,
    req: Vec<Vec<Vec<String>>>,
    ex: Vec<String>,
    dl_key: Option<Vec<Vec<String>>>,
}

/// The flag characters the dictionary reserves.
const FLAG_CHARS: &str = "*!?\"$%&'()+,-./:;<=>@[\\]^_`{|}~";

fn parse_component(token: &str) -> Result<Component, String> {
    let mut parts = token.split(',');
    let ty = parts.next().ok_or("empty component")?;
    let (optional, ty) = match ty.strip_prefix('[') {
        Some(inner) => (
            true,
            inner
                .strip_suffix(']')
                .ok_or_else(|| format!("unbalanced [ in {token}"))?,
        ),
        None => (false, ty),
    };
    let mut chars = ty.chars();
    let cset = chars.next().ok_or("missing type")?;
    if !"NXYZ".contains(cset) {
        return Err(format!("unknown type {cset} in {token}"));
    }
    let rest = chars.as_str();
    let (variable, digits) = match rest.strip_prefix("..") {
        Some(d) => (true, d),
        None => (false, rest),
    };
    let max: u8 = digits
        .parse()
        .map_err(|_| format!("bad length in {token}"))?;
    let linters = parts.map(str::to_owned).collect::<Vec<_>>();
    if linters
        .iter()
        .any(|l| l.is_empty() || !l.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        return Err(format!("bad linter list in {token}"));
    }
    Ok(Component {
        cset,
        min: if variable { 1 } else { max },
        max,
        optional,
        linters,
    })
}

fn expand_ais(spec: &str) -> Result<Vec<String>, String> {
    let Some((lo, hi)) = spec.split_once('-') else {
        return Ok(vec![spec.to_owned()]);
    };
    if lo.len() != hi.len() {
        return Err(format!("range {spec} mixes AI lengths"));
    }
    let (a, b): (u32, u32) = (
        lo.parse().map_err(|_| format!("bad range {spec}"))?,
        hi.parse().map_err(|_| format!("bad range {spec}"))?,
    );
    Ok((a..=b)
        .map(|n| format!("{n:0width$}", width = lo.len()))
        .collect())
}

/// Parses the dictionary text into entries sorted by AI.
fn parse_dictionary(text: &str) -> Result<Vec<Entry>, String> {
    let mut out = Vec::new();
    for (lineno, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let err = |m: String| format!("dictionary line {}: {m}", lineno + 1);
        let (body, title) = match line.split_once('#') {
            Some((b, t)) => (b, t.trim().to_owned()),
            None => (line, String::new()),
        };
        let mut tokens = body.split_whitespace().peekable();
        let ais = expand_ais(tokens.next().ok_or_else(|| err("no AI".into()))?).map_err(err)?;
        let mut flags = "";
        if let Some(t) = tokens.peek()
            && t.chars().all(|c| FLAG_CHARS.contains(c))
        {
            flags = t;
            tokens.next();
        }
        let mut components = Vec::new();
        while let Some(t) = tokens.peek() {
            if t.contains('=') || *t == "dlpkey" {
                break;
            }
            components.push(parse_component(t).map_err(err)?);
            tokens.next();
        }
        if components.is_empty() {
            return Err(err("no specification".into()));
        }
        let mut req = Vec::new();
        let mut ex = Vec::new();
        let mut dl_key = None;
        for attr in tokens {
            let (key, value) = attr.split_once('=').unwrap_or((attr, ""));
            match key {
                "req" => req.push(
                    value
                        .split(',')
                        .map(|g| g.split('+').map(str::to_owned).collect())
                        .collect(),
                ),
                "ex" => ex.extend(value.split(',').map(str::to_owned)),
                "dlpkey" => {
                    let alts: Vec<Vec<String>> = if value.is_empty() {
                        Vec::new()
                    } else {
                        value
                            .split('|')
                            .map(|alt| alt.split(',').map(str::to_owned).collect())
                            .collect()
                    };
                    dl_key = Some(alts);
                }
                other => return Err(err(format!("unknown attribute {other}"))),
            }
        }
        for ai in ais {
            out.push(Entry {
                ai,
                title: title.clone(),
                fnc1: !flags.contains('*'),
                dl_attr: flags.contains('?'),
                components: components.clone(),
                req: req.clone(),
                ex: ex.clone(),
                dl_key: dl_key.clone(),
            });
        }
    }
    out.sort_by(|a, b| a.ai.cmp(&b.ai));
    check_entries(&out)?;
    Ok(out)
}

/// Structural facts the runtime relies on; a dictionary that breaks them needs code changes.
fn check_entries(entries: &[Entry]) -> Result<(), String> {
    for pair in entries.windows(2) {
        if pair[0].ai == pair[1].ai {
            return Err(format!("AI {} defined twice", pair[0].ai));
        }
    }
    for e in entries {
        if !(2..=4).contains(&e.ai.len()) || !e.ai.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("AI {} is not 2 to 4 digits", e.ai));
        }
        // Element-string parsing finds an AI by its leading digits, which requires that no AI
        // is a prefix of another.
        if let Some(o) = entries
            .iter()
            .find(|o| o.ai != e.ai && o.ai.starts_with(&e.ai))
        {
            return Err(format!("AI {} is a prefix of AI {}", e.ai, o.ai));
        }
        // A pre-defined length AI is read without a separator, so its length must be fixed.
        if !e.fnc1 && e.components.iter().any(|c| c.min != c.max || c.optional) {
            return Err(format!("AI {} has the * flag but no fixed length", e.ai));
        }
        // Only the last component may vary, and nothing mandatory may follow an optional one.
        let n = e.components.len();
        for (i, c) in e.components.iter().enumerate() {
            if c.min != c.max && i + 1 != n {
                return Err(format!("AI {}: variable component not last", e.ai));
            }
            if !c.optional && e.components[..i].iter().any(|p| p.optional) {
                return Err(format!("AI {}: mandatory component after optional", e.ai));
            }
        }
        for q in e.dl_key.iter().flatten().flatten() {
            if !entries.iter().any(|o| &o.ai == q) {
                return Err(format!("AI {}: unknown key qualifier {q}", e.ai));
            }
        }
    }
    Ok(())
}

fn linter_expr(name: &str) -> String {
    const KNOWN: &[(&str, &str)] = &[
        ("csum", "Csum"),
        ("csumalpha", "Csumalpha"),
        ("gcppos1", "Gcppos1"),
        ("gcppos2", "Gcppos2"),
        ("yymmdd", "Yymmdd"),
        ("yymmd0", "Yymmd0"),
        ("yyyymmdd", "Yyyymmdd"),
        ("hhmi", "Hhmi"),
        ("hh", "Hh"),
        ("mi", "Mi"),
        ("ss", "Ss"),
        ("iso3166", "Iso3166"),
        ("iso3166999", "Iso3166999"),
        ("iso3166alpha2", "Iso3166alpha2"),
        ("iso4217", "Iso4217"),
        ("iso5218", "Iso5218"),
        ("pcenc", "Pcenc"),
        ("yesno", "Yesno"),
        ("hyphen", "Hyphen"),
        ("zero", "Zero"),
        ("nonzero", "Nonzero"),
        ("nozeroprefix", "Nozeroprefix"),
        ("hasnondigit", "Hasnondigit"),
        ("winding", "Winding"),
        ("pieceoftotal", "Pieceoftotal"),
        ("posinseqslash", "Posinseqslash"),
        ("latitude", "Latitude"),
        ("longitude", "Longitude"),
        ("mediatype", "Mediatype"),
        ("importeridx", "Importeridx"),
        ("iban", "Iban"),
        ("packagetype", "Packagetype"),
        ("couponcode", "Couponcode"),
        ("couponposoffer", "Couponposoffer"),
    ];
    match KNOWN.iter().find(|(n, _)| *n == name) {
        Some((_, variant)) => format!("Linter::{variant}"),
        // A linter this crate does not know yet; it is reported as not checked at run time.
        None => format!("Linter::Other({name:?})"),
    }
}

fn str_list(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
    format!("&[{}]", inner.join(", "))
}

/// Renders the entries as the Rust source of `src/ai_table.rs`.
fn render(entries: &[Entry]) -> String {
    let mut out = String::new();
    out.push_str(
        "//! The GS1 Application Identifier table.\n\
         //!\n\
         //! GENERATED FILE, DO NOT EDIT. It is produced by `crates/gs1/tests/ai_table.rs` from\n\
         //! `shared/vectors/epcis/gs1-digital-link/gs1-syntax-dictionary.txt` (GS1 Barcode Syntax\n\
         //! Dictionary, gs1/gs1-syntax-dictionary at commit ff2eb4bfc8f6). Regenerate with\n\
         //! `cargo test -p gs1 --test ai_table -- --ignored regenerate_ai_table`; the normal test\n\
         //! run fails when this file differs from what the dictionary produces.\n\
         //!\n\
         //! Derived from the GS1 Barcode Syntax Dictionary: Copyright (c) 2020-2021 BWIPP project,\n\
         //! Copyright (c) 2020-2021 Zint Project, Copyright (c) 2021-2025 GS1 AISBL; licensed under\n\
         //! the Apache License, Version 2.0.\n\
         //!\n\
         //! Ranges such as `3100-3105` are expanded to one entry per AI, and entries are sorted by\n\
         //! AI so that look-up can use binary search.\n\
         \n\
         use crate::ai::{AiDef, Component, Cset, Linter};\n\
         \n",
    );
    let _ = writeln!(
        out,
        "/// The {} AIs of the syntax dictionary, sorted by AI.",
        entries.len()
    );
    out.push_str("#[rustfmt::skip]\npub(crate) static AI_TABLE: &[AiDef] = &[\n");
    for e in entries {
        let comps: Vec<String> = e
            .components
            .iter()
            .map(|c| {
                let cset = match c.cset {
                    'N' => "Numeric",
                    'X' => "Cset82",
                    'Y' => "Cset39",
                    _ => "Cset64",
                };
                let linters: Vec<String> = c.linters.iter().map(|l| linter_expr(l)).collect();
                format!(
                    "Component {{ cset: Cset::{cset}, min: {}, max: {}, optional: {}, linters: &[{}] }}",
                    c.min,
                    c.max,
                    c.optional,
                    linters.join(", ")
                )
            })
            .collect();
        let req: Vec<String> = e
            .req
            .iter()
            .map(|alts| {
                let groups: Vec<String> = alts.iter().map(|g| str_list(g)).collect();
                format!("&[{}]", groups.join(", "))
            })
            .collect();
        let dl_key = match &e.dl_key {
            None => "None".to_owned(),
            Some(alts) => {
                let alts: Vec<String> = alts.iter().map(|a| str_list(a)).collect();
                format!("Some(&[{}])", alts.join(", "))
            }
        };
        let _ = writeln!(
            out,
            "    AiDef {{ ai: {:?}, title: {:?}, fnc1: {}, dl_attr: {}, components: &[{}], req: &[{}], ex: {}, dl_key: {} }},",
            e.ai,
            e.title,
            e.fnc1,
            e.dl_attr,
            comps.join(", "),
            req.join(", "),
            str_list(&e.ex),
            dl_key
        );
    }
    out.push_str("];\n");
    out
}

fn committed_table_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ai_table.rs")
}

fn generate() -> String {
    let text = common::read(&common::syntax_dictionary_path());
    let entries = parse_dictionary(&text).unwrap_or_else(|e| panic!("{e}"));
    render(&entries)
}

#[test]
fn committed_ai_table_matches_the_dictionary() {
    let expected = generate();
    let committed = std::fs::read_to_string(committed_table_path()).unwrap_or_default();
    assert!(
        committed == expected,
        "src/ai_table.rs is out of date with gs1-syntax-dictionary.txt; regenerate it with \
         `cargo test -p gs1 --test ai_table -- --ignored regenerate_ai_table` and review the diff"
    );
}

#[test]
#[ignore = "writes src/ai_table.rs; run on purpose after the dictionary changes"]
fn regenerate_ai_table() {
    std::fs::write(committed_table_path(), generate()).expect("write src/ai_table.rs");
}

#[test]
fn dictionary_facts_the_crate_relies_on() {
    let text = common::read(&common::syntax_dictionary_path());
    let entries = parse_dictionary(&text).unwrap();
    // Every AI of the dictionary is reachable through the public look-up, with the same flags.
    for e in &entries {
        let ai = gs1::Ai::lookup(&e.ai).unwrap_or_else(|| panic!("AI {} missing", e.ai));
        assert_eq!(ai.requires_separator(), e.fnc1, "{}", e.ai);
        assert_eq!(ai.is_dl_data_attribute(), e.dl_attr, "{}", e.ai);
        assert_eq!(ai.is_dl_primary_key(), e.dl_key.is_some(), "{}", e.ai);
        assert_eq!(ai.title(), e.title, "{}", e.ai);
    }
    assert_eq!(gs1::Ai::all().count(), entries.len());
    // Spot checks against the dictionary text itself.
    let gtin = gs1::Ai::lookup("01").unwrap();
    assert_eq!(
        gtin.dl_key_qualifiers().unwrap(),
        &[&["22", "10", "21"][..], &["235"][..]][..]
    );
    assert_eq!(
        gs1::Ai::lookup("414").unwrap().dl_key_qualifiers().unwrap(),
        &[&["254"][..], &["7040"][..]][..]
    );
    assert_eq!(
        gs1::Ai::lookup("00")
            .unwrap()
            .dl_key_qualifiers()
            .unwrap()
            .len(),
        0
    );
    assert!(gs1::Ai::lookup("10").unwrap().dl_key_qualifiers().is_none());
    assert_eq!(gs1::Ai::lookup("3105").unwrap().title(), "NET WEIGHT (kg)");
    assert_eq!(gs1::Ai::lookup("95").unwrap().format(), "X..90");
    assert_eq!(
        gs1::Ai::lookup("7007").unwrap().format(),
        "N6,yymmdd [N6],yymmdd"
    );
    assert!(gs1::Ai::lookup("3106").is_none());
}

#[test]
fn generator_rejects_malformed_dictionaries() {
    assert!(
        parse_dictionary("01 *? N14,csum dlpkey=22\n").is_err(),
        "unknown qualifier"
    );
    assert!(
        parse_dictionary("10 X..20\n100 X..5\n").is_err(),
        "prefix AI"
    );
    assert!(
        parse_dictionary("10 * X..20\n").is_err(),
        "variable with * flag"
    );
    assert!(
        parse_dictionary("10 X..20 foo=1\n").is_err(),
        "unknown attribute"
    );
    assert!(parse_dictionary("10 Q..20\n").is_err(), "unknown type");
    assert!(
        parse_dictionary("10 [X..20] N2\n").is_err(),
        "mandatory after optional"
    );
    let e = parse_dictionary("3100-3102 *? N6 req=01,02 ex=310n # NET\n").unwrap();
    assert_eq!(e.len(), 3);
    assert_eq!(e[2].ai, "3102");
    assert_eq!(
        e[0].req,
        vec![vec![vec!["01".to_owned()], vec!["02".to_owned()]]]
    );
    assert!(!render(&e).contains("Some("));
    let e = parse_dictionary("99 ? X..90,newlinter # NEW\n").unwrap();
    assert!(render(&e).contains("Linter::Other(\"newlinter\")"));
}
