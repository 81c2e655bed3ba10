//! A trust policy for verifying checkpoints: which log keys, which witnesses, and which witness
//! quorum. The format follows C2SP tlog-policy (HEAD, untagged), itself derived from Sigsum's
//! policy files:
//!
//! ```text
//! log <vkey> [url]
//! witness <name> <vkey> [url]
//! group <name> all|any|<k> <member>...
//! quorum <name>|none
//! ```
//!
//! `#` starts a comment; fields are separated by spaces or tabs. Witness and group names share
//! one namespace; members must be defined before the group that names them (so there are no
//! cycles), and each member appears at most once in a group. `quorum` appears exactly once.
//! Choices where the draft is silent, documented in `docs/tlog.md`: a `log` key must be an
//! Ed25519 note key (type 0x01) and a `witness` key a cosignature key (type 0x04); `k` must be
//! between 1 and the number of members; the name `none` cannot be defined.

use std::collections::HashSet;

use crate::note::{KeyKind, NoteError, VerifierKey};

/// How many members of a group must be satisfied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Threshold {
    /// Every member.
    All,
    /// At least one member.
    Any,
    /// At least this many members.
    AtLeast(usize),
}

/// A log the policy trusts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyLog {
    /// Its checkpoint signing key; the key name is the log's origin.
    pub key: VerifierKey,
    /// Where to reach it, if given.
    pub url: Option<String>,
}

/// A witness the policy knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyWitness {
    /// The policy-local name used in groups.
    pub name: String,
    /// Its cosigning key.
    pub key: VerifierKey,
    /// Where to reach it, if given.
    pub url: Option<String>,
}

/// A named group of witnesses and groups with a threshold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyGroup {
    /// The policy-local name.
    pub name: String,
    /// How many members must be satisfied.
    pub threshold: Threshold,
    /// Names of witnesses or earlier groups.
    pub members: Vec<String>,
}

/// A parsed policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    logs: Vec<PolicyLog>,
    witnesses: Vec<PolicyWitness>,
    groups: Vec<PolicyGroup>,
    /// `None` means `quorum none`: no witness is required.
    quorum: Option<String>,
}

/// Why a policy file was rejected; `line` is 1-based.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// A line is not one of the known directives, or has the wrong fields.
    #[error("line {line}: {message}")]
    Syntax {
        /// The line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A key on a line is invalid.
    #[error("line {line}: {source}")]
    Key {
        /// The line number.
        line: usize,
        /// The key error.
        source: NoteError,
    },
    /// The file has no `quorum` line.
    #[error("the policy has no quorum line")]
    NoQuorum,
    /// The file has no `log` line.
    #[error("the policy names no log")]
    NoLog,
}

/// Limits that bound the work of evaluating an untrusted policy; C2SP asks for at least 32 of
/// each, we allow eight times that.
const MAX_ENTRIES: usize = 256;

