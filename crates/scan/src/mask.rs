//! Masking secrets in what is said about a file.
//!
//! A secret found anywhere in a file (by a rule, or by the shared detector
//! over the file's text) is masked in everything said about that file: its
//! snippets (by span, when drawn), every finding's message and detail
//! whichever module wrote it, its input errors, suppressions and rule
//! failures. Messages are also searched on their own, so a credential a
//! module prints that the file does not hold verbatim is masked too.

use std::borrow::Cow;

use bulwark_core::{SecretForms, Span};

/// The spans of every secret the shared detector (the one the rules use)
/// finds in `text`.
pub(crate) fn detect(text: &str) -> Vec<Span> {
    bulwark_secrets::find(text)
        .into_iter()
        .map(|r| Span::new(r.start, r.end))
        .collect()
}

/// Masks what is said about one file: every secret known in the file, and
/// every secret the detector finds in the message itself.
#[derive(Debug, Clone, Default)]
pub struct Masker {
    texts: SecretForms,
}

impl Masker {
    /// The masker of a file with text `text` (none for a file that could
    /// not be read) whose secrets are at `spans`.
    pub fn new(text: Option<&str>, spans: &[Span]) -> Masker {
        Masker {
            texts: text.map(|t| SecretForms::new(t, spans)).unwrap_or_default(),
        }
    }

    /// `message` masked.
    pub fn mask<'a>(&self, message: &'a str) -> Cow<'a, str> {
        mask_message(message, &self.texts)
    }
}

/// `message` with every occurrence of each of `secrets` (longest first)
/// and every secret the detector finds in it replaced by `****`. Short
/// secrets (under 8 bytes) are masked only where they stand as a word.
pub(crate) fn mask_message<'a>(message: &'a str, secrets: &SecretForms) -> Cow<'a, str> {
    let out = secrets.mask(message);
    let found = bulwark_secrets::find(&out);
    if found.is_empty() {
        return out;
    }
    let text = out.as_ref();
    let mut masked = String::with_capacity(text.len());
    let mut last = 0;
    for r in found {
        masked.push_str(&text[last..r.start]);
        masked.push_str("****");
        last = r.end;
    }
    masked.push_str(&text[last..]);
    Cow::Owned(masked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bulwark_core::secret_forms as secret_texts;

    #[test]
    fn masks_secrets_in_messages_in_every_form() {
        let text = "A=\"hunter22\"\nKEY=-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkq\n-----END PRIVATE KEY-----\n";
        let spans = [Span::new(2, 12), Span::new(17, text.len() - 1)];
        let secrets = SecretForms::new(text, &spans);
        assert_eq!(
            mask_message(
                "value \"hunter22\" and hunter22; body MIIEvQIBADANBgkq",
                &secrets
            ),
            "value **** and ****; body ****"
        );
        // A secret the file also shows in clear is not masked in messages.
        let text = "name: test\nsecretkey: test\n";
        assert!(secret_texts(text, &[Span::new(22, 26)]).is_empty());
        let text = "name: app\nsecretkey: test\n";
        assert_eq!(secret_texts(text, &[Span::new(21, 25)]), ["test"]);
        // Short secrets only as words.
        let short = SecretForms::from_forms(vec!["test".to_owned()]);
        assert_eq!(
            mask_message("test testing a-test", &short),
            "**** testing a-****"
        );
        // A credential the file does not hold verbatim.
        assert_eq!(
            mask_message(
                "decoded ghp_0123456789abcdefghijABCDEFGHIJ012345 here",
                &SecretForms::default()
            ),
            "decoded **** here"
        );
    }
}
