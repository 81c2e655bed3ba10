//! `retu labels`: QR labels for a county's products, offline, from the command line.
//!
//! The labels come from repeated `--uri` with `--name-zh`, `--name-en` (and `--certificate`)
//! for one product, or from `--from FILE.csv` with a header row naming the columns `uri`,
//! `name_zh`, `name_en` and, optionally, `certificate` (RFC 4180: commas, double quotes around
//! fields that hold commas, quotes or line breaks, UTF-8 with or without a byte order mark).
//! Every URI is checked as a GS1 Digital Link (check digits, qualifier order) and every
//! certificate number by its check character; a mistake is reported with its line and column,
//! and nothing is written.
//!
//! `--format pdf` (the default) writes one A4 sheet document (`--layout`, as many pages as
//! needed; `--copies N` prints each label N times). `--format svg|png` writes the QR code
//! alone: to the `--out` file when there is one label, else one file a label, `label-0001.svg`,
//! … in the `--out` folder (created if needed). `--out -` writes a PDF or a single code to
//! standard output.
//!
//! PDF sheets are set in the font of `--font` (or `RETU_LABEL_FONT`), else the first installed
//! of the usual CJK fonts (`labels::FONT_CANDIDATES`).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use labels::{Field, Label, LabelError, Layout};
use repository::certificate::normalize_certificate_number;

/// What to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// An A4 sheet of labels.
    Pdf,
    /// The QR code alone, as SVG.
    Svg,
    /// The QR code alone, as PNG.
    Png,
}

/// `retu labels` options.
#[derive(clap::Args, Debug)]
#[command(after_help = layouts_help())]
pub(crate) struct LabelsArgs {
    /// A GS1 Digital Link URI to print, such as
    /// https://trace.county.example/01/06901234567892/10/LOT-2026-04; repeat it for several
    /// items of one product (serials, lots).
    #[arg(
        long = "uri",
        value_name = "URI",
        required_unless_present = "from",
        conflicts_with = "from"
    )]
    uris: Vec<String>,
    /// The product's name in Chinese, for --uri.
    #[arg(long, value_name = "TEXT", conflicts_with = "from")]
    name_zh: Option<String>,
    /// The product's name in English, for --uri.
    #[arg(long, value_name = "TEXT", conflicts_with = "from")]
    name_en: Option<String>,
    /// A 承诺达标合格证 number to print on the --uri labels (HG-522634-20260401-0007P).
    #[arg(long, value_name = "NUMBER", conflicts_with = "from")]
    certificate: Option<String>,
    /// A CSV file of labels with the header uri,name_zh,name_en[,certificate].
    #[arg(long, value_name = "FILE.csv")]
    from: Option<PathBuf>,
    /// The sticker sheet (see the list below).
    #[arg(long, default_value = "a4-3x8", value_parser = parse_layout)]
    layout: &'static Layout,
    /// pdf: a sheet of labels; svg or png: the QR codes alone.
    #[arg(long, value_enum, default_value = "pdf")]
    format: Format,
    /// PDF: how many times to print each label (to fill a sheet with one lot's label).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    copies: u32,
    /// PNG: pixels to a QR module.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=40))]
    pixels_per_module: u32,
    /// The file to write (`-`: standard output); for SVG or PNG of several labels, a folder.
    #[arg(long, value_name = "PATH")]
    out: PathBuf,
    /// The font for PDF sheets, a TrueType/OpenType file or collection with Chinese glyphs.
    /// Default: the first installed of the usual CJK fonts (Debian: fonts-wqy-microhei).
    #[arg(long, value_name = "FILE", env = "RETU_LABEL_FONT")]
    font: Option<PathBuf>,
}

fn parse_layout(name: &str) -> Result<&'static Layout, String> {
    Layout::find(name).map_err(|e| e.to_string())
}

fn layouts_help() -> String {
    let mut help = String::from("Layouts (A4 sticker sheets):\n");
    for layout in &labels::LAYOUTS {
        help.push_str(&format!("  {:<8}  {}\n", layout.name, layout.description));
    }
    help
}

/// A label and where it came from, for error messages.
struct Source {
    label: Label,
    /// `labels.csv line 3` or `--uri 2`.
    origin: String,
    /// The CSV has its own column names; `--uri` labels name the options.
    csv: bool,
}

