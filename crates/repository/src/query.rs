//! EPCIS 2.0 SimpleEventQuery over the REST binding: query parameters to a backend-neutral
//! [`EventQuery`], and opaque page tokens.
//!
//! Values are pipe-delimited (`EQ_bizStep=shipping|receiving`, REST binding `style:
//! pipeDelimited`). Identifiers are compared in their normal form, so the EPC URN and the Digital
//! Link of the same item match each other; CBV terms match in any spelling. Every parameter this
//! implementation does not support is refused with a `QueryParameterException` naming it,
//! rather than silently ignored: a query that quietly returns too much is worse than an error.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use epcis::cbv::Vocabulary;
use sha2::{Digest, Sha256};
use store::{Column, Condition, EventQuery, IdRole, Order, TimeField, Visibility};

use crate::normalize;

/// A query parameter that cannot be honoured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{parameter}: {message}")]
pub struct ParamError {
    /// The parameter's name.
    pub parameter: String,
    /// What is wrong with it.
    pub message: String,
}

fn bad(parameter: &str, message: impl Into<String>) -> ParamError {
    ParamError {
        parameter: parameter.to_owned(),
        message: message.into(),
    }
}

/// The default and the largest page size (`perPage`).
pub const DEFAULT_PAGE: u32 = 30;
/// Pages larger than this are cut to it, as the REST binding allows.
pub const MAX_PAGE: u32 = 1000;

/// A parsed query: what to ask the store, and how to page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PagedQuery {
    /// The store query for this page (its `limit` is the page size, cut to `eventCountLimit`).
    pub query: EventQuery,
    /// Events already returned on earlier pages (for `eventCountLimit`).
    pub returned: u64,
    /// The overall cap, if `eventCountLimit` was given.
    pub count_limit: Option<u64>,
    /// Identifies the query's filters, so a page token cannot be replayed on another query.
    fingerprint: [u8; 8],
}

/// Which identifier roles each `MATCH_` parameter searches (EPCIS 2.0 §8.2.7.1).
fn match_roles(name: &str) -> Option<(&'static [IdRole], bool)> {
    const EPC: &[IdRole] = &[IdRole::Epc, IdRole::Child];
    const PARENT: &[IdRole] = &[IdRole::Parent];
    const INPUT: &[IdRole] = &[IdRole::Input];
    const OUTPUT: &[IdRole] = &[IdRole::Output];
    const ANY: &[IdRole] = &[
        IdRole::Epc,
        IdRole::Child,
        IdRole::Parent,
        IdRole::Input,
        IdRole::Output,
    ];
    const CLASS: &[IdRole] = &[IdRole::Quantity, IdRole::ChildQuantity];
    const ANY_CLASS: &[IdRole] = &[
        IdRole::Quantity,
        IdRole::ChildQuantity,
        IdRole::InputQuantity,
        IdRole::OutputQuantity,
    ];
    Some(match name {
        "MATCH_epc" => (EPC, true),
        "MATCH_parentID" => (PARENT, true),
        "MATCH_inputEPC" => (INPUT, true),
        "MATCH_outputEPC" => (OUTPUT, true),
        "MATCH_anyEPC" => (ANY, true),
        "MATCH_epcClass" => (CLASS, false),
        "MATCH_inputEPCClass" => (&[IdRole::InputQuantity], false),
        "MATCH_outputEPCClass" => (&[IdRole::OutputQuantity], false),
        "MATCH_anyEPCClass" => (ANY_CLASS, false),
        _ => return None,
    })
}

/// The attribute name ILMD fields are stored under: `ilmd:` and the field's full IRI, with the
/// CBV master-data namespace in its `urn:epcglobal:cbv:mda:` spelling.
pub fn ilmd_attribute(name: &str) -> String {
    let full = name
        .strip_prefix("cbvmda:")
        .map(|local| format!("urn:epcglobal:cbv:mda:{local}"))
        .or_else(|| {
            name.strip_prefix("urn:epcglobal:cbv:mda#")
                .map(|local| format!("urn:epcglobal:cbv:mda:{local}"))
        })
        .or_else(|| {
            name.strip_prefix("https://ref.gs1.org/cbv/mda/")
                .map(|local| format!("urn:epcglobal:cbv:mda:{local}"))
        })
        .unwrap_or_else(|| name.to_owned());
    format!("ilmd:{full}")
}

fn split(value: &str) -> Vec<String> {
    value
        .split('|')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect()
}

fn nonempty(name: &str, value: &str) -> Result<Vec<String>, ParamError> {
    let values = split(value);
    if values.is_empty() {
        return Err(bad(name, "give at least one value"));
    }
    Ok(values)
}

