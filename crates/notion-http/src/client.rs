//! The typed client: one method per read endpoint.

use std::fmt;
use std::future::IntoFuture;
use std::marker::PhantomData;
use std::sync::Arc;

use bytes::Bytes;
use futures::future::BoxFuture;
use futures::stream::{BoxStream, StreamExt, TryStreamExt};
use http::{Request, Response};
use notion_auth::{AccessToken, Authenticator, Credentials, OAuthClient, TokenGrant};
use serde::de::DeserializeOwned;
use serde_json::Value;
use tower::util::BoxCloneSyncService;
use tower::{Layer, Service, ServiceBuilder, ServiceExt};

use crate::config::{BaseUrl, ClientConfig};
use crate::count::CountLayer;
use crate::endpoint::{Endpoint, encoded_segment, segment};
use crate::error::{ApiError, Error};
use crate::headers::NotionHeadersLayer;
use crate::pagination::{ListResponse, Paginated};
use crate::query::{DataSourceQuery, ListRequest, SearchRequest, body_map};
use crate::rate_limit::{RateLimitLayer, RateLimiter};
use crate::retry::{RetryConfig, RetryLayer, RetryPolicy};
use crate::stats::{RequestMetrics, Stats, StatsSnapshot};
use crate::timeout::TimeoutLayer;
use crate::trace::TraceLayer;
use crate::transport::{HttpTransport, TransportConfig};
use crate::types::{
    Block, BlockList, CommentList, DataSource, Database, GetPagePropertyResponse, Page,
    PageMarkdown, PropertyItemList, QueryResultList, SearchResultList, User, UserList,
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
    let transport = CountLayer::new(stats.clone()).layer(transport);
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

struct Inner {
    service: NotionService,
    base: BaseUrl,
    connection: Connection,
    page_size: Option<u32>,
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
                page_size: config.page_size,
            }),
        })
    }

    /// Request statistics so far (requests sent, retries, 429s, time waited on the limiter…).
    pub fn stats(&self) -> StatsSnapshot {
        let mut snapshot = self.inner.connection.stats.snapshot();
        snapshot.token_refreshes = self.inner.connection.auth.refresh_count();
        snapshot
    }

    /// The page size every listing asks for, unless it sets its own.
    pub(crate) fn page_size(&self) -> Option<u32> {
        self.inner.page_size
    }

    /// The current token pair (after any refresh), for persisting at the end of a run.
    pub fn tokens(&self) -> notion_auth::TokenPair {
        self.inner.connection.auth.tokens()
    }

    /// Sends a request through the stack and maps a non-success answer to an [`Error`].
    pub(crate) async fn execute(
        &self,
        endpoint: &Endpoint,
        cursor: Option<&str>,
        page_size: Option<u32>,
    ) -> Result<Response<Bytes>, Error> {
        let mut request = endpoint.request(&self.inner.base, cursor, page_size)?;
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

    /// One page of a listing.
    pub(crate) async fn fetch<L: ListResponse>(
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

    /// Any listing, by its typed request: the pages of the list, decoded as `L` (e.g.
    /// `List<Box<RawValue>>` to pass the results through untouched).
    pub fn list<L: ListResponse>(&self, request: &ListRequest) -> Paginated<L> {
        let endpoint = match request {
            ListRequest::Users => users_endpoint(),
            ListRequest::Search(search) => search_endpoint(search),
            ListRequest::QueryDataSource { data_source, query } => {
                query_endpoint(&data_source.to_string(), query)
            }
            ListRequest::BlockChildren { block } => block_children_endpoint(&block.to_string()),
            ListRequest::Comments { block } => comments_endpoint(&block.to_string()),
            ListRequest::PageProperty { page, property } => {
                property_endpoint(&page.to_string(), property)
            }
        };
        self.paginated(endpoint)
    }

    /// `GET /v1/users/me`: the integration's bot user (for a personal access token, its
    /// creator).
    pub fn me(&self) -> Call<User> {
        self.call(Endpoint::get("/v1/users/me".into(), "a user"))
    }

    /// `GET /v1/users`: workspace members and bots (not guests).
    pub fn list_users(&self) -> Paginated<UserList> {
        self.paginated(users_endpoint())
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
        self.paginated(query_endpoint(data_source_id, query))
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

    /// `GET /v1/pages/{id}`.
    pub fn get_page(&self, page_id: &str) -> Call<Page> {
        self.call(Endpoint::get(
            format!("/v1/pages/{}", segment(page_id)),
            "a page",
        ))
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
        self.paginated(property_endpoint(page_id, property_id))
    }

    /// `GET /v1/pages/{id}/properties/{property_id}` once: a single `property_item`, or the
    /// first page of a list.
    pub fn get_page_property(
        &self,
        page_id: &str,
        property_id: &str,
    ) -> Call<GetPagePropertyResponse> {
        self.call(property_endpoint(page_id, property_id))
    }

    /// `GET /v1/pages/{id}/markdown`: a page's content as Notion's enhanced Markdown (API
    /// version 2026-03-11). Parts Notion leaves out are listed in `unknown_block_ids`; pass each
    /// id back to this method to read them.
    pub fn get_page_markdown(&self, page_or_block_id: &str) -> Call<PageMarkdown> {
        self.call(Endpoint::get(
            format!("/v1/pages/{}/markdown", segment(page_or_block_id)),
            "a page as Markdown",
        ))
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
        self.paginated(block_children_endpoint(block_id))
    }

    /// `POST /v1/search`: pages and data sources shared with the integration (best effort, see
    /// Notion's search limitations).
    pub fn search(&self, request: &SearchRequest) -> Paginated<SearchResultList> {
        self.paginated(search_endpoint(request))
    }

    /// `GET /v1/comments?block_id=…`: un-resolved comments of a page or block.
    pub fn comments(&self, block_id: &str) -> Paginated<CommentList> {
        self.paginated(comments_endpoint(block_id))
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

fn users_endpoint() -> Endpoint {
    Endpoint::get("/v1/users".into(), "a list of users")
}

fn search_endpoint(request: &SearchRequest) -> Endpoint {
    Endpoint::post("/v1/search".into(), body_map(request), "a search result")
}

fn query_endpoint(data_source_id: &str, query: &DataSourceQuery) -> Endpoint {
    let mut endpoint = Endpoint::post(
        format!("/v1/data_sources/{}/query", segment(data_source_id)),
        body_map(query),
        "a data source query result",
    );
    for property in &query.filter_properties {
        endpoint = endpoint.query("filter_properties[]", property.clone());
    }
    endpoint
}

fn block_children_endpoint(block_id: &str) -> Endpoint {
    Endpoint::get(
        format!("/v1/blocks/{}/children", segment(block_id)),
        "a list of blocks",
    )
}

fn comments_endpoint(block_id: &str) -> Endpoint {
    Endpoint::get("/v1/comments".into(), "a list of comments").query("block_id", block_id)
}

fn property_endpoint(page_id: &str, property_id: &str) -> Endpoint {
    Endpoint::get(
        format!(
            "/v1/pages/{}/properties/{}",
            segment(page_id),
            encoded_segment(property_id)
        ),
        "a page property",
    )
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
