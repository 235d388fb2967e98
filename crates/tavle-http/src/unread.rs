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
use axum::middleware::Next;
use axum::response::Response;

/// The middleware: watches the request's body and marks the answer when it was left unread.
pub async fn close_unread(req: Request<Body>, next: Next) -> Response {
    if req.body().is_end_stream() {
        return next.run(req).await;
    }
    let read = Arc::new(AtomicBool::new(false));
    let req = req.map(|inner| Body::new(Watched { inner, read: read.clone() }));
    let mut resp = next.run(req).await;
    if !read.load(Ordering::Acquire) {
        resp.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    resp
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
