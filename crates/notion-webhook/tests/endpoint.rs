//! The endpoint's answers: the verification handshake, signatures, duplicates, limits.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use notion_webhook::{
    Endpoint, Error, MemoryHandler, Outcome, Queued, Request, Verification, VerificationToken, sign,
};

const EVENT: &[u8] = br#"{"id":"e1","type":"page.content_updated","entity":{"id":"153104cd-477e-809d-8dc4-ff2d96ae3090","type":"page"}}"#;
const VERIFY: &[u8] = br#"{"verification_token":"secret_abc"}"#;

fn post<'a>(signature: Option<&'a str>, body: &'a [u8]) -> Request<'a> {
    Request {
        method: "POST",
        path: "/notion",
        signature,
        body,
    }
}

fn token() -> VerificationToken {
    VerificationToken::new("secret_abc")
}

#[test]
fn events_are_refused_until_the_verification_request() {
    let ep = Endpoint::new(MemoryHandler::new(100));
    let signed = sign(&token(), EVENT);
    let r = ep.respond(post(Some(&signed), EVENT));
    assert_eq!(
        (r.status, r.outcome),
        (401, Outcome::Refused(Error::NotVerified))
    );
    let r = ep.respond(post(None, VERIFY));
    assert_eq!(
        (r.status, r.outcome),
        (200, Outcome::Verification(Verification::Stored))
    );
    let r = ep.respond(post(Some(&signed), EVENT));
    assert_eq!(r.status, 200);
    assert!(matches!(
        r.outcome,
        Outcome::Event {
            queued: Queued::New,
            ..
        }
    ));
    assert_eq!(ep.handler().take().len(), 1);
}

#[test]
fn bad_or_missing_signatures_change_nothing() {
    let ep = Endpoint::new(MemoryHandler::with_token(token(), 100));
    let other = sign(&VerificationToken::new("secret_other"), EVENT);
    let tampered = sign(&token(), b"{}");
    for (signature, error) in [
        (None, Error::MissingSignature),
        (Some("sha256=00"), Error::MalformedSignature),
        (Some("md5=abc"), Error::MalformedSignature),
        (Some(other.as_str()), Error::SignatureMismatch),
        (Some(tampered.as_str()), Error::SignatureMismatch),
    ] {
        let r = ep.respond(post(signature, EVENT));
        assert_eq!((r.status, r.outcome), (401, Outcome::Refused(error)));
    }
    assert!(ep.handler().take().is_empty());
}

#[test]
fn duplicates_are_acknowledged_once_queued() {
    let ep = Endpoint::new(MemoryHandler::with_token(token(), 100));
    let signed = sign(&token(), EVENT);
    let first = ep.respond(post(Some(&signed), EVENT));
    let again = ep.respond(post(Some(&signed), EVENT));
    assert!(matches!(
        first.outcome,
        Outcome::Event {
            queued: Queued::New,
            ..
        }
    ));
    assert_eq!(again.status, 200);
    assert!(matches!(
        again.outcome,
        Outcome::Event {
            queued: Queued::Duplicate,
            ..
        }
    ));
    assert_eq!(ep.handler().take().len(), 1);
}

#[test]
fn malformed_and_oversized_bodies() {
    let ep = Endpoint::new(MemoryHandler::with_token(token(), 100)).with_max_body(200);
    for body in [&b"{"[..], b"[]", br#"{"type":"page.moved"}"#, b"\xff\xfe"] {
        let signed = sign(&token(), body);
        let r = ep.respond(post(Some(&signed), body));
        assert_eq!(r.status, 400, "{:?}", String::from_utf8_lossy(body));
    }
    let big = vec![b' '; 201];
    let r = ep.respond(post(Some(&sign(&token(), &big)), &big));
    assert_eq!(
        (r.status, r.outcome),
        (413, Outcome::Refused(Error::TooLarge { limit: 200 }))
    );
    // Unsigned junk is refused for its missing signature, not parsed into an answer.
    let r = ep.respond(post(None, b"{"));
    assert_eq!(r.status, 401);
}

#[test]
fn a_token_in_use_is_not_replaced() {
    let ep = Endpoint::new(MemoryHandler::new(100));
    assert_eq!(ep.respond(post(None, VERIFY)).status, 200);
    // Before any event, a new request replaces the token (nothing was trusted yet).
    let second = br#"{"verification_token":"secret_second"}"#;
    assert_eq!(ep.respond(post(None, second)).status, 200);
    let signed = sign(&VerificationToken::new("secret_second"), EVENT);
    assert_eq!(ep.respond(post(Some(&signed), EVENT)).status, 200);
    // Once events were accepted with it, another token is refused; the same one is fine.
    let r = ep.respond(post(None, VERIFY));
    assert_eq!(
        (r.status, r.outcome),
        (409, Outcome::Verification(Verification::Refused))
    );
    let r = ep.respond(post(None, second));
    assert_eq!(
        (r.status, r.outcome),
        (200, Outcome::Verification(Verification::Unchanged))
    );
}

#[test]
fn health_checks_and_other_methods() {
    let ep = Endpoint::new(MemoryHandler::new(100));
    let get = |path| Request {
        method: "GET",
        path,
        signature: None,
        body: b"",
    };
    assert_eq!(ep.respond(get("/healthz")).status, 200);
    assert_eq!(ep.respond(get("/")).status, 405);
}
