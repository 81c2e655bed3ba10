//! The body of the cargo-fuzz target `fuzz/fuzz_targets/labels_csv.rs`, kept in the crate so
//! that it compiles and runs with the crate's own tests (the fuzz crate cannot be built with
//! the normal toolchain).
//!
//! The CSV reader must never panic. When it accepts a text, its records must start on
//! increasing lines, and writing them back out (every field quoted) must read back to the
//! same fields; every row then goes through [`Label::for_digital_link`] as `retu labels`
//! does, which must answer a label or a typed error. The `assert!`s are the properties the
//! fuzzer looks for violations of.

use crate::{Label, parse_csv};

/// Reads `data` as a labels CSV file.
#[allow(clippy::panic, clippy::indexing_slicing)]
pub fn csv(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(records) = parse_csv(text) else {
        return;
    };
    let mut last_line = 0;
    for record in &records {
        assert!(record.line > last_line, "lines go down: {records:?}");
        last_line = record.line;
    }
    let written: String = records
        .iter()
        .map(|record| {
            let fields: Vec<String> = record
                .fields
                .iter()
                .map(|field| format!("\"{}\"", field.replace('"', "\"\"")))
                .collect();
            fields.join(",") + "\n"
        })
        .collect();
    let again = parse_csv(&written).unwrap_or_else(|e| panic!("{e:?} reading back {written:?}"));
    let fields = |list: &[crate::CsvRecord]| -> Vec<Vec<String>> {
        list.iter().map(|r| r.fields.clone()).collect()
    };
    assert_eq!(fields(&records), fields(&again), "written as {written:?}");
    for record in records.iter().skip(1) {
        let get = |i: usize| record.fields.get(i).map_or("", String::as_str);
        let _ = Label::for_digital_link(
            get(0),
            get(1),
            get(2),
            record.fields.get(3).map(String::as_str),
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn seeds_pass() {
        for seed in [
            &b"uri,name_zh,name_en,certificate\nhttps://a.example/01/06901234567892/10/L1,\xe8\x8c\xb6,Tea,\n"[..],
            b"\"a\"\"b\",\"x\ny\"\r\n\n",
            b"\"",
            b"a,\"b\"c",
            b"\xef\xbb\xbf",
            b"",
        ] {
            super::csv(seed);
        }
    }
}
