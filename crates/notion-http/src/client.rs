//! The typed client: one method per read endpoint.

use std::fmt;
use std::future::IntoFuture;
use std::marker::PhantomData;
use std::sync::Arc;

use bytes::Bytes;
use futures::future::BoxFuture;
use futures::stream::{BoxStream, StreamExt, TryStreamExt};
use http::{Method, Request, Response, Uri};
use notion_auth::{AccessToken, Authenticator, Credentials, OAuthClient, TokenGrant};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use tower::util::BoxCloneSyncService;
use tower::{Layer, Service, ServiceBuilder, ServiceExt};

use crate::config::{BaseUrl, ClientConfig};
use crate::error::{ApiError, Error};
use crate::headers::NotionHeadersLayer;
use crate::pagination::{ListResponse, Paginated};
use crate::query::{DataSourceQuery, SearchRequest};
use crate::rate_limit::{RateLimitLayer, RateLimiter};
use crate::retry::{RetryConfig, RetryLayer, RetryPolicy};
use crate::stats::{RequestMetrics, Stats, StatsSnapshot};
use crate::timeout::TimeoutLayer;
use crate::trace::TraceLayer;
use crate::transport::{HttpTransport, TransportConfig};
use crate::types::{
    Block, BlockList, CommentList, DataSource, Database, GetPagePropertyResponse, Page,
    PropertyItemList, QueryResultList, SearchResultList, User, UserList,
};

/// The type-erased service stack: whole-body requests in, whole-body responses out.
pub type NotionService = BoxCloneSyncService<Request<Bytes>, Response<Bytes>, Error>;

/// The shared pieces of one connection, created from a [`ClientConfig`]: the rate limiter, the
/// authenticator and the statistics. Every service built from the same `Connection` shares
/// them.
#[derive(Clone, Debug)]
pub struct Connection {
    /// The token bucket and cooldown.
    pub limiter: Arc<RateLimiter>,
    /// The current token and the refresh logic.
    pub auth: Authenticator,
    /// The counters.
    pub stats: Stats,
    /// The OAuth client, when the credentials carry client credentials.
    pub oauth: Option<OAuthClient>,
}

/// Builds the full stack over `transport`:
/// trace → retry → rate limit → timeout → headers → auth → `transport`.
///
/// Returns the stack and the [`Connection`] it shares. OAuth token requests go through the
/// rate limiter, the timeout and the headers too, but never through auth or retry.
pub fn build_stack<T>(
    config: &ClientConfig,
    transport: T,
) -> Result<(NotionService, Connection), Error>
where
    T: Service<Request<Bytes>, Response = Response<Bytes>, Error = Error>
        + Clone
        + Send
        + Sync
        + 'static,
    T::Future: Send + 'static,
{
    // Every rule on the settings lives in `ClientConfig::validate`.
    let base = config.validate()?;
    let version = http::HeaderValue::from_static(config.api_version.as_str());
    let user_agent = http::HeaderValue::from_str(&config.user_agent)
        .map_err(|_| Error::config("user_agent", "is not a valid header value"))?;
    let stats = Stats::new();
    let transport = CountLayer {
        stats: stats.clone(),
    }
    .layer(transport);
    // `requests_per_second == 0` turns the limiter off (validated: loopback only).
    let limiter = if config.requests_per_second == 0.0 {
        RateLimiter::unlimited()
    } else {
        RateLimiter::new(config.requests_per_second, config.burst)?
    };
    let limiter = Arc::new(limiter.with_stats(stats.clone()));
    let headers = NotionHeadersLayer::new(version, user_agent);

    let token_transport = ServiceBuilder::new()
        .layer(RateLimitLayer::new(limiter.clone()))
        .layer(TimeoutLayer::new(config.request_timeout))
        .layer(headers.clone())
        .service(transport.clone());
    let oauth = match &config.credentials {
        Credentials::OAuth(oauth) => match &oauth.client {
            Some(client) => Some(OAuthClient::new(
                base.as_str(),
                client.clone(),
                token_transport,
            )?),
            None => None,
        },
        _ => None,
    };
    let auth = match &oauth {
        Some(client) => Authenticator::with_refresh(
            config.credentials.clone(),
            client.clone(),
            config.on_token_rotation.clone(),
        )?,
        None => Authenticator::new(config.credentials.clone())?,
    };
    let retry = RetryPolicy::new(RetryConfig {
        max_retries: config.max_retries,
        base_delay: config.retry_base_delay,
        max_delay: config.retry_max_delay,
        max_retry_after: config.max_retry_after,
    })
    .with_limiter(limiter.clone())
    .with_stats(stats.clone());

    let stack = ServiceBuilder::new()
        .layer(TraceLayer::new())
        .layer(RetryLayer::new(retry))
        .layer(RateLimitLayer::new(limiter.clone()))
        .layer(TimeoutLayer::new(config.request_timeout))
        .layer(headers)
        .layer(notion_auth::AuthLayer::new(auth.clone()))
        .service(transport);
    Ok((
        BoxCloneSyncService::new(stack),
        Connection {
            limiter,
            auth,
            stats,
            oauth,
        },
    ))
}