impl Policy {
    /// Parses a policy file.
    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        let mut policy = Policy {
            logs: Vec::new(),
            witnesses: Vec::new(),
            groups: Vec::new(),
            quorum: None,
        };
        let mut quorum_seen = false;
        let mut names: HashSet<String> = HashSet::new();
        for (number, raw) in text.lines().enumerate() {
            let line = number + 1;
            let syntax = |message: &str| PolicyError::Syntax {
                line,
                message: message.to_owned(),
            };
            let content = raw.split('#').next().unwrap_or("");
            let fields: Vec<&str> = content
                .split([' ', '\t'])
                .filter(|field| !field.is_empty())
                .collect();
            let Some((&directive, args)) = fields.split_first() else {
                continue;
            };
            if policy.logs.len() + policy.witnesses.len() + policy.groups.len() >= MAX_ENTRIES {
                return Err(syntax("too many entries"));
            }
            let parse_key = |text: &str, kind: KeyKind| {
                let key =
                    VerifierKey::parse(text).map_err(|source| PolicyError::Key { line, source })?;
                if key.kind() != kind {
                    return Err(syntax(match kind {
                        KeyKind::Ed25519 => "a log key must be an Ed25519 note key (type 0x01)",
                        KeyKind::CosignatureV1 => {
                            "a witness key must be a cosignature key (type 0x04)"
                        }
                    }));
                }
                Ok(key)
            };
            let define = |names: &mut HashSet<String>, name: &str| {
                if name == "none" {
                    return Err(syntax("the name 'none' is reserved"));
                }
                if !names.insert(name.to_owned()) {
                    return Err(syntax(&format!("{name:?} is defined twice")));
                }
                Ok(())
            };
            match directive {
                "log" => {
                    let (key, url) = match args {
                        [key] => (key, None),
                        [key, url] => (key, Some((*url).to_owned())),
                        _ => return Err(syntax("expected: log <vkey> [url]")),
                    };
                    let key = parse_key(key, KeyKind::Ed25519)?;
                    policy.logs.push(PolicyLog { key, url });
                }
                "witness" => {
                    let (name, key, url) = match args {
                        [name, key] => (name, key, None),
                        [name, key, url] => (name, key, Some((*url).to_owned())),
                        _ => return Err(syntax("expected: witness <name> <vkey> [url]")),
                    };
                    let key = parse_key(key, KeyKind::CosignatureV1)?;
                    // C2SP tlog-policy: one key may not be listed twice, even under another name,
                    // because a cosignature does not sign the name and would count twice.
                    if let Some(twin) = policy
                        .witnesses
                        .iter()
                        .find(|w| w.key.public_key() == key.public_key())
                    {
                        return Err(syntax(&format!(
                            "this key is already witness {:?}",
                            twin.name
                        )));
                    }
                    define(&mut names, name)?;
                    policy.witnesses.push(PolicyWitness {
                        name: (*name).to_owned(),
                        key,
                        url,
                    });
                }
                "group" => {
                    let [name, threshold, members @ ..] = args else {
                        return Err(syntax("expected: group <name> all|any|<k> <member>..."));
                    };
                    if members.is_empty() {
                        return Err(syntax("a group needs at least one member"));
                    }
                    let threshold = match *threshold {
                        "all" => Threshold::All,
                        "any" => Threshold::Any,
                        k => match k.parse::<usize>() {
                            // Canonical decimal only, so `02` or `+2` are refused.
                            Ok(n) if n.to_string() == k && (1..=members.len()).contains(&n) => {
                                Threshold::AtLeast(n)
                            }
                            _ => {
                                return Err(syntax(
                                    "the threshold must be all, any, or a number from 1 to the number of members",
                                ));
                            }
                        },
                    };
                    let mut seen = HashSet::new();
                    for member in members {
                        if !names.contains(*member) {
                            return Err(syntax(&format!(
                                "{member:?} must be defined before this group"
                            )));
                        }
                        if !seen.insert(*member) {
                            return Err(syntax(&format!("{member:?} appears twice in the group")));
                        }
                    }
                    define(&mut names, name)?;
                    policy.groups.push(PolicyGroup {
                        name: (*name).to_owned(),
                        threshold,
                        members: members.iter().map(|m| (*m).to_owned()).collect(),
                    });
                }
                "quorum" => {
                    let [name] = args else {
                        return Err(syntax("expected: quorum <name>|none"));
                    };
                    if quorum_seen {
                        return Err(syntax("quorum is given twice"));
                    }
                    quorum_seen = true;
                    if *name != "none" {
                        if !names.contains(*name) {
                            return Err(syntax(&format!("{name:?} must be defined before quorum")));
                        }
                        policy.quorum = Some((*name).to_owned());
                    }
                }
                other => {
                    return Err(syntax(&format!("unknown directive {other:?}")));
                }
            }
        }
        if !quorum_seen {
            return Err(PolicyError::NoQuorum);
        }
        if policy.logs.is_empty() {
            return Err(PolicyError::NoLog);
        }
        Ok(policy)
    }

    /// The trusted logs.
    pub fn logs(&self) -> &[PolicyLog] {
        &self.logs
    }

    /// The known witnesses.
    pub fn witnesses(&self) -> &[PolicyWitness] {
        &self.witnesses
    }

    /// The groups, in definition order.
    pub fn groups(&self) -> &[PolicyGroup] {
        &self.groups
    }

    /// The quorum group or witness, or `None` for `quorum none`.
    pub fn quorum(&self) -> Option<&str> {
        self.quorum.as_deref()
    }

    /// The logs whose origin is `origin`. There can be several: a log rotating its key lists
    /// both, and a checkpoint signed by any of them is accepted (C2SP tlog-policy).
    pub fn logs_for<'a>(&'a self, origin: &'a str) -> impl Iterator<Item = &'a PolicyLog> + 'a {
        self.logs.iter().filter(move |log| log.key.name() == origin)
    }

    /// Every key the policy knows (logs first, then witnesses), for verifying a note.
    pub fn keys(&self) -> Vec<VerifierKey> {
        self.logs
            .iter()
            .map(|log| log.key.clone())
            .chain(self.witnesses.iter().map(|w| w.key.clone()))
            .collect()
    }

    /// Whether witnesses whose cosignatures verified (by policy-local name) satisfy the quorum.
    pub fn is_satisfied(&self, cosigned: &[&str]) -> bool {
        let Some(quorum) = &self.quorum else {
            return true;
        };
        // Groups only name earlier definitions, so evaluating them in definition order sees
        // every member's verdict already; one pass, linear in the policy's size.
        let mut met: std::collections::HashMap<&str, bool> = self
            .witnesses
            .iter()
            .map(|w| (w.name.as_str(), cosigned.contains(&w.name.as_str())))
            .collect();
        for group in &self.groups {
            let count = group
                .members
                .iter()
                .filter(|member| met.get(member.as_str()).copied().unwrap_or(false))
                .count();
            let satisfied = match group.threshold {
                Threshold::All => count == group.members.len(),
                Threshold::Any => count >= 1,
                Threshold::AtLeast(k) => count >= k,
            };
            met.insert(group.name.as_str(), satisfied);
        }
        met.get(quorum.as_str()).copied().unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::note::SignerKey;

    fn witness(name: &str, seed: u8) -> String {
        SignerKey::from_seed(name, KeyKind::CosignatureV1, [seed; 32])
            .expect("key")
            .verifier()
            .to_string()
    }

    #[test]
    fn nested_groups_evaluate_thresholds() {
        let log = SignerKey::from_seed("county.example/log", KeyKind::Ed25519, [9; 32])
            .expect("log")
            .verifier();
        let text = format!(
            "log {log}\n\
             witness gov {}\nwitness assoc {} https://assoc.example\nwitness uni {}\n\
             group civil any assoc uni  # either civil-society witness\n\
             group q all gov civil\nquorum q\n",
            witness("gov.example/w", 1),
            witness("assoc.example/w", 2),
            witness("uni.example/w", 3),
        );
        let policy = Policy::parse(&text).expect("policy");
        assert!(policy.is_satisfied(&["gov", "uni"]));
        assert!(!policy.is_satisfied(&["gov"]));
        assert!(!policy.is_satisfied(&["assoc", "uni"]));
    }

    #[test]
    fn bad_policies_name_the_line() {
        let w = witness("a.example/w", 1);
        for (text, line) in [
            (format!("witness a {w}\ngroup g 3 a\nquorum g\n"), 2),
            (format!("witness a {w}\ngroup g 02 a\nquorum g\n"), 2),
            (format!("witness a {w}\ngroup g any a a\nquorum g\n"), 2),
            (format!("group g any a\nwitness a {w}\nquorum g\n"), 1),
            (format!("witness a {w}\nwitness a {w}\nquorum a\n"), 2),
            (format!("witness a {w}\nwitness b {w}\nquorum a\n"), 2),
            (format!("witness a {w}\nquorum a\nquorum a\n"), 3),
            ("frobnicate\n".to_owned(), 1),
        ] {
            match Policy::parse(&text) {
                Err(PolicyError::Syntax { line: got, .. }) => assert_eq!(got, line, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }
}
