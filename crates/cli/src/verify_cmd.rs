//! `retu verify`: what an auditor runs to check, without trusting the server, what the consumer
//! page checks in the browser. Two forms:
//!
//! - `retu verify --policy P --entry ENTRY PROOF_FILE`: one tlog-proof and the entry it is
//!   about, offline;
//! - `retu verify --policy P URL`: every public record of a scanned item (`https://…/01/…`,
//!   `/item/01/…` or `/api/item?id=…`): each record's bytes are hashed here, its leaf rebuilt
//!   and its proof verified, as `assets/consumer.js` does.

use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use ledger::leaf::{EntryKind, Leaf};
use tlog::{Policy, TlogProof, VerifiedProof, leaf_hash};

/// `retu verify …`.
#[derive(clap::Args)]
pub(crate) struct VerifyArgs {
    /// The C2SP tlog-policy file to trust (log key, witness keys, quorum).
    #[arg(long)]
    policy: PathBuf,
    /// A .tlog-proof file (`-` for standard input), or the URL of an item (its Digital Link
    /// on this county's resolver, its page, or `/api/item?id=…`).
    source: String,
    /// For a proof file: the entry it is about; its leaf hash is computed here, never taken on
    /// trust.
    #[arg(long)]
    entry: Option<PathBuf>,
}

/// The address of an item's evidence for a URL a consumer would scan or open.
fn evidence_url(source: &str) -> Result<String> {
    let (origin, rest) = match source.find("://") {
        Some(scheme_end) => {
            let after = &source[scheme_end + 3..];
            let path_start = after.find('/').map_or(source.len(), |i| scheme_end + 3 + i);
            source.split_at(path_start)
        }
        None => bail!("{source} is not a URL"),
    };
    if rest.starts_with("/api/item?") {
        return Ok(source.to_owned());
    }
    let path = rest.strip_prefix("/item").unwrap_or(rest);
    let path = path.split(['?', '#']).next().unwrap_or_default();
    if path.is_empty() || path == "/" {
        bail!("{source} names no item: give its Digital Link, such as https://…/01/…/10/…");
    }
    Ok(format!(
        "{origin}/api/item?id={}",
        repository::normalize::percent_encode_component(path)
    ))
}

/// The leaf of one record of the evidence, rebuilt from its fields and the SHA-256 of its
/// bytes computed here.
fn rebuild_leaf(record: &serde_json::Value) -> Result<Vec<u8>> {
    let field = |name: &str| {
        record[name]
            .as_str()
            .with_context(|| format!("the record has no {name}"))
    };
    let kind = EntryKind::parse(field("kind")?).context("unknown record kind")?;
    let leaf = Leaf {
        kind,
        subject: field("subject")?.to_owned(),
        body_sha256: ledger::leaf::body_digest(field("body")?.as_bytes()),
        org: field("org")?.to_owned(),
        record_time: ledger::leaf::parse_time(field("time")?)?,
    };
    Ok(leaf.encode()?)
}

fn describe(verified: &VerifiedProof) -> String {
    let witnesses: Vec<String> = verified
        .cosigned
        .iter()
        .map(|c| format!("{} at {}", c.witness, c.timestamp))
        .collect();
    format!(
        "tree size {}, cosigned by {} of {} witnesses{}{}",
        verified.checkpoint.size,
        verified.cosigned.len(),
        verified.known_witnesses,
        if witnesses.is_empty() { "" } else { ": " },
        witnesses.join(", "),
    )
}

