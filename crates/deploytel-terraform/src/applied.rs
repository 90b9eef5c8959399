//! What an apply reported: the resources it applied, its errors and its summary.

/// What an apply did to one resource.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct AppliedResource {
    /// The resource's address.
    pub address: String,
    /// The hook's action: `create`, `update`, `delete`, `read` (a replace is a delete and a
    /// create, each its own entry).
    pub action: String,
    /// Whether Terraform said it completed.
    pub completed: bool,
    /// The error diagnostic's summary and detail, for a resource that failed.
    pub error: Option<String>,
    /// Seconds Terraform reported, when it did.
    pub elapsed_seconds: Option<f64>,
}

/// What one `terraform apply -json` run reported.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct ApplyRun {
    /// Each resource Terraform started to apply, in the order it started.
    pub resources: Vec<AppliedResource>,
    /// Error diagnostics, masked: the ones of a resource are on it as well.
    pub errors: Vec<String>,
    /// The closing `change_summary`: (added, changed, removed).
    pub summary: Option<(u64, u64, u64)>,
    /// Lines that were not JSON events (logged once each as a warning).
    pub malformed_lines: Vec<usize>,
}

impl ApplyRun {
    /// Whether the apply went to its end without an error.
    pub fn succeeded(&self) -> bool {
        self.summary.is_some() && self.errors.is_empty()
    }
}
