//! The HTTP client for file hosts: hyper over rustls, no credentials of any kind, redirects
//! followed within limits, every wait bounded.

use std::time::Duration;

use bytes::Bytes;
use http::header::{ACCEPT_ENCODING, LOCATION, USER_AGENT};
use http::{HeaderValue, Request, Response, StatusCode, Uri};
use http_body_util::Empty;
use hyper::body::Incoming;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use url::Url;

use crate::download::DownloadSettings;
use crate::error::{Error, Result};
use crate::links::{self, check_fetchable};

/// Why an attempt did not give the file.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The link has expired (S3 answers 403 with a body mentioning expiry, or 400): a fresh
    /// link should work.
    Expired(String),
    /// Nothing is at this link (404): the file may have been replaced, and a fresh link names
    /// its new version.
    Gone(String),
    /// A network error, a timeout, 408, 429 or 5xx: the same link may work on a retry.
    Transient(String),
    /// Anything else: recorded as it is.
    Permanent(String),
}

/// A response to a download, after redirects.
pub(crate) struct Fetched {
    /// The link that answered (the last redirect's target).
    pub(crate) url: Url,
    pub(crate) response: Response<Incoming>,
}

/// The client for file hosts. It never sends an `Authorization` header or a cookie: the only
/// headers are `User-Agent` and `Accept-Encoding: identity` (the bytes are hashed as stored).
#[derive(Clone)]
pub(crate) struct FileClient {
    client: Client<HttpsConnector<HttpConnector>, Empty<Bytes>>,
    user_agent: HeaderValue,
    response_timeout: Duration,
    max_redirects: u32,
}

impl FileClient {
    pub(crate) fn new(settings: &DownloadSettings) -> Result<Self> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(settings.connect_timeout));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
            .map_err(|e| Error::Tls(e.to_string()))?
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(settings.concurrency.max(1))
            .build(https);
        let user_agent = HeaderValue::from_str(&settings.user_agent)
            .unwrap_or_else(|_| HeaderValue::from_static("notion-files"));
        Ok(FileClient {
            client,
            user_agent,
            response_timeout: settings.response_timeout,
            max_redirects: settings.max_redirects,
        })
    }

    /// `GET` a link, following redirects (each target must be fetchable too). Errors name the
    /// link's host and path, never its query (a pre-signed link's signature).
    pub(crate) async fn get(&self, link: &str) -> Result<Fetched, Failure> {
        let mut current = Url::parse(link)
            .map_err(|e| Failure::Permanent(format!("the link is not a valid URL ({e})")))?;
        // The link as Notion wrote it is sent unchanged (a signature covers it); redirect
        // targets as resolved.
        let mut uri = Uri::try_from(link).ok();
        for _ in 0..=self.max_redirects {
            check_fetchable(&current)
                .map_err(|why| Failure::Permanent(format!("refused {why}")))?;
            let target = match uri.take() {
                Some(u) => u,
                None => Uri::try_from(current.as_str()).map_err(|e| {
                    Failure::Permanent(format!("the link is not a valid URI ({e})"))
                })?,
            };
            let mut request = Request::get(target);
            if let Some(h) = request.headers_mut() {
                h.insert(USER_AGENT, self.user_agent.clone());
                h.insert(ACCEPT_ENCODING, HeaderValue::from_static("identity"));
            }
            let request = request
                .body(Empty::new())
                .map_err(|e| Failure::Permanent(format!("cannot build the request ({e})")))?;
            let response =
                tokio::time::timeout(self.response_timeout, self.client.request(request))
                    .await
                    .map_err(|_| {
                        Failure::Transient(format!(
                            "{} did not answer within {} s",
                            links::url_path(current.as_str()),
                            self.response_timeout.as_secs()
                        ))
                    })?
                    .map_err(|e| {
                        let what = if e.is_connect() {
                            "connecting to"
                        } else {
                            "requesting"
                        };
                        Failure::Transient(format!(
                            "{what} {} failed: {}",
                            host(&current),
                            error_chain(&e)
                        ))
                    })?;
            if !is_redirect(response.status()) {
                return Ok(Fetched {
                    url: current,
                    response,
                });
            }
            let location = response
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| {
                    Failure::Permanent(format!(
                        "{} redirected without a Location",
                        response.status().as_u16()
                    ))
                })?;
            current = current
                .join(location)
                .map_err(|e| Failure::Permanent(format!("a redirect to an invalid URL ({e})")))?;
        }
        Err(Failure::Permanent(format!(
            "more than {} redirects",
            self.max_redirects
        )))
    }
}

fn is_redirect(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

fn host(url: &Url) -> String {
    url.host_str().unwrap_or("the file host").to_owned()
}

/// An error and its sources, on one line.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let t = s.to_string();
        if !text.contains(&t) {
            text.push_str(": ");
            text.push_str(&t);
        }
        source = s.source();
    }
    text
}
