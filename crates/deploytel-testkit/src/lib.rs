//! Test helpers shared by the deploytel crates; not published.
//!
//! ```
//! use deploytel_testkit::json::parse_line;
//!
//! let doc = parse_line(r#"{"a":1,"b":"x"}"#).unwrap();
//! assert_eq!(doc.keys(), ["a", "b"]);
//! assert!(parse_line(r#"{"a":1,"a":2}"#).is_err());
//! ```
#![deny(missing_docs)]

pub mod capture;
pub mod child;
pub mod ecs;
pub mod http;
pub mod json;
pub mod monitoring;
#[cfg(feature = "opentelemetry")]
pub mod otlp;
#[cfg(feature = "grpc")]
pub mod otlp_grpc;
pub mod postgres;
pub mod prometheus;
pub mod scratch;
pub mod secrets;
#[cfg(feature = "siem")]
pub mod siem;
#[cfg(feature = "opentelemetry")]
pub mod spans;
