//! Injected faults and latency.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use crate::rng::Rng;
use crate::routes::Endpoint;

/// A failure the server can inject instead of (or while) answering a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// 500 `internal_server_error`.
    InternalError,
    /// 502 with an HTML body (as a proxy sends).
    BadGatewayHtml,
    /// 503 `service_unavailable`.
    ServiceUnavailable,
    /// 504 `gateway_timeout`.
    GatewayTimeout,
    /// 529 `service_overload` with a `Retry-After` of this many seconds.
    Overloaded {
        /// Seconds sent in `Retry-After`.
        retry_after: u64,
    },
    /// Close the connection without sending a response.
    ConnectionReset,
    /// Hold the request this long before answering normally.
    Stall(Duration),
    /// Send the headers and part of the body (fewer bytes than `Content-Length`), then close.
    TruncatedBody,
}

/// A probabilistic fault: requests to `endpoint` (any when `None`) fail with `fault` with
/// probability `probability`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultRule {
    /// The endpoint it applies to, or every endpoint.
    pub endpoint: Option<Endpoint>,
    /// Probability in `[0, 1]`.
    pub probability: f64,
    /// What happens.
    pub fault: Fault,
}

/// Added latency: `fixed` plus a uniformly random part in `[0, jitter]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Latency {
    /// Always added.
    pub fixed: Duration,
    /// Upper bound of the random part.
    pub jitter: Duration,
}

#[derive(Debug, Clone, Copy)]
struct Scripted {
    endpoint: Option<Endpoint>,
    remaining: u32,
    fault: Fault,
}

#[derive(Debug)]
struct State {
    rng: Rng,
    rules: Vec<FaultRule>,
    scripted: VecDeque<Scripted>,
    latency: Latency,
    latency_by_endpoint: Vec<(Endpoint, Latency)>,
}

/// Fault and latency configuration, changeable at runtime.
#[derive(Debug)]
pub(crate) struct Faults {
    state: Mutex<State>,
}

impl Faults {
    pub(crate) fn new(seed: u64) -> Self {
        Faults {
            state: Mutex::new(State {
                rng: Rng::new(seed, &[0xFA17]),
                rules: Vec::new(),
                scripted: VecDeque::new(),
                latency: Latency::default(),
                latency_by_endpoint: Vec::new(),
            }),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> Option<R> {
        self.state.lock().ok().map(|mut s| f(&mut s))
    }

    pub(crate) fn set_rules(&self, rules: Vec<FaultRule>) {
        self.with(|s| s.rules = rules);
    }

    pub(crate) fn add_rule(&self, rule: FaultRule) {
        self.with(|s| s.rules.push(rule));
    }

    pub(crate) fn reseed(&self, seed: u64) {
        self.with(|s| s.rng = Rng::new(seed, &[0xFA17]));
    }

    pub(crate) fn script(&self, endpoint: Option<Endpoint>, count: u32, fault: Fault) {
        self.with(|s| {
            s.scripted.push_back(Scripted {
                endpoint,
                remaining: count,
                fault,
            })
        });
    }

    pub(crate) fn clear(&self) {
        self.with(|s| {
            s.rules.clear();
            s.scripted.clear();
        });
    }

    pub(crate) fn set_latency(&self, endpoint: Option<Endpoint>, latency: Latency) {
        self.with(|s| match endpoint {
            None => s.latency = latency,
            Some(e) => {
                s.latency_by_endpoint.retain(|(x, _)| *x != e);
                s.latency_by_endpoint.push((e, latency));
            }
        });
    }

    /// The fault to inject into a request to `endpoint` (scripted first, then rules), and the
    /// latency to add.
    pub(crate) fn decide(&self, endpoint: Endpoint) -> (Option<Fault>, Duration) {
        self.with(|s| {
            let mut fault = None;
            if let Some(pos) = s
                .scripted
                .iter()
                .position(|x| x.endpoint.is_none_or(|e| e == endpoint))
                && let Some(x) = s.scripted.get_mut(pos)
            {
                fault = Some(x.fault);
                x.remaining = x.remaining.saturating_sub(1);
                if x.remaining == 0 {
                    s.scripted.remove(pos);
                }
            }
            if fault.is_none() {
                for i in 0..s.rules.len() {
                    let r = s.rules[i];
                    if r.endpoint.is_none_or(|e| e == endpoint) && s.rng.chance(r.probability) {
                        fault = Some(r.fault);
                        break;
                    }
                }
            }
            let lat = s
                .latency_by_endpoint
                .iter()
                .find(|(e, _)| *e == endpoint)
                .map(|(_, l)| *l)
                .unwrap_or(s.latency);
            let mut delay = lat.fixed;
            if !lat.jitter.is_zero() {
                delay += lat.jitter.mul_f64(s.rng.unit());
            }
            (fault, delay)
        })
        .unwrap_or((None, Duration::ZERO))
    }
}
