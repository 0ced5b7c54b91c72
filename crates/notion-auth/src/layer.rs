//! The tower layer that authenticates requests and recovers from a 401 by refreshing the OAuth
//! token once, single-flight.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use http::header::AUTHORIZATION;
use http::{HeaderValue, Request, Response, StatusCode};
use tower::{Layer, Service, ServiceExt};

use crate::Error;
use crate::credentials::{Credentials, TokenPair};
use crate::oauth::OAuthClient;

/// Called with the new token pair after every successful refresh. Persist both tokens: the
/// previous refresh token is no longer valid. It runs while the refresh lock is held, so pairs
/// arrive in order; keep it short.
pub type OnTokenRotation = Arc<dyn Fn(&TokenPair) + Send + Sync>;

struct Current {
    generation: u64,
    header: HeaderValue,
    tokens: TokenPair,
}

struct Shared {
    current: RwLock<Current>,
    /// Serialises refreshes; remembers the generation whose refresh failed and why, so that
    /// waiters do not retry a refresh token that was just rejected.
    refresh: tokio::sync::Mutex<Option<(u64, Error)>>,
    refresher: Option<OAuthClient>,
    on_rotation: Option<OnTokenRotation>,
    refreshes: AtomicU64,
}

/// Shared authentication state: the current token and, for OAuth, the means to refresh it.
/// Clones share the state, so every clone of a service stack sees a refresh at once.
#[derive(Clone)]
pub struct Authenticator {
    shared: Arc<Shared>,
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticator")
            .field("can_refresh", &self.can_refresh())
            .field("refreshes", &self.refresh_count())
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// Authenticates with `credentials` and never refreshes.
    pub fn new(credentials: Credentials) -> Result<Self, Error> {
        Self::build(credentials, None, None)
    }

    /// Authenticates with OAuth `credentials` and refreshes through `client` on a 401, handing
    /// each rotated pair to `on_rotation`. Refreshing needs a refresh token in `credentials`;
    /// without one a 401 is returned as it came.
    pub fn with_refresh(
        credentials: Credentials,
        client: OAuthClient,
        on_rotation: Option<OnTokenRotation>,
    ) -> Result<Self, Error> {
        Self::build(credentials, Some(client), on_rotation)
    }

    fn build(
        credentials: Credentials,
        refresher: Option<OAuthClient>,
        on_rotation: Option<OnTokenRotation>,
    ) -> Result<Self, Error> {
        let tokens = match credentials {
            Credentials::Token(token) => TokenPair {
                access_token: token,
                refresh_token: None,
            },
            Credentials::OAuth(oauth) => TokenPair {
                access_token: oauth.access_token,
                refresh_token: oauth.refresh_token,
            },
        };
        let header = tokens.access_token.bearer_header()?;
        Ok(Self {
            shared: Arc::new(Shared {
                current: RwLock::new(Current {
                    generation: 0,
                    header,
                    tokens,
                }),
                refresh: tokio::sync::Mutex::new(None),
                refresher,
                on_rotation,
                refreshes: AtomicU64::new(0),
            }),
        })
    }

    /// True when a 401 can be recovered by a refresh.
    pub fn can_refresh(&self) -> bool {
        self.shared.refresher.is_some() && self.read().tokens.refresh_token.is_some()
    }

    /// How many successful refreshes happened.
    pub fn refresh_count(&self) -> u64 {
        self.shared.refreshes.load(Ordering::Relaxed)
    }

