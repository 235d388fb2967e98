//! `Connection: close` on answers given before the request's body was read.
//!
//! Some answers come before the body is read: a hand-in retried with a key that was already
//! answered, an upload refused for its size or for rights. hyper then closes the connection
//! once it has answered, because the unread bytes make it unusable, but it does not say so. A
//! client that pools connections (reqwest, sync clients) may then send its next request on a
//! connection that is closing and see it fail. It is safe to retry, but it still fails. Saying
//! `Connection: close` lets the client open a new connection instead (RFC 9112, section 9.6).

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes, HttpBody};
use axum::http::{header, HeaderValue, Request};
use axum::response::Response;

/// Watches the request's body: the flag it returns (none for a request without a body) says
/// afterwards whether the body was read to its end.
pub(crate) fn watch(req: Request<Body>) -> (Request<Body>, Option<Arc<AtomicBool>>) {
    if req.body().is_end_stream() {
        return (req, None);
    }
    let read = Arc::new(AtomicBool::new(false));
    let req = req.map(|inner| Body::new(Watched { inner, read: read.clone() }));
    (req, Some(read))
}

/// Marks an answer given before the body it watched was read.
pub(crate) fn close_if_unread(resp: &mut Response, read: Option<&AtomicBool>) {
    if read.is_some_and(|r| !r.load(Ordering::Acquire)) {
        resp.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
}

/// A request body that notes when it has been read to its end.
struct Watched {
    inner: Body,
    read: Arc<AtomicBool>,
}

impl HttpBody for Watched {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) || self.inner.is_end_stream() {
            self.read.store(true, Ordering::Release);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}
