//! This machine's name, for the outputs that name the host (a Pushgateway group's
//! `instance`, a SIEM record's `host`).

/// The kernel's host name, else `from_environment` (the caller's `HOSTNAME`), else
/// `localhost`.
pub fn name(from_environment: Option<String>) -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .or(from_environment)
        .unwrap_or_else(|| "localhost".to_owned())
}
