//! The downloader against small file hosts on 127.0.0.1: pre-signed links that expire, sizes
//! over the limit, redirects, failures, stalls, and what each request carries.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures::future::BoxFuture;
use http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use notion_files::{
    DownloadSettings, Downloader, Downloads, Job, NoRefresh, Outcome, Owner, Refresh, Store,
};
use serde_json::json;
use sha2::{Digest, Sha256};

type Body = BoxBody<Bytes, std::io::Error>;

fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never: Infallible| match never {})
        .boxed()
}

/// A body of `total` bytes sent in chunks, with no `Content-Length`, counting what was produced.
fn chunked(total: usize, chunk: usize, produced: Arc<AtomicUsize>) -> Body {
    let stream = futures::stream::unfold(0usize, move |sent| {
        let produced = produced.clone();
        async move {
            if sent >= total {
                return None;
            }
            let n = chunk.min(total - sent);
            produced.fetch_add(n, Ordering::SeqCst);
            Some((Ok(Frame::data(Bytes::from(content(sent, n)))), sent + n))
        }
    });
    StreamBody::new(stream).boxed()
}

/// A body that sends a little, then nothing.
fn stalling() -> Body {
    let stream = futures::stream::unfold(0u8, |step| async move {
        if step == 0 {
            Some((Ok(Frame::data(Bytes::from_static(b"start"))), 1))
        } else {
            futures::future::pending::<()>().await;
            None
        }
    });
    StreamBody::new(stream).boxed()
}

/// Deterministic bytes: `n` bytes from offset `from`.
fn content(from: usize, n: usize) -> Vec<u8> {
    (from..from + n).map(|i| (i * 31 % 251) as u8).collect()
}

