//! The `tracing` span names of deploytel's deploy spans.
//!
//! The span helpers create spans with these names, and the metrics and audit layers recognise
//! deploy spans by them; nothing else links the helpers to the layers, so each can be used alone.

/// A whole deployment (one pipeline run): the root of a deployment trace.
pub const DEPLOYMENT: &str = "deployment";
/// One step (pipeline task) of a deployment.
pub const STEP: &str = "step";
/// A child process run by a step.
pub const SUBPROCESS: &str = "subprocess";