/// The column (or option) of a label field.
fn column(field: Field, csv: bool) -> &'static str {
    match (field, csv) {
        (Field::Uri | Field::KeyText, true) => "column uri",
        (Field::NameZh, true) => "column name_zh",
        (Field::NameEn, true) => "column name_en",
        (Field::Certificate, true) => "column certificate",
        (Field::Uri | Field::KeyText, false) => "--uri",
        (Field::NameZh, false) => "--name-zh",
        (Field::NameEn, false) => "--name-en",
        (Field::Certificate, false) => "--certificate",
    }
}

/// A label from its fields, checked; errors name `origin` and the column.
fn make_label(
    origin: &str,
    csv: bool,
    uri: &str,
    name_zh: &str,
    name_en: &str,
    certificate: Option<&str>,
) -> Result<Label> {
    let certificate = match certificate.map(str::trim).filter(|c| !c.is_empty()) {
        None => None,
        Some(typed) => Some(normalize_certificate_number(typed).with_context(|| {
            format!(
                "{origin}, {}: {typed:?} is not a valid certificate number (check it against the slip)",
                column(Field::Certificate, csv)
            )
        })?),
    };
    Label::for_digital_link(uri, name_zh, name_en, certificate.as_deref()).map_err(|error| {
        let field = error.field().unwrap_or(Field::Uri);
        anyhow::anyhow!("{origin}, {}: {error}", column(field, csv))
    })
}

/// The labels of the `--uri` options.
fn from_options(args: &LabelsArgs) -> Result<Vec<Source>> {
    let name_zh = args.name_zh.as_deref().unwrap_or_default();
    let name_en = args.name_en.as_deref().unwrap_or_default();
    args.uris
        .iter()
        .enumerate()
        .map(|(i, uri)| {
            let origin = if args.uris.len() == 1 {
                "the label".to_owned()
            } else {
                format!("label {} (--uri {uri})", i + 1)
            };
            let label = make_label(
                &origin,
                false,
                uri,
                name_zh,
                name_en,
                args.certificate.as_deref(),
            )?;
            Ok(Source {
                label,
                origin,
                csv: false,
            })
        })
        .collect()
}

/// One record of a CSV file: the line it starts on and its fields.
/// The labels of a CSV file.
fn from_csv(path: &Path) -> Result<Vec<Source>> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).with_context(|| format!("reading {name}"))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let before = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        anyhow::anyhow!("{name} line {line}: not UTF-8 text (save the sheet as \"CSV UTF-8\")")
    })?;
    let records = labels::parse_csv(&text)
        .map_err(|(line, problem)| anyhow::anyhow!("{name} line {line}: {problem}"))?;
    let Some((header, rows)) = records.split_first() else {
        bail!(
            "{name} is empty; its first line names the columns uri,name_zh,name_en[,certificate]"
        );
    };
    let mut columns: [Option<usize>; 4] = [None; 4];
    const NAMES: [&str; 4] = ["uri", "name_zh", "name_en", "certificate"];
    for (i, title) in header.fields.iter().enumerate() {
        let title = title.trim().to_ascii_lowercase();
        let Some(slot) = NAMES.iter().position(|n| *n == title) else {
            bail!(
                "{name} line {}: unknown column {title:?}; the columns are uri,name_zh,name_en[,certificate]",
                header.line
            );
        };
        if columns[slot].replace(i).is_some() {
            bail!(
                "{name} line {}: the column {title} is there twice",
                header.line
            );
        }
    }
    for (slot, title) in NAMES.iter().enumerate().take(3) {
        if columns[slot].is_none() {
            bail!(
                "{name} line {}: the column {title} is missing; the header is uri,name_zh,name_en[,certificate]",
                header.line
            );
        }
    }
    if rows.is_empty() {
        bail!("{name} has a header but no labels");
    }
    let mut sources = Vec::with_capacity(rows.len());
    for row in rows {
        let origin = format!("{name} line {}", row.line);
        if row.fields.len() != header.fields.len() {
            bail!(
                "{origin}: {} fields, but the header has {}",
                row.fields.len(),
                header.fields.len()
            );
        }
        let get = |slot: usize| {
            columns[slot]
                .and_then(|i| row.fields.get(i))
                .map(String::as_str)
        };
        let label = make_label(
            &origin,
            true,
            get(0).unwrap_or_default(),
            get(1).unwrap_or_default(),
            get(2).unwrap_or_default(),
            get(3),
        )?;
        sources.push(Source {
            label,
            origin,
            csv: true,
        });
    }
    Ok(sources)
}

