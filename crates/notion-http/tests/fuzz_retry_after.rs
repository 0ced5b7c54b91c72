//! Property-based fuzzing of `Retry-After`: the parser
//! ([`notion_http::classify::parse_retry_after`]) and what the retry layer does with any value a
//! server sends, in the header or in the body's `additional_data.retry_after`.
//!
//! Properties: parsing never panics and accepts only delay-seconds or an HTTP-date; the retry
//! policy never waits longer than its longest allowed wait (`max_retry_after`, or the backoff
//! cap), whatever the value — a longer one fails the request instead. CI runs a few cases per
//! property (`PROPTEST_CASES`, default 64); `cargo xtask fuzz` runs many.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{Request, Response};
use notion_http::Error;
use notion_http::classify::parse_retry_after;
use notion_http::retry::{RetryConfig, RetryPolicy};
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use tower::retry::Policy;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(64)
}

/// Values a server may send as `Retry-After`.
fn retry_after() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,3}",
        "[0-9]{4,30}",
        "-[0-9]{1,6}",
        "[0-9]{1,4}\\.[0-9]{1,3}",
        "[ \t]{0,2}[0-9]{1,4}[ \t]{0,2}",
        (0u64..(1 << 34))
            .prop_map(|s| httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(s))),
        Just("Fri, 31 Dec 9999 23:59:59 GMT".to_owned()),
        Just("Thu, 01 Jan 1970 00:00:00 GMT".to_owned()),
        "[A-Za-z0-9 ,:+-]{0,32}",
        ".{0,32}",
    ]
}

const NOW: u64 = 1_800_000_000;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn parsing_accepts_only_seconds_and_dates(value in retry_after()) {
        let now = UNIX_EPOCH + Duration::from_secs(NOW);
        let parsed = parse_retry_after(&value, now);
        let trimmed = value.trim();
        match parsed {
            Some(d) => {
                if let Ok(seconds) = trimmed.parse::<u64>() {
                    prop_assert_eq!(d, Duration::from_secs(seconds));
                } else {
                    let date = httpdate::parse_http_date(trimmed);
                    prop_assert!(date.is_ok(), "{value:?} parsed as {d:?}");
                    let expected = date.unwrap().duration_since(now).unwrap_or(Duration::ZERO);
                    prop_assert_eq!(d, expected);
                }
            }
            None => prop_assert!(
                trimmed.parse::<u64>().is_err() && httpdate::parse_http_date(trimmed).is_err(),
                "{value:?} was not parsed"
            ),
        }
    }

    #[test]
    fn the_retry_layer_never_waits_past_its_limits(
        status in prop::sample::select(&[429u16, 500, 502, 503, 504, 529][..]),
        header in proptest::option::of(retry_after()),
        body_value in proptest::option::of(retry_after()),
        attempt in 0u32..4,
    ) {
        let config = RetryConfig::default();
        let longest = config.max_retry_after.max(config.max_delay);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        rt.block_on(async {
            let mut policy = RetryPolicy::new(config);
            let mut request = Request::new(Bytes::new());
            let mut builder = Response::builder().status(status);
            if let Some(h) = &header
                && http::HeaderValue::from_str(h).is_ok()
            {
                builder = builder.header("retry-after", h.as_str());
            }
            let body = match &body_value {
                Some(v) => serde_json::json!({"object": "error", "status": status, "code": "rate_limited", "message": "m", "additional_data": {"retry_after": v}}).to_string(),
                None => String::new(),
            };
            let response = builder.body(Bytes::from(body)).unwrap();
            // Earlier attempts of the same request.
            for _ in 0..attempt {
                let mut r: Result<Response<Bytes>, Error> = Ok(Response::builder().status(503).body(Bytes::new()).unwrap());
                let _ = policy.retry(&mut request, &mut r);
            }
            let now = tokio::time::Instant::now();
            let mut result: Result<Response<Bytes>, Error> = Ok(response);
            if let Some(sleep) = policy.retry(&mut request, &mut result) {
                let wait = sleep.deadline().saturating_duration_since(now);
                prop_assert!(
                    wait <= longest,
                    "waits {wait:?} for Retry-After {header:?} / body {body_value:?}"
                );
            }
            Ok(())
        })?;
    }
}

/// The property above is not vacuous: a short `Retry-After` is waited for, a long one is not.
#[test]
fn short_waits_are_honoured_and_long_ones_refused() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    rt.block_on(async {
        for (value, waits) in [("2", Some(Duration::from_secs(2))), ("999999", None)] {
            let mut policy = RetryPolicy::new(RetryConfig::default());
            let now = tokio::time::Instant::now();
            let mut result: Result<Response<Bytes>, Error> = Ok(Response::builder()
                .status(429)
                .header("retry-after", value)
                .body(Bytes::new())
                .unwrap());
            let sleep = policy.retry(&mut Request::new(Bytes::new()), &mut result);
            match waits {
                Some(at_least) => {
                    let wait = sleep.expect("retried").deadline() - now;
                    assert!(wait >= at_least, "{value}: {wait:?}");
                }
                None => assert!(sleep.is_none(), "{value}: retried"),
            }
        }
    });
}

#[test]
fn the_time_of_now_is_a_sane_date() {
    // The fixed "now" of the properties is within the range HTTP-dates cover.
    let now = UNIX_EPOCH + Duration::from_secs(NOW);
    assert!(now > SystemTime::UNIX_EPOCH);
    assert!(httpdate::parse_http_date(&httpdate::fmt_http_date(now)).is_ok());
}
