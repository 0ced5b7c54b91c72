//! Routing: which endpoint a request is for.

use std::fmt;

use http::Method;

/// An endpoint of the fake (used by counters, faults and latency settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Endpoint {
    /// `GET /v1/users`
    ListUsers,
    /// `GET /v1/users/{id}`
    RetrieveUser,
    /// `GET /v1/users/me`
    Me,
    /// `POST /v1/search`
    Search,
    /// `GET /v1/databases/{id}`
    RetrieveDatabase,
    /// `POST /v1/databases/{id}/query` (2022-06-28 only)
    QueryDatabase,
    /// `GET /v1/data_sources/{id}`
    RetrieveDataSource,
    /// `POST /v1/data_sources/{id}/query`
    QueryDataSource,
    /// `GET /v1/pages/{id}`
    RetrievePage,
    /// `GET /v1/pages/{id}/properties/{property_id}`
    PagePropertyItem,
    /// `GET /v1/pages/{id}/markdown`
    PageMarkdown,
    /// `GET /v1/blocks/{id}`
    RetrieveBlock,
    /// `GET /v1/blocks/{id}/children`
    BlockChildren,
    /// `GET /v1/comments`
    ListComments,
    /// `POST /v1/oauth/token`
    OAuthToken,
    /// `POST /v1/oauth/introspect`
    OAuthIntrospect,
    /// `POST /v1/oauth/revoke`
    OAuthRevoke,
    /// Anything else (answered 400 `invalid_request_url`).
    Unknown,
}

impl Endpoint {
    /// A short stable name (`block_children`, `search`, …), used by the binary's flags.
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::ListUsers => "list_users",
            Endpoint::RetrieveUser => "retrieve_user",
            Endpoint::Me => "me",
            Endpoint::Search => "search",
            Endpoint::RetrieveDatabase => "retrieve_database",
            Endpoint::QueryDatabase => "query_database",
            Endpoint::RetrieveDataSource => "retrieve_data_source",
            Endpoint::QueryDataSource => "query_data_source",
            Endpoint::RetrievePage => "retrieve_page",
            Endpoint::PagePropertyItem => "page_property_item",
            Endpoint::PageMarkdown => "page_markdown",
            Endpoint::RetrieveBlock => "retrieve_block",
            Endpoint::BlockChildren => "block_children",
            Endpoint::ListComments => "list_comments",
            Endpoint::OAuthToken => "oauth_token",
            Endpoint::OAuthIntrospect => "oauth_introspect",
            Endpoint::OAuthRevoke => "oauth_revoke",
            Endpoint::Unknown => "unknown",
        }
    }

    /// Every endpoint.
    pub const ALL: [Endpoint; 18] = [
        Endpoint::ListUsers,
        Endpoint::RetrieveUser,
        Endpoint::Me,
        Endpoint::Search,
        Endpoint::RetrieveDatabase,
        Endpoint::QueryDatabase,
        Endpoint::RetrieveDataSource,
        Endpoint::QueryDataSource,
        Endpoint::RetrievePage,
        Endpoint::PagePropertyItem,
        Endpoint::PageMarkdown,
        Endpoint::RetrieveBlock,
        Endpoint::BlockChildren,
        Endpoint::ListComments,
        Endpoint::OAuthToken,
        Endpoint::OAuthIntrospect,
        Endpoint::OAuthRevoke,
        Endpoint::Unknown,
    ];

    /// The endpoint named `name` (see [`Endpoint::name`]).
    pub fn from_name(name: &str) -> Option<Endpoint> {
        Endpoint::ALL.into_iter().find(|e| e.name() == name)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A routed request: the endpoint and its path parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Route {
    pub(crate) endpoint: Endpoint,
    pub(crate) id: Option<String>,
    pub(crate) sub: Option<String>,
}

pub(crate) fn route(method: &Method, path: &str) -> Route {
    let segs: Vec<&str> = path
        .trim_start_matches('/')
        .trim_end_matches('/')
        .split('/')
        .collect();
    let r = |endpoint, id: Option<&str>, sub: Option<&str>| Route {
        endpoint,
        id: id.map(str::to_owned),
        sub: sub.map(str::to_owned),
    };
    let get = method == Method::GET;
    let post = method == Method::POST;
    match segs.as_slice() {
        ["v1", "users"] if get => r(Endpoint::ListUsers, None, None),
        ["v1", "users", "me"] if get => r(Endpoint::Me, None, None),
        ["v1", "users", id] if get => r(Endpoint::RetrieveUser, Some(id), None),
        ["v1", "search"] if post => r(Endpoint::Search, None, None),
        ["v1", "databases", id] if get => r(Endpoint::RetrieveDatabase, Some(id), None),
        ["v1", "databases", id, "query"] if post => r(Endpoint::QueryDatabase, Some(id), None),
        ["v1", "data_sources", id] if get => r(Endpoint::RetrieveDataSource, Some(id), None),
        ["v1", "data_sources", id, "query"] if post => r(Endpoint::QueryDataSource, Some(id), None),
        ["v1", "pages", id] if get => r(Endpoint::RetrievePage, Some(id), None),
        ["v1", "pages", id, "markdown"] if get => r(Endpoint::PageMarkdown, Some(id), None),
        ["v1", "pages", id, "properties", pid] if get => {
            r(Endpoint::PagePropertyItem, Some(id), Some(pid))
        }
        ["v1", "blocks", id] if get => r(Endpoint::RetrieveBlock, Some(id), None),
        ["v1", "blocks", id, "children"] if get => r(Endpoint::BlockChildren, Some(id), None),
        ["v1", "comments"] if get => r(Endpoint::ListComments, None, None),
        ["v1", "oauth", "token"] if post => r(Endpoint::OAuthToken, None, None),
        ["v1", "oauth", "introspect"] if post => r(Endpoint::OAuthIntrospect, None, None),
        ["v1", "oauth", "revoke"] if post => r(Endpoint::OAuthRevoke, None, None),
        _ => r(Endpoint::Unknown, None, None),
    }
}
