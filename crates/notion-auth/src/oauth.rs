//! OAuth 2.0 against Notion's token endpoint: authorization-code exchange, refresh and
//! introspection.
//!
//! The exchange and refresh run through the [`oauth2`] crate. Its HTTP client is
//! [`OAuthClient`]'s transport, a tower service supplied by the caller (`notion-http` wires its
//! hyper client in), so this crate opens no connection of its own.
//!
//! Notion documents a JSON body for `POST /v1/oauth/token` while [`oauth2`] form-encodes token
//! requests as RFC 6749 prescribes; the transport adapter re-encodes the form as a JSON object
//! before sending. Client credentials travel in HTTP Basic authentication.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use oauth2::basic::{
    BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    EndpointNotSet, EndpointSet, ErrorResponse, ExtraTokenFields, RequestTokenError,
    StandardRevocableToken, StandardTokenResponse, TokenResponse,
};
use serde::{Deserialize, Serialize};
use tower::util::BoxCloneSyncService;
use tower::{Service, ServiceExt};

use crate::credentials::{AccessToken, OAuthClientCredentials, RefreshToken, TokenPair};
use crate::{BoxError, Error};
use notion_model::IntrospectResponse;

/// The HTTP service that carries token requests: whole-body requests and responses.
pub type TokenTransport = BoxCloneSyncService<Request<Bytes>, Response<Bytes>, BoxError>;

/// Non-secret fields of Notion's token response (`bot_id`, `workspace_id`, `workspace_name`,
/// `workspace_icon`, `owner`, `duplicated_template_id`, `request_id`, and any field Notion adds).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TokenDetails(pub serde_json::Map<String, serde_json::Value>);

impl ExtraTokenFields for TokenDetails {}

impl TokenDetails {
    /// A string field of the token response, e.g. `"bot_id"` or `"workspace_id"`.
    pub fn str(&self, field: &str) -> Option<&str> {
        self.0.get(field).and_then(serde_json::Value::as_str)
    }
}

/// The result of a code exchange or a refresh: the new token pair and the response's other
/// fields.
#[derive(Clone, Debug)]
pub struct TokenGrant {
    /// The new access token and (rotated) refresh token.
    pub tokens: TokenPair,
    /// `bot_id`, `workspace_id`, `workspace_name`, `owner`, … as Notion sent them.
    pub details: TokenDetails,
}

/// An OAuth error body. Notion may answer in the RFC 6749 shape (`error`,
/// `error_description`) or in its API error shape (`code`, `message`); both are accepted.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct OAuthErrorBody {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    request_id: Option<String>,
}

impl fmt::Display for OAuthErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code().unwrap_or("unknown_error"))
    }
}

impl ErrorResponse for OAuthErrorBody {}

impl OAuthErrorBody {
    fn code(&self) -> Option<&str> {
        self.code.as_deref().or(self.error.as_deref())
    }

    fn message(&self) -> Option<&str> {
        self.message
            .as_deref()
            .or(self.error_description.as_deref())
    }
}

type NotionTokenResponse = StandardTokenResponse<TokenDetails, BasicTokenType>;

type OAuth2Client = oauth2::Client<
    OAuthErrorBody,
    NotionTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// The error type of the adapter between [`oauth2`] and the transport.
#[derive(Debug, thiserror::Error)]
#[error("token endpoint transport failed")]
struct TransportFailure(#[source] BoxError);

/// What the adapter saw of the last non-success response (for error reports).
#[derive(Default)]
struct ResponseInfo {
    status: Option<StatusCode>,
    request_id: Option<String>,
}

/// A client for Notion's OAuth endpoints (`/v1/oauth/token`, `/v1/oauth/introspect`).
#[derive(Clone)]
pub struct OAuthClient {
    credentials: OAuthClientCredentials,
    token_url: String,
    introspect_url: String,
    transport: TokenTransport,
}

impl fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthClient")
            .field("client_id", &self.credentials.client_id)
            .field("token_url", &self.token_url)
            .finish_non_exhaustive()
    }
}