    /// The current token pair (for persisting at the end of a run).
    pub fn tokens(&self) -> TokenPair {
        self.read().tokens.clone()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Current> {
        self.shared
            .current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The `Authorization` header to send now and the token generation it belongs to.
    pub fn authorization(&self) -> (HeaderValue, u64) {
        let current = self.read();
        (current.header.clone(), current.generation)
    }

    /// Called after a request sent with token `generation` was rejected with a 401. Refreshes
    /// at most once per generation, whatever the number of concurrent callers: the first
    /// caller refreshes, the others wait and get the new header (or the same error).
    pub async fn refresh_after_rejection(
        &self,
        generation: u64,
    ) -> Result<(HeaderValue, u64), Error> {
        let mut last_failure = self.shared.refresh.lock().await;
        {
            let current = self.read();
            if current.generation != generation {
                return Ok((current.header.clone(), current.generation));
            }
        }
        if let Some((_, error)) = last_failure.as_ref().filter(|(g, _)| *g == generation) {
            return Err(error.clone());
        }
        let Some(refresher) = self.shared.refresher.as_ref() else {
            return Err(Error::RefreshUnavailable {
                reason: "no OAuth client credentials are configured",
            });
        };
        let Some(refresh_token) = self.read().tokens.refresh_token.clone() else {
            return Err(Error::RefreshUnavailable {
                reason: "no refresh token is configured",
            });
        };
        tracing::info!(
            generation,
            "access token rejected (401); refreshing the OAuth token"
        );
        match refresher.refresh(&refresh_token).await {
            Ok(grant) => {
                let header = grant.tokens.access_token.bearer_header()?;
                let next = {
                    let mut current = self
                        .shared
                        .current
                        .write()
                        .unwrap_or_else(PoisonError::into_inner);
                    current.generation += 1;
                    current.header = header.clone();
                    current.tokens = grant.tokens.clone();
                    current.generation
                };
                self.shared.refreshes.fetch_add(1, Ordering::Relaxed);
                tracing::info!(generation = next, "OAuth token refreshed");
                if let Some(callback) = &self.shared.on_rotation {
                    callback(&grant.tokens);
                }
                Ok((header, next))
            }
            Err(error) => {
                tracing::warn!(error = %error, "OAuth token refresh failed");
                // A rejection is final for this refresh token; a transient failure is not
                // remembered, so the next 401 tries again.
                if !error.is_transient() {
                    *last_failure = Some((generation, error.clone()));
                }
                Err(error)
            }
        }
    }
}

/// Adds `Authorization: Bearer …` to every request; with a refreshable [`Authenticator`] it
/// replays a request once after a 401, with the refreshed token.
#[derive(Clone, Debug)]
pub struct AuthLayer {
    auth: Authenticator,
}

impl AuthLayer {
    /// A layer sharing `auth`.
    pub fn new(auth: Authenticator) -> Self {
        Self { auth }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = Auth<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Auth {
            inner,
            auth: self.auth.clone(),
        }
    }
}

/// The service produced by [`AuthLayer`].
///
/// Requests must have a cloneable body (e.g. `Bytes`) so they can be replayed. The inner
/// service's error type must accept this crate's [`Error`] (a failed refresh).
#[derive(Clone, Debug)]
pub struct Auth<S> {
    inner: S,
    auth: Authenticator,
}

impl<S> Auth<S> {
    /// Wraps `inner`.
    pub fn new(inner: S, auth: Authenticator) -> Self {
        Self { inner, auth }
    }
}

fn clone_request<B: Clone>(request: &Request<B>) -> Request<B> {
    let mut clone = Request::new(request.body().clone());
    *clone.method_mut() = request.method().clone();
    *clone.uri_mut() = request.uri().clone();
    *clone.version_mut() = request.version();
    *clone.headers_mut() = request.headers().clone();
    *clone.extensions_mut() = request.extensions().clone();
    clone
}

impl<S, B, RB> Service<Request<B>> for Auth<S>
where
    S: Service<Request<B>, Response = Response<RB>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: From<Error> + Send + 'static,
    B: Clone + Send + 'static,
    RB: Send + 'static,
{
    type Response = Response<RB>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Response<RB>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let auth = self.auth.clone();
        Box::pin(async move {
            let (header, generation) = auth.authorization();
            let replay = auth.can_refresh().then(|| clone_request(&request));
            request.headers_mut().insert(AUTHORIZATION, header);
            let response = inner.call(request).await?;
            let Some(mut replay) = replay else {
                return Ok(response);
            };
            if response.status() != StatusCode::UNAUTHORIZED {
                return Ok(response);
            }
            drop(response);
            let (header, _) = auth.refresh_after_rejection(generation).await?;
            replay.headers_mut().insert(AUTHORIZATION, header);
            inner.ready().await?;
            inner.call(replay).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BoxError;
    use crate::credentials::{OAuthClientCredentials, RefreshToken};
    use bytes::Bytes;
    use std::sync::Mutex;
    use std::sync::atomic::AtomicUsize;

    #[derive(Debug, thiserror::Error)]
    enum TestError {
        #[error(transparent)]
        Auth(#[from] Error),
    }

    /// A token endpoint that rotates pairs: `access-N`/`refresh-N`, and rejects reused refresh
    /// tokens with `invalid_grant`.
    fn token_endpoint(
        calls: Arc<AtomicUsize>,
    ) -> impl Service<Request<Bytes>, Response = Response<Bytes>, Error = BoxError, Future: Send>
    + Clone
    + Send
    + Sync {
        let valid = Arc::new(Mutex::new("refresh-0".to_owned()));
        tower::service_fn(move |req: Request<Bytes>| {
            let calls = calls.clone();
            let valid = valid.clone();
            async move {
                let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
                let body: serde_json::Value = serde_json::from_slice(req.body())?;
                let mut valid = valid.lock().unwrap();
                let (status, json) = if body["refresh_token"] == valid.as_str() {
                    *valid = format!("refresh-{n}");
                    (
                        200,
                        serde_json::json!({"access_token": format!("access-{n}"),
                        "token_type": "bearer", "refresh_token": format!("refresh-{n}")}),
                    )
                } else {
                    (
                        400,
                        serde_json::json!({"error": "invalid_grant",
                        "error_description": "refresh token is invalid"}),
                    )
                };
                Ok::<_, BoxError>(
                    Response::builder()
                        .status(status)
                        .header("content-type", "application/json")
                        .body(Bytes::from(json.to_string()))?,
                )
            }
        })
    }

    /// An API that accepts only `Bearer <valid>`.
    fn api(
        valid: &'static str,
        hits: Arc<AtomicUsize>,
    ) -> impl Service<Request<Bytes>, Response = Response<Bytes>, Error = TestError, Future: Send>
    + Clone
    + Send {
        tower::service_fn(move |req: Request<Bytes>| {
            hits.fetch_add(1, Ordering::SeqCst);
            let ok = req.headers()[AUTHORIZATION] == format!("Bearer {valid}").as_str();
            assert!(req.headers()[AUTHORIZATION].is_sensitive());
            async move {
                Ok::<_, TestError>(
                    Response::builder()
                        .status(if ok { 200 } else { 401 })
                        .body(Bytes::new())
                        .unwrap(),
                )
            }
        })
    }

    fn oauth_credentials(refresh: &str) -> Credentials {
        Credentials::oauth(
            "access-0",
            Some(refresh.to_owned()),
            Some(OAuthClientCredentials::new("cid", "csecret")),
        )
    }

    #[tokio::test]
    async fn static_token_is_added_and_401_is_passed_through() {
        let hits = Arc::new(AtomicUsize::new(0));
        let auth = Authenticator::new(Credentials::token("access-0")).unwrap();
        let mut svc = AuthLayer::new(auth).layer(api("access-0", hits.clone()));
        let resp = svc
            .ready()
            .await
            .unwrap()
            .call(Request::new(Bytes::new()))
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);

        let auth = Authenticator::new(Credentials::token("wrong")).unwrap();
        let mut svc = AuthLayer::new(auth).layer(api("access-0", hits.clone()));
        let resp = svc
            .ready()
            .await
            .unwrap()
            .call(Request::new(Bytes::new()))
            .await
            .unwrap();
        assert_eq!(resp.status(), 401);
        assert_eq!(hits.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn concurrent_401s_refresh_once_and_replay() {
        let token_calls = Arc::new(AtomicUsize::new(0));
        let hits = Arc::new(AtomicUsize::new(0));
        type Rotations = Arc<Mutex<Vec<(String, Option<String>)>>>;
        let rotated: Rotations = Arc::default();
        let rotated2 = rotated.clone();
        let client = OAuthClient::new(
            "http://127.0.0.1:9",
            OAuthClientCredentials::new("cid", "csecret"),
            token_endpoint(token_calls.clone()),
        )
        .unwrap();
        let auth = Authenticator::with_refresh(
            oauth_credentials("refresh-0"),
            client,
            Some(Arc::new(move |pair: &TokenPair| {
                rotated2.lock().unwrap().push((
                    pair.access_token.expose_secret().to_owned(),
                    pair.refresh_token
                        .as_ref()
                        .map(|t| t.expose_secret().to_owned()),
                ));
            })),
        )
        .unwrap();
        let svc = AuthLayer::new(auth.clone()).layer(api("access-1", hits.clone()));
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let svc = svc.clone();
                tokio::spawn(async move { svc.oneshot(Request::new(Bytes::new())).await })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap().status(), 200);
        }
        assert_eq!(token_calls.load(Ordering::SeqCst), 1);
        assert_eq!(auth.refresh_count(), 1);
        assert_eq!(
            *rotated.lock().unwrap(),
            vec![("access-1".to_owned(), Some("refresh-1".to_owned()))]
        );
        // Every request was sent at most twice (once with the old token, once replayed).
        assert!(hits.load(Ordering::SeqCst) <= 40);
        assert_eq!(auth.tokens().access_token.expose_secret(), "access-1");
    }

    #[tokio::test]
    async fn rejected_refresh_gives_one_clear_error_for_all_waiters() {
        let token_calls = Arc::new(AtomicUsize::new(0));
        let client = OAuthClient::new(
            "http://127.0.0.1:9",
            OAuthClientCredentials::new("cid", "csecret"),
            token_endpoint(token_calls.clone()),
        )
        .unwrap();
        let auth =
            Authenticator::with_refresh(oauth_credentials("refresh-used"), client, None).unwrap();
        let svc = AuthLayer::new(auth).layer(api("access-1", Arc::default()));
        let tasks: Vec<_> = (0..5)
            .map(|_| {
                let svc = svc.clone();
                tokio::spawn(async move { svc.oneshot(Request::new(Bytes::new())).await })
            })
            .collect();
        for task in tasks {
            let TestError::Auth(err) = task.await.unwrap().unwrap_err();
            assert!(err.is_invalid_grant(), "{err}");
            let text = format!("{err} {err:?}");
            assert!(
                !text.contains("refresh-used") && !text.contains("csecret"),
                "{text}"
            );
        }
        assert_eq!(token_calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn transient_refresh_failure_is_not_remembered() {
        let calls = Arc::new(AtomicUsize::new(0));
        let calls2 = calls.clone();
        let endpoint = tower::service_fn(move |_req: Request<Bytes>| {
            let n = calls2.fetch_add(1, Ordering::SeqCst);
            async move {
                let (status, body) = if n == 0 {
                    (503, serde_json::json!({"error": "temporarily_unavailable"}))
                } else {
                    (
                        200,
                        serde_json::json!({"access_token": "access-1", "token_type": "bearer",
                        "refresh_token": "refresh-1"}),
                    )
                };
                Ok::<_, BoxError>(
                    Response::builder()
                        .status(status)
                        .header("content-type", "application/json")
                        .body(Bytes::from(body.to_string()))?,
                )
            }
        });
        let client = OAuthClient::new(
            "http://127.0.0.1:9",
            OAuthClientCredentials::new("cid", "csecret"),
            endpoint,
        )
        .unwrap();
        let auth =
            Authenticator::with_refresh(oauth_credentials("refresh-0"), client, None).unwrap();
        let svc = AuthLayer::new(auth).layer(api("access-1", Arc::default()));
        let TestError::Auth(err) = svc
            .clone()
            .oneshot(Request::new(Bytes::new()))
            .await
            .unwrap_err();
        assert!(err.is_transient(), "{err}");
        let resp = svc.oneshot(Request::new(Bytes::new())).await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn debug_shows_no_token() {
        let auth = Authenticator::new(Credentials::token("ntn_visible?")).unwrap();
        let text = format!("{auth:?} {:?}", AuthLayer::new(auth.clone()));
        assert!(!text.contains("ntn_visible"), "{text}");
        let _ = RefreshToken::new("x");
    }
}
