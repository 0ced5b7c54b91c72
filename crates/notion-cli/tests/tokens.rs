//! OAuth refresh tokens are single-use: every command that refreshes stores the rotated pair
//! before anything else (a CONTROL message in the Airbyte commands, the configuration file in
//! `sync`), so commands run in a row never present a dead refresh token.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::*;
use notion_fake::{Endpoint, FakeNotion, GenConfig, WorkspaceSpec};
use serde_json::{Value, json};

/// What the Airbyte platform does with a CONTROL message: it stores the configuration.
fn apply_control(r: &Run, config: &Path) -> usize {
    let controls = r.of_type("CONTROL");
    for c in &controls {
        assert_eq!(c["control"]["type"], "CONNECTOR_CONFIG");
        std::fs::write(
            config,
            serde_json::to_vec(&c["control"]["connectorConfig"]["config"]).unwrap(),
        )
        .unwrap();
    }
    controls.len()
}

fn access_token(config: &Path) -> String {
    let c: Value = serde_json::from_slice(&std::fs::read(config).unwrap()).unwrap();
    c["credentials"]["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn refreshes(fake: &FakeNotion) -> u64 {
    fake.counters().endpoint(Endpoint::OAuthToken)
}

fn assert_no_invalid_grant(r: &Run) {
    assert!(
        !r.stdout.contains("invalid_grant") && !r.stderr.contains("invalid_grant"),
        "{}\n{}",
        r.stdout,
        r.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_check_read_sync_and_discover_in_a_row_never_lose_the_refresh_token() {
    let fake = fake(WorkspaceSpec::Generated(GenConfig::small()), unthrottled()).await;
    let code = fake.issue_auth_code("fake-client", None);
    let tokens = http_post_json(
        &fake.base_url(),
        "/v1/oauth/token",
        &base64("fake-client:fake-secret"),
        &json!({"grant_type": "authorization_code", "code": code}),
    );
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let dir = Dir::new();
    let mut c = config(&fake, json!({}));
    c["credentials"] = json!({
        "auth_type": "OAuth2.0",
        "client_id": "fake-client",
        "client_secret": "fake-secret",
        "access_token": access,
        "refresh_token": tokens["refresh_token"],
    });
    let cfg = dir.write("config.json", &c);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let check = || run(args(&["check", "--config", &path_str(&cfg)]));
    let status = |r: &Run| {
        r.of_type("CONNECTION_STATUS")
            .first()
            .map(|m| m["connectionStatus"]["status"].clone())
    };
    fake.reset_counters();

    // The access token has expired: check refreshes once and emits the rotated pair first.
    fake.expire_token_after(&access, 0);
    let r = check().await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(status(&r), Some(json!("SUCCEEDED")), "{}", r.stdout);
    assert_eq!(r.messages.last().unwrap()["type"], "CONNECTION_STATUS");
    assert_eq!(apply_control(&r, &cfg), 1, "{}", r.stdout);
    assert_eq!(refreshes(&fake), 1);
    assert_no_invalid_grant(&r);

    // The stored pair works: no refresh, no CONTROL.
    let r = check().await;
    assert_eq!(status(&r), Some(json!("SUCCEEDED")), "{}", r.stdout);
    assert_eq!(apply_control(&r, &cfg), 0);
    assert_eq!(refreshes(&fake), 1);

    // It expires before a read: one refresh, one CONTROL.
    fake.expire_token_after(&access_token(&cfg), 0);
    let r = run(args(&[
        "read",
        "--config",
        &path_str(&cfg),
        "--streams",
        "users,pages",
    ]))
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.records("pages").is_empty());
    assert_eq!(apply_control(&r, &cfg), 1, "{}", r.stderr);
    assert_eq!(refreshes(&fake), 2);
    assert_no_invalid_grant(&r);

    // It expires before a sync: the sync rewrites the configuration file itself.
    let before = access_token(&cfg);
    fake.expire_token_after(&before, 0);
    let r = run(args(&[
        "sync",
        "--quiet",
        "--config",
        &path_str(&cfg),
        "--db",
        &path_str(&dir.path("m.db")),
        "--streams",
        "users,pages",
    ]))
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(refreshes(&fake), 3);
    assert_ne!(
        access_token(&cfg),
        before,
        "the file holds the rotated pair"
    );
    assert_no_invalid_grant(&r);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&cfg).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the file keeps its permissions");
    }
    let written: Value = serde_json::from_slice(&std::fs::read(&cfg).unwrap()).unwrap();
    assert_eq!(written["credentials"]["client_secret"], "fake-secret");
    assert_eq!(written["base_url"], json!(fake.base_url()));

    // discover needs no request; check works with what sync stored.
    let r = run(args(&["discover", "--config", &path_str(&cfg)])).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = check().await;
    assert_eq!(status(&r), Some(json!("SUCCEEDED")), "{}", r.stdout);
    assert_eq!(refreshes(&fake), 3, "one refresh each time a token expired");
    assert_eq!(
        fake.counters().status(400),
        0,
        "no refresh token was presented twice"
    );
}
