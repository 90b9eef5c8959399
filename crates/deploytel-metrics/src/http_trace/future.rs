//! The response future: the status on the span, the request id on the response, the access
//! line.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use http::header::{HeaderName, HeaderValue};
use tracing::Span;

use super::{access, AccessLevels, RequestId};

/// What the future needs to finish a request.
pub(super) struct Request {
    pub(super) span: Span,
    pub(super) started: Instant,
    pub(super) request_id: RequestId,
    pub(super) header: HeaderName,
    pub(super) levels: AccessLevels,
    pub(super) method: &'static str,
    pub(super) route: Cow<'static, str>,
}

pin_project_lite::pin_project! {
    /// The future of [`HttpTrace`](super::HttpTrace): the inner service's, polled inside the
    /// request's span.
    pub struct TracedResponse<F> {
        #[pin]
        inner: F,
        request: Option<Request>,
    }

    impl<F> PinnedDrop for TracedResponse<F> {
        /// A request dropped before its answer (the client went away, a timeout layer gave
        /// up) still gets its one access line, with status `cancelled`.
        fn drop(this: Pin<&mut Self>) {
            if let Some(request) = this.project().request.take() {
                let took = request.started.elapsed();
                let level = request.levels.client_error;
                access::log(&request.span, level, request.method, &request.route, "cancelled", took);
            }
        }
    }
}

impl<F> TracedResponse<F> {
    pub(super) fn new(inner: F, request: Request) -> Self {
        TracedResponse {
            inner,
            request: Some(request),
        }
    }
}

impl<F, B, E> Future for TracedResponse<F>
where
    F: Future<Output = Result<http::Response<B>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let entered = this.request.as_ref().map(|r| r.span.enter());
        let mut result = std::task::ready!(this.inner.poll(cx));
        drop(entered);
        if let Some(request) = this.request.take() {
            let took = request.started.elapsed();
            let span = &request.span;
            let (status, level) = match &mut result {
                Ok(response) => {
                    if let Ok(value) = HeaderValue::from_str(request.request_id.as_str()) {
                        response.headers_mut().insert(request.header.clone(), value);
                    }
                    let status = response.status();
                    span.record("http.response.status_code", status.as_u16());
                    let level = if status.is_server_error() {
                        span.record("error.type", status.as_str());
                        span.record("otel.status_code", "error");
                        request.levels.server_error
                    } else if status.is_client_error() {
                        request.levels.client_error
                    } else {
                        request.levels.success
                    };
                    (Cow::Owned(status.as_str().to_owned()), level)
                }
                Err(_) => {
                    span.record("error.type", "_OTHER");
                    span.record("otel.status_code", "error");
                    span.record("otel.status_description", "the service failed");
                    (Cow::Borrowed("error"), request.levels.server_error)
                }
            };
            access::log(span, level, request.method, &request.route, &status, took);
        }
        Poll::Ready(result)
    }
}