fn time(name: &str, value: &str) -> Result<i64, ParamError> {
    normalize::micros(value).ok_or_else(|| {
        bad(
            name,
            format!("{value:?} is not an RFC 3339 time with a time zone"),
        )
    })
}

fn positive(name: &str, value: &str) -> Result<u64, ParamError> {
    match value.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(bad(
            name,
            format!("{value:?} is not a positive whole number"),
        )),
    }
}

/// Parses SimpleEventQuery parameters (`name`, `value` pairs as received, percent-decoded) for a
/// caller who may see `visibility`.
pub fn parse(
    params: &[(String, String)],
    visibility: Visibility,
) -> Result<PagedQuery, ParamError> {
    let mut conditions = Vec::new();
    let mut order = Order::Index;
    let mut descending = None;
    let mut per_page = DEFAULT_PAGE;
    let mut count_limit = None;
    let mut token = None;
    let mut filters: Vec<(&str, &str)> = Vec::new();
    for (name, value) in params {
        let (name, value) = (name.as_str(), value.as_str());
        match name {
            "perPage" => {
                per_page = u32::try_from(positive(name, value)?)
                    .unwrap_or(MAX_PAGE)
                    .min(MAX_PAGE);
                continue;
            }
            "nextPageToken" => {
                token = Some(value);
                continue;
            }
            _ => {}
        }
        filters.push((name, value));
        match name {
            "eventType" => conditions.push(Condition::EventType(nonempty(name, value)?)),
            "GE_eventTime" => conditions.push(Condition::TimeAtLeast(
                TimeField::EventTime,
                time(name, value)?,
            )),
            "LT_eventTime" => conditions.push(Condition::TimeBefore(
                TimeField::EventTime,
                time(name, value)?,
            )),
            "GE_recordTime" => conditions.push(Condition::TimeAtLeast(
                TimeField::RecordTime,
                time(name, value)?,
            )),
            "LT_recordTime" => conditions.push(Condition::TimeBefore(
                TimeField::RecordTime,
                time(name, value)?,
            )),
            "EQ_action" => {
                let actions = nonempty(name, value)?;
                if let Some(wrong) = actions
                    .iter()
                    .find(|a| !matches!(a.as_str(), "ADD" | "OBSERVE" | "DELETE"))
                {
                    return Err(bad(
                        name,
                        format!("{wrong:?} is not ADD, OBSERVE or DELETE"),
                    ));
                }
                conditions.push(Condition::ColumnIn(Column::Action, actions));
            }
            "EQ_bizStep" => conditions.push(Condition::ColumnIn(
                Column::BizStep,
                nonempty(name, value)?
                    .iter()
                    .map(|v| normalize::term(Vocabulary::BizStep, v))
                    .collect(),
            )),
            "EQ_disposition" => conditions.push(Condition::ColumnIn(
                Column::Disposition,
                nonempty(name, value)?
                    .iter()
                    .map(|v| normalize::term(Vocabulary::Disposition, v))
                    .collect(),
            )),
            "EQ_readPoint" => conditions.push(Condition::ColumnIn(
                Column::ReadPoint,
                nonempty(name, value)?
                    .iter()
                    .map(|v| normalize::identifier(v))
                    .collect(),
            )),
            "EQ_bizLocation" => conditions.push(Condition::ColumnIn(
                Column::BizLocation,
                nonempty(name, value)?
                    .iter()
                    .map(|v| normalize::identifier(v))
                    .collect(),
            )),
            "EQ_eventID" => {
                conditions.push(Condition::ColumnIn(Column::EventId, nonempty(name, value)?))
            }
            "orderBy" => {
                order = match value {
                    "eventTime" => Order::EventTime,
                    "recordTime" => Order::RecordTime,
                    other => {
                        return Err(bad(
                            name,
                            format!(
                                "ordering by {other:?} is not supported; use eventTime or recordTime"
                            ),
                        ));
                    }
                };
            }
            "orderDirection" => {
                descending = Some(match value {
                    "ASC" => false,
                    "DESC" => true,
                    other => return Err(bad(name, format!("{other:?} is not ASC or DESC"))),
                });
            }
            "eventCountLimit" => count_limit = Some(positive(name, value)?),
            _ => {
                if let Some((roles, instances)) = match_roles(name) {
                    let (mut values, mut prefixes) = (Vec::new(), Vec::new());
                    for item in nonempty(name, value)? {
                        let (exact, prefix) = normalize::identifier_match(&item, instances);
                        values.extend(exact);
                        prefixes.extend(prefix);
                    }
                    conditions.push(Condition::Identifier {
                        roles: roles.to_vec(),
                        values,
                        prefixes,
                    });
                } else if let Some(kind) = name.strip_prefix("EQ_bizTransaction_") {
                    conditions.push(Condition::Attribute {
                        name: format!(
                            "bizTransaction:{}",
                            normalize::term(Vocabulary::BizTransactionType, kind)
                        ),
                        values: nonempty(name, value)?,
                    });
                } else if let Some(kind) = name.strip_prefix("EQ_source_") {
                    conditions.push(Condition::Attribute {
                        name: format!(
                            "source:{}",
                            normalize::term(Vocabulary::SourceDestType, kind)
                        ),
                        values: nonempty(name, value)?
                            .iter()
                            .map(|v| normalize::identifier(v))
                            .collect(),
                    });
                } else if let Some(kind) = name.strip_prefix("EQ_destination_") {
                    conditions.push(Condition::Attribute {
                        name: format!(
                            "destination:{}",
                            normalize::term(Vocabulary::SourceDestType, kind)
                        ),
                        values: nonempty(name, value)?
                            .iter()
                            .map(|v| normalize::identifier(v))
                            .collect(),
                    });
                } else if let Some(field) = name
                    .strip_prefix("EQ_INNER_ILMD_")
                    .or_else(|| name.strip_prefix("EQ_ILMD_"))
                {
                    conditions.push(Condition::Attribute {
                        name: ilmd_attribute(field),
                        values: nonempty(name, value)?,
                    });
                } else if let Some(field) = name.strip_prefix("EXISTS_") {
                    match value.trim() {
                        "" | "true" => conditions.push(match crate::capture::field_bit(field) {
                            Some(bit) => Condition::FieldsPresent(bit),
                            None => Condition::Attribute {
                                name: "has".into(),
                                values: vec![field.to_owned()],
                            },
                        }),
                        // EPCIS 2.0: false (or absence) means no restriction.
                        "false" => {}
                        other => return Err(bad(name, format!("{other:?} is not true or false"))),
                    }
                } else {
                    return Err(bad(name, "this query parameter is not supported"));
                }
            }
        }
    }
    // EPCIS 2.0: orderDirection defaults to DESC when orderBy is given; without orderBy the
    // order is unspecified and we use capture order.
    let descending = descending.unwrap_or(order != Order::Index);
    let fingerprint = fingerprint(&filters, visibility_key(&visibility));
    let mut paged = PagedQuery {
        query: EventQuery {
            conditions,
            visibility,
            order,
            descending,
            limit: per_page,
            after: None,
        },
        returned: 0,
        count_limit,
        fingerprint,
    };
    if let Some(token) = token {
        let (after, returned) = decode_token(token, &fingerprint).ok_or_else(|| {
            bad(
                "nextPageToken",
                "the token is not from this query, or it was damaged",
            )
        })?;
        paged.query.after = Some(after);
        paged.returned = returned;
    }
    if let Some(limit) = paged.count_limit {
        let left = limit.saturating_sub(paged.returned);
        paged.query.limit = u32::try_from(left)
            .unwrap_or(u32::MAX)
            .min(paged.query.limit);
    }
    Ok(paged)
}

