//! What `--debug`, `RUST_LOG` and `--log-format json` write on stderr: one line per request from
//! this project's crates, no colour codes in a pipe, and never a secret.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use notion_fake::{Endpoint, GenConfig, WorkspaceSpec};
use serde_json::{Value, json};

/// A configuration with OAuth tokens whose access token expires after a few requests, so that
/// the logs cover a refresh; returns it with every secret in it.
async fn oauth_config(fake: &notion_fake::FakeNotion) -> (Value, Vec<String>) {
    let code = fake.issue_auth_code("fake-client", None);
    let tokens = http_post_json(
        &fake.base_url(),
        "/v1/oauth/token",
        &base64("fake-client:fake-secret"),
        &json!({"grant_type": "authorization_code", "code": code}),
    );
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    fake.expire_token_after(&access, 3);
    let mut c = config(fake, json!({}));
    c["credentials"] = json!({
        "auth_type": "OAuth2.0",
        "client_id": "fake-client",
        "client_secret": "fake-secret",
        "access_token": access,
        "refresh_token": refresh,
    });
    (c, vec![access, refresh, "fake-secret".to_owned()])
}

/// Secrets of the run: the configuration's and the rotated pair of its CONTROL message.
fn secrets_of(r: &Run, mut secrets: Vec<String>) -> Vec<String> {
    for control in r.of_type("CONTROL") {
        let creds = &control["control"]["connectorConfig"]["config"]["credentials"];
        for key in ["access_token", "refresh_token"] {
            secrets.push(creds[key].as_str().unwrap().to_owned());
        }
    }
    secrets
}

fn assert_no_secret(r: &Run, secrets: &[String]) {
    for secret in secrets {
        assert!(!r.stderr.contains(secret.as_str()), "a secret in the logs");
        for line in r.stdout.lines().filter(|l| !l.contains("\"CONTROL\"")) {
            assert!(!line.contains(secret.as_str()), "a secret in {line}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_logs_one_line_per_request_from_our_crates_without_colour() {
    let fake = fake(WorkspaceSpec::Generated(GenConfig::small()), unthrottled()).await;
    let (c, secrets) = oauth_config(&fake).await;
    let dir = Dir::new();
    let cfg = dir.write("config.json", &c);
    let r = run(args(&[
        "--debug",
        "read",
        "--config",
        &path_str(&cfg),
        "--streams",
        "users,databases",
    ]))
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        fake.counters().endpoint(Endpoint::OAuthToken),
        2,
        "code exchange and one refresh"
    );
    let requests: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.contains("notion request"))
        .collect();
    let users = requests
        .iter()
        .find(|l| l.contains("path=/v1/users") && l.contains("status=200"))
        .unwrap_or_else(|| panic!("no line for GET /v1/users:\n{}", r.stderr));
    for part in ["method=GET", "ms=", "attempts=1", "request_id="] {
        assert!(users.contains(part), "{part} in {users}");
    }
    // The request that met the expired token: a refresh and a replay, one line.
    assert!(requests.len() >= 3, "{}", r.stderr);
    assert!(r.stderr.contains("OAuth token refreshed"), "{}", r.stderr);
    assert!(!r.stderr.contains('\u{1b}'), "no ANSI codes in a pipe");
    for line in r.stderr.lines() {
        assert!(
            line.contains("notion_"),
            "only this project's crates log at debug: {line}"
        );
    }
    assert_no_secret(&r, &secrets_of(&r, secrets));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bare_rust_log_level_does_not_flood_with_the_http_libraries() {
    let fake = fake(WorkspaceSpec::Generated(GenConfig::small()), unthrottled()).await;
    let dir = Dir::new();
    let cfg = dir.write("config.json", &config(&fake, json!({})));
    let a = args(&["read", "--config", &path_str(&cfg), "--streams", "users"]);
    let r = run_with_env(a.clone(), &[("RUST_LOG", "debug")]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("notion request"), "{}", r.stderr);
    for noise in ["hyper", "rustls", "h2::"] {
        assert!(!r.stderr.contains(noise), "{noise} in {}", r.stderr);
    }
    // Targets named explicitly are honoured.
    let r = run_with_env(a, &[("RUST_LOG", "hyper_util=debug")]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("hyper_util"), "{}", r.stderr);
    assert!(!r.stderr.contains("notion request"), "{}", r.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_are_one_object_per_line_without_secrets() {
    let fake = fake(WorkspaceSpec::Generated(GenConfig::small()), unthrottled()).await;
    let (c, secrets) = oauth_config(&fake).await;
    let dir = Dir::new();
    let cfg = dir.write("config.json", &c);
    let r = run_with_env(
        args(&[
            "--debug",
            "--log-format",
            "json",
            "read",
            "--config",
            &path_str(&cfg),
            "--streams",
            "users",
        ]),
        &[("NO_COLOR", "1")],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<Value> = r
        .stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let request = lines
        .iter()
        .find(|l| l["fields"]["message"] == "notion request" && l["fields"]["status"] == 200)
        .unwrap_or_else(|| panic!("{}", r.stderr));
    assert_eq!(request["span"]["method"], "GET", "{request}");
    assert!(request["span"]["path"].is_string(), "{request}");
    for field in ["ms", "attempts", "request_id"] {
        assert!(!request["fields"][field].is_null(), "{field} in {request}");
    }
    assert!(lines.iter().all(|l| l["level"].is_string()));
    assert_no_secret(&r, &secrets_of(&r, secrets));
}
