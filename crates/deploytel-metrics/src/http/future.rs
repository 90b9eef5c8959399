//! The response future: records the request when the inner service answers.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use super::HttpFamilies;
use crate::Gauge;

/// A request being served; counted active until dropped, whether answered or abandoned.
pub(super) struct InFlight {
    pub(super) families: Arc<HttpFamilies>,
    pub(super) method: &'static str,
    pub(super) route: Cow<'static, str>,
    pub(super) started: Instant,
    pub(super) active: Option<Gauge>,
}

impl InFlight {
    fn record(&self, status_code: &str) {
        let labels = [self.method, &self.route, status_code];
        if let Ok(histogram) = self.families.duration.with_labels(&labels) {
            histogram.observe_duration(self.started.elapsed());
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Some(gauge) = &self.active {
            gauge.dec();
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`HttpMetrics`](super::HttpMetrics): the inner service's, timed.
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        in_flight: Option<InFlight>,
    }
}

impl<F> ResponseFuture<F> {
    pub(super) fn new(inner: F, in_flight: InFlight) -> Self {
        ResponseFuture {
            inner,
            in_flight: Some(in_flight),
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<http::Response<B>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = std::task::ready!(this.inner.poll(cx));
        if let Some(in_flight) = this.in_flight.take() {
            match &result {
                Ok(response) => in_flight.record(response.status().as_str()),
                Err(_) => in_flight.record("error"),
            }
        }
        Poll::Ready(result)
    }
}