fn visibility_key(visibility: &Visibility) -> String {
    match visibility {
        Visibility::All => "all".into(),
        Visibility::Org(id) => format!("org:{id}"),
        Visibility::County(county) => format!("county:{county}"),
        Visibility::Counties { org, counties } => {
            // NUL cannot occur in a county name, so the list reads back one way only.
            format!("counties:{org}:{}", counties.join("\u{0}"))
        }
        Visibility::SharedOnly => "shared".into(),
    }
}

fn fingerprint(filters: &[(&str, &str)], visibility: String) -> [u8; 8] {
    let mut hasher = Sha256::new();
    for (name, value) in filters {
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(value.as_bytes());
        hasher.update([0]);
    }
    hasher.update(visibility.as_bytes());
    let digest = hasher.finalize();
    let mut out = [0u8; 8];
    out.copy_from_slice(&digest[..8]);
    out
}

/// The token for the page after `last` (the order key and log index of the last event returned),
/// with `returned` events returned so far.
pub fn next_token(paged: &PagedQuery, last: (i64, u64), returned: u64) -> String {
    let mut bytes = Vec::with_capacity(32);
    bytes.push(1u8); // token version
    bytes.extend_from_slice(&paged.fingerprint);
    bytes.extend_from_slice(&last.0.to_be_bytes());
    bytes.extend_from_slice(&last.1.to_be_bytes());
    bytes.extend_from_slice(&returned.to_be_bytes());
    URL_SAFE_NO_PAD.encode(bytes)
}