pub(crate) fn run(args: &VerifyArgs, out: &mut impl std::io::Write) -> Result<()> {
    let policy_text = std::fs::read_to_string(&args.policy)
        .with_context(|| format!("reading {}", args.policy.display()))?;
    let policy =
        Policy::parse(&policy_text).with_context(|| format!("{}", args.policy.display()))?;
    if args.source.starts_with("http://") || args.source.starts_with("https://") {
        return verify_item(&args.source, &policy, out);
    }
    let Some(entry) = &args.entry else {
        bail!("a proof file needs --entry FILE, the entry it is about");
    };
    let proof_bytes = crate::read_input(std::path::Path::new(&args.source))?;
    let entry = std::fs::read(entry).with_context(|| format!("reading {}", entry.display()))?;
    let verified = TlogProof::parse(&proof_bytes)
        .and_then(|p| p.verify(&leaf_hash(&entry), &policy).map(|v| (p.index, v)));
    match verified {
        Ok((index, verified)) => writeln!(
            out,
            "verified: entry {index} of {} ({})",
            verified.checkpoint.origin,
            describe(&verified)
        )?,
        Err(error) => bail!("NOT verified: {error}"),
    }
    Ok(())
}

fn verify_item(source: &str, policy: &Policy, out: &mut impl std::io::Write) -> Result<()> {
    let url = evidence_url(source)?;
    let evidence: serde_json::Value = crate::runtime()?.block_on(async {
        let response = reqwest::get(&url)
            .await
            .with_context(|| format!("fetching {url}"))?;
        let status = response.status();
        let text = response.text().await?;
        if !status.is_success() {
            bail!("{url} answered {status}: {text}");
        }
        serde_json::from_str(&text).with_context(|| format!("{url} did not answer JSON"))
    })?;
    let records = evidence["records"]
        .as_array()
        .context("the answer has no records")?;
    let mut failures = 0usize;
    let mut pending = 0usize;
    let mut summary = None;
    for record in records {
        let index = record["logIndex"].as_u64().unwrap_or_default();
        let kind = record["kind"].as_str().unwrap_or_default();
        let subject = record["subject"].as_str().unwrap_or_default();
        let Some(proof) = record["proof"].as_str() else {
            pending += 1;
            writeln!(
                out,
                "pending  #{index} {kind} {subject}: not in a published checkpoint yet"
            )?;
            continue;
        };
        let checked = rebuild_leaf(record).and_then(|leaf| {
            let proof = TlogProof::parse(proof.as_bytes())?;
            if proof.index != index {
                bail!("the proof is for entry {}, not {index}", proof.index);
            }
            Ok(proof.verify(&leaf_hash(&leaf), policy)?)
        });
        match checked {
            Ok(verified) => {
                writeln!(out, "ok       #{index} {kind} {subject}")?;
                summary.get_or_insert_with(|| describe(&verified));
            }
            Err(error) => {
                failures += 1;
                writeln!(out, "FAILED   #{index} {kind} {subject}: {error:#}")?;
            }
        }
    }
    let id = evidence["id"].as_str().unwrap_or(source);
    if failures > 0 {
        bail!(
            "NOT verified: {failures} of {} records of {id} failed",
            records.len()
        );
    }
    let verified = records.len() - pending;
    if verified == 0 {
        bail!(
            "nothing verified: none of the {} records of {id} is in a published checkpoint yet",
            records.len()
        );
    }
    writeln!(
        out,
        "verified: {verified} record{} of {id}{} ({})",
        if verified == 1 { "" } else { "s" },
        if pending > 0 {
            format!(", {pending} not yet published")
        } else {
            String::new()
        },
        summary.unwrap_or_default()
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::evidence_url;

    #[test]
    fn scanned_urls_become_evidence_urls() {
        for (scanned, expected) in [
            (
                "https://trace.example/01/06901234567892/10/A1?lang=en",
                "https://trace.example/api/item?id=%2F01%2F06901234567892%2F10%2FA1",
            ),
            (
                "http://127.0.0.1:8080/item/01/06901234567892/21/X",
                "http://127.0.0.1:8080/api/item?id=%2F01%2F06901234567892%2F21%2FX",
            ),
            (
                "https://t.example/api/item?id=/00/106141412345678908",
                "https://t.example/api/item?id=/00/106141412345678908",
            ),
        ] {
            assert_eq!(evidence_url(scanned).expect("url"), expected);
        }
        assert!(evidence_url("https://trace.example/").is_err());
        assert!(evidence_url("trace.example/01/1").is_err());
    }
}
