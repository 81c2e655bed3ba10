//! The catalogs agree with each other and with the code: both locales have the same keys with
//! the same placeholders, parse without problems, and every literal key the workspace passes
//! to `t(` or `tf(` (or writes as a `message_key`) exists.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use i18n::{Locale, catalog, placeholders};

#[test]
fn catalogs_parse_cleanly() {
    for locale in Locale::ALL {
        let problems = catalog(locale).problems();
        assert!(problems.is_empty(), "{locale}: {problems:#?}");
        assert!(catalog(locale).keys().count() > 0, "{locale} is empty");
    }
}

#[test]
fn catalogs_have_the_same_keys_and_placeholders() {
    let zh = catalog(Locale::ZhCn);
    let en = catalog(Locale::En);
    let zh_keys: BTreeSet<_> = zh.keys().collect();
    let en_keys: BTreeSet<_> = en.keys().collect();
    let only_zh: Vec<_> = zh_keys.difference(&en_keys).collect();
    let only_en: Vec<_> = en_keys.difference(&zh_keys).collect();
    assert!(
        only_zh.is_empty() && only_en.is_empty(),
        "keys only in zh-CN: {only_zh:?}; keys only in en: {only_en:?}"
    );
    for key in zh_keys {
        let names = |locale: Locale| -> BTreeSet<&str> {
            placeholders(catalog(locale).get(key).unwrap_or_default())
                .into_iter()
                .collect()
        };
        assert_eq!(
            names(Locale::ZhCn),
            names(Locale::En),
            "placeholders of {key:?} differ"
        );
    }
}

#[test]
fn every_key_used_in_the_workspace_exists() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&crates).expect("crates/ is readable") {
        let src = entry.expect("crates/ entry").path().join("src");
        if src.is_dir() {
            rust_files(&src, &mut files);
        }
    }
    assert!(
        !files.is_empty(),
        "no Rust sources under {}",
        crates.display()
    );

    let mut used: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("source is UTF-8");
        for (line, key) in literal_keys(&text) {
            used.entry(key)
                .or_default()
                .push(format!("{}:{line}", file.display()));
        }
    }
    // The certificate page alone uses dozens; finding none means the scanner broke.
    assert!(used.contains_key("cert.title"), "scanner found {used:?}");
    let missing: Vec<_> = used.iter().filter(|(key, _)| !i18n::has_key(key)).collect();
    assert!(
        missing.is_empty(),
        "keys used but not in the catalogs: {missing:#?}"
    );
}

#[test]
fn the_scanner_finds_literal_keys_only() {
    let text = r#"
        let a = t(locale, "a.one");
        let b = i18n::tf(Locale::En, "a.two", &[("x", "y")]);
        let c = t(pick(l, 2), "a.three");
        let d = t(locale, key);           // a variable: not checked here
        let e = fmt(locale, "not.a.key"); // another function
        let f = self.t(locale, "not.either");
        FieldProblem { pointer: "/x".into(), message_key: "a.four" };
    "#;
    let keys: Vec<_> = literal_keys(text).into_iter().map(|(_, k)| k).collect();
    assert_eq!(keys, ["a.one", "a.two", "a.three", "a.four"]);
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The literal keys of `t(…, "key"` and `tf(…, "key"` calls and of `message_key: "key"`
/// fields, with their line numbers. A lexical scan, not a parser: it is enough for the
/// workspace's own code and is itself tested above.
fn literal_keys(text: &str) -> Vec<(usize, String)> {
    let bytes = text.as_bytes();
    let mut keys = Vec::new();
    let line_of = |at: usize| text[..at].matches('\n').count() + 1;
    for (start, _) in text.match_indices("t(").chain(text.match_indices("tf(")) {
        let before = text[..start].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
            continue;
        }
        let open = start + text[start..].find('(').unwrap_or(0);
        // Skip the first argument: up to the first comma outside brackets.
        let mut depth = 0i32;
        let mut at = open + 1;
        while let Some(&b) = bytes.get(at) {
            match b {
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' if depth == 0 => break,
                b')' | b']' | b'}' => depth -= 1,
                b',' if depth == 0 => break,
                _ => {}
            }
            at += 1;
        }
        if bytes.get(at) != Some(&b',') {
            continue;
        }
        if let Some(key) = string_literal_at(&text[at + 1..]) {
            keys.push((line_of(start), key));
        }
    }
    // Problem keys travel in error values before they are translated (`key: "x.problem.y"`),
    // so every string literal naming one counts too.
    for (at, _) in text.match_indices(".problem.") {
        let open = text[..at].rfind('"');
        let close = text[at..].find('"').map(|end| at + end);
        if let (Some(open), Some(close)) = (open, close) {
            let literal = &text[open + 1..close];
            // A prefix such as "cert.problem." is not a key.
            if !literal.is_empty()
                && !literal.ends_with('.')
                && literal
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
            {
                keys.push((line_of(open), literal.to_owned()));
            }
        }
    }
    for (start, _) in text.match_indices("message_key:") {
        if let Some(key) = string_literal_at(&text[start + "message_key:".len()..]) {
            keys.push((line_of(start), key));
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

/// The string literal at the start of `text` (after white space), if there is one.
fn string_literal_at(text: &str) -> Option<String> {
    let rest = text.trim_start().strip_prefix('"')?;
    let end = rest.find('"')?;
    Some(rest[..end].to_owned())
}
