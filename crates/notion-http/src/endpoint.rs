//! One endpoint of the API: method, path, query parameters and body, turned into a request.

use std::fmt;

use bytes::Bytes;
use http::{Method, Request, Uri};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value};

use crate::config::BaseUrl;
use crate::error::Error;

/// Characters kept as they are in a path segment (RFC 3986 unreserved); everything else is
/// percent-encoded, `/` included, so an id is always one segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A segment Notion already percent-encoded (property ids): `%` is kept.
const ENCODED_SEGMENT: &AsciiSet = &SEGMENT.remove(b'%');

/// Percent-encodes one path segment (an id).
pub(crate) fn segment(raw: &str) -> String {
    utf8_percent_encode(raw, SEGMENT).to_string()
}

/// Encodes a segment Notion already URL-encoded (property ids): `%` is kept, as Notion asks.
pub(crate) fn encoded_segment(raw: &str) -> String {
    utf8_percent_encode(raw, ENCODED_SEGMENT).to_string()
}

/// A request to one endpoint, before pagination parameters are added.
#[derive(Clone)]
pub(crate) struct Endpoint {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Option<Map<String, Value>>,
    /// What the endpoint answers with, for messages ("a list of blocks").
    pub(crate) what: &'static str,
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

impl Endpoint {
    pub(crate) fn get(path: String, what: &'static str) -> Self {
        Self {
            method: Method::GET,
            path,
            query: Vec::new(),
            body: None,
            what,
        }
    }

    pub(crate) fn post(path: String, body: Map<String, Value>, what: &'static str) -> Self {
        Self {
            method: Method::POST,
            path,
            query: Vec::new(),
            body: Some(body),
            what,
        }
    }

    pub(crate) fn query(mut self, key: &str, value: impl Into<String>) -> Self {
        self.query.push((key.to_owned(), value.into()));
        self
    }

    /// The HTTP request for this endpoint at `base`, with the pagination parameters: in the
    /// body of a POST, in the query string of a GET.
    pub(crate) fn request(
        &self,
        base: &BaseUrl,
        cursor: Option<&str>,
        page_size: Option<u32>,
    ) -> Result<Request<Bytes>, Error> {
        let mut url = format!("{}{}", base.as_str(), self.path);
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in &self.query {
            query.append_pair(key, value);
        }
        let bytes = match &self.body {
            Some(body) if cursor.is_none() && page_size.is_none() => {
                Bytes::from(serde_json::to_vec(body).map_err(|e| Error::decode(self.what, e))?)
            }
            Some(body) => {
                let mut body = body.clone();
                if let Some(cursor) = cursor {
                    body.insert("start_cursor".into(), Value::String(cursor.to_owned()));
                }
                if let Some(size) = page_size {
                    body.insert("page_size".into(), Value::from(size));
                }
                Bytes::from(serde_json::to_vec(&body).map_err(|e| Error::decode(self.what, e))?)
            }
            None => {
                if let Some(cursor) = cursor {
                    query.append_pair("start_cursor", cursor);
                }
                if let Some(size) = page_size {
                    query.append_pair("page_size", &size.to_string());
                }
                Bytes::new()
            }
        };
        let query = query.finish();
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query);
        }
        let uri: Uri = url.parse().map_err(|e| {
            Error::config("base_url", format!("gives an invalid request URL ({e})"))
        })?;
        let mut request = Request::new(bytes);
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = uri;
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments() {
        assert_eq!(segment("a/b c"), "a%2Fb%20c");
        assert_eq!(segment("59833787-2cf9"), "59833787-2cf9");
        assert_eq!(encoded_segment("%3AUPp"), "%3AUPp");
        assert_eq!(encoded_segment("a/b"), "a%2Fb");
    }
}
