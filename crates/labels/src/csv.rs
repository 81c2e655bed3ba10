//! The CSV files `retu labels --from` reads: a spreadsheet saved as "CSV UTF-8", one label a
//! row. A small reader of RFC 4180 rather than a dependency, because its errors must name the
//! line a farmer's spreadsheet shows, and a quoted field may span lines.

/// Whether a record is a blank line: one empty field.
fn is_blank(fields: &[String]) -> bool {
    matches!(fields, [only] if only.is_empty())
}

/// One record of a CSV file and the line it starts on (a quoted field may span lines).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvRecord {
    /// The line the record starts on, counted from 1.
    pub line: usize,
    /// Its fields, unquoted.
    pub fields: Vec<String>,
}

/// Reads CSV text (RFC 4180, with LF or CRLF line ends): records with the line each starts on.
/// Blank lines are skipped. An error names the line.
///
/// # Errors
/// The line at fault and what is wrong there, in English.
pub fn parse_csv(text: &str) -> Result<Vec<CsvRecord>, (usize, String)> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut records = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut line = 1;
    let mut start = 1;
    let mut quoted = false;
    let mut was_quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() && !was_quoted => {
                quoted = true;
                was_quoted = true;
            }
            '"' => {
                return Err((
                    line,
                    "a double quote inside a field that is not quoted".into(),
                ));
            }
            ',' => {
                fields.push(std::mem::take(&mut field));
                was_quoted = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                was_quoted = false;
                if !is_blank(&fields) {
                    records.push(CsvRecord {
                        line: start,
                        fields: std::mem::take(&mut fields),
                    });
                }
                fields.clear();
                line += 1;
                start = line;
            }
            c if was_quoted => {
                return Err((line, format!("{c:?} after the closing quote of a field")));
            }
            c => field.push(c),
        }
    }
    if quoted {
        return Err((start, "a quoted field is not closed".into()));
    }
    fields.push(field);
    if !is_blank(&fields) {
        records.push(CsvRecord {
            line: start,
            fields,
        });
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(records: &[CsvRecord]) -> Vec<(usize, Vec<&str>)> {
        records
            .iter()
            .map(|r| (r.line, r.fields.iter().map(String::as_str).collect()))
            .collect()
    }

    #[test]
    fn csv_reads_quotes_line_breaks_and_blank_lines() {
        let text = "\u{FEFF}uri,name_zh\r\n\"a,b\",\"say \"\"hi\"\"\"\n\nx,\"two\nlines\"\ny,";
        let records = parse_csv(text).expect("valid");
        assert_eq!(
            fields(&records),
            [
                (1, vec!["uri", "name_zh"]),
                (2, vec!["a,b", "say \"hi\""]),
                (4, vec!["x", "two\nlines"]),
                (6, vec!["y", ""]),
            ]
        );
    }

    #[test]
    fn csv_errors_name_the_line() {
        assert_eq!(parse_csv("a,b\nc,d\"e").map_err(|e| e.0), Err(2));
        assert_eq!(parse_csv("a\n\"b\"c").map_err(|e| e.0), Err(2));
        assert_eq!(parse_csv("a\nb\n\"open").map_err(|e| e.0), Err(3));
        assert_eq!(parse_csv("").expect("empty"), Vec::new());
    }
}
