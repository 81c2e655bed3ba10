//! Setting text in a box: clean it, try it at its largest size, shrink it step by step, wrap
//! it, and, when even the smallest size does not fit, cut it with an ellipsis. The result never
//! reaches outside the box.

use crate::MAX_TEXT_CHARS;
use crate::error::{Field, LabelError};

/// Advance widths, in ems, of the characters of a font (`None`: the font has no glyph).
pub(crate) trait Measure {
    fn width(&self, c: char) -> Option<f32>;
}

/// Joins two words that must stay on one line.
pub(crate) const NO_BREAK_SPACE: char = '\u{A0}';

/// Line height as a multiple of the font size (at least; a font whose ascender and descender
/// reach further gets more).
pub(crate) const LINE_HEIGHT: f32 = 1.2;

/// The space before each block after the first, as a share of its font size.
const BLOCK_SPACING: f32 = 0.3;

/// How much smaller each try is, as a share of the largest size.
const SHRINK_STEP: f32 = 0.05;

/// The text of a label field as printed: control characters (new lines, tabs, …) become
/// spaces, invisible formatting characters (zero-width spaces, bidirectional overrides, byte
/// order marks) are dropped, and runs of white space become one space.
pub(crate) fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        let invisible = matches!(
            c,
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}'
        );
        if invisible {
            continue;
        }
        // A no-break space holds a word to its value (`批次 LOT-2026-04`): kept as it is.
        if c.is_control() || (c.is_whitespace() && c != NO_BREAK_SPACE) {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(c);
    }
    out
}

/// Checks a cleaned text: not too long, and every character has a glyph.
pub(crate) fn check(text: &str, field: Field, measure: &dyn Measure) -> Result<(), LabelError> {
    let chars = text.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(LabelError::TooLong {
            field,
            chars,
            max: MAX_TEXT_CHARS,
        });
    }
    match text
        .chars()
        .find(|&c| c != ' ' && measure.width(c).is_none())
    {
        Some(character) => Err(LabelError::MissingGlyph { field, character }),
        None => Ok(()),
    }
}

/// A text to set, with its sizes in points and the most lines it may take.
#[derive(Clone, Debug)]
pub(crate) struct Block {
    pub(crate) text: String,
    pub(crate) max_pt: f32,
    pub(crate) min_pt: f32,
    pub(crate) max_lines: usize,
    /// Space kept free on every side inside the block (for a frame drawn around it), points.
    pub(crate) inset_pt: f32,
}

/// A block as set: its size and lines.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SetBlock {
    pub(crate) size: f32,
    pub(crate) lines: Vec<String>,
    pub(crate) inset_pt: f32,
}

impl SetBlock {
    pub(crate) fn height(&self, line_height: f32) -> f32 {
        if self.lines.is_empty() {
            return 0.0;
        }
        2.0 * self.inset_pt + self.lines.len() as f32 * self.size * line_height
    }

    pub(crate) fn spacing(&self) -> f32 {
        self.size * BLOCK_SPACING
    }
}

/// The height of blocks set one under the other.
pub(crate) fn total_height(blocks: &[SetBlock], line_height: f32) -> f32 {
    let mut total = 0.0;
    let mut first = true;
    for block in blocks.iter().filter(|b| !b.lines.is_empty()) {
        if !first {
            total += block.spacing();
        }
        first = false;
        total += block.height(line_height);
    }
    total
}

/// The width of `text` at `size` points.
pub(crate) fn text_width(text: &str, size: f32, measure: &dyn Measure) -> f32 {
    text.chars()
        .map(|c| measure.width(c).unwrap_or(0.0))
        .sum::<f32>()
        * size
}

/// Whether a line may break before and after `c` without a space (CJK ideographs, kana,
/// hangul and their punctuation).
fn breaks_anywhere(c: char) -> bool {
    matches!(u32::from(c),
        0x2E80..=0x2FFF | 0x3000..=0x30FF | 0x3100..=0x31FF | 0x3200..=0x9FFF
        | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF
        | 0x20000..=0x3FFFF)
}

/// Whether a line may not end after `c` (opening brackets).
fn opens(c: char) -> bool {
    matches!(
        c,
        '（' | '「' | '『' | '【' | '〔' | '《' | '〈' | '(' | '[' | '{'
    )
}

/// Whether a line may not start with `c` (closing brackets and punctuation).
fn closes(c: char) -> bool {
    matches!(
        c,
        '）' | '」'
            | '』'
            | '】'
            | '〕'
            | '》'
            | '〉'
            | '，'
            | '。'
            | '、'
            | '；'
            | '：'
            | '！'
            | '？'
            | '·'
            | '・'
            | '…'
            | '％'
            | ')'
            | ']'
            | '}'
            | ','
            | '.'
            | ';'
            | ':'
            | '!'
            | '?'
    )
}

