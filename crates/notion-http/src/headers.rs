//! Sets the headers every Notion request carries: `Notion-Version`, `User-Agent`, and
//! `Content-Type: application/json` on requests with a body.

use std::task::{Context, Poll};

use http::header::{ACCEPT, CONTENT_TYPE, USER_AGENT};
use http::{HeaderName, HeaderValue, Method, Request};
use tower::{Layer, Service};

/// The `Notion-Version` header name.
pub const NOTION_VERSION: HeaderName = HeaderName::from_static("notion-version");

/// Adds Notion's standard headers. `Notion-Version` is set exactly once (Notion rejects
/// duplicated version headers).
#[derive(Debug, Clone)]
pub struct NotionHeadersLayer {
    version: HeaderValue,
    user_agent: HeaderValue,
}

impl NotionHeadersLayer {
    /// A layer sending `version` and `user_agent`.
    pub fn new(version: HeaderValue, user_agent: HeaderValue) -> Self {
        Self {
            version,
            user_agent,
        }
    }
}

impl<S> Layer<S> for NotionHeadersLayer {
    type Service = NotionHeaders<S>;

    fn layer(&self, inner: S) -> Self::Service {
        NotionHeaders {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service produced by [`NotionHeadersLayer`].
#[derive(Debug, Clone)]
pub struct NotionHeaders<S> {
    inner: S,
    layer: NotionHeadersLayer,
}

impl<S, B> Service<Request<B>> for NotionHeaders<S>
where
    S: Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        let has_body = matches!(
            *request.method(),
            Method::POST | Method::PATCH | Method::PUT
        );
        let headers = request.headers_mut();
        headers.insert(NOTION_VERSION, self.layer.version.clone());
        headers.insert(USER_AGENT, self.layer.user_agent.clone());
        headers
            .entry(ACCEPT)
            .or_insert(HeaderValue::from_static("application/json"));
        if has_body {
            headers
                .entry(CONTENT_TYPE)
                .or_insert(HeaderValue::from_static("application/json"));
        }
        self.inner.call(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::{ServiceExt, service_fn};

    #[tokio::test]
    async fn sets_version_once_agent_and_content_type() {
        let svc = NotionHeadersLayer::new(
            HeaderValue::from_static("2026-03-11"),
            HeaderValue::from_static("notion-source/0.1"),
        )
        .layer(service_fn(|req: Request<()>| async move {
            Ok::<_, std::convert::Infallible>(req)
        }));
        let mut req = Request::post("/v1/search").body(()).unwrap();
        req.headers_mut()
            .append(NOTION_VERSION, HeaderValue::from_static("2022-06-28"));
        let seen = svc.clone().oneshot(req).await.unwrap();
        let versions: Vec<_> = seen.headers().get_all(NOTION_VERSION).iter().collect();
        assert_eq!(versions, ["2026-03-11"]);
        assert_eq!(seen.headers()[USER_AGENT], "notion-source/0.1");
        assert_eq!(seen.headers()[CONTENT_TYPE], "application/json");
        let seen = svc
            .oneshot(Request::get("/v1/users").body(()).unwrap())
            .await
            .unwrap();
        assert!(seen.headers().get(CONTENT_TYPE).is_none());
    }
}
