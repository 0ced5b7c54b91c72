//! [`NotionApi`] over the tower-stack client of `notion-http`.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::{FutureExt, StreamExt, TryStreamExt};
use notion_auth::Credentials;
use notion_http::client::NotionClient;
use notion_http::{ClientConfig, ListRequest, PropertyPage};
use notion_model::List;
use serde_json::value::RawValue;

use crate::api::{HttpStats, ListPage, NotionApi, Object};
use crate::config::{CredentialsConfig, Settings};
use crate::error::{Error, Result};

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
    config.page_size = Some(c.page_size);
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
    Ok(Arc::new(HttpApi::new(client)))
}

/// [`NotionApi`] over a [`NotionClient`].
#[derive(Debug, Clone)]
pub struct HttpApi {
    client: NotionClient,
}

impl HttpApi {
    /// Wraps a client.
    pub fn new(client: NotionClient) -> Self {
        HttpApi { client }
    }
}

type RawList = List<Box<RawValue>>;

impl NotionApi for HttpApi {
    fn me(&self) -> BoxFuture<'_, Result<Box<RawValue>>> {
        let call = self.client.me().as_type::<Box<RawValue>>();
        async move { Ok(call.await?) }.boxed()
    }

    fn retrieve(&self, object: Object) -> BoxFuture<'_, Result<Box<RawValue>>> {
        let call = match object {
            Object::Database(id) => self.client.get_database(&id.to_string()).as_type(),
            Object::DataSource(id) => self.client.get_data_source(&id.to_string()).as_type(),
            Object::Page(id) => self.client.get_page(&id.to_string()).as_type(),
            // All of a page's text: meeting-note transcripts included.
            Object::PageMarkdown(id) => self
                .client
                .get_page_markdown(&id.to_string(), true)
                .as_type(),
            Object::Block(id) => self.client.get_block(&id.to_string()).as_type(),
        };
        async move { Ok(call.await?) }.boxed()
    }

    fn list(&self, request: ListRequest) -> BoxStream<'static, Result<ListPage>> {
        if let ListRequest::PageProperty { .. } = request {
            return self
                .client
                .list::<PropertyPage>(&request)
                .pages()
                .map_ok(|page| match page {
                    PropertyPage::List(list) => ListPage {
                        incomplete: list.is_incomplete(),
                        results: list.results,
                        summary: list.type_payload,
                    },
                    PropertyPage::Item(item) => ListPage {
                        results: vec![item],
                        ..ListPage::default()
                    },
                    _ => ListPage::default(),
                })
                .map_err(Error::from)
                .boxed();
        }
        self.client
            .list::<RawList>(&request)
            .pages()
            .map_ok(|list| ListPage {
                incomplete: list.is_incomplete(),
                results: list.results,
                summary: None,
            })
            .map_err(Error::from)
            .boxed()
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
