//! [`NotionApi`] over the tower-stack client of `notion-http`.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt};
use notion_auth::Credentials;
use notion_http::ClientConfig;
use notion_http::client::NotionClient;
use notion_http::pagination::Paginated;
use notion_http::query::{DataSourceQuery, SearchRequest};
use notion_model::{Id, List};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::api::{HttpStats, ListPage, NotionApi};
use crate::config::{CredentialsConfig, Settings};
use crate::error::Result;

/// Called with the new access token and refresh token when Notion rotates them.
pub type OnRotation = Arc<dyn Fn(&str, Option<&str>) + Send + Sync>;

/// The client configuration the settings describe.
pub fn client_config(settings: &Settings, on_rotation: Option<OnRotation>) -> ClientConfig {
    let c = &settings.config;
    let credentials = match &c.credentials {
        CredentialsConfig::Token { token } => Credentials::token(token.expose()),
        CredentialsConfig::OAuth2 {
            client_id,
            client_secret,
            access_token,
            refresh_token,
        } => Credentials::oauth(
            access_token.expose(),
            refresh_token.as_ref().map(|r| r.expose().to_owned()),
            Some(notion_auth::OAuthClientCredentials::new(
                client_id.expose(),
                client_secret.expose(),
            )),
        ),
    };
    let mut config = ClientConfig::new(credentials);
    config.base_url = c.base_url.clone();
    config.api_version = settings.api_version;
    config.requests_per_second = c.requests_per_second;
    config.burst = c.burst;
    config.max_retries = c.max_retries;
    config.retry_base_delay = settings.retry_base_delay;
    config.retry_max_delay = config.retry_max_delay.max(settings.retry_base_delay);
    config.request_timeout = settings.request_timeout;
    config.max_retry_after = settings.max_retry_after;
    config.user_agent = format!(
        "notion-source/{} (+https://github.com/notion-source/notion-source)",
        env!("CARGO_PKG_VERSION")
    );
    if let Some(cb) = on_rotation {
        config.on_token_rotation = Some(Arc::new(move |pair: &notion_auth::TokenPair| {
            cb(
                pair.access_token.expose_secret(),
                pair.refresh_token.as_ref().map(|r| r.expose_secret()),
            );
        }));
    }
    config
}

/// Builds the API the settings describe.
pub fn build(settings: &Settings, on_rotation: Option<OnRotation>) -> Result<Arc<dyn NotionApi>> {
    let client = NotionClient::new(client_config(settings, on_rotation))?;
    Ok(Arc::new(HttpApi {
        client,
        page_size: settings.config.page_size,
    }))
}

/// [`NotionApi`] over a [`NotionClient`].
#[derive(Debug, Clone)]
pub struct HttpApi {
    client: NotionClient,
    page_size: u32,
}

impl HttpApi {
    /// Wraps a client.
    pub fn new(client: NotionClient, page_size: u32) -> Self {
        HttpApi { client, page_size }
    }
}

type RawList = List<Box<RawValue>>;

fn list_page(list: RawList) -> ListPage {
    ListPage {
        incomplete: list.is_incomplete(),
        has_more: list.has_more(),
        next_cursor: list.next_cursor().map(str::to_owned),
        results: list.results,
    }
}

/// Applies `start_cursor` and `page_size` from a request body.
fn paging(mut p: Paginated<RawList>, body: &Value, default_size: u32) -> Paginated<RawList> {
    let size = body
        .get("page_size")
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(default_size);
    p = p.page_size(size);
    if let Some(c) = body.get("start_cursor").and_then(Value::as_str) {
        p = p.start_cursor(c);
    }
    p
}

async fn first_page(
    pages: futures::stream::BoxStream<'static, std::result::Result<RawList, notion_http::Error>>,
) -> Result<ListPage> {
    let mut pages = pages;
    match pages.next().await {
        Some(page) => Ok(list_page(page?)),
        None => Ok(ListPage::default()),
    }
}