impl OAuthClient {
    /// Creates a client for the OAuth endpoints under `base_url` (e.g.
    /// `https://api.notion.com`), sending requests through `transport`.
    pub fn new<S>(
        base_url: &str,
        credentials: OAuthClientCredentials,
        transport: S,
    ) -> Result<Self, Error>
    where
        S: Service<Request<Bytes>, Response = Response<Bytes>> + Clone + Send + Sync + 'static,
        S::Error: Into<BoxError>,
        S::Future: Send + 'static,
    {
        let base = base_url.trim_end_matches('/');
        let token_url = format!("{base}/v1/oauth/token");
        // Validate once, so later requests cannot fail on the URL.
        oauth2::TokenUrl::new(token_url.clone()).map_err(|_| {
            Error::Configuration(format!("base_url `{base_url}` is not a valid URL"))
        })?;
        let transport = BoxCloneSyncService::new(transport.map_err(Into::into));
        Ok(Self {
            credentials,
            introspect_url: format!("{base}/v1/oauth/introspect"),
            token_url,
            transport,
        })
    }

    /// The client id used by this client.
    pub fn client_id(&self) -> &str {
        self.credentials.client_id.as_str()
    }

    fn oauth2_client(&self) -> Result<OAuth2Client, Error> {
        let token_url = oauth2::TokenUrl::new(self.token_url.clone())
            .map_err(|_| Error::Configuration("invalid token URL".into()))?;
        Ok(oauth2::Client::new(oauth2::ClientId::new(
            self.credentials.client_id.as_str().to_owned(),
        ))
        .set_client_secret(oauth2::ClientSecret::new(
            self.credentials.client_secret.expose_secret().to_owned(),
        ))
        .set_auth_type(oauth2::AuthType::BasicAuth)
        .set_token_uri(token_url))
    }

    /// Exchanges an authorization code (from the redirect after the user approved the
    /// integration) for a token pair.
    pub async fn exchange_code(
        &self,
        code: &str,
        redirect_uri: Option<&str>,
    ) -> Result<TokenGrant, Error> {
        let client = self.oauth2_client()?;
        let mut request = client.exchange_code(oauth2::AuthorizationCode::new(code.to_owned()));
        if let Some(uri) = redirect_uri {
            let uri = oauth2::RedirectUrl::new(uri.to_owned())
                .map_err(|_| Error::Configuration("redirect_uri is not a valid URL".to_owned()))?;
            request = request.set_redirect_uri(std::borrow::Cow::Owned(uri));
        }
        let info = Arc::new(Mutex::new(ResponseInfo::default()));
        let http = self.http_client(info.clone());
        let result = request.request_async(&http).await;
        finish(result, &info, None)
    }

    /// Exchanges a refresh token for a new token pair. Notion rotates the refresh token: the one
    /// passed in is invalid afterwards, so persist the returned pair.
    pub async fn refresh(&self, refresh_token: &RefreshToken) -> Result<TokenGrant, Error> {
        let client = self.oauth2_client()?;
        let secret = oauth2::RefreshToken::new(refresh_token.expose_secret().to_owned());
        let info = Arc::new(Mutex::new(ResponseInfo::default()));
        let http = self.http_client(info.clone());
        let result = client
            .exchange_refresh_token(&secret)
            .request_async(&http)
            .await;
        finish(result, &info, Some(refresh_token))
    }

    /// Asks Notion whether `token` is active (`POST /v1/oauth/introspect`).
    pub async fn introspect(&self, token: &AccessToken) -> Result<IntrospectResponse, Error> {
        let body = serde_json::json!({ "token": token.expose_secret() });
        let body = Bytes::from(body.to_string());
        let request = Request::builder()
            .method(Method::POST)
            .uri(&self.introspect_url)
            .header(CONTENT_TYPE, "application/json")
            .header(AUTHORIZATION, self.basic_auth()?)
            .body(body)
            .map_err(|_| Error::Configuration("invalid introspection URL".into()))?;
        let response = self
            .transport
            .clone()
            .oneshot(request)
            .await
            .map_err(|e| Error::Transport(Arc::from(e)))?;
        let status = response.status();
        let request_id = header_request_id(response.headers());
        if !status.is_success() {
            return Err(rejected(status, response.body(), request_id));
        }
        serde_json::from_slice(response.body()).map_err(|e| Error::InvalidResponse {
            status: Some(status.as_u16()),
            detail: format!("the introspection response is not the expected JSON ({e})"),
        })
    }

