//! Why a line could not be read, and where.

/// Why a line could not be read as a REPORT record or log event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The text is not a REPORT record in any known form.
    #[error("not a REPORT record: `{text}`")]
    NotAReport {
        /// The offending text (shortened).
        text: String,
    },
    /// A required field is absent.
    #[error("missing {field} field in `{text}`")]
    MissingField {
        /// The field's name as Lambda writes it.
        field: &'static str,
        /// The offending text (shortened).
        text: String,
    },
    /// A field name is not followed by a value.
    #[error("{field} has no value in `{text}`")]
    MissingValue {
        /// The field's name as Lambda writes it.
        field: &'static str,
        /// The offending text (shortened).
        text: String,
    },
    /// A field's value is not what Lambda writes there.
    #[error("invalid {field} value `{value}`: expected {expected}")]
    InvalidValue {
        /// The field's name as Lambda writes it.
        field: &'static str,
        /// The rejected value (shortened).
        value: String,
        /// What the field accepts.
        expected: &'static str,
    },
    /// A value is not followed by its unit.
    #[error("{field} value `{value}` is followed by `{found}` instead of the unit `{unit}`")]
    MissingUnit {
        /// The field's name as Lambda writes it.
        field: &'static str,
        /// The value before the missing unit.
        value: String,
        /// The unit Lambda writes after this field.
        unit: &'static str,
        /// What followed the value instead (empty at the end of the line).
        found: String,
    },
    /// A field appears more than once.
    #[error("{field} appears twice in `{text}`")]
    DuplicateField {
        /// The field's name as Lambda writes it.
        field: &'static str,
        /// The offending text (shortened).
        text: String,
    },
    /// Text where a `Name: value` field should start.
    #[error("unexpected text `{found}` in `{text}`: expected a `Name: value` field")]
    UnexpectedText {
        /// The unexpected words.
        found: String,
        /// The whole offending text (shortened).
        text: String,
    },
    /// A JSON log event that is not valid JSON or not shaped like Lambda's event.
    #[error("invalid JSON log event ({message}): `{text}`")]
    InvalidJson {
        /// What the JSON parser reported.
        message: String,
        /// The offending text (shortened).
        text: String,
    },
    /// An `X-Amz-Log-Result` value that is not base64.
    #[error("invalid base64 in the log tail: {message}")]
    InvalidBase64 {
        /// What the decoder reported.
        message: String,
    },
}

/// A [`ParseError`] with the 1-based number of the line it occurred on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line_number}: {error}")]
pub struct LineError {
    /// 1-based line number in the text given to [`events`](super::events) or [`records`](super::records).
    pub line_number: usize,
    /// What went wrong (already part of this error's message, so not its `source`).
    pub error: ParseError,
}

/// Longest excerpt of offending text kept in an error, in bytes.
const EXCERPT_MAX_BYTES: usize = 160;

pub(super) fn excerpt(text: &str) -> String {
    if text.len() <= EXCERPT_MAX_BYTES {
        return text.to_owned();
    }
    let mut end = EXCERPT_MAX_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}
