//! A small spreadsheet model for exports (the FSMA 204 sortable spreadsheet now, recall lists
//! later), written as CSV or as an XLSX workbook.
//!
//! The model is deliberately plain: one sheet, one header row, rows of text, numbers and blanks.
//! Every export builds a [`Sheet`] as data, so tests can check the values before any file
//! format is involved, and both file formats are written from the same values.
//!
//! # Formula injection
//!
//! Exported cells hold text that farmers, partners or anyone with a capture token wrote. A
//! spreadsheet program that opens a CSV file runs a field that starts with `=`, `+`, `-` or `@`
//! as a formula (and some also treat a leading tab or carriage return that way), which lets a
//! crafted value run commands or send data away when an inspector opens the export. In CSV,
//! [`Sheet::to_csv`] therefore writes such a text cell with a single quote `'` in front, the
//! escape OWASP recommends: the program shows the value as text, and the quote is visible as a
//! mark that the value was escaped. Numbers are written as numbers and are never escaped. In
//! XLSX every text cell is written as a string cell (never as a formula), which is already
//! safe, so [`Sheet::to_xlsx`] writes the text exactly as it is.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

use rust_xlsxwriter::{Format, Workbook, Worksheet};

/// One value in a sheet.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text, written as it is (CSV escapes formula-like text, see the module documentation).
    Text(String),
    /// A number. Non-finite numbers have no spreadsheet form and are written as the text
    /// `NaN`, `Infinity` or `-Infinity`.
    Number(f64),
    /// No value.
    Empty,
}

impl Cell {
    /// A text cell, or [`Cell::Empty`] for the empty string, so that "no value" has one form.
    #[must_use]
    pub fn text(value: impl Into<String>) -> Self {
        let value = value.into();
        if value.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(value)
        }
    }

    /// The text a CSV field or a width estimate starts from, before escaping.
    fn display(&self) -> String {
        match self {
            Cell::Text(text) => text.clone(),
            Cell::Number(number) => format_number(*number),
            Cell::Empty => String::new(),
        }
    }
}

/// A number as text: Rust's shortest round-trip form (`120.5`, `25000`), and words for the
/// values spreadsheets cannot hold.
fn format_number(number: f64) -> String {
    if number.is_nan() {
        "NaN".to_owned()
    } else if number.is_infinite() {
        if number > 0.0 {
            "Infinity"
        } else {
            "-Infinity"
        }
        .to_owned()
    } else {
        format!("{number}")
    }
}

/// One sheet: a name, a header row and data rows. Rows may be shorter or longer than the
/// header; both writers pad the missing fields with blanks.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sheet {
    /// The worksheet's name (cleaned up for XLSX, see [`Sheet::to_xlsx`]).
    pub name: String,
    /// The column headings.
    pub headers: Vec<String>,
    /// The data rows, in order.
    pub rows: Vec<Vec<Cell>>,
}

/// Why a sheet could not be written as XLSX.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SheetError {
    /// More rows (header included) than an XLSX worksheet holds.
    #[error(
        "the sheet has {rows} rows with its header; an XLSX worksheet holds at most {MAX_ROWS}"
    )]
    TooManyRows {
        /// Rows including the header row.
        rows: usize,
    },
    /// More columns than an XLSX worksheet holds.
    #[error("the sheet has {columns} columns; an XLSX worksheet holds at most {MAX_COLUMNS}")]
    TooManyColumns {
        /// The widest row's length.
        columns: usize,
    },
    /// A text longer than an XLSX cell holds. The export refuses rather than cutting the text,
    /// because a silently shortened record is worse than an error in a regulatory export.
    #[error(
        "the text in row {row}, column {column} is longer than the {MAX_TEXT_UTF16} UTF-16 units an XLSX cell holds"
    )]
    TextTooLong {
        /// 1-based row, the header being row 1.
        row: usize,
        /// 1-based column.
        column: usize,
    },
    /// The XLSX writer failed for another reason; its message.
    #[error("writing the XLSX workbook failed: {0}")]
    Xlsx(String),
}

impl From<rust_xlsxwriter::XlsxError> for SheetError {
    fn from(error: rust_xlsxwriter::XlsxError) -> Self {
        SheetError::Xlsx(error.to_string())
    }
}

