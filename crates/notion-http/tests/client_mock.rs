//! The client over an in-memory transport: request shapes, pagination, the block walk and
//! error mapping, without sockets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures::TryStreamExt;
use http::{Request, Response};
use notion_auth::Credentials;
use notion_http::query::{DataSourceQuery, SearchRequest};
use notion_http::{ClientConfig, Error, ErrorKind, NotionClient};
use notion_model::{ApiVersion, ErrorCode, List};
use serde_json::{Value, json};

type Seen = Arc<Mutex<Vec<(String, String, Option<Value>)>>>;

/// A client whose transport answers with `route(method, path_and_query, body)`.
fn client(
    route: impl Fn(&str, &str, Option<&Value>) -> (u16, Value) + Send + Sync + 'static,
) -> (NotionClient, Seen) {
    let seen: Seen = Arc::default();
    let seen2 = seen.clone();
    let route = Arc::new(route);
    let transport = tower::service_fn(move |req: Request<Bytes>| {
        let route = route.clone();
        let seen = seen2.clone();
        async move {
            assert!(req.headers()["authorization"].is_sensitive());
            assert_eq!(req.headers()["notion-version"], "2026-03-11");
            let body: Option<Value> =
                (!req.body().is_empty()).then(|| serde_json::from_slice(req.body()).unwrap());
            let pq = req.uri().path_and_query().unwrap().to_string();
            seen.lock()
                .unwrap()
                .push((req.method().to_string(), pq.clone(), body.clone()));
            let (status, json) = route(req.method().as_str(), &pq, body.as_ref());
            Ok::<_, Error>(
                Response::builder()
                    .status(status)
                    .header("content-type", "application/json")
                    .header("x-notion-request-id", "hdr-req")
                    .body(Bytes::from(json.to_string()))
                    .unwrap(),
            )
        }
    });
    let mut config = ClientConfig::new(Credentials::token("ntn_test"));
    config.base_url = "http://127.0.0.1:1".into();
    config.requests_per_second = 10.0;
    config.retry_base_delay = Duration::from_millis(1);
    config.retry_max_delay = Duration::from_millis(2);
    (
        NotionClient::with_transport(config, transport).unwrap(),
        seen,
    )
}

fn list(results: Vec<Value>, next: Option<&str>) -> Value {
    json!({"object": "list", "results": results, "next_cursor": next, "has_more": next.is_some()})
}

#[tokio::test]
async fn cursors_are_passed_back_verbatim_on_get_and_post() {
    let weird = "c1+/=?&%é";
    let (client, seen) = client(move |_, pq, body| {
        let second =
            pq.contains("start_cursor") || body.is_some_and(|b| b.get("start_cursor").is_some());
        if second {
            (200, list(vec![json!({"id": "b"})], None))
        } else {
            (200, list(vec![json!({"id": "a"})], Some(weird)))
        }
    });
    let users: Vec<Value> = client
        .list_users()
        .as_type::<List<Value>>()
        .page_size(2)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(users, [json!({"id": "a"}), json!({"id": "b"})]);
    let hits: Vec<Value> = client
        .search(&SearchRequest::new().query("x"))
        .as_type::<Value>()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(hits.len(), 2);
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].1, "/v1/users?page_size=2");
    let decoded: Vec<(String, String)> =
        url::form_urlencoded::parse(seen[1].1.split_once('?').unwrap().1.as_bytes())
            .into_owned()
            .collect();
    assert!(
        decoded.contains(&("start_cursor".into(), weird.into())),
        "{decoded:?}"
    );
    assert_eq!(seen[2].2, Some(json!({"query": "x"})));
    assert_eq!(
        seen[3].2,
        Some(json!({"query": "x", "start_cursor": weird}))
    );
}

#[tokio::test]
async fn query_database_queries_each_data_source() {
    let (client, seen) = client(|method, pq, _| match (method, pq) {
        ("GET", "/v1/databases/db1") => (
            200,
            json!({"object": "database", "id": "db1",
                   "data_sources": [{"id": "ds1", "name": "A"}, {"id": "ds2", "name": "B"}]}),
        ),
        ("POST", p) if p.starts_with("/v1/data_sources/ds1/query") => {
            (200, list(vec![json!({"id": "r1"})], None))
        }
        ("POST", p) if p.starts_with("/v1/data_sources/ds2/query") => (
            200,
            json!({"object": "list", "results": [{"id": "r2"}], "next_cursor": null,
                   "has_more": false, "request_status": {"type": "incomplete",
                   "incomplete_reason": "query_result_limit_reached"}}),
        ),
        other => panic!("unexpected {other:?}"),
    });
    let mut query = DataSourceQuery::edited_since("2026-01-01T00:00:00Z");
    query.filter_properties = vec!["title".into()];
    let pages: Vec<(String, Value)> = client
        .query_database::<Value>("db1", &query)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0].0, "ds1");
    assert_eq!(pages[1].1["request_status"]["type"], "incomplete");
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen[1].1,
        "/v1/data_sources/ds1/query?filter_properties%5B%5D=title"
    );
    assert_eq!(
        seen[1].2.as_ref().unwrap()["sorts"][0]["direction"],
        "ascending"
    );
}

#[tokio::test]
async fn errors_carry_code_request_id_and_attempts() {
    let (client, seen) = client(|_, pq, _| match pq {
        "/v1/pages/missing" => (
            404,
            json!({"object": "error", "status": 404, "code": "object_not_found",
                   "message": "Could not find page", "request_id": "body-req"}),
        ),
        _ => (
            503,
            json!({"object": "error", "status": 503, "code": "service_unavailable",
                          "message": "try later"}),
        ),
    });
    let err = client.get_page("missing").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.code(), Some(&ErrorCode::ObjectNotFound));
    assert_eq!(err.request_id(), Some("body-req"));

    let err = client.get_block("x").as_type::<Value>().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);
    assert_eq!(err.request_id(), Some("hdr-req"));
    assert_eq!(err.api().unwrap().attempts, Some(6));
    assert!(
        err.to_string().contains("gave up after 6 attempts"),
        "{err}"
    );
    assert_eq!(seen.lock().unwrap().len(), 1 + 6);
    let stats = client.stats();
    assert_eq!(
        (stats.requests_sent, stats.retries, stats.server_errors),
        (7, 5, 6)
    );
}

#[tokio::test]
async fn ids_are_encoded_as_one_segment_and_property_ids_kept() {
    let (client, seen) = client(|_, _, _| (200, json!({"object": "property_item"})));
    client.get_user("a/b").as_type::<Value>().await.unwrap();
    client
        .get_page_property("p1", "%3AUPp")
        .as_type::<Value>()
        .await
        .unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].1, "/v1/users/a%2Fb");
    assert_eq!(seen[1].1, "/v1/pages/p1/properties/%3AUPp");
}

#[test]
fn configuration_errors_name_the_field() {
    let mut config = ClientConfig::new(Credentials::token("ntn_x"));
    config.base_url = "http://example.com".into();
    let err = NotionClient::new(config).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Configuration {
                field: "base_url",
                ..
            }
        ),
        "{err}"
    );
    let mut config = ClientConfig::new(Credentials::token("ntn_x"));
    config.requests_per_second = 25.0;
    let err = NotionClient::new(config).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Configuration {
                field: "requests_per_second",
                ..
            }
        ),
        "{err}"
    );
    let mut config = ClientConfig::new(Credentials::token("ntn_x"));
    config.api_version = ApiVersion::V2022_06_28;
    let err = NotionClient::new(config).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Configuration {
                field: "api_version",
                ..
            }
        ),
        "{err}"
    );
}
