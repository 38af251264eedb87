//! What a write key of an account tab comes to.

use tend_backend::Write;

/// Writes a key asks for: what they do (for the footer once saved), the question
/// to ask first when the key is marked dangerous, and where the Tasks selection
/// goes once they are saved.
pub(crate) struct Change {
    pub writes: Vec<Write>,
    pub what: String,
    pub question: String,
    pub follow: Option<(usize, usize)>,
}

impl Change {
    pub(crate) fn new(
        writes: Vec<Write>,
        what: impl Into<String>,
        question: impl Into<String>,
    ) -> Change {
        Change {
            writes,
            what: what.into(),
            question: question.into(),
            follow: None,
        }
    }
}
