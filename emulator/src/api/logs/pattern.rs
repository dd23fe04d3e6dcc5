//! CloudWatch Logs text filter patterns, as `FilterLogEvents` applies them.

use super::LogsError;

/// A CloudWatch Logs text filter pattern: every plain term must occur, no `-term` may occur,
/// and when `?term`s are given at least one of them must occur. Terms match case-sensitively
/// anywhere in the message; `"quoted phrases"` match as one term.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct FilterPattern {
    required: Vec<String>,
    any_of: Vec<String>,
    excluded: Vec<String>,
}

impl FilterPattern {
    /// Parses a text filter pattern. The empty pattern matches every event.
    ///
    /// # Errors
    ///
    /// An `InvalidParameterException` for an unterminated quote and for JSON (`{ ... }`),
    /// space-delimited (`[ ... ]`) and regular-expression (`%...%`) patterns, which the
    /// emulator does not implement.
    pub(super) fn parse(pattern: &str) -> Result<Self, LogsError> {
        let trimmed = pattern.trim();
        if trimmed.starts_with('{') || trimmed.starts_with('[') || trimmed.starts_with('%') {
            return Err(LogsError::invalid(format!(
                "filter pattern `{trimmed}` is not supported: the emulator implements text \
                 patterns (terms, \"phrases\", ?alternatives, -exclusions)"
            )));
        }
        let mut out = Self::default();
        let mut chars = trimmed.chars().peekable();
        loop {
            while chars.next_if(|c| c.is_whitespace()).is_some() {}
            let Some(&first) = chars.peek() else { break };
            let kind = match first {
                '?' | '-' => {
                    chars.next();
                    first
                }
                _ => ' ',
            };
            let mut term = String::new();
            if chars.peek() == Some(&'"') {
                chars.next();
                let mut closed = false;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => {
                            closed = true;
                            break;
                        }
                        '\\' => {
                            if let Some(escaped) = chars.next() {
                                term.push(escaped);
                            }
                        }
                        _ => term.push(c),
                    }
                }
                if !closed {
                    return Err(LogsError::invalid(format!(
                        "filter pattern `{trimmed}` has an unterminated quote"
                    )));
                }
            } else {
                while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                    term.push(c);
                }
            }
            if term.is_empty() {
                continue;
            }
            match kind {
                '?' => out.any_of.push(term),
                '-' => out.excluded.push(term),
                _ => out.required.push(term),
            }
        }
        Ok(out)
    }

    /// Whether a message matches the pattern.
    pub(super) fn matches(&self, message: &str) -> bool {
        self.required.iter().all(|t| message.contains(t.as_str()))
            && !self.excluded.iter().any(|t| message.contains(t.as_str()))
            && (self.any_of.is_empty() || self.any_of.iter().any(|t| message.contains(t.as_str())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_pattern_terms_phrases_alternatives_and_exclusions() {
        let p = FilterPattern::parse(r#"REPORT "Init Duration""#).unwrap();
        assert!(p.matches("REPORT RequestId: x\tInit Duration: 1 ms"));
        assert!(!p.matches("REPORT RequestId: x\tDuration: 1 ms"));
        let p = FilterPattern::parse("?ERROR ?WARN").unwrap();
        assert!(p.matches("a WARN b") && p.matches("ERROR") && !p.matches("INFO"));
        let p = FilterPattern::parse("ERROR -Exiting").unwrap();
        assert!(p.matches("ERROR here") && !p.matches("ERROR Exiting"));
        assert!(FilterPattern::parse("").unwrap().matches("anything"));
        assert!(FilterPattern::parse("\"open").is_err());
        assert!(FilterPattern::parse("{ $.level = \"ERROR\" }").is_err());
        let p = FilterPattern::parse("report").unwrap();
        assert!(!p.matches("REPORT"), "terms are case-sensitive");
    }
}
