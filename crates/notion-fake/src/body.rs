//! Response bodies, including the deliberately truncated one.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};

/// Error of a truncated body (makes hyper drop the connection mid-body).
#[derive(Debug, thiserror::Error)]
#[error("body truncated on purpose")]
pub(crate) struct Truncated;

/// A response body: whole, or cut short of its announced length.
#[derive(Debug)]
pub(crate) enum FakeBody {
    Full(Option<Bytes>),
    Truncated {
        part: Option<Bytes>,
        claimed: u64,
        /// Holds the connection open briefly so the partial body is flushed before the close.
        pause: Pin<Box<tokio::time::Sleep>>,
    },
}

impl FakeBody {
    pub(crate) fn full(b: impl Into<Bytes>) -> Self {
        FakeBody::Full(Some(b.into()))
    }

    /// Sends about half of `b` while announcing all of it.
    pub(crate) fn truncated(b: Bytes) -> Self {
        let claimed = b.len() as u64;
        let half = b.len() / 2;
        FakeBody::Truncated {
            part: Some(b.slice(..half)),
            claimed,
            pause: Box::pin(tokio::time::sleep(std::time::Duration::from_millis(20))),
        }
    }
}

impl http_body::Body for FakeBody {
    type Data = Bytes;
    type Error = Truncated;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Truncated>>> {
        let this = self.get_mut();
        match this {
            FakeBody::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            FakeBody::Truncated { part, pause, .. } => match part.take() {
                Some(b) => Poll::Ready(Some(Ok(Frame::data(b)))),
                None => match pause.as_mut().poll(cx) {
                    Poll::Pending => Poll::Pending,
                    Poll::Ready(()) => Poll::Ready(Some(Err(Truncated))),
                },
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, FakeBody::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            FakeBody::Full(Some(b)) => SizeHint::with_exact(b.len() as u64),
            FakeBody::Full(None) => SizeHint::with_exact(0),
            FakeBody::Truncated { claimed, .. } => SizeHint::with_exact(*claimed),
        }
    }
}
