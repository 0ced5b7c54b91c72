//! What a failed `check` tells the user: the reason in plain words, the fix, then the detail.

use notion_http::ErrorKind;
use notion_http::classify::Class;
use notion_streams::{Error, Settings};

/// Notion's status page, for outages.
const STATUS_PAGE: &str = "https://status.notion.so";

/// The message of a FAILED connection status for `error`.
pub(crate) fn check_failure(error: &Error, settings: &Settings) -> String {
    // Validated: no user name, password or query, so it can be shown.
    let base = settings.config.base_url.trim_end_matches('/');
    let Error::Http(e) = error else {
        return match error {
            Error::Response { .. } => format!(
                "unexpected response: {base} does not answer like the Notion API; check \
                 base_url. Details: {error}"
            ),
            other => other.to_string(),
        };
    };
    let status = e.status().map(|s| s.as_u16());
    match e.class() {
        Class::Transport => format!(
            "unreachable host: cannot connect to {base}; check base_url and that this machine \
             can reach it (network, DNS, proxy, firewall). Details: {e}"
        ),
        Class::Timeout => format!(
            "unreachable host: {base} did not answer in time; check the network, or try again \
             later. Details: {e}"
        ),
        Class::NotFound | Class::NotTheApi | Class::BadEndpoint => wrong_base_path(base, e),
        Class::UnexpectedStatus if status.is_some_and(|s| (300..400).contains(&s)) => format!(
            "unexpected response: {base} answered with a redirect (HTTP {}); use the address \
             the API answers at as base_url (https://api.notion.com). Details: {e}",
            status.unwrap_or_default()
        ),
        Class::ServerError | Class::OtherServerError | Class::Overloaded => format!(
            "Notion is down or overloaded (HTTP {}), also after retries; try again later and \
             see {STATUS_PAGE}. Details: {e}",
            status.map_or_else(|| "5xx".to_owned(), |s| s.to_string())
        ),
        Class::RateLimited | Class::Blocked => format!(
            "rate limited: Notion refuses more requests from this integration for now; wait a \
             minute and check again, and lower requests_per_second if other syncs use the same \
             integration. Details: {e}"
        ),
        Class::UnexpectedStatus | Class::Fatal if e.kind() != ErrorKind::Authentication => {
            format!(
                "unexpected response: {base} answered something that is not the Notion API (a \
                 proxy, a login page or another server?); check base_url. Details: {e}"
            )
        }
        _ => e.to_string(),
    }
}

fn wrong_base_path(base: &str, e: &notion_http::Error) -> String {
    format!(
        "wrong base path: {base} does not serve the Notion API (its /v1/users/me was not \
         found); base_url is the API's root, https://api.notion.com, without /v1. Details: {e}"
    )
}