/// Rows in an XLSX worksheet (Excel's limit).
const MAX_ROWS: usize = 1_048_576;
/// Columns in an XLSX worksheet (Excel's limit).
const MAX_COLUMNS: usize = 16_384;
/// The longest text an XLSX cell holds, in UTF-16 units (Excel's limit).
const MAX_TEXT_UTF16: usize = 32_767;
/// Column widths, in character widths, that keep short columns readable and stop one long
/// value from making a column wider than the screen.
const MIN_WIDTH: f64 = 8.0;
const MAX_WIDTH: f64 = 60.0;

/// The UTF-8 byte order mark. Excel reads a CSV file without it in the system's legacy code
/// page, which on a Chinese Windows is GBK, and then shows Chinese UTF-8 text as mojibake; with
/// the mark it reads UTF-8. Other programs skip the mark.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

impl Sheet {
    /// The number of columns: the header's or the widest row's, whichever is larger.
    #[must_use]
    pub fn width(&self) -> usize {
        self.rows
            .iter()
            .map(Vec::len)
            .chain(std::iter::once(self.headers.len()))
            .max()
            .unwrap_or(0)
    }

    /// The sheet as RFC 4180 CSV: UTF-8 with a byte order mark (without it, Excel on a Chinese
    /// Windows reads the file as GBK and garbles Chinese text), the header then the rows, CRLF
    /// after every record, fields quoted when they contain a comma, a double quote, CR or LF
    /// (with inner quotes doubled), every record padded to the same number of fields, and
    /// formula-like text escaped with a leading `'` (see the module documentation).
    #[must_use]
    pub fn to_csv(&self) -> Vec<u8> {
        let width = self.width();
        let mut out = Vec::from(UTF8_BOM);
        let header: Vec<Cell> = self.headers.iter().cloned().map(Cell::Text).collect();
        write_csv_record(&mut out, &header, width);
        for row in &self.rows {
            write_csv_record(&mut out, row, width);
        }
        out
    }

    /// The sheet as an XLSX workbook with one worksheet: a bold header row that stays in view
    /// when scrolling (frozen), an autofilter over the header and every data row so that each
    /// column can be sorted and filtered, and column widths fitted to the longest value within
    /// bounds. Text cells are string cells and numbers are number cells. The worksheet name is
    /// cleaned up to what Excel accepts: at most 31 characters, none of `[]:*?/\`, no leading or
    /// trailing `'`, and `Sheet1` when nothing is left.
    ///
    /// # Errors
    /// [`SheetError`] when the sheet exceeds an XLSX limit (rows, columns, text length) or the
    /// writer fails.
    pub fn to_xlsx(&self) -> Result<Vec<u8>, SheetError> {
        let width = self.width();
        let rows = self.rows.len() + 1;
        if rows > MAX_ROWS {
            return Err(SheetError::TooManyRows { rows });
        }
        if width > MAX_COLUMNS {
            return Err(SheetError::TooManyColumns { columns: width });
        }

        let mut worksheet = Worksheet::new();
        worksheet.set_name(xlsx_sheet_name(&self.name))?;
        let bold = Format::new().set_bold();
        for (column, heading) in self.headers.iter().enumerate() {
            let column_number = column_index(column, width)?;
            check_text_length(heading, 0, column)?;
            worksheet.write_string_with_format(0, column_number, heading.as_str(), &bold)?;
        }
        for (row_index, row) in self.rows.iter().enumerate() {
            let row_number = row_index_xlsx(row_index + 1, rows)?;
            for (column, cell) in row.iter().enumerate() {
                let column_number = column_index(column, width)?;
                match cell {
                    Cell::Text(text) => {
                        check_text_length(text, row_index + 1, column)?;
                        worksheet.write_string(row_number, column_number, text.as_str())?;
                    }
                    Cell::Number(number) if number.is_finite() => {
                        worksheet.write_number(row_number, column_number, *number)?;
                    }
                    Cell::Number(number) => {
                        worksheet.write_string(
                            row_number,
                            column_number,
                            format_number(*number),
                        )?;
                    }
                    Cell::Empty => {}
                }
            }
        }

        if width > 0 {
            let last_column = column_index(width - 1, width)?;
            let last_row = row_index_xlsx(rows - 1, rows)?;
            worksheet.set_freeze_panes(1, 0)?;
            worksheet.autofilter(0, 0, last_row, last_column)?;
            for column in 0..width {
                worksheet
                    .set_column_width(column_index(column, width)?, self.column_width(column))?;
            }
        }

        let mut workbook = Workbook::new();
        workbook.push_worksheet(worksheet);
        Ok(workbook.save_to_buffer()?)
    }

