//! Request counters by endpoint and status.

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::routes::Endpoint;

/// A snapshot of the request counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters {
    /// Requests per endpoint and HTTP status (0 = the connection was dropped without a response).
    pub by_endpoint_status: BTreeMap<(Endpoint, u16), u64>,
    /// Downloads of hosted files (`/files/…`) per HTTP status; not API requests, so not in
    /// [`Counters::total`].
    pub file_downloads: BTreeMap<u16, u64>,
}

impl Counters {
    /// All requests.
    pub fn total(&self) -> u64 {
        self.by_endpoint_status.values().sum()
    }

    /// Requests to `endpoint`, any status.
    pub fn endpoint(&self, endpoint: Endpoint) -> u64 {
        self.by_endpoint_status
            .iter()
            .filter(|((e, _), _)| *e == endpoint)
            .map(|(_, n)| n)
            .sum()
    }

    /// Requests answered with `status`, any endpoint.
    pub fn status(&self, status: u16) -> u64 {
        self.by_endpoint_status
            .iter()
            .filter(|((_, s), _)| *s == status)
            .map(|(_, n)| n)
            .sum()
    }

    /// Downloads of hosted files, any status.
    pub fn downloads(&self) -> u64 {
        self.file_downloads.values().sum()
    }

    /// Requests to `endpoint` answered with `status`.
    pub fn get(&self, endpoint: Endpoint, status: u16) -> u64 {
        self.by_endpoint_status
            .get(&(endpoint, status))
            .copied()
            .unwrap_or(0)
    }
}

#[derive(Debug, Default)]
pub(crate) struct CounterSet {
    inner: Mutex<BTreeMap<(Endpoint, u16), u64>>,
    downloads: Mutex<BTreeMap<u16, u64>>,
}

impl CounterSet {
    pub(crate) fn record(&self, endpoint: Endpoint, status: u16) {
        if let Ok(mut m) = self.inner.lock() {
            *m.entry((endpoint, status)).or_insert(0) += 1;
        }
    }

    pub(crate) fn record_download(&self, status: u16) {
        if let Ok(mut m) = self.downloads.lock() {
            *m.entry(status).or_insert(0) += 1;
        }
    }

    pub(crate) fn snapshot(&self) -> Counters {
        Counters {
            by_endpoint_status: self.inner.lock().map(|m| m.clone()).unwrap_or_default(),
            file_downloads: self.downloads.lock().map(|m| m.clone()).unwrap_or_default(),
        }
    }

    pub(crate) fn reset(&self) {
        if let Ok(mut m) = self.inner.lock() {
            m.clear();
        }
        if let Ok(mut m) = self.downloads.lock() {
            m.clear();
        }
    }
}
