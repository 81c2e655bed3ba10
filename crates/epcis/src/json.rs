//! A small RFC 8259 JSON reader that keeps what an EPCIS validator and the event hash need and
//! `serde_json::Value` loses: member order, duplicate keys (reported, not silently merged), the
//! exact text of every number (`18.0` stays `18.0`), and the byte offset of every value so a
//! syntax error can name its line and column.
//!
//! Strings borrow from the input unless they contain escapes. Nesting is limited to
//! [`MAX_DEPTH`] levels so hostile input cannot exhaust the stack. Only JSON is accepted:
//! no comments, no trailing commas, no `NaN`/`Infinity` (RFC 8259 §6), no lone surrogates.

use std::borrow::Cow;

/// Deepest nesting of arrays and objects accepted. EPCIS documents nest about ten levels; this
/// leaves room for extensions while keeping the recursive descent safe.
pub const MAX_DEPTH: usize = 128;

/// A JSON value with the byte offset where it starts in the input.
#[derive(Debug, Clone, PartialEq)]
pub struct Json<'a> {
    /// What the value is.
    pub kind: Kind<'a>,
    /// Byte offset of the value's first character in the input.
    pub offset: usize,
}

/// The kinds of JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, exactly as written (already checked against the RFC 8259 grammar).
    Number(&'a str),
    /// A string, unescaped.
    String(Cow<'a, str>),
    /// An array.
    Array(Vec<Json<'a>>),
    /// An object, members in document order, duplicates kept.
    Object(Vec<Member<'a>>),
}

/// One `"key": value` member of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Member<'a> {
    /// The key, unescaped.
    pub key: Cow<'a, str>,
    /// The value.
    pub value: Json<'a>,
}

/// A JSON syntax error at a byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Byte offset in the input.
    pub offset: usize,
    /// What was wrong.
    pub message: String,
}

impl<'a> Json<'a> {
    /// The members if this is an object.
    #[must_use]
    pub fn as_object(&self) -> Option<&[Member<'a>]> {
        match &self.kind {
            Kind::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The string if this is a string.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::String(s) => Some(s),
            _ => None,
        }
    }

    /// The first member named `key`, if this is an object.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Json<'a>> {
        self.as_object()?
            .iter()
            .find(|m| m.key == key)
            .map(|m| &m.value)
    }

    /// The JSON type name used in messages ("string", "object", …).
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "boolean",
            Kind::Number(_) => "number",
            Kind::String(_) => "string",
            Kind::Array(_) => "array",
            Kind::Object(_) => "object",
        }
    }
}

/// Parses one JSON text (surrounding whitespace and a leading UTF-8 byte-order mark allowed).
///
/// # Errors
/// A [`SyntaxError`] with the offset of the first problem.
pub fn parse(input: &str) -> Result<Json<'_>, SyntaxError> {
    let start = if input.starts_with('\u{feff}') { 3 } else { 0 };
    let mut p = Parser {
        src: input,
        bytes: input.as_bytes(),
        pos: start,
        items: Vec::new(),
        members: Vec::new(),
    };
    p.ws();
    let value = p.value(0)?;
    p.ws();
    if p.pos < p.bytes.len() {
        return Err(p.err("unexpected text after the JSON value"));
    }
    Ok(value)
}

/// 1-based line and column (in characters) of a byte offset, for error messages.
#[must_use]
pub fn line_column(input: &str, offset: usize) -> (usize, usize) {
    let mut line = 1;
    let mut col = 1;
    for (i, c) in input.char_indices() {
        if i >= offset {
            break;
        }
        if i == 0 && c == '\u{feff}' {
            // An editor does not show the byte-order mark.
            continue;
        }
        if c == '\n' {
            line += 1;
            col = 1;
        } else {
            col += 1;
        }
    }
    (line, col)
}

struct Parser<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// Scratch lists, one per nesting level, reused so that every array and object is
    /// allocated once at its final size instead of growing element by element.
    items: Vec<Vec<Json<'a>>>,
    members: Vec<Vec<Member<'a>>>,
}

