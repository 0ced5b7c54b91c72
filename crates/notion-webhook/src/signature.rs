//! The signature of an event: `X-Notion-Signature: sha256=<hex>`, the HMAC-SHA256 of the raw
//! body keyed by the subscription's verification token.

use std::fmt;

use ring::hmac;

use crate::error::{Error, Result};

/// The header carrying an event's signature (lowercase, as HTTP/2 and `http` spell it).
pub const SIGNATURE_HEADER: &str = "x-notion-signature";

/// The prefix of the header's value.
const PREFIX: &str = "sha256=";

/// The verification token of a webhook subscription: the key events are signed with. Its
/// `Debug` is redacted; [`VerificationToken::expose`] gives the text.
#[derive(Clone, PartialEq, Eq)]
pub struct VerificationToken(String);

impl VerificationToken {
    /// A token from its text (`secret_…`).
    pub fn new(token: impl Into<String>) -> Self {
        VerificationToken(token.into())
    }

    /// The token's text, to store it or show it to the person setting the subscription up.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The HMAC key.
    fn key(&self) -> hmac::Key {
        hmac::Key::new(hmac::HMAC_SHA256, self.0.as_bytes())
    }
}

impl fmt::Debug for VerificationToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VerificationToken([redacted])")
    }
}

/// The `X-Notion-Signature` value for `body`: `sha256=` and the HMAC-SHA256 in lowercase hex.
/// What Notion sends; tests and fake senders use it to sign their events.
pub fn sign(token: &VerificationToken, body: &[u8]) -> String {
    let tag = hmac::sign(&token.key(), body);
    let mut out = String::with_capacity(PREFIX.len() + 64);
    out.push_str(PREFIX);
    for b in tag.as_ref() {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Checks `header` (the `X-Notion-Signature` value, if any) against `body`. The comparison
/// takes the same time wherever the first difference is.
pub fn verify(token: &VerificationToken, body: &[u8], header: Option<&str>) -> Result<()> {
    let header = header.ok_or(Error::MissingSignature)?;
    let digest = parse(header)?;
    hmac::verify(&token.key(), body, &digest).map_err(|_| Error::SignatureMismatch)
}

/// The 32 bytes of a `sha256=<64 hex digits>` value (either case; spaces around it allowed).
fn parse(header: &str) -> Result<[u8; 32]> {
    let hex = header
        .trim()
        .strip_prefix(PREFIX)
        .ok_or(Error::MalformedSignature)?
        .as_bytes();
    if hex.len() != 64 {
        return Err(Error::MalformedSignature);
    }
    let mut out = [0u8; 32];
    for (i, pair) in hex.chunks_exact(2).enumerate() {
        let hi = hex_value(pair[0]).ok_or(Error::MalformedSignature)?;
        let lo = hex_value(pair[1]).ok_or(Error::MalformedSignature)?;
        out[i] = (hi << 4) | lo;
    }
    Ok(out)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
    const RFC4231_2: &str =
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";

    #[test]
    fn signs_as_hmac_sha256_in_lowercase_hex() {
        let token = VerificationToken::new("Jefe");
        assert_eq!(sign(&token, b"what do ya want for nothing?"), RFC4231_2);
    }

    #[test]
    fn verifies_its_own_signature_and_uppercase_hex() {
        let token = VerificationToken::new("Jefe");
        let body = b"what do ya want for nothing?";
        assert_eq!(verify(&token, body, Some(RFC4231_2)), Ok(()));
        let upper = format!("sha256={}", RFC4231_2[7..].to_uppercase());
        assert_eq!(verify(&token, body, Some(&upper)), Ok(()));
        assert_eq!(
            verify(&token, body, Some(&format!(" {RFC4231_2} "))),
            Ok(())
        );
    }

    #[test]
    fn refuses_missing_malformed_and_wrong_signatures() {
        let token = VerificationToken::new("Jefe");
        let body = b"what do ya want for nothing?";
        assert_eq!(verify(&token, body, None), Err(Error::MissingSignature));
        for bad in [
            "",
            "sha256=",
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            "sha1=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec384",
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec38433",
            "sha256=zbdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec384é",
        ] {
            assert_eq!(
                verify(&token, body, Some(bad)),
                Err(Error::MalformedSignature),
                "{bad:?}"
            );
        }
        // One bit off, another body, another token.
        let off = format!("{}2", &RFC4231_2[..RFC4231_2.len() - 1]);
        assert_eq!(
            verify(&token, body, Some(&off)),
            Err(Error::SignatureMismatch)
        );
        assert_eq!(
            verify(&token, b"what do ya want for nothing!", Some(RFC4231_2)),
            Err(Error::SignatureMismatch)
        );
        assert_eq!(
            verify(&VerificationToken::new("jefe"), body, Some(RFC4231_2)),
            Err(Error::SignatureMismatch)
        );
    }

    #[test]
    fn debug_hides_the_token() {
        let token = VerificationToken::new("secret_abc");
        assert!(!format!("{token:?}").contains("secret_abc"));
    }
}