    fn basic_auth(&self) -> Result<HeaderValue, Error> {
        let raw = format!(
            "{}:{}",
            self.credentials.client_id.as_str(),
            self.credentials.client_secret.expose_secret()
        );
        let mut value = HeaderValue::try_from(format!("Basic {}", base64_encode(raw.as_bytes())))
            .map_err(|_| Error::InvalidCredential {
            field: "client_secret",
            reason: "contains characters that are not allowed in an HTTP header",
        })?;
        value.set_sensitive(true);
        Ok(value)
    }

    /// The [`oauth2::AsyncHttpClient`] over our transport: marks the Basic credentials
    /// sensitive, re-encodes the form body as JSON, and records what it saw of errors.
    fn http_client(
        &self,
        info: Arc<Mutex<ResponseInfo>>,
    ) -> impl Fn(
        oauth2::HttpRequest,
    ) -> futures::future::BoxFuture<
        'static,
        Result<oauth2::HttpResponse, TransportFailure>,
    > + use<> {
        let transport = self.transport.clone();
        move |request: oauth2::HttpRequest| {
            let transport = transport.clone();
            let info = info.clone();
            Box::pin(async move {
                let request = to_json_request(request);
                let response = transport.oneshot(request).await.map_err(TransportFailure)?;
                let (parts, body) = response.into_parts();
                if parts.status != StatusCode::OK {
                    let mut seen = info.lock().unwrap_or_else(PoisonError::into_inner);
                    seen.status = Some(parts.status);
                    seen.request_id = header_request_id(&parts.headers);
                }
                Ok(Response::from_parts(parts, body.to_vec()))
            })
        }
    }
}

/// Converts an `oauth2` request (form body) into a transport request with a JSON body.
fn to_json_request(request: oauth2::HttpRequest) -> Request<Bytes> {
    let (mut parts, body) = request.into_parts();
    let is_form = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if let Some(value) = parts.headers.get_mut(AUTHORIZATION) {
        value.set_sensitive(true);
    }
    let body = if is_form {
        let object: serde_json::Map<String, serde_json::Value> = url::form_urlencoded::parse(&body)
            .map(|(k, v)| (k.into_owned(), serde_json::Value::String(v.into_owned())))
            .collect();
        parts
            .headers
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        Bytes::from(serde_json::Value::Object(object).to_string())
    } else {
        Bytes::from(body)
    };
    Request::from_parts(parts, body)
}