    /// A width for `column`, in character widths: the longest header or value plus room for the
    /// autofilter button, counting East Asian wide characters twice, within
    /// [`MIN_WIDTH`]..=[`MAX_WIDTH`].
    fn column_width(&self, column: usize) -> f64 {
        let header = self.headers.get(column).map_or(0, |h| display_width(h));
        let longest = self
            .rows
            .iter()
            .filter_map(|row| row.get(column))
            .map(|cell| display_width(&cell.display()))
            .chain(std::iter::once(header))
            .max()
            .unwrap_or(0);
        // The widths are small numbers; the conversion is exact below 2^52.
        #[allow(clippy::cast_precision_loss)]
        let characters = longest as f64 + 3.0;
        characters.clamp(MIN_WIDTH, MAX_WIDTH)
    }
}

/// Writes one CSV record of `width` fields.
fn write_csv_record(out: &mut Vec<u8>, cells: &[Cell], width: usize) {
    for column in 0..width {
        if column > 0 {
            out.push(b',');
        }
        let field = match cells.get(column) {
            Some(Cell::Text(text)) => escape_formula(text),
            Some(Cell::Number(number)) if number.is_finite() => format_number(*number),
            Some(Cell::Number(number)) => escape_formula(&format_number(*number)),
            Some(Cell::Empty) | None => String::new(),
        };
        if field.contains([',', '"', '\r', '\n']) {
            out.push(b'"');
            out.extend_from_slice(field.replace('"', "\"\"").as_bytes());
            out.push(b'"');
        } else {
            out.extend_from_slice(field.as_bytes());
        }
    }
    out.extend_from_slice(b"\r\n");
}

/// Text that a spreadsheet program would run as a formula, with a single quote in front.
fn escape_formula(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// Excel's rules for worksheet names, applied by replacing or dropping what is not allowed.
fn xlsx_sheet_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .take(31)
        .collect();
    let cleaned = cleaned.trim_matches('\'');
    // Excel reserves "History" for its change tracking.
    if cleaned.trim().is_empty() || cleaned.eq_ignore_ascii_case("history") {
        "Sheet1".to_owned()
    } else {
        cleaned.to_owned()
    }
}

fn check_text_length(text: &str, row: usize, column: usize) -> Result<(), SheetError> {
    if text.encode_utf16().count() > MAX_TEXT_UTF16 {
        return Err(SheetError::TextTooLong {
            row: row + 1,
            column: column + 1,
        });
    }
    Ok(())
}

/// The writer's column number; the caller checked the width against [`MAX_COLUMNS`].
fn column_index(column: usize, width: usize) -> Result<u16, SheetError> {
    u16::try_from(column).map_err(|_| SheetError::TooManyColumns { columns: width })
}

/// The writer's row number; the caller checked the count against [`MAX_ROWS`].
fn row_index_xlsx(row: usize, rows: usize) -> Result<u32, SheetError> {
    u32::try_from(row).map_err(|_| SheetError::TooManyRows { rows })
}