/// Lines of wrapped text, and whether a word had to be broken inside to get them.
#[derive(Debug, Default)]
pub(crate) struct Wrapped {
    pub(crate) lines: Vec<String>,
    pub(crate) broke_word: bool,
}

/// `text` wrapped greedily into lines at most `width` points wide at `size` points: each
/// `\n` starts a new line; lines break at spaces and around CJK characters (not before closing
/// or after opening punctuation), and inside a word only when the word alone is too wide. A
/// character wider than the whole line is left out rather than drawn outside.
pub(crate) fn wrap_text(text: &str, size: f32, width: f32, measure: &dyn Measure) -> Wrapped {
    let mut wrapped = Wrapped::default();
    for paragraph in text.split('\n') {
        wrap_paragraph(paragraph, size, width, measure, &mut wrapped);
    }
    wrapped
}

/// The lines of [`wrap_text`].
pub(crate) fn wrap(text: &str, size: f32, width: f32, measure: &dyn Measure) -> Vec<String> {
    wrap_text(text, size, width, measure).lines
}

fn wrap_paragraph(text: &str, size: f32, width: f32, measure: &dyn Measure, wrapped: &mut Wrapped) {
    let fits = |w: f32| w <= width + 1e-3;
    let char_width = |c: char| measure.width(c).unwrap_or(0.0) * size;
    let space = char_width(' ');
    // Words: the runs of characters between spaces, broken before and after each CJK
    // character too, except runs holding a no-break space (`批次\u{A0}LOT-2026-04`), which
    // stay whole.
    let mut words: Vec<(bool, String)> = Vec::new(); // (space before, word)
    let mut space_before = false;
    for chunk in text.split(' ') {
        if chunk.is_empty() {
            space_before = true;
            continue;
        }
        if chunk.contains(NO_BREAK_SPACE) {
            words.push((space_before, chunk.to_owned()));
        } else {
            let mut current = String::new();
            let mut previous: Option<char> = None;
            let mut first = true;
            for c in chunk.chars() {
                let may_break = previous.is_some_and(|p| {
                    (breaks_anywhere(p) || breaks_anywhere(c)) && !opens(p) && !closes(c)
                });
                if may_break {
                    words.push((first && space_before, std::mem::take(&mut current)));
                    first = false;
                }
                current.push(c);
                previous = Some(c);
            }
            words.push((first && space_before, current));
        }
        space_before = true;
    }

    let lines = &mut wrapped.lines;
    let mut line = String::new();
    let mut line_width = 0.0;
    for (space_before, word) in words {
        let word_width = text_width(&word, size, measure);
        let gap = if space_before && !line.is_empty() {
            space
        } else {
            0.0
        };
        if fits(line_width + gap + word_width) {
            if gap > 0.0 {
                line.push(' ');
            }
            line.push_str(&word);
            line_width += gap + word_width;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
            line_width = 0.0;
        }
        if fits(word_width) {
            line.push_str(&word);
            line_width = word_width;
            continue;
        }
        // A word wider than the line: break it between characters.
        wrapped.broke_word = true;
        for c in word.chars() {
            let w = char_width(c);
            if !fits(w) {
                continue;
            }
            if !fits(line_width + w) {
                lines.push(std::mem::take(&mut line));
                line_width = 0.0;
            }
            line.push(c);
            line_width += w;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
}

/// The ellipsis this font can draw: `…`, else `...`.
fn ellipsis(measure: &dyn Measure) -> &'static str {
    if measure.width('…').is_some() {
        "…"
    } else {
        "..."
    }
}

/// `lines` cut to at most `max_lines`, the last one ending in an ellipsis when anything was cut
/// (and shortened so that the ellipsis fits).
fn truncate(
    mut lines: Vec<String>,
    max_lines: usize,
    size: f32,
    width: f32,
    measure: &dyn Measure,
) -> Vec<String> {
    if lines.len() <= max_lines {
        return lines;
    }
    lines.truncate(max_lines);
    let mark = ellipsis(measure);
    if let Some(last) = lines.last_mut() {
        loop {
            let candidate = format!("{}{mark}", last.trim_end());
            if text_width(&candidate, size, measure) <= width + 1e-3 {
                *last = candidate;
                break;
            }
            if last.pop().is_none() {
                // Not even the ellipsis fits: leave the line empty.
                break;
            }
        }
    }
    lines.retain(|line| !line.is_empty());
    lines
}

/// Sets `blocks` one under the other in a box `width` × `height` points: all at their largest
/// sizes if they fit, else smaller together (in steps of 5 %, none below its smallest size),
/// wrapping within each block's line limit; when even the smallest sizes do not fit, the
/// blocks are cut with an ellipsis, and lines (then whole blocks, from the last) are dropped
/// until they fit. Every line of the result is at most `width` wide and the whole at most
/// `height` tall.
pub(crate) fn fit(
    blocks: &[Block],
    width: f32,
    height: f32,
    line_height: f32,
    measure: &dyn Measure,
) -> Vec<SetBlock> {
    let set_at = |scale: f32, cut: bool| -> Option<Vec<SetBlock>> {
        let mut set = Vec::with_capacity(blocks.len());
        for block in blocks {
            let size = (block.max_pt * scale).max(block.min_pt);
            let inner = (width - 2.0 * block.inset_pt).max(0.0);
            let Wrapped { lines, broke_word } = wrap_text(&block.text, size, inner, measure);
            // Smaller text is better than words broken in two, until the smallest size.
            if (lines.len() > block.max_lines || broke_word) && !cut {
                return None;
            }
            set.push(SetBlock {
                size,
                lines: truncate(lines, block.max_lines, size, inner, measure),
                inset_pt: block.inset_pt,
            });
        }
        Some(set)
    };
    let mut step = 0u32;
    loop {
        let scale = 1.0 - SHRINK_STEP * step as f32;
        if let Some(set) = set_at(scale, false)
            && total_height(&set, line_height) <= height + 1e-3
        {
            return set;
        }
        let at_minimum = blocks.iter().all(|b| b.max_pt * scale <= b.min_pt);
        if at_minimum || scale <= 0.0 {
            break;
        }
        step += 1;
    }
    // The smallest sizes, cut to their line limits; then fewer lines until it fits.
    let mut set = set_at(0.0, true).unwrap_or_default();
    while total_height(&set, line_height) > height + 1e-3 {
        // The block with the most lines (more than one) gives up its last line.
        let longest = set
            .iter_mut()
            .zip(blocks)
            .filter(|(set, _)| set.lines.len() > 1)
            .max_by_key(|(set, _)| set.lines.len());
        if let Some((set_block, block)) = longest {
            let inner = (width - 2.0 * block.inset_pt).max(0.0);
            let keep = set_block.lines.len().saturating_sub(1);
            let lines = wrap(&block.text, set_block.size, inner, measure);
            set_block.lines = truncate(lines, keep, set_block.size, inner, measure);
            continue;
        }
        // One line each: drop the last block still shown.
        match set.iter_mut().rev().find(|b| !b.lines.is_empty()) {
            Some(last) => last.lines.clear(),
            None => break,
        }
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Latin half an em wide, CJK a full em, and no glyph for U+E000.
    struct Mono;

    impl Measure for Mono {
        fn width(&self, c: char) -> Option<f32> {
            match c {
                '\u{E000}' => None,
                c if breaks_anywhere(c) => Some(1.0),
                _ => Some(0.5),
            }
        }
    }

    fn block(text: &str, max_pt: f32, min_pt: f32, max_lines: usize) -> Block {
        Block {
            text: text.to_owned(),
            max_pt,
            min_pt,
            max_lines,
            inset_pt: 0.0,
        }
    }

    #[test]
    fn cleaning_removes_controls_and_invisibles() {
        assert_eq!(clean("  凌云\n白毫\t茶\u{0}\u{7}  "), "凌云 白毫 茶");
        assert_eq!(clean("a\u{202E}b\u{200B}c\u{FEFF}"), "abc");
        assert_eq!(clean("\n\r\t"), "");
    }

    #[test]
    fn checks_name_the_missing_glyph_and_the_length() {
        assert_eq!(
            check("ab\u{E000}", Field::NameEn, &Mono),
            Err(LabelError::MissingGlyph {
                field: Field::NameEn,
                character: '\u{E000}'
            })
        );
        assert!(matches!(
            check(&"a".repeat(MAX_TEXT_CHARS + 1), Field::NameZh, &Mono),
            Err(LabelError::TooLong { .. })
        ));
    }

    #[test]
    fn wrapping_breaks_at_spaces_and_between_cjk_characters() {
        // 10 pt: Latin 5 pt a character, CJK 10 pt; 40 pt wide lines.
        assert_eq!(wrap("ab cd efgh", 10.0, 40.0, &Mono), ["ab cd", "efgh"]);
        assert_eq!(wrap("凌云白毫茶", 10.0, 40.0, &Mono), ["凌云白毫", "茶"]);
        assert_eq!(wrap("abcdefghijk", 10.0, 40.0, &Mono), ["abcdefgh", "ijk"]);
        assert_eq!(wrap("凌云ab", 10.0, 25.0, &Mono), ["凌云", "ab"]);
        // A character wider than the line is left out, not drawn outside.
        assert_eq!(wrap("茶", 10.0, 5.0, &Mono), Vec::<String>::new());
        // A no-break space keeps a word with its value.
        assert_eq!(
            wrap("GTIN 1234 · 批次\u{A0}LOT-26", 10.0, 75.0, &Mono),
            ["GTIN 1234 ·", "批次\u{A0}LOT-26"]
        );
        assert_eq!(clean("a\u{A0}\u{A0}b"), "a\u{A0}\u{A0}b");
        // Brackets stay with their words; `\n` starts a line.
        assert_eq!(
            wrap("凌云白毫茶（特级）", 10.0, 60.0, &Mono),
            ["凌云白毫茶", "（特级）"]
        );
        assert_eq!(wrap("ab\ncd", 10.0, 60.0, &Mono), ["ab", "cd"]);
        assert!(wrap_text("abcdefghijk", 10.0, 40.0, &Mono).broke_word);
        assert!(!wrap_text("abcd efgh", 10.0, 40.0, &Mono).broke_word);
    }

    #[test]
    fn text_shrinks_before_it_is_cut() {
        // 12 characters of 0.5 em: 60 pt wide at 10 pt, 48 pt at 8 pt.
        let set = fit(
            &[block("abcdefghijkl", 10.0, 6.0, 1)],
            50.0,
            100.0,
            1.2,
            &Mono,
        );
        assert_eq!(set[0].lines, ["abcdefghijkl"]);
        assert!(set[0].size <= 8.34 && set[0].size >= 8.0, "{}", set[0].size);
        // Too long even at the smallest size: cut with an ellipsis.
        let set = fit(
            &[block(&"x".repeat(100), 10.0, 6.0, 2)],
            50.0,
            100.0,
            1.2,
            &Mono,
        );
        assert_eq!(set[0].size, 6.0);
        assert_eq!(set[0].lines.len(), 2);
        assert!(set[0].lines[1].ends_with('…'));
        for line in &set[0].lines {
            assert!(text_width(line, 6.0, &Mono) <= 50.0 + 1e-3);
        }
    }

    #[test]
    fn lines_and_then_blocks_are_dropped_to_fit_the_height() {
        let blocks = [
            block(&"名".repeat(50), 10.0, 10.0, 3),
            block(&"x".repeat(50), 10.0, 10.0, 3),
        ];
        // Room for two lines of 12 pt (plus spacing) only.
        let set = fit(&blocks, 50.0, 27.0, 1.2, &Mono);
        assert!(total_height(&set, 1.2) <= 27.0);
        assert_eq!(set[0].lines.len(), 1);
        assert_eq!(set[1].lines.len(), 1);
        let set = fit(&blocks, 50.0, 13.0, 1.2, &Mono);
        assert_eq!(set[0].lines.len(), 1);
        assert!(set[1].lines.is_empty());
        let set = fit(&blocks, 50.0, 1.0, 1.2, &Mono);
        assert!(set.iter().all(|b| b.lines.is_empty()));
    }

    #[test]
    fn nothing_ever_leaves_the_box() {
        // A deterministic sweep over awkward texts and box sizes.
        let texts = [
            "",
            "a",
            "凌云白毫茶 Lingyun Baihao tea, spring first flush, 250 g tin",
            "GTIN 06901234567892 · 批次 LOT-2026-04 · 序列号 0000000000000000012345",
            &"W".repeat(200),
            &"龘".repeat(200),
            "a b c d e f g h i j k l m n o p q r s t u v w x y z",
        ];
        for text in texts {
            for width in [0.0_f32, 3.0, 10.0, 33.3, 61.0, 170.0] {
                for height in [0.0_f32, 5.0, 20.0, 63.0, 200.0] {
                    let blocks = [
                        block(text, 11.0, 6.0, 2),
                        block(text, 8.0, 5.0, 2),
                        Block {
                            inset_pt: 1.5,
                            ..block(text, 7.0, 4.5, 3)
                        },
                    ];
                    let set = fit(&blocks, width, height, 1.2, &Mono);
                    assert!(
                        total_height(&set, 1.2) <= height + 1e-3,
                        "{text:?} {width}x{height}"
                    );
                    for b in &set {
                        for line in &b.lines {
                            assert!(
                                text_width(line, b.size, &Mono) <= width - 2.0 * b.inset_pt + 1e-3,
                                "{line:?} {width}"
                            );
                        }
                    }
                }
            }
        }
    }
}
