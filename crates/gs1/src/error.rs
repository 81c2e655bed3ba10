//! The single error type of this crate.
//!
//! Every message is written for the person who has to fix the data: a county officer typing a
//! lot number, a packer whose printed QR code is rejected, or a regulator reading a log. So each
//! message names the Application Identifier (AI) with its title, quotes the offending value, and
//! says what was expected, rather than echoing a parser state.

/// Everything that can go wrong when reading or converting GS1 data.
///
/// Values quoted inside a variant are shortened to at most [`MAX_QUOTED`] characters so that an
/// error built from hostile input stays small.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input was empty where data was required.
    #[error("{what} is empty")]
    Empty {
        /// What was expected, e.g. "Digital Link URI".
        what: &'static str,
    },

    /// A number that should be a GS1 Application Identifier is not in the GS1 table.
    #[error("'{ai}' is not a GS1 Application Identifier")]
    UnknownAi {
        /// The digits that were read where an AI was expected.
        ai: String,
    },

    /// A value has the wrong number of characters for its AI.
    #[error("AI ({ai}) {title}: '{value}' has {actual} characters, but {expected} are required")]
    Length {
        /// The AI, e.g. "01".
        ai: &'static str,
        /// The AI's title from the GS1 table, e.g. "GTIN".
        title: &'static str,
        /// The offending value (shortened).
        value: String,
        /// The allowed lengths in words, e.g. "exactly 14" or "between 1 and 20".
        expected: String,
        /// The number of characters found.
        actual: usize,
    },

    /// A value contains a character its AI does not allow.
    #[error(
        "AI ({ai}) {title}: '{value}' contains {character:?} at position {position}, \
         but only {allowed} are allowed there"
    )]
    InvalidCharacter {
        /// The AI, e.g. "10".
        ai: &'static str,
        /// The AI's title.
        title: &'static str,
        /// The offending value (shortened).
        value: String,
        /// The character that is not allowed.
        character: char,
        /// Its position, counting characters from 1.
        position: usize,
        /// The character set in words, e.g. "digits".
        allowed: &'static str,
    },

    /// The check digit of a GS1 key is wrong, typically a typing or printing mistake.
    #[error(
        "AI ({ai}) {title}: the check digit of '{value}' is wrong \
         (the last digit should be {expected}, not {found})"
    )]
    CheckDigit {
        /// The AI of the key.
        ai: &'static str,
        /// The AI's title.
        title: &'static str,
        /// The key as given (shortened).
        value: String,
        /// The correct check digit.
        expected: char,
        /// The check digit found.
        found: char,
    },

    /// The two check characters at the end of an alphanumeric key (GMN) are wrong.
    #[error(
        "AI ({ai}) {title}: the check characters of '{value}' are wrong \
         (the last two characters should be {expected}, not {found})"
    )]
    CheckCharacters {
        /// The AI of the key.
        ai: &'static str,
        /// The AI's title.
        title: &'static str,
        /// The key as given (shortened).
        value: String,
        /// The correct check character pair.
        expected: String,
        /// The check character pair found.
        found: String,
    },

    /// A value has the right characters and length but does not mean anything valid, e.g.
    /// month 13 in a date or an unknown country code.
    #[error("AI ({ai}) {title}: '{value}' is not valid: {problem}")]
    InvalidContent {
        /// The AI.
        ai: &'static str,
        /// The AI's title.
        title: &'static str,
        /// The offending value (shortened).
        value: String,
        /// What is wrong, in words.
        problem: &'static str,
    },

    /// The same AI appears twice with different values.
    #[error("AI ({ai}) appears more than once with different values ('{first}' and '{second}')")]
    DuplicateAi {
        /// The repeated AI.
        ai: &'static str,
        /// The first value (shortened).
        first: String,
        /// The second value (shortened).
        second: String,
    },

    /// An AI is present without an AI that the GS1 General Specifications require with it,
    /// e.g. a lot number (10) without a GTIN (01).
    #[error("AI ({ai}) {title} can only be used together with {requires}")]
    MissingRequiredAi {
        /// The AI that lacks its partner.
        ai: &'static str,
        /// The AI's title.
        title: &'static str,
        /// The acceptable partners in words, e.g. "(01), (02), (03), (8006) or (8026)".
        requires: String,
    },

    /// Two AIs that must not be used together are both present.
    #[error("AI ({ai}) {title} must not be used together with AI ({other})")]
    ConflictingAis {
        /// One AI.
        ai: &'static str,
        /// Its title.
        title: &'static str,
        /// The AI it conflicts with.
        other: &'static str,
    },

    /// The scanner data starts with a symbology identifier that does not carry GS1 data.
    #[error(
        "the scanned data starts with symbology identifier '{id}', which does not carry GS1 \
         element strings (expected ]C1, ]e0, ]d2, ]Q3, ]J1, ]E0 or ]E4; a QR code holding a \
         web address is a Digital Link, not an element string)"
    )]
    UnsupportedSymbology {
        /// The three-character identifier, e.g. "]Q1".
        id: String,
    },

    /// An element string is malformed in a way that has nothing to do with one AI's value.
    #[error("element string is malformed at character {position}: {problem}")]
    ElementStringSyntax {
        /// Character position, counting from 1.
        position: usize,
        /// What is wrong, in words.
        problem: &'static str,
    },

    /// The text is not a usable web address (URI) at all.
    #[error("'{uri}' is not a valid GS1 Digital Link URI: {problem}")]
    InvalidUri {
        /// The URI (shortened).
        uri: String,
        /// What is wrong, in words.
        problem: &'static str,
    },

    /// The data contains no GS1 primary key such as a GTIN (01) or an SSCC (00).
    #[error(
        "'{text}' contains no GS1 key that a Digital Link can start with (such as /01/ and a \
         GTIN, /00/ and an SSCC, or /414/ and a GLN)"
    )]
    NoPrimaryKey {
        /// The URI or element string (shortened).
        text: String,
    },

    /// A path segment that should be an AI value is missing or empty.
    #[error("Digital Link path: AI ({ai}) has no value")]
    MissingValue {
        /// The AI whose value is missing.
        ai: String,
    },

    /// A key qualifier in the path is not one of those the primary key accepts.
    #[error(
        "Digital Link path: AI ({qualifier}) cannot qualify AI ({key}) {title}; \
         allowed qualifiers are {allowed}"
    )]
    QualifierNotAllowed {
        /// The primary key AI.
        key: &'static str,
        /// The primary key's title.
        title: &'static str,
        /// The AI found in a qualifier position.
        qualifier: String,
        /// The allowed qualifiers in words.
        allowed: String,
    },

    /// Key qualifiers are present but in the wrong order (e.g. /21/ before /10/).
    #[error(
        "Digital Link path: AI ({qualifier}) must come before AI ({must_precede}) after the \
         AI ({key}) {title}; the required order is {order}"
    )]
    QualifierOutOfOrder {
        /// The primary key AI.
        key: &'static str,
        /// The primary key's title.
        title: &'static str,
        /// The qualifier that came too late.
        qualifier: &'static str,
        /// The qualifier it should precede.
        must_precede: &'static str,
        /// The required order in words.
        order: String,
    },

    /// Key qualifiers from two alternative sequences are mixed (e.g. /235/ with /10/).
    #[error(
        "Digital Link path: AI ({first}) and AI ({second}) cannot both qualify AI ({key}) {title}"
    )]
    QualifiersMixed {
        /// The primary key AI.
        key: &'static str,
        /// The primary key's title.
        title: &'static str,
        /// One qualifier.
        first: &'static str,
        /// The qualifier from the other alternative.
        second: &'static str,
    },

    /// An AI in the query string is not allowed as a Digital Link data attribute.
    #[error("AI ({ai}) {title} is not allowed in the query string of a Digital Link")]
    NotADataAttribute {
        /// The AI.
        ai: &'static str,
        /// Its title.
        title: &'static str,
    },

    /// An AI in the query string is a key qualifier and belongs in the path.
    #[error(
        "AI ({ai}) {title} qualifies the key AI ({key}) and must be written in the path \
         (/{key}/…/{ai}/…), not in the query string"
    )]
    AttributeBelongsInPath {
        /// The AI found in the query string.
        ai: &'static str,
        /// Its title.
        title: &'static str,
        /// The primary key it qualifies.
        key: &'static str,
    },

    /// A `%` in a URI is not followed by two hexadecimal digits, or encodes a NUL byte.
    #[error("'{text}' has a broken percent-escape (a '%' must be followed by two hex digits)")]
    InvalidPercentEncoding {
        /// The offending component (shortened).
        text: String,
    },

    /// A primary key was expected to be of another kind (e.g. an SSCC where a GTIN is needed).
    #[error("expected a {expected} (AI {expected_ai}) but found AI ({found})")]
    WrongKeyType {
        /// The key type expected, e.g. "GTIN".
        expected: &'static str,
        /// The AI of the expected key.
        expected_ai: &'static str,
        /// The AI found.
        found: &'static str,
    },

    /// The AI is not a GS1 Digital Link primary key.
    #[error("AI ({ai}) {title} is not a GS1 key that can start a Digital Link")]
    NotAPrimaryKey {
        /// The AI.
        ai: &'static str,
        /// Its title.
        title: &'static str,
    },

    /// An element string holds an AI that cannot be carried by a Digital Link.
    #[error("AI ({ai}) {title} cannot be carried in a Digital Link URI")]
    NotInDigitalLink {
        /// The AI.
        ai: &'static str,
        /// Its title.
        title: &'static str,
    },

    /// An EPC URN is malformed.
    #[error("'{urn}' is not a valid EPC URN: {problem}")]
    InvalidEpcUrn {
        /// The URN (shortened).
        urn: String,
        /// What is wrong, in words.
        problem: &'static str,
    },

    /// An EPC URN uses a scheme this crate does not convert.
    #[error("EPC scheme '{scheme}' has no GS1 Digital Link equivalent supported here")]
    UnsupportedEpcScheme {
        /// The scheme, e.g. "bic".
        scheme: String,
    },

    /// The GS1 Company Prefix length needed to write an EPC URN is not known.
    #[error(
        "the GS1 Company Prefix of AI ({ai}) '{key}' is not known; add this member's company \
         prefix to the prefix table to write the key as an EPC URN"
    )]
    UnknownGcpLength {
        /// The AI of the key.
        ai: &'static str,
        /// The key (shortened).
        key: String,
    },

    /// A GS1 Company Prefix length cannot apply: it is not 6 to 12 digits, or it leaves no
    /// room for the rest of the key, or the key (or table prefix) is not digits there.
    #[error(
        "a GS1 Company Prefix of {length} digits cannot apply to '{key}' (EPC URNs need 6 to \
         12 digits of company prefix, followed by the rest of the key)"
    )]
    InvalidGcpLength {
        /// The length that was configured.
        length: usize,
        /// The key or table prefix (shortened).
        key: String,
    },

    /// The Digital Link carries something no EPC URN can express (e.g. AI 7040 or 8019).
    #[error("this Digital Link has no EPC URN equivalent: {reason}")]
    NoEpcEquivalent {
        /// Why, in words.
        reason: &'static str,
    },
}

/// The longest quoted value an [`Error`] keeps, in characters.
pub const MAX_QUOTED: usize = 100;

/// Shortens `s` for quoting in an error, so that hostile input cannot make errors huge.
pub(crate) fn quote(s: &str) -> String {
    if s.chars().count() <= MAX_QUOTED {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(MAX_QUOTED).collect();
        out.push('…');
        out
    }
}
