//! `retu hash` and `retu validate`: the EPCIS event hash ID and validation of EPCIS
//! documents on disk, for a county's staff, its partners and auditors.
//!
//! `retu hash FILE…` prints one `ni:///sha-256;…?ver=CBV2.0` line per event in document order,
//! exactly the lines GS1's reference generator (`python -m epcis_event_hash_generator FILE`)
//! prints, so its `.hashes` files can be compared with `diff`; `--prehash` prints the pre-hash
//! strings instead. `retu validate FILE…` prints every problem as `FILE: /pointer: message`
//! and fails if there is any. Both read `.json`, `.jsonld` and `.xml` files, gzipped or not,
//! and `-` for standard input.

use std::io::{BufWriter, Read as _, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use epcis::{HashOptions, Parsed};

/// Arguments of `retu hash`.
#[derive(clap::Args)]
pub(crate) struct HashArgs {
    /// Print the pre-hash string of each event instead of its hash.
    #[arg(long, short = 'p')]
    prehash: bool,
    /// Hash every field even if the document lists some under a repository's
    /// `ignoreFields` extension (honoured by default, like the reference generator).
    #[arg(long)]
    no_ignore_fields: bool,
    /// EPCIS documents (JSON-LD or XML, optionally gzipped); `-` reads standard input.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

/// Arguments of `retu validate`.
#[derive(clap::Args)]
pub(crate) struct ValidateArgs {
    /// EPCIS documents (JSON-LD or XML, optionally gzipped); `-` reads standard input.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

/// Reads a file (or standard input for `-`), un-gzipping when it starts with the gzip magic.
fn read_input(path: &Path) -> Result<Vec<u8>> {
    let raw = if path == Path::new("-") {
        let mut buf = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut buf)
            .context("reading standard input")?;
        buf
    } else {
        std::fs::read(path)?
    };
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::with_capacity(raw.len() * 8);
        flate2::read::MultiGzDecoder::new(raw.as_slice())
            .read_to_end(&mut out)
            .context("not a valid gzip file")?;
        return Ok(out);
    }
    Ok(raw)
}

/// The binding to use: from the file name (`.xml`, `.json`, `.jsonld`, before any `.gz`), else
/// from the first character.
fn parse(path: &Path, bytes: &[u8]) -> Result<Parsed, epcis::Error> {
    let name = path.to_string_lossy().to_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    let text = || {
        std::str::from_utf8(bytes).map_err(|e| epcis::Error::NotUtf8 {
            offset: e.valid_up_to(),
        })
    };
    if name.ends_with(".xml") {
        epcis::parse_xml(text()?.trim_start_matches('\u{feff}'))
    } else if name.ends_with(".json") || name.ends_with(".jsonld") {
        epcis::parse_json(text()?)
    } else {
        epcis::parse(bytes)
    }
}

fn display(path: &Path) -> String {
    if path == Path::new("-") {
        "<stdin>".to_owned()
    } else {
        path.display().to_string()
    }
}

fn read_and_parse(path: &Path) -> Result<Parsed> {
    let name = display(path);
    let bytes = read_input(path).with_context(|| name.clone())?;
    parse(path, &bytes).with_context(|| name.clone())
}

/// `retu hash`.
pub(crate) fn hash(args: &HashArgs, out: &mut impl Write) -> Result<()> {
    let options = HashOptions {
        ignore_fields: !args.no_ignore_fields,
    };
    let mut out = BufWriter::with_capacity(1 << 16, out);
    for path in &args.files {
        let parsed = read_and_parse(path)?;
        if parsed.document.events.is_empty()
            && let Some(p) = parsed.problems.first()
        {
            bail!("{}: {p}", display(path));
        }
        for line in lines(&parsed, options, args.prehash) {
            out.write_all(line.as_bytes())?;
            out.write_all(b"\n")?;
        }
        // The model of a large file is many small allocations; the process is about to exit
        // or read the next file, so leave it to the OS instead of freeing it piece by piece.
        std::mem::forget(parsed);
    }
    out.flush()?;
    Ok(())
}

/// The output lines of one document, computed on all cores for large documents (events hash
/// independently; the order of the output is the document order).
fn lines(parsed: &Parsed, options: HashOptions, prehash: bool) -> Vec<String> {
    let ctx = epcis::HashContext::for_document(&parsed.document, options);
    let one = |e: &epcis::Event| {
        let p = ctx.prehash(e);
        if prehash {
            p
        } else {
            epcis::hash::hash_prehash(&p)
        }
    };
    let events = &parsed.document.events;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(16));
    if threads < 2 || events.len() < 512 {
        return events.iter().map(one).collect();
    }
    let chunk = events.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = events
            .chunks(chunk)
            .map(|part| s.spawn(|| part.iter().map(one).collect::<Vec<String>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

/// `retu validate`: every problem of every file; an error (non-zero exit) if there was any.
pub(crate) fn validate(args: &ValidateArgs, out: &mut impl Write) -> Result<()> {
    let mut problems = 0usize;
    let mut bad_files = 0usize;
    for path in &args.files {
        let name = display(path);
        let found = match read_and_parse(path) {
            Ok(parsed) => parsed
                .validate()
                .into_iter()
                .map(|p| format!("{name}: {p}"))
                .collect(),
            Err(e) => vec![format!("{e:#}")],
        };
        if !found.is_empty() {
            bad_files += 1;
        }
        problems += found.len();
        for line in found {
            writeln!(out, "{line}")?;
        }
    }
    out.flush()?;
    if problems > 0 {
        bail!(
            "{problems} problem{} in {bad_files} of {} file{}",
            if problems == 1 { "" } else { "s" },
            args.files.len(),
            if args.files.len() == 1 { "" } else { "s" }
        );
    }
    Ok(())
}