/// Writes `bytes` to `path`, or to standard output for `-`.
fn write_out(path: &Path, bytes: &[u8]) -> Result<()> {
    if path == Path::new("-") {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(bytes)?;
        stdout.flush()?;
        return Ok(());
    }
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

/// `retu labels`.
pub(crate) fn run(args: &LabelsArgs) -> Result<()> {
    let sources = match &args.from {
        Some(path) => from_csv(path)?,
        None => from_options(args)?,
    };
    let mut report = std::io::stderr().lock();
    match args.format {
        Format::Pdf => {
            let copies = args.copies as usize;
            let total = sources.len().saturating_mul(copies);
            if total > labels::MAX_LABELS {
                bail!(
                    "{total} labels are more than the {} one document holds; split the list",
                    labels::MAX_LABELS
                );
            }
            let (font_path, font) = web::label_api::find_label_font(args.font.as_deref())?;
            let list: Vec<Label> = sources
                .iter()
                .flat_map(|s| std::iter::repeat_n(s.label.clone(), copies))
                .collect();
            let pdf = labels::sheet_pdf(args.layout, &list, &font).map_err(|error| match error
                .label_index()
                .and_then(|i| sources.get(i / copies))
            {
                Some(source) => {
                    let field = error.field().unwrap_or(Field::Uri);
                    anyhow::anyhow!(
                        "{}, {}: {}",
                        source.origin,
                        column(field, source.csv),
                        error.innermost()
                    )
                }
                None => anyhow::anyhow!("{error}"),
            })?;
            write_out(&args.out, &pdf)?;
            let pages = list.len().div_ceil(args.layout.per_page());
            writeln!(
                report,
                "{} labels on {pages} {} page{} ({} bytes, font {}) → {}",
                list.len(),
                args.layout.name,
                if pages == 1 { "" } else { "s" },
                pdf.len(),
                font_path.display(),
                args.out.display()
            )?;
        }
        Format::Svg | Format::Png => {
            let extension = if args.format == Format::Svg {
                "svg"
            } else {
                "png"
            };
            let code = |label: &Label| -> std::result::Result<Vec<u8>, LabelError> {
                if args.format == Format::Svg {
                    labels::qr_svg(&label.uri).map(String::into_bytes)
                } else {
                    labels::qr_png(&label.uri, args.pixels_per_module)
                }
            };
            if let [source] = sources.as_slice() {
                let bytes = code(&source.label).map_err(|e| {
                    anyhow::anyhow!("{}, {}: {e}", source.origin, column(Field::Uri, source.csv))
                })?;
                write_out(&args.out, &bytes)?;
                writeln!(report, "1 code → {}", args.out.display())?;
                return Ok(());
            }
            if args.out == Path::new("-") {
                bail!(
                    "--out - writes one code; for {} labels name a folder",
                    sources.len()
                );
            }
            let codes = sources
                .iter()
                .map(|source| {
                    code(&source.label).map_err(|e| {
                        anyhow::anyhow!(
                            "{}, {}: {e}",
                            source.origin,
                            column(Field::Uri, source.csv)
                        )
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            std::fs::create_dir_all(&args.out)
                .with_context(|| format!("creating the folder {}", args.out.display()))?;
            for (i, bytes) in codes.iter().enumerate() {
                write_out(
                    &args.out.join(format!("label-{:04}.{extension}", i + 1)),
                    bytes,
                )?;
            }
            writeln!(
                report,
                "{} codes → {}/label-0001.{extension} …",
                codes.len(),
                args.out.display()
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_errors_name_the_origin_and_column() {
        let error = make_label(
            "x.csv line 3",
            true,
            "https://a.example/01/06901234567893",
            "茶",
            "",
            None,
        )
        .expect_err("bad check digit");
        let text = error.to_string();
        assert!(text.starts_with("x.csv line 3, column uri: "), "{text}");
        assert!(text.contains("check digit"), "{text}");
        let error = make_label(
            "the label",
            false,
            "https://a.example/01/06901234567892",
            "茶",
            "",
            Some("HG-1"),
        )
        .expect_err("bad number");
        assert!(
            error.to_string().starts_with("the label, --certificate: "),
            "{error}"
        );
    }
}