impl NotionApi for HttpApi {
    fn me(&self) -> BoxFuture<'_, Result<Box<RawValue>>> {
        let call = self.client.me().as_type::<Box<RawValue>>();
        async move { Ok(call.await?) }.boxed()
    }

    fn list_users<'a>(&'a self, cursor: Option<&'a str>) -> BoxFuture<'a, Result<ListPage>> {
        let mut p = self
            .client
            .list_users()
            .as_type::<RawList>()
            .page_size(self.page_size);
        if let Some(c) = cursor {
            p = p.start_cursor(c);
        }
        first_page(p.pages()).boxed()
    }

    fn search(&self, body: Value) -> BoxFuture<'_, Result<ListPage>> {
        let request = SearchRequest {
            query: body.get("query").and_then(Value::as_str).map(str::to_owned),
            filter: body.get("filter").cloned(),
            sort: body.get("sort").cloned(),
        };
        let p = paging(
            self.client.search(&request).as_type::<RawList>(),
            &body,
            self.page_size,
        );
        first_page(p.pages()).boxed()
    }

    fn query_data_source(&self, id: Id, body: Value) -> BoxFuture<'_, Result<ListPage>> {
        let query = DataSourceQuery {
            filter: body.get("filter").cloned(),
            sorts: body
                .get("sorts")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
            in_trash: body.get("in_trash").and_then(Value::as_bool),
            ..DataSourceQuery::default()
        };
        let p = paging(
            self.client
                .query_data_source(&id.to_string(), &query)
                .as_type::<RawList>(),
            &body,
            self.page_size,
        );
        first_page(p.pages()).boxed()
    }

    fn database(&self, id: Id) -> BoxFuture<'_, Result<Box<RawValue>>> {
        let call = self
            .client
            .get_database(&id.to_string())
            .as_type::<Box<RawValue>>();
        async move { Ok(call.await?) }.boxed()
    }

    fn data_source(&self, id: Id) -> BoxFuture<'_, Result<Box<RawValue>>> {
        let call = self
            .client
            .get_data_source(&id.to_string())
            .as_type::<Box<RawValue>>();
        async move { Ok(call.await?) }.boxed()
    }

    fn page(&self, id: Id) -> BoxFuture<'_, Result<Box<RawValue>>> {
        let call = self
            .client
            .get_page(&id.to_string())
            .as_type::<Box<RawValue>>();
        async move { Ok(call.await?) }.boxed()
    }

    fn page_property<'a>(
        &'a self,
        page_id: Id,
        property_id: &'a str,
        cursor: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Box<RawValue>>> {
        let mut p = self
            .client
            .page_property_items(&page_id.to_string(), property_id)
            .as_type::<Value>()
            .page_size(self.page_size);
        if let Some(c) = cursor {
            p = p.start_cursor(c);
        }
        async move {
            let mut pages = p.pages();
            let value = match pages.next().await {
                Some(v) => v?,
                None => Value::Null,
            };
            let text = serde_json::to_string(&value)
                .map_err(|e| crate::Error::response("a page property", e))?;
            RawValue::from_string(text).map_err(|e| crate::Error::response("a page property", e))
        }
        .boxed()
    }

    fn block_children<'a>(
        &'a self,
        id: Id,
        cursor: Option<&'a str>,
    ) -> BoxFuture<'a, Result<ListPage>> {
        let mut p = self
            .client
            .block_children(&id.to_string())
            .as_type::<RawList>()
            .page_size(self.page_size);
        if let Some(c) = cursor {
            p = p.start_cursor(c);
        }
        first_page(p.pages()).boxed()
    }

    fn comments<'a>(
        &'a self,
        block_id: Id,
        cursor: Option<&'a str>,
    ) -> BoxFuture<'a, Result<ListPage>> {
        let mut p = self
            .client
            .comments(&block_id.to_string())
            .as_type::<RawList>()
            .page_size(self.page_size);
        if let Some(c) = cursor {
            p = p.start_cursor(c);
        }
        first_page(p.pages()).boxed()
    }

    fn server_time(&self) -> Option<DateTime<Utc>> {
        self.client.stats().server_date.map(DateTime::<Utc>::from)
    }

    fn stats(&self) -> HttpStats {
        let s = self.client.stats();
        HttpStats {
            requests: s.requests_sent,
            retries: s.retries,
            rate_limited: s.rate_limited,
            pauses: s.cooldowns,
            waited_ms: duration_ms(s.limiter_wait + s.retry_wait),
        }
    }
}

fn duration_ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