impl<'a> Parser<'a> {
    fn err(&self, message: &str) -> SyntaxError {
        SyntaxError {
            offset: self.pos,
            message: message.to_owned(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn literal(&mut self, word: &str, kind: Kind<'a>) -> Result<Json<'a>, SyntaxError> {
        let offset = self.pos;
        if self.bytes.get(self.pos..self.pos + word.len()) == Some(word.as_bytes()) {
            self.pos += word.len();
            Ok(Json { kind, offset })
        } else {
            Err(self.err("expected a JSON value"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json<'a>, SyntaxError> {
        let offset = self.pos;
        match self.peek() {
            None => Err(self.err("unexpected end of input, expected a value")),
            Some(b'{') => {
                if depth >= MAX_DEPTH {
                    return Err(self.err("nesting too deep"));
                }
                self.object(depth + 1)
            }
            Some(b'[') => {
                if depth >= MAX_DEPTH {
                    return Err(self.err("nesting too deep"));
                }
                self.array(depth + 1)
            }
            Some(b'"') => Ok(Json {
                kind: Kind::String(self.string()?),
                offset,
            }),
            Some(b't') => self.literal("true", Kind::Bool(true)),
            Some(b'f') => self.literal("false", Kind::Bool(false)),
            Some(b'n') => self.literal("null", Kind::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.err("expected a JSON value")),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Json<'a>, SyntaxError> {
        let offset = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.pos += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(self.err("leading zeros are not allowed in a JSON number"));
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.err("expected a digit")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.err("expected a digit after the decimal point"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.err("expected a digit in the exponent"));
            }
        }
        let text = self.src.get(offset..self.pos).unwrap_or_default();
        Ok(Json {
            kind: Kind::Number(text),
            offset,
        })
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = match self.peek() {
                Some(b @ b'0'..=b'9') => b - b'0',
                Some(b @ b'a'..=b'f') => b - b'a' + 10,
                Some(b @ b'A'..=b'F') => b - b'A' + 10,
                _ => return Err(self.err("expected four hex digits after \\u")),
            };
            v = v * 16 + u32::from(d);
            self.pos += 1;
        }
        Ok(v)
    }

    fn string(&mut self) -> Result<Cow<'a, str>, SyntaxError> {
        // At the opening quote.
        self.pos += 1;
        let start = self.pos;
        // Fast path: no escapes.
        loop {
            match self.peek() {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => {
                    let s = self.src.get(start..self.pos).unwrap_or_default();
                    self.pos += 1;
                    return Ok(Cow::Borrowed(s));
                }
                Some(b'\\') => break,
                Some(b) if b < 0x20 => {
                    return Err(self.err("control character in a string (escape it)"));
                }
                Some(_) => self.pos += 1,
            }
        }
        let mut out = String::from(self.src.get(start..self.pos).unwrap_or_default());
        loop {
            match self.peek() {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let c = match self.peek() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.pos += 1;
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                if self.bytes.get(self.pos..self.pos + 2) != Some(b"\\u") {
                                    return Err(self.err("lone UTF-16 surrogate in \\u escape"));
                                }
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.err("invalid UTF-16 surrogate pair"));
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else if (0xDC00..0xE000).contains(&hi) {
                                return Err(self.err("lone UTF-16 surrogate in \\u escape"));
                            } else {
                                hi
                            };
                            out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                            continue;
                        }
                        _ => return Err(self.err("invalid escape in a string")),
                    };
                    self.pos += 1;
                    out.push(c);
                }
                Some(b) if b < 0x20 => {
                    return Err(self.err("control character in a string (escape it)"));
                }
                Some(_) => {
                    // Copy one whole UTF-8 character.
                    let rest = self.src.get(self.pos..).unwrap_or_default();
                    if let Some(c) = rest.chars().next() {
                        out.push(c);
                        self.pos += c.len_utf8();
                    } else {
                        return Err(self.err("unterminated string"));
                    }
                }
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Json<'a>, SyntaxError> {
        let offset = self.pos;
        self.pos += 1;
        let mut items = self.items.pop().unwrap_or_default();
        items.clear();
        let result = self.array_items(depth, &mut items);
        // Move into an exact-size vector; the scratch keeps its capacity for the next array.
        let mut exact = Vec::with_capacity(items.len());
        exact.append(&mut items);
        let kind = Kind::Array(exact);
        self.items.push(items);
        result.map(|()| Json { kind, offset })
    }

    fn array_items(&mut self, depth: usize, items: &mut Vec<Json<'a>>) -> Result<(), SyntaxError> {
        self.ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.ws();
            items.push(self.value(depth)?);
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.err("expected ',' or ']' in an array")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json<'a>, SyntaxError> {
        let offset = self.pos;
        self.pos += 1;
        let mut members = self.members.pop().unwrap_or_default();
        members.clear();
        let result = self.object_members(depth, &mut members);
        let mut exact = Vec::with_capacity(members.len());
        exact.append(&mut members);
        let kind = Kind::Object(exact);
        self.members.push(members);
        result.map(|()| Json { kind, offset })
    }

    fn object_members(
        &mut self,
        depth: usize,
        members: &mut Vec<Member<'a>>,
    ) -> Result<(), SyntaxError> {
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return Err(self.err("expected a string key in an object"));
            }
            let key = self.string()?;
            self.ws();
            if self.peek() != Some(b':') {
                return Err(self.err("expected ':' after an object key"));
            }
            self.pos += 1;
            self.ws();
            let value = self.value(depth)?;
            members.push(Member { key, value });
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.err("expected ',' or '}' in an object")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_keeps_numbers_and_order() {
        let v =
            parse(r#" {"b": 18.0, "a": [true, null, "x\u00e9\ud83d\ude00"], "b": -0} "#).unwrap();
        let m = v.as_object().unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(m[0].key, "b");
        assert_eq!(m[0].value.kind, Kind::Number("18.0"));
        assert_eq!(m[2].value.kind, Kind::Number("-0"));
        let Kind::Array(items) = &m[1].value.kind else {
            panic!()
        };
        assert_eq!(items[2].as_str(), Some("xé😀"));
    }

    #[test]
    fn rejects_what_is_not_json() {
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "1.",
            "1e",
            "NaN",
            "\"\\ud800\"",
            "\"a\nb\"",
            "{a:1}",
            "[1] 2",
            "'x'",
            "\"\\x\"",
            "-",
            "tru",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} accepted");
        }
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(parse(&deep).is_err());
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn line_and_column() {
        let text = "{\n  \"a\": x\n}";
        let e = parse(text).unwrap_err();
        assert_eq!(line_column(text, e.offset), (2, 8));
    }
}