/// How many character widths a text takes in a spreadsheet column: wide (CJK, Hangul, full
/// width) characters take two. The ranges are the main East Asian wide blocks, which is close
/// enough for choosing a column width.
fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| {
            let code = u32::from(c);
            let wide = matches!(code,
                0x1100..=0x115F
                | 0x2E80..=0xA4CF
                | 0xAC00..=0xD7A3
                | 0xF900..=0xFAFF
                | 0xFE30..=0xFE4F
                | 0xFF00..=0xFF60
                | 0xFFE0..=0xFFE6
                | 0x20000..=0x3FFFD);
            if wide { 2 } else { 1 }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Sheet {
        Sheet {
            name: "Recall: list/1".to_owned(),
            headers: vec!["Name".to_owned(), "Amount".to_owned(), "Note".to_owned()],
            rows: vec![
                vec![
                    Cell::text("菠菜, loose"),
                    Cell::Number(120.5),
                    Cell::text("said \"fresh\"\r\nnext line"),
                ],
                vec![
                    Cell::text("=HYPERLINK(\"http://evil.example\",\"x\")"),
                    Cell::Number(-3.0),
                    Cell::text("+1"),
                ],
                vec![Cell::text("-2+3"), Cell::Empty, Cell::text("@SUM(A1)")],
                vec![Cell::text("\tTab"), Cell::Number(f64::NAN)],
                vec![
                    Cell::text("plain"),
                    Cell::Number(25000.0),
                    Cell::text("a'b"),
                ],
            ],
        }
    }

    #[test]
    fn csv_is_rfc4180_with_bom_crlf_quoting_and_escaped_formulas() {
        let csv = sample().to_csv();
        let expected = "\u{feff}Name,Amount,Note\r\n\
            \"菠菜, loose\",120.5,\"said \"\"fresh\"\"\r\nnext line\"\r\n\
            \"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",-3,'+1\r\n\
            '-2+3,,'@SUM(A1)\r\n\
            '\tTab,NaN,\r\n\
            plain,25000,a'b\r\n";
        assert_eq!(String::from_utf8(csv).unwrap(), expected);
    }

    #[test]
    fn csv_pads_short_rows_and_keeps_long_ones() {
        let sheet = Sheet {
            name: "x".to_owned(),
            headers: vec!["A".to_owned()],
            rows: vec![vec![Cell::text("1"), Cell::text("2")], vec![]],
        };
        assert_eq!(
            String::from_utf8(sheet.to_csv()).unwrap(),
            "\u{feff}A,\r\n1,2\r\n,\r\n"
        );
    }

    #[test]
    fn empty_text_is_the_empty_cell() {
        assert_eq!(Cell::text(""), Cell::Empty);
        assert_eq!(Cell::text("x"), Cell::Text("x".to_owned()));
    }

    #[test]
    fn sheet_names_follow_excel_rules() {
        assert_eq!(xlsx_sheet_name("Recall: list/1"), "Recall_ list_1");
        assert_eq!(xlsx_sheet_name("'quoted'"), "quoted");
        assert_eq!(xlsx_sheet_name(""), "Sheet1");
        assert_eq!(xlsx_sheet_name("History"), "Sheet1");
        assert_eq!(xlsx_sheet_name(&"長".repeat(40)), "長".repeat(31));
    }

    #[test]
    fn widths_count_wide_characters_twice_within_bounds() {
        assert_eq!(display_width("ab"), 2);
        assert_eq!(display_width("菠菜"), 4);
        let sheet = sample();
        // "Amount" (6) is longer than every number in its column.
        assert_eq!(sheet.column_width(1), 9.0);
        // `=HYPERLINK("http://evil.example","x")` is 37 characters, plus 3.
        assert_eq!(sheet.column_width(0), 40.0);
        let long = Sheet {
            name: String::new(),
            headers: vec!["x".repeat(200)],
            rows: vec![],
        };
        assert_eq!(long.column_width(0), MAX_WIDTH);
        let short = Sheet {
            name: String::new(),
            headers: vec!["菠".to_owned()],
            rows: vec![vec![Cell::Number(1.0)]],
        };
        assert_eq!(short.column_width(0), MIN_WIDTH);
        // A column past the header and every row has no values at all.
        assert_eq!(short.column_width(5), MIN_WIDTH);
    }

    #[test]
    fn xlsx_refuses_over_long_text() {
        let sheet = Sheet {
            name: "x".to_owned(),
            headers: vec!["A".to_owned()],
            rows: vec![vec![Cell::Text("x".repeat(MAX_TEXT_UTF16 + 1))]],
        };
        assert_eq!(
            sheet.to_xlsx(),
            Err(SheetError::TextTooLong { row: 2, column: 1 })
        );
    }

    #[test]
    fn an_empty_sheet_still_writes() {
        let bytes = Sheet::default().to_xlsx().unwrap();
        assert!(bytes.starts_with(b"PK"));
        assert_eq!(Sheet::default().to_csv(), b"\xEF\xBB\xBF\r\n");
    }
}