fn sha(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn status(code: u16, body: &str) -> Response<Body> {
    let mut r = Response::new(full(body.to_owned()));
    *r.status_mut() = StatusCode::from_u16(code).unwrap();
    r.headers_mut()
        .insert("content-type", "application/xml".parse().unwrap());
    r
}

fn ok(bytes: Vec<u8>, content_type: &str) -> Response<Body> {
    let len = bytes.len();
    let mut r = Response::new(full(bytes));
    r.headers_mut()
        .insert("content-type", content_type.parse().unwrap());
    r.headers_mut()
        .insert("content-length", len.to_string().parse().unwrap());
    r
}

const EXPIRED: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired</Message><Expires>2026-07-04T10:00:00Z</Expires></Error>";
const BAD_SIGNATURE: &str = "<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message></Error>";

/// What a host saw of one request.
#[derive(Debug, Clone)]
struct Seen {
    target: String,
    headers: HeaderMap,
}

type Handler = dyn Fn(&str, &str) -> Response<Body> + Send + Sync;

/// A file host on 127.0.0.1: answers by path and query, records every request, and tracks
/// how many are in flight.
struct Host {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    most_at_once: Arc<AtomicUsize>,
}

impl Host {
    async fn start(handler: impl Fn(&str, &str) -> Response<Body> + Send + Sync + 'static) -> Host {
        Self::start_with_delay(Duration::ZERO, handler).await
    }

    async fn start_with_delay(
        delay: Duration,
        handler: impl Fn(&str, &str) -> Response<Body> + Send + Sync + 'static,
    ) -> Host {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let now = Arc::new(AtomicUsize::new(0));
        let most_at_once = Arc::new(AtomicUsize::new(0));
        let handler: Arc<Handler> = Arc::new(handler);
        let (s, n, m) = (seen.clone(), now.clone(), most_at_once.clone());
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (handler, seen, now, most) = (handler.clone(), s.clone(), n.clone(), m.clone());
                tokio::spawn(async move {
                    let svc = service_fn(move |req: Request<Incoming>| {
                        let (handler, seen, now, most) =
                            (handler.clone(), seen.clone(), now.clone(), most.clone());
                        async move {
                            seen.lock().unwrap().push(Seen {
                                target: req.uri().to_string(),
                                headers: req.headers().clone(),
                            });
                            let at_once = now.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(at_once, Ordering::SeqCst);
                            tokio::time::sleep(delay).await;
                            let path = req.uri().path().to_owned();
                            let query = req.uri().query().unwrap_or("").to_owned();
                            let response = handler(&path, &query);
                            now.fetch_sub(1, Ordering::SeqCst);
                            Ok::<_, Infallible>(response)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        Host {
            addr,
            seen,
            most_at_once,
        }
    }

    fn url(&self, path_and_query: &str) -> String {
        format!("http://{}{path_and_query}", self.addr)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// Reads an object again: answers a block holding `url` at `field` `image.file.url`.
struct Fresh {
    url: Mutex<String>,
    calls: AtomicUsize,
}

impl Fresh {
    fn new(url: String) -> Arc<Fresh> {
        Arc::new(Fresh {
            url: Mutex::new(url),
            calls: AtomicUsize::new(0),
        })
    }
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl Refresh for Fresh {
    fn refresh(&self, owner: &Owner) -> BoxFuture<'static, Result<String, String>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let Owner::Block(id) = owner else {
            return Box::pin(async { Err("not a block".to_owned()) });
        };
        let block = json!({"object": "block", "id": id, "type": "image",
            "image": {"type": "file", "file": {"url": *self.url.lock().unwrap(), "expiry_time": "2026-07-04T11:00:00.000Z"}}});
        Box::pin(async move { Ok(block.to_string()) })
    }
}

struct Setup {
    _dir: tempfile::TempDir,
    downloader: Downloader,
}

fn setup(settings: DownloadSettings, refresher: Arc<dyn Refresh>) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("notion.db.files")).unwrap();
    let downloader = Downloader::new(store, settings, refresher).unwrap();
    Setup {
        _dir: dir,
        downloader,
    }
}

fn quick() -> DownloadSettings {
    DownloadSettings {
        idle_timeout: Duration::from_millis(300),
        response_timeout: Duration::from_secs(5),
        retry_base_delay: Duration::from_millis(10),
        ..DownloadSettings::default()
    }
}

fn job(url: String) -> Job {
    Job {
        url,
        owner: Some(Owner::Block("b1".into())),
        field: "image.file.url".into(),
        name: None,
    }
}

fn temporary_files(d: &Downloader) -> usize {
    std::fs::read_dir(d.store().root().join("tmp"))
        .unwrap()
        .count()
}

/// A host whose links are signed by generation: `?sig=N` is valid while N is the current one.
fn signed_host(current: Arc<AtomicUsize>, bytes: Vec<u8>) -> impl Fn(&str, &str) -> Response<Body> {
    move |path, query| {
        let sig: usize = query
            .strip_prefix("sig=")
            .and_then(|s| s.parse().ok())
            .unwrap_or(usize::MAX);
        if sig != current.load(Ordering::SeqCst) {
            return status(403, EXPIRED);
        }
        if path.to_ascii_lowercase().ends_with(".png") {
            ok(bytes.clone(), "image/png")
        } else {
            status(404, "<Error><Code>NoSuchKey</Code></Error>")
        }
    }
}

#[tokio::test]
async fn a_file_is_stored_under_its_hash() {
    let bytes = content(0, 300_000);
    let host = Host::start(signed_host(Arc::new(AtomicUsize::new(1)), bytes.clone())).await;
    let s = setup(quick(), Arc::new(NoRefresh));
    let mut j = job(host.url("/ws/f1/Cat%20photo.PNG?sig=1"));
    j.name = Some("Cat photo.PNG".into());
    let finished = s.downloader.download(&j).await;
    let Outcome::Downloaded(blob) = &finished.outcome else {
        panic!("{finished:?}");
    };
    let hash = sha(&bytes);
    assert_eq!(blob.sha256, hash);
    assert_eq!(blob.size, 300_000);
    assert_eq!(blob.mime_type.as_deref(), Some("image/png"));
    assert_eq!(
        blob.local_path,
        format!("notion.db.files/{}/{hash}.png", &hash[..2])
    );
    let on_disk = std::fs::read(s.downloader.store().resolve(&blob.local_path).unwrap()).unwrap();
    assert_eq!(on_disk, bytes);
    assert!(!finished.refreshed);
    assert_eq!(finished.body_bytes, 300_000);
    assert_eq!(temporary_files(&s.downloader), 0);
    let stats = s.downloader.stats();
    assert_eq!(
        (stats.downloaded, stats.bytes, stats.refreshes),
        (1, 300_000, 0)
    );
}

#[tokio::test]
async fn no_credentials_reach_a_file_host() {
    let host = Host::start(signed_host(Arc::new(AtomicUsize::new(1)), b"x".to_vec())).await;
    let s = setup(quick(), Arc::new(NoRefresh));
    let finished = s.downloader.download(&job(host.url("/a.png?sig=1"))).await;
    assert!(matches!(finished.outcome, Outcome::Downloaded(_)));
    let seen = host.seen();
    assert_eq!(seen.len(), 1);
    // The link is sent as Notion wrote it.
    assert_eq!(seen[0].target, "/a.png?sig=1");
    let names: Vec<&str> = seen[0].headers.keys().map(|k| k.as_str()).collect();
    assert_eq!(
        names,
        ["user-agent", "accept-encoding", "host"],
        "{names:?}"
    );
    assert_eq!(seen[0].headers["accept-encoding"], "identity");
}

#[tokio::test]
async fn an_expired_link_is_refreshed_once_and_tried_again() {
    let current = Arc::new(AtomicUsize::new(2));
    let bytes = content(7, 1000);
    let host = Host::start(signed_host(current.clone(), bytes.clone())).await;
    let fresh = Fresh::new(host.url("/ws/f1/a.png?sig=2"));
    let s = setup(quick(), fresh.clone());
    let finished = s
        .downloader
        .download(&job(host.url("/ws/f1/a.png?sig=1")))
        .await;
    let Outcome::Downloaded(blob) = &finished.outcome else {
        panic!("{finished:?}");
    };
    assert_eq!(blob.sha256, sha(&bytes));
    assert!(finished.refreshed);
    assert_eq!(finished.url, host.url("/ws/f1/a.png?sig=2"));
    assert_eq!(finished.requests, 2);
    assert_eq!(fresh.calls(), 1);
    assert_eq!(s.downloader.stats().refreshes, 1);
}

#[tokio::test]
async fn a_link_expired_again_after_its_refresh_fails_without_a_second_refresh() {
    let current = Arc::new(AtomicUsize::new(3));
    let host = Host::start(signed_host(current, b"x".to_vec())).await;
    // The object read again still gives an expired link.
    let fresh = Fresh::new(host.url("/a.png?sig=2"));
    let s = setup(quick(), fresh.clone());
    let finished = s.downloader.download(&job(host.url("/a.png?sig=1"))).await;
    let Outcome::Failed(why) = &finished.outcome else {
        panic!("{finished:?}");
    };
    assert!(why.contains("Request has expired"), "{why}");
    assert!(why.contains("also with a fresh link"), "{why}");
    assert!(!why.contains("sig="), "no signature in errors: {why}");
    assert_eq!(fresh.calls(), 1);
    assert_eq!(finished.requests, 2);
}

#[tokio::test]
async fn a_400_is_an_expired_link_and_other_403s_are_not() {
    let host = Host::start(|path, _| match path {
        "/bad-request.png" => status(400, "<Error><Code>InvalidArgument</Code></Error>"),
        "/fresh.png" => ok(b"fresh".to_vec(), "image/png"),
        _ => status(403, BAD_SIGNATURE),
    })
    .await;
    let fresh = Fresh::new(host.url("/fresh.png"));
    let s = setup(quick(), fresh.clone());
    let finished = s
        .downloader
        .download(&job(host.url("/bad-request.png?x=1")))
        .await;
    assert!(
        matches!(finished.outcome, Outcome::Downloaded(_)),
        "{finished:?}"
    );
    assert_eq!(fresh.calls(), 1);
    let finished = s
        .downloader
        .download(&job(host.url("/forbidden.png")))
        .await;
    let Outcome::Failed(why) = &finished.outcome else {
        panic!("{finished:?}");
    };
    assert!(why.starts_with("403 from http://127.0.0.1:"), "{why}");
    assert!(why.contains("SignatureDoesNotMatch"), "{why}");
    assert_eq!(
        fresh.calls(),
        1,
        "no refresh for a refusal that is not expiry"
    );
}

#[tokio::test]
async fn a_replaced_file_is_found_at_its_object_s_new_link() {
    let new = content(3, 5000);
    let n = new.clone();
    let host = Host::start(move |path, _| match path {
        "/ws/v2/a.png" => ok(n.clone(), "image/png"),
        _ => status(404, "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>"),
    })
    .await;
    let fresh = Fresh::new(host.url("/ws/v2/a.png?sig=9"));
    let s = setup(quick(), fresh.clone());
    let finished = s
        .downloader
        .download(&job(host.url("/ws/v1/a.png?sig=1")))
        .await;
    let Outcome::Downloaded(blob) = &finished.outcome else {
        panic!("{finished:?}");
    };
    assert_eq!(blob.sha256, sha(&new));
    assert_eq!(finished.url, host.url("/ws/v2/a.png?sig=9"));
    assert_eq!(fresh.calls(), 1);
}

#[tokio::test]
async fn a_refresh_that_finds_no_file_says_so() {
    let host = Host::start(|_, _| status(403, EXPIRED)).await;
    // The block now holds a paragraph: no file at the field.
    struct Gone;
    impl Refresh for Gone {
        fn refresh(&self, _: &Owner) -> BoxFuture<'static, Result<String, String>> {
            Box::pin(async {
                Ok(r#"{"object":"block","id":"b1","type":"paragraph","paragraph":{}}"#.to_owned())
            })
        }
    }
    let s = setup(quick(), Arc::new(Gone));
    let finished = s.downloader.download(&job(host.url("/a.png?sig=1"))).await;
    let Outcome::Failed(why) = &finished.outcome else {
        panic!("{finished:?}");
    };
    assert!(
        why.contains("block b1 no longer holds a file at image.file.url"),
        "{why}"
    );
    // Without an owner there is nothing to read again.
    let mut j = job(host.url("/a.png?sig=1"));
    j.owner = None;
    let finished = s.downloader.download(&j).await;
    let Outcome::Failed(why) = &finished.outcome else {
        panic!("{finished:?}");
    };
    assert!(why.contains("the object holding it is not known"), "{why}");
}

#[tokio::test]
async fn a_file_over_the_limit_is_recorded_from_its_content_length_and_never_read() {
    let size = 8 * 1024 * 1024;
    let produced = Arc::new(AtomicUsize::new(0));
    let p = produced.clone();
    let host = Host::start(move |_, _| {
        let mut r = Response::new(chunked(size, 64 * 1024, p.clone()));
        r.headers_mut()
            .insert("content-length", size.to_string().parse().unwrap());
        r
    })
    .await;
    let s = setup(
        DownloadSettings {
            max_file_bytes: 1024 * 1024,
            ..quick()
        },
        Arc::new(NoRefresh),
    );
    let finished = s.downloader.download(&job(host.url("/big.mp4"))).await;
    assert_eq!(
        finished.outcome,
        Outcome::TooLarge {
            size: Some(size as u64),
            detail: "8388608 bytes, over max_file_bytes (1048576)".into()
        }
    );
    assert_eq!(finished.body_bytes, 0, "not one byte of the body was read");
    assert_eq!(temporary_files(&s.downloader), 0);
    assert_eq!(s.downloader.stats().too_large, 1);
}

#[tokio::test]
async fn a_body_that_grows_past_the_limit_is_cut() {
    let produced = Arc::new(AtomicUsize::new(0));
    let p = produced.clone();
    let host =
        Host::start(move |_, _| Response::new(chunked(4 * 1024 * 1024, 16 * 1024, p.clone())))
            .await;
    let max = 1024 * 1024;
    let s = setup(
        DownloadSettings {
            max_file_bytes: max,
            ..quick()
        },
        Arc::new(NoRefresh),
    );
    let finished = s.downloader.download(&job(host.url("/stream.bin"))).await;
    let Outcome::TooLarge { size: None, detail } = &finished.outcome else {
        panic!("{finished:?}");
    };
    assert!(detail.starts_with("cut after"), "{detail}");
    assert!(finished.body_bytes > max, "{}", finished.body_bytes);
    assert!(
        finished.body_bytes <= max + 16 * 1024,
        "{}",
        finished.body_bytes
    );
    assert_eq!(temporary_files(&s.downloader), 0);
    // Exactly the limit is not over it.
    let p = Arc::new(AtomicUsize::new(0));
    let exact =
        Host::start(move |_, _| Response::new(chunked(1024 * 1024, 16 * 1024, p.clone()))).await;
    let finished = s.downloader.download(&job(exact.url("/exact.bin"))).await;
    let Outcome::Downloaded(blob) = &finished.outcome else {
        panic!("{finished:?}");
    };
    assert_eq!(blob.size, max);
    assert_eq!(blob.sha256, sha(&content(0, 1024 * 1024)));
    // The extension comes from the link; no `Content-Type`, none guessed for `.bin`.
    assert!(blob.local_path.ends_with(".bin"), "{}", blob.local_path);
    assert_eq!(blob.mime_type, None);
}

#[tokio::test]
async fn redirects_are_followed_within_limits_and_only_to_fetchable_links() {
    let target = Host::start(|_, _| ok(b"moved".to_vec(), "text/plain")).await;
    let there = target.url("/final.txt");
    let host = Host::start(move |path, _| {
        let mut r = status(302, "");
        let location = match path {
            "/hop" => there.clone(),
            "/relative" => "/hop".to_owned(),
            "/loop" => "/loop".to_owned(),
            "/outside" => "http://example.com/file.txt".to_owned(),
            "/ftp" => "ftp://127.0.0.1/file.txt".to_owned(),
            _ => return status(404, ""),
        };
        r.headers_mut()
            .insert("location", location.parse().unwrap());
        r
    })
    .await;
    let s = setup(quick(), Arc::new(NoRefresh));
    for path in ["/hop", "/relative"] {
        let finished = s.downloader.download(&job(host.url(path))).await;
        let Outcome::Downloaded(blob) = &finished.outcome else {
            panic!("{path}: {finished:?}");
        };
        assert_eq!(blob.sha256, sha(b"moved"));
        assert!(blob.local_path.ends_with(".txt"), "{}", blob.local_path);
    }
    let failed = |f: notion_files::Finished| match f.outcome {
        Outcome::Failed(why) => why,
        other => panic!("{other:?}"),
    };
    let why = failed(s.downloader.download(&job(host.url("/loop"))).await);
    assert_eq!(why, "more than 5 redirects");
    let why = failed(s.downloader.download(&job(host.url("/outside"))).await);
    assert!(why.contains("refused a plain-http link"), "{why}");
    let why = failed(s.downloader.download(&job(host.url("/ftp"))).await);
    assert!(why.contains("refused a link of scheme \"ftp\""), "{why}");
    // Nothing is fetched from a plain-http host that is not loopback.
    let why = failed(
        s.downloader
            .download(&job("http://example.invalid/x.png".into()))
            .await,
    );
    assert!(why.contains("refused"), "{why}");
    let why = failed(s.downloader.download(&job("not a link".into())).await);
    assert!(why.contains("not a valid URL"), "{why}");
}

#[tokio::test]
async fn transient_failures_are_retried_and_then_recorded() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let host = Host::start(move |path, _| {
        let n = c.fetch_add(1, Ordering::SeqCst);
        match path {
            "/flaky.png" if n == 0 => status(503, "<Error><Code>SlowDown</Code></Error>"),
            "/flaky.png" => ok(b"ok".to_vec(), "image/png"),
            "/stall.png" => Response::new(stalling()),
            _ => status(500, ""),
        }
    })
    .await;
    let s = setup(
        DownloadSettings {
            max_tries: 2,
            ..quick()
        },
        Arc::new(NoRefresh),
    );
    let finished = s.downloader.download(&job(host.url("/flaky.png"))).await;
    assert!(
        matches!(finished.outcome, Outcome::Downloaded(_)),
        "{finished:?}"
    );
    assert_eq!(finished.requests, 2);
    assert_eq!(s.downloader.stats().retries, 1);
    let finished = s.downloader.download(&job(host.url("/stall.png"))).await;
    let Outcome::Failed(why) = &finished.outcome else {
        panic!("{finished:?}");
    };
    assert!(why.contains("stalled"), "{why}");
    assert!(why.contains("tried 2 times"), "{why}");
    assert_eq!(temporary_files(&s.downloader), 0);
    let finished = s.downloader.download(&job(host.url("/error.png"))).await;
    let Outcome::Failed(why) = &finished.outcome else {
        panic!("{finished:?}");
    };
    assert!(why.starts_with("500 from"), "{why}");
    // Nobody listening.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let finished = s
        .downloader
        .download(&job(format!("http://{closed}/x.png")))
        .await;
    let Outcome::Failed(why) = &finished.outcome else {
        panic!("{finished:?}");
    };
    assert!(why.contains("connecting to 127.0.0.1"), "{why}");
}

#[tokio::test]
async fn downloads_run_concurrency_at_a_time_and_same_content_is_stored_once() {
    let host = Host::start_with_delay(Duration::from_millis(30), |path, _| {
        // Two distinct contents over six links.
        let n: usize = path
            .trim_start_matches("/f")
            .trim_end_matches(".txt")
            .parse()
            .unwrap();
        ok(content(n % 2, 10_000), "text/plain")
    })
    .await;
    let s = setup(
        DownloadSettings {
            concurrency: 2,
            ..quick()
        },
        Arc::new(NoRefresh),
    );
    let mut downloads = Downloads::new(s.downloader.clone());
    for i in 0..6 {
        downloads.push(i, job(host.url(&format!("/f{i}.txt"))));
    }
    assert_eq!(downloads.pending(), 6);
    let mut done = BTreeMap::new();
    while let Some((i, finished)) = downloads.next().await {
        let Outcome::Downloaded(blob) = finished.outcome else {
            panic!("{i}: {finished:?}");
        };
        done.insert(i, blob.local_path);
    }
    assert_eq!(downloads.pending(), 0);
    assert_eq!(done.len(), 6);
    assert_eq!(done[&0], done[&2]);
    assert_ne!(done[&0], done[&1]);
    assert_eq!(host.most_at_once.load(Ordering::SeqCst), 2);
    let stored: usize = std::fs::read_dir(s.downloader.store().root())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name() != "tmp")
        .map(|e| std::fs::read_dir(e.path()).unwrap().count())
        .sum();
    assert_eq!(stored, 2);
}
