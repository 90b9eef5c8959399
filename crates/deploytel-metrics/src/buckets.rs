//! Histogram bucket bounds, in seconds.

/// Deployments run for seconds to hours; the bounds include the shipped rules' thresholds
/// (30 min, 1 h) so an alert on a percentile lands on a bucket edge.
pub const DEPLOYMENT: &[f64] = &[
    1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 10800.0,
    14400.0,
];

/// Lead time for changes, from minutes to half a year; the edges of the DORA performance bands
/// (an hour, a day, a week, a month, six months) are bucket edges, so a band's share is exact.
pub const LEAD_TIME: &[f64] = &[
    300.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 28800.0, 86400.0, 172800.0, 345600.0, 604800.0,
    1209600.0, 2592000.0, 7776000.0, 15552000.0,
];

/// Time to restore after failed deployments, from minutes to a month, with the DORA band edges
/// (an hour, a day, a week) among the edges.
pub const RESTORE: &[f64] = &[
    60.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0, 14400.0, 28800.0, 86400.0, 172800.0, 604800.0,
    1209600.0, 2592000.0,
];

/// Steps and child processes: from a quick check to a long playbook.
pub const STEP: &[f64] = &[
    0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0, 14400.0,
];

/// HTTP server requests, as the OpenTelemetry HTTP semantic conventions advise for
/// `http.server.request.duration`.
pub const HTTP_SERVER: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// One write and fdatasync of a batch of audit records: from a fast SSD to a disk in trouble.
pub const AUDIT_SYNC: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];