/// Counts every request that reaches the transport (attempts and OAuth replays).
#[derive(Clone)]
struct CountLayer {
    stats: Stats,
}

impl<S> Layer<S> for CountLayer {
    type Service = Count<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Count {
            inner,
            stats: self.stats.clone(),
        }
    }
}

#[derive(Clone)]
struct Count<S> {
    inner: S,
    stats: Stats,
}

impl<S: Service<Request<Bytes>>> Service<Request<Bytes>> for Count<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Bytes>) -> Self::Future {
        self.stats.request_sent();
        if let Some(metrics) = request.extensions().get::<RequestMetrics>() {
            metrics.attempt();
        }
        self.inner.call(request)
    }
}

/// A request to one endpoint, before pagination parameters are added.
#[derive(Clone)]
pub(crate) struct Endpoint {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Option<Map<String, Value>>,
    pub(crate) what: &'static str,
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

impl Endpoint {
    fn get(path: String, what: &'static str) -> Self {
        Self {
            method: Method::GET,
            path,
            query: Vec::new(),
            body: None,
            what,
        }
    }

    fn post(path: String, body: Map<String, Value>, what: &'static str) -> Self {
        Self {
            method: Method::POST,
            path,
            query: Vec::new(),
            body: Some(body),
            what,
        }
    }

    fn query(mut self, key: &str, value: impl Into<String>) -> Self {
        self.query.push((key.to_owned(), value.into()));
        self
    }
}

struct Inner {
    service: NotionService,
    base: BaseUrl,
    connection: Connection,
}

/// A Notion API client. Cheap to clone; clones share the connection pool, the rate limiter,
/// the token and the statistics.
#[derive(Clone)]
pub struct NotionClient {
    inner: Arc<Inner>,
}

impl fmt::Debug for NotionClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotionClient")
            .field("base_url", &self.inner.base.as_str())
            .field("limiter", &self.inner.connection.limiter)
            .finish_non_exhaustive()
    }
}

/// A single-object request. `.await` it for the typed result, or pick another type with
/// [`as_type`](Self::as_type) (e.g. `serde_json::Value` or `Box<RawValue>` for passthrough).
#[must_use = "a request does nothing until awaited"]
pub struct Call<T> {
    client: NotionClient,
    endpoint: Endpoint,
    _type: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for Call<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Call").field(&self.endpoint).finish()
    }
}

impl<T> Call<T> {
    /// Decodes the response as `U` instead.
    pub fn as_type<U>(self) -> Call<U> {
        Call {
            client: self.client,
            endpoint: self.endpoint,
            _type: PhantomData,
        }
    }
}

impl<T: DeserializeOwned + Send + 'static> IntoFuture for Call<T> {
    type Output = Result<T, Error>;
    type IntoFuture = BoxFuture<'static, Result<T, Error>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move { self.client.execute_json(&self.endpoint, None, None).await })
    }
}

/// Percent-encodes one path segment (ids), keeping only unreserved characters.
fn segment(raw: &str) -> String {
    encode(raw, false)
}

/// Encodes a segment that Notion already URL-encoded (property ids): `%` is kept.
fn encoded_segment(raw: &str) -> String {
    encode(raw, true)
}