fn decode_token(token: &str, fingerprint: &[u8; 8]) -> Option<((i64, u64), u64)> {
    let bytes = URL_SAFE_NO_PAD.decode(token.trim()).ok()?;
    let (version, rest) = bytes.split_first()?;
    if *version != 1 || rest.len() != 32 || rest.get(..8)? != fingerprint {
        return None;
    }
    let number =
        |range: std::ops::Range<usize>| -> Option<[u8; 8]> { rest.get(range)?.try_into().ok() };
    Some((
        (
            i64::from_be_bytes(number(8..16)?),
            u64::from_be_bytes(number(16..24)?),
        ),
        u64::from_be_bytes(number(24..32)?),
    ))
}

impl PagedQuery {
    /// Whether a full page may have more after it.
    pub fn more_possible(&self, page_len: usize) -> bool {
        let cap_left = self
            .count_limit
            .is_none_or(|limit| self.returned + (page_len as u64) < limit);
        page_len as u32 == self.query.limit && self.query.limit > 0 && cap_left
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn parameters_become_conditions() {
        let parsed = parse(
            &params(&[
                ("eventType", "ObjectEvent|AggregationEvent"),
                ("EQ_bizStep", "shipping"),
                ("MATCH_epc", "urn:epc:id:sgtin:0614141.112345.400"),
                (
                    "EQ_bizTransaction_po",
                    "urn:epcglobal:cbv:bt:0614141073467:1152",
                ),
                ("EQ_ILMD_cbvmda:lotNumber", "LOT1"),
                ("EXISTS_errorDeclaration", "true"),
                ("orderBy", "eventTime"),
                ("perPage", "5"),
            ]),
            Visibility::All,
        )
        .expect("valid");
        assert_eq!(parsed.query.limit, 5);
        assert!(parsed.query.descending);
        assert_eq!(parsed.query.conditions.len(), 6);
        assert!(
            parsed
                .query
                .conditions
                .contains(&Condition::FieldsPresent(1 << 2))
        );
        assert!(parsed.query.conditions.contains(&Condition::ColumnIn(
            Column::BizStep,
            vec!["https://ref.gs1.org/cbv/BizStep-shipping".into()]
        )));
        assert!(parsed.query.conditions.contains(&Condition::Attribute {
            name: "bizTransaction:https://ref.gs1.org/cbv/BTT-po".into(),
            values: vec!["urn:epcglobal:cbv:bt:0614141073467:1152".into()],
        }));
        assert!(parsed.query.conditions.contains(&Condition::Attribute {
            name: "ilmd:urn:epcglobal:cbv:mda:lotNumber".into(),
            values: vec!["LOT1".into()],
        }));
    }

    #[test]
    fn bad_parameters_are_named() {
        for (name, value) in [
            ("GE_eventTime", "yesterday"),
            ("EQ_action", "ADD|PUSH"),
            ("orderBy", "quantity"),
            ("orderDirection", "UP"),
            ("perPage", "0"),
            ("eventCountLimit", "-1"),
            ("EQ_fooBar", "x"),
            ("MATCH_epc", "|"),
        ] {
            let error = parse(&params(&[(name, value)]), Visibility::All).expect_err(name);
            assert_eq!(error.parameter, name);
        }
    }

    #[test]
    fn page_tokens_resume_and_refuse_other_queries() {
        let query = params(&[
            ("eventType", "ObjectEvent"),
            ("perPage", "10"),
            ("eventCountLimit", "25"),
        ]);
        let first = parse(&query, Visibility::All).expect("valid");
        let token = next_token(&first, (0, 9), 10);
        let mut second = query.clone();
        second.push(("nextPageToken".into(), token.clone()));
        let resumed = parse(&second, Visibility::All).expect("resumes");
        assert_eq!(resumed.query.after, Some((0, 9)));
        assert_eq!(resumed.returned, 10);
        // Another query, or another caller, cannot use the token.
        let mut other = params(&[("eventType", "AggregationEvent")]);
        other.push(("nextPageToken".into(), token.clone()));
        assert!(parse(&other, Visibility::All).is_err());
        assert!(parse(&second, Visibility::SharedOnly).is_err());
        // The last page is cut to the count limit.
        let mut third = query;
        third.push(("nextPageToken".into(), next_token(&first, (0, 19), 20)));
        assert_eq!(
            parse(&third, Visibility::All).expect("valid").query.limit,
            5
        );
    }
}