fn header_request_id(headers: &http::HeaderMap) -> Option<String> {
    headers
        .get("x-notion-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn finish(
    result: Result<NotionTokenResponse, RequestTokenError<TransportFailure, OAuthErrorBody>>,
    info: &Mutex<ResponseInfo>,
    previous_refresh: Option<&RefreshToken>,
) -> Result<TokenGrant, Error> {
    let seen = info.lock().unwrap_or_else(PoisonError::into_inner);
    match result {
        Ok(response) => {
            let refresh_token = response
                .refresh_token()
                .map(|t| RefreshToken::new(t.secret().clone()))
                // RFC 6749 §6: without a new refresh token the old one stays valid.
                .or_else(|| previous_refresh.cloned());
            Ok(TokenGrant {
                tokens: TokenPair {
                    access_token: AccessToken::new(response.access_token().secret().clone()),
                    refresh_token,
                },
                details: response.extra_fields().clone(),
            })
        }
        Err(RequestTokenError::ServerResponse(body)) => Err(Error::OAuthRejected {
            status: seen.status.map_or(400, |s| s.as_u16()),
            code: body.code().map(str::to_owned),
            message: body.message().unwrap_or("no message").to_owned(),
            request_id: body.request_id.clone().or_else(|| seen.request_id.clone()),
        }),
        Err(RequestTokenError::Request(TransportFailure(source))) => {
            Err(Error::Transport(Arc::from(source)))
        }
        // The body is deliberately not echoed: a success body holds tokens.
        Err(RequestTokenError::Parse(error, _body)) => Err(Error::InvalidResponse {
            status: seen.status.map(|s| s.as_u16()).or(Some(200)),
            detail: format!("the body is not the expected JSON (at `{}`)", error.path()),
        }),
        Err(RequestTokenError::Other(detail)) => Err(Error::InvalidResponse {
            status: seen.status.map(|s| s.as_u16()),
            detail,
        }),
    }
}

fn rejected(status: StatusCode, body: &[u8], header_request_id: Option<String>) -> Error {
    match serde_json::from_slice::<OAuthErrorBody>(body) {
        Ok(parsed) if parsed.code().is_some() => Error::OAuthRejected {
            status: status.as_u16(),
            code: parsed.code().map(str::to_owned),
            message: parsed.message().unwrap_or("no message").to_owned(),
            request_id: parsed.request_id.clone().or(header_request_id),
        },
        _ => Error::InvalidResponse {
            status: Some(status.as_u16()),
            detail: "the error body is not Notion's JSON error".to_owned(),
        },
    }
}

/// Standard base64 (RFC 4648, with padding), enough for a Basic credential.
fn base64_encode(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    type Seen = Arc<Mutex<Vec<(http::request::Parts, serde_json::Value)>>>;

    fn transport(
        status: u16,
        body: serde_json::Value,
    ) -> (
        impl Service<Request<Bytes>, Response = Response<Bytes>, Error = BoxError, Future: Send>
        + Clone
        + Send
        + Sync,
        Seen,
    ) {
        let seen: Seen = Arc::default();
        let seen2 = seen.clone();
        let svc = tower::service_fn(move |req: Request<Bytes>| {
            let seen = seen2.clone();
            let body = body.clone();
            async move {
                let (parts, req_body) = req.into_parts();
                let json: serde_json::Value = serde_json::from_slice(&req_body)?;
                seen.lock().unwrap().push((parts, json));
                Ok::<_, BoxError>(
                    Response::builder()
                        .status(status)
                        .header("content-type", "application/json")
                        .header("x-notion-request-id", "req-header-1")
                        .body(Bytes::from(body.to_string()))?,
                )
            }
        });
        (svc, seen)
    }

    fn creds() -> OAuthClientCredentials {
        OAuthClientCredentials::new("client-123", "sec_client_secret")
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64_encode(input.as_bytes()), expected);
        }
    }

    #[tokio::test]
    async fn refresh_sends_json_with_basic_auth_and_returns_rotated_pair() {
        let (svc, seen) = transport(
            200,
            serde_json::json!({
                "access_token": "new_access", "token_type": "bearer",
                "refresh_token": "new_refresh", "bot_id": "bot-1",
                "workspace_id": "ws-1", "workspace_name": null, "request_id": "r1"
            }),
        );
        let client = OAuthClient::new("http://127.0.0.1:9", creds(), svc).unwrap();
        let grant = client
            .refresh(&RefreshToken::new("old_refresh"))
            .await
            .unwrap();
        assert_eq!(grant.tokens.access_token.expose_secret(), "new_access");
        assert_eq!(
            grant.tokens.refresh_token.as_ref().unwrap().expose_secret(),
            "new_refresh"
        );
        assert_eq!(grant.details.str("bot_id"), Some("bot-1"));
        assert!(!grant.details.0.contains_key("access_token"));

        let seen = seen.lock().unwrap();
        let (parts, json) = &seen[0];
        assert_eq!(parts.method, Method::POST);
        assert_eq!(parts.uri, "http://127.0.0.1:9/v1/oauth/token");
        assert_eq!(
            json,
            &serde_json::json!({"grant_type": "refresh_token", "refresh_token": "old_refresh"})
        );
        let auth = parts.headers.get(AUTHORIZATION).unwrap();
        assert!(auth.is_sensitive());
        assert_eq!(
            auth.to_str().unwrap(),
            format!("Basic {}", base64_encode(b"client-123:sec_client_secret"))
        );
        assert_eq!(parts.headers[CONTENT_TYPE], "application/json");
    }

    #[tokio::test]
    async fn code_exchange_sends_code_and_redirect_uri() {
        let (svc, seen) = transport(
            200,
            serde_json::json!({"access_token": "a", "token_type": "bearer", "refresh_token": null}),
        );
        let client = OAuthClient::new("http://127.0.0.1:9/", creds(), svc).unwrap();
        let grant = client
            .exchange_code("the-code", Some("https://example.com/cb"))
            .await
            .unwrap();
        assert!(grant.tokens.refresh_token.is_none());
        let seen = seen.lock().unwrap();
        assert_eq!(
            seen[0].1,
            serde_json::json!({"grant_type": "authorization_code", "code": "the-code",
                "redirect_uri": "https://example.com/cb"})
        );
    }

    #[tokio::test]
    async fn invalid_grant_is_a_clear_error_without_secrets() {
        for body in [
            serde_json::json!({"error": "invalid_grant", "error_description": "refresh token already used"}),
            serde_json::json!({"object": "error", "status": 400, "code": "invalid_grant",
                "message": "refresh token already used", "request_id": "req-body-1"}),
        ] {
            let (svc, _) = transport(400, body);
            let client = OAuthClient::new("http://127.0.0.1:9", creds(), svc).unwrap();
            let err = client
                .refresh(&RefreshToken::new("old_refresh"))
                .await
                .unwrap_err();
            assert!(err.is_invalid_grant(), "{err:?}");
            let text = format!("{err} {err:?}");
            assert!(text.contains("invalid_grant"), "{text}");
            assert!(text.contains("re-authorize"), "{text}");
            assert!(text.contains("req-"), "{text}");
            for secret in ["old_refresh", "sec_client_secret"] {
                assert!(!text.contains(secret), "{text}");
            }
        }
    }

    #[tokio::test]
    async fn unparsable_success_body_is_not_echoed() {
        let (svc, _) = transport(
            200,
            serde_json::json!({"access_token": 5, "secretish": "tok_zzz"}),
        );
        let client = OAuthClient::new("http://127.0.0.1:9", creds(), svc).unwrap();
        let err = client.refresh(&RefreshToken::new("r")).await.unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(!text.contains("tok_zzz"), "{text}");
        assert!(matches!(err, Error::InvalidResponse { .. }));
    }

    #[tokio::test]
    async fn transport_failure_is_reported() {
        let calls = Arc::new(AtomicUsize::new(0));
        let calls2 = calls.clone();
        let svc = tower::service_fn(move |_req: Request<Bytes>| {
            calls2.fetch_add(1, Ordering::SeqCst);
            async { Err::<Response<Bytes>, BoxError>("connection refused".into()) }
        });
        let client = OAuthClient::new("http://127.0.0.1:9", creds(), svc).unwrap();
        let err = client.refresh(&RefreshToken::new("r")).await.unwrap_err();
        assert!(matches!(err, Error::Transport(_)), "{err:?}");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn introspect_posts_token_as_json() {
        let (svc, seen) = transport(
            200,
            serde_json::json!({"active": true, "scope": "read", "iat": 1700000000}),
        );
        let client = OAuthClient::new("http://127.0.0.1:9", creds(), svc).unwrap();
        let result = client.introspect(&AccessToken::new("tok")).await.unwrap();
        assert!(result.active);
        let seen = seen.lock().unwrap();
        assert_eq!(seen[0].0.uri, "http://127.0.0.1:9/v1/oauth/introspect");
        assert_eq!(seen[0].1, serde_json::json!({"token": "tok"}));
        assert!(seen[0].0.headers[AUTHORIZATION].is_sensitive());
    }
}