fn encode(raw: &str, keep_percent: bool) -> String {
    let mut out = String::with_capacity(raw.len());
    for byte in raw.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(byte));
            }
            b'%' if keep_percent => out.push('%'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

fn to_map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

impl NotionClient {
    /// A client over the default HTTPS transport.
    pub fn new(config: ClientConfig) -> Result<Self, Error> {
        let transport = HttpTransport::new(TransportConfig {
            connect_timeout: config.connect_timeout,
            max_response_bytes: config.max_response_bytes,
            ..TransportConfig::default()
        })?;
        Self::with_transport(config, transport)
    }

    /// A client over a custom bottom service (for tests, proxies or instrumentation).
    pub fn with_transport<T>(config: ClientConfig, transport: T) -> Result<Self, Error>
    where
        T: Service<Request<Bytes>, Response = Response<Bytes>, Error = Error>
            + Clone
            + Send
            + Sync
            + 'static,
        T::Future: Send + 'static,
    {
        let (service, connection) = build_stack(&config, transport)?;
        Self::from_parts(&config, service, connection)
    }

    fn from_parts(
        config: &ClientConfig,
        service: NotionService,
        connection: Connection,
    ) -> Result<Self, Error> {
        Ok(Self {
            inner: Arc::new(Inner {
                service,
                base: BaseUrl::parse(&config.base_url)?,
                connection,
            }),
        })
    }

    /// Request statistics so far (requests sent, retries, 429s, time waited on the limiter…).
    pub fn stats(&self) -> StatsSnapshot {
        let mut snapshot = self.inner.connection.stats.snapshot();
        snapshot.token_refreshes = self.inner.connection.auth.refresh_count();
        snapshot
    }

    /// The shared connection state (rate limiter, authenticator, statistics).
    pub fn connection(&self) -> &Connection {
        &self.inner.connection
    }

    /// The current token pair (after any refresh), for persisting at the end of a run.
    pub fn tokens(&self) -> notion_auth::TokenPair {
        self.inner.connection.auth.tokens()
    }

    fn request(
        &self,
        endpoint: &Endpoint,
        cursor: Option<&str>,
        page_size: Option<u32>,
    ) -> Result<Request<Bytes>, Error> {
        let mut url = format!("{}{}", self.inner.base.as_str(), endpoint.path);
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in &endpoint.query {
            query.append_pair(key, value);
        }
        let mut body = endpoint.body.clone();
        match body.as_mut() {
            Some(body) => {
                if let Some(cursor) = cursor {
                    body.insert("start_cursor".into(), Value::String(cursor.to_owned()));
                }
                if let Some(size) = page_size {
                    body.insert("page_size".into(), Value::from(size));
                }
            }
            None => {
                if let Some(cursor) = cursor {
                    query.append_pair("start_cursor", cursor);
                }
                if let Some(size) = page_size {
                    query.append_pair("page_size", &size.to_string());
                }
            }
        }
        let query = query.finish();
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query);
        }
        let uri: Uri = url.parse().map_err(|e| {
            Error::config("base_url", format!("gives an invalid request URL ({e})"))
        })?;
        let bytes = match body {
            Some(body) => Bytes::from(
                serde_json::to_vec(&body).map_err(|e| Error::decode("a request body", e))?,
            ),
            None => Bytes::new(),
        };
        let mut request = Request::new(bytes);
        *request.method_mut() = endpoint.method.clone();
        *request.uri_mut() = uri;
        Ok(request)
    }

    /// Sends a request through the stack and maps a non-success answer to an [`Error`].
    pub(crate) async fn execute(
        &self,
        endpoint: &Endpoint,
        cursor: Option<&str>,
        page_size: Option<u32>,
    ) -> Result<Response<Bytes>, Error> {
        let mut request = self.request(endpoint, cursor, page_size)?;
        let metrics = RequestMetrics::new();
        request.extensions_mut().insert(metrics.clone());
        let response = self.inner.service.clone().oneshot(request).await?;
        if let Some(date) = response
            .headers()
            .get(http::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|s| httpdate::parse_http_date(s).ok())
        {
            self.inner.connection.stats.server_date(date);
        }
        if response.status().is_success() {
            return Ok(response);
        }
        let mut api = ApiError::from_response(&response);
        api.attempts = Some(metrics.attempts());
        Err(Error::from_api(api))
    }

    pub(crate) async fn execute_json<T: DeserializeOwned>(
        &self,
        endpoint: &Endpoint,
        cursor: Option<&str>,
        page_size: Option<u32>,
    ) -> Result<T, Error> {
        let response = self.execute(endpoint, cursor, page_size).await?;
        serde_json::from_slice(response.body()).map_err(|e| Error::decode(endpoint.what, e))
    }

    pub(crate) async fn fetch_page<L: ListResponse>(
        &self,
        endpoint: &Endpoint,
        cursor: Option<&str>,
        page_size: Option<u32>,
    ) -> Result<L, Error> {
        self.execute_json(endpoint, cursor, page_size).await
    }

    fn call<T>(&self, endpoint: Endpoint) -> Call<T> {
        Call {
            client: self.clone(),
            endpoint,
            _type: PhantomData,
        }
    }

    fn paginated<L: ListResponse>(&self, endpoint: Endpoint) -> Paginated<L> {
        Paginated::new(self.clone(), endpoint)
    }

    /// `GET /v1/users/me`: the integration's bot user (for a personal access token, its
    /// creator).
    pub fn me(&self) -> Call<User> {
        self.call(Endpoint::get("/v1/users/me".into(), "a user"))
    }

    /// `GET /v1/users`: workspace members and bots (not guests).
    pub fn list_users(&self) -> Paginated<UserList> {
        self.paginated(Endpoint::get("/v1/users".into(), "a list of users"))
    }

    /// `GET /v1/users/{id}`.
    pub fn get_user(&self, user_id: &str) -> Call<User> {
        self.call(Endpoint::get(
            format!("/v1/users/{}", segment(user_id)),
            "a user",
        ))
    }

    /// `GET /v1/databases/{id}`: the container with its `data_sources`.
    pub fn get_database(&self, database_id: &str) -> Call<Database> {
        self.call(Endpoint::get(
            format!("/v1/databases/{}", segment(database_id)),
            "a database",
        ))
    }

    /// `GET /v1/data_sources/{id}`: schema and metadata of one data source.
    pub fn get_data_source(&self, data_source_id: &str) -> Call<DataSource> {
        self.call(Endpoint::get(
            format!("/v1/data_sources/{}", segment(data_source_id)),
            "a data source",
        ))
    }

    /// `POST /v1/data_sources/{id}/query`. A page whose `request_status` is incomplete marks
    /// Notion's 10,000-row cap: split the query into windows to read further.
    pub fn query_data_source(
        &self,
        data_source_id: &str,
        query: &DataSourceQuery,
    ) -> Paginated<QueryResultList> {
        let body = to_map(serde_json::to_value(query).unwrap_or_default());
        let mut endpoint = Endpoint::post(
            format!("/v1/data_sources/{}/query", segment(data_source_id)),
            body,
            "a data source query result",
        );
        for property in &query.filter_properties {
            endpoint = endpoint.query("filter_properties[]", property.clone());
        }
        self.paginated(endpoint)
    }

    /// Queries every data source of a database (`GET /v1/databases/{id}`, then
    /// `POST /v1/data_sources/{id}/query` for each of its `data_sources`), yielding each page of
    /// results with the id of the data source it came from.
    pub fn query_database<L: ListResponse>(
        &self,
        database_id: &str,
        query: &DataSourceQuery,
    ) -> BoxStream<'static, Result<(String, L), Error>> {
        let client = self.clone();
        let query = query.clone();
        let database = self.get_database(database_id).as_type::<Value>();
        futures::stream::once(database.into_future())
            .map_ok(move |database| {
                let ids: Vec<String> = database
                    .get("data_sources")
                    .and_then(Value::as_array)
                    .map(|sources| {
                        sources
                            .iter()
                            .filter_map(|s| s.get("id").and_then(Value::as_str).map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                let client = client.clone();
                let query = query.clone();
                futures::stream::iter(ids).flat_map(move |id: String| {
                    client
                        .query_data_source(&id, &query)
                        .as_type::<L>()
                        .pages()
                        .map_ok(move |page| (id.clone(), page))
                })
            })
            .try_flatten()
            .boxed()
    }

    /// `GET /v1/pages/{id}`, optionally with only some properties (`filter_properties[]`).
    pub fn get_page(&self, page_id: &str) -> Call<Page> {
        self.get_page_with_properties(page_id, &[])
    }

    /// `GET /v1/pages/{id}?filter_properties[]=…`.
    pub fn get_page_with_properties(&self, page_id: &str, properties: &[&str]) -> Call<Page> {
        let mut endpoint = Endpoint::get(format!("/v1/pages/{}", segment(page_id)), "a page");
        for property in properties {
            endpoint = endpoint.query("filter_properties[]", *property);
        }
        self.call(endpoint)
    }

    /// `GET /v1/pages/{id}/properties/{property_id}`: the complete value of a property Notion
    /// truncates in page objects (relation, people, title, rich_text, rollup). The property id
    /// is used as Notion returned it (already URL-encoded).
    ///
    /// Simple property types answer one `property_item` object instead of a list; read those
    /// with [`get_page_property`](Self::get_page_property).
    pub fn page_property_items(
        &self,
        page_id: &str,
        property_id: &str,
    ) -> Paginated<PropertyItemList> {
        self.paginated(self.property_endpoint(page_id, property_id))
    }

    /// `GET /v1/pages/{id}/properties/{property_id}` once: a single `property_item`, or the
    /// first page of a list.
    pub fn get_page_property(
        &self,
        page_id: &str,
        property_id: &str,
    ) -> Call<GetPagePropertyResponse> {
        self.call(self.property_endpoint(page_id, property_id))
    }

    fn property_endpoint(&self, page_id: &str, property_id: &str) -> Endpoint {
        Endpoint::get(
            format!(
                "/v1/pages/{}/properties/{}",
                segment(page_id),
                encoded_segment(property_id)
            ),
            "a page property",
        )
    }

    /// `GET /v1/blocks/{id}`.
    pub fn get_block(&self, block_id: &str) -> Call<Block> {
        self.call(Endpoint::get(
            format!("/v1/blocks/{}", segment(block_id)),
            "a block",
        ))
    }

    /// `GET /v1/blocks/{id}/children`: the first level of children of a block or page.
    pub fn block_children(&self, block_id: &str) -> Paginated<BlockList> {
        self.paginated(self.block_children_endpoint(block_id))
    }

    pub(crate) fn block_children_endpoint(&self, block_id: &str) -> Endpoint {
        Endpoint::get(
            format!("/v1/blocks/{}/children", segment(block_id)),
            "a list of blocks",
        )
    }

    /// `POST /v1/search`: pages and data sources shared with the integration (best effort, see
    /// Notion's search limitations).
    pub fn search(&self, request: &SearchRequest) -> Paginated<SearchResultList> {
        let body = to_map(serde_json::to_value(request).unwrap_or_default());
        self.paginated(Endpoint::post("/v1/search".into(), body, "a search result"))
    }

    /// `GET /v1/comments?block_id=…`: un-resolved comments of a page or block.
    pub fn comments(&self, block_id: &str) -> Paginated<CommentList> {
        self.paginated(
            Endpoint::get("/v1/comments".into(), "a list of comments").query("block_id", block_id),
        )
    }

    fn oauth(&self) -> Result<&OAuthClient, Error> {
        self.inner.connection.oauth.as_ref().ok_or_else(|| {
            Error::config(
                "credentials",
                "OAuth client id and secret are required for this call",
            )
        })
    }

    /// Exchanges an authorization code for a token pair (`POST /v1/oauth/token`).
    pub async fn exchange_code(
        &self,
        code: &str,
        redirect_uri: Option<&str>,
    ) -> Result<TokenGrant, Error> {
        Ok(self.oauth()?.exchange_code(code, redirect_uri).await?)
    }

    /// Asks whether `token` is active (`POST /v1/oauth/introspect`).
    pub async fn introspect(
        &self,
        token: &AccessToken,
    ) -> Result<notion_model::IntrospectResponse, Error> {
        Ok(self.oauth()?.introspect(token).await?)
    }
}

/// Builds an [`OAuthClient`] on this crate's HTTPS transport, for the authorization-code
/// exchange before any access token exists.
pub fn oauth_client(
    base_url: &str,
    credentials: notion_auth::OAuthClientCredentials,
    request_timeout: std::time::Duration,
) -> Result<OAuthClient, Error> {
    let base = BaseUrl::parse(base_url)?;
    let transport = ServiceBuilder::new()
        .layer(TimeoutLayer::new(request_timeout))
        .service(HttpTransport::new(TransportConfig::default())?);
    Ok(OAuthClient::new(base.as_str(), credentials, transport)?)
}
