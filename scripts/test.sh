#!/usr/bin/env bash
# Runs every check of the project on a machine with only the Rust toolchain: installs what the
# tests need when it is missing, then formatting, lints, all tests (unit, integration, doc,
# benchmarks in test mode), the docs build and, when cargo-deny is available, the licence,
# ban and source checks.
#
#   scripts/test.sh            # everything
#   INSTALL_TOOLS=1 scripts/test.sh   # also install cargo-deny when missing (CI does)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

install_packages() {
  step "installing $*"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@"
}

# Commands the tests run, and the Debian package that provides each.
ensure_commands() {
  local missing=()
  while [ "$#" -gt 0 ]; do
    command -v "$1" >/dev/null 2>&1 || missing+=("$2")
    shift 2
  done
  [ "${#missing[@]}" -eq 0 ] || install_packages "${missing[@]}"
}

# The example orchestrator's steps run through `sh`; promtool checks scrapes, alert rules and
# dashboard queries; a real Prometheus, Pushgateway and node_exporter show the alert rules
# firing for scraped, pushed and textfile metrics.
ensure_commands sh dash promtool prometheus prometheus prometheus \
  prometheus-pushgateway prometheus-pushgateway \
  prometheus-node-exporter prometheus-node-exporter

# HTTPS for the audit forwarders (feature `tls`) builds against the system's OpenSSL.
# The HTTPS test makes its receiver's certificate with the openssl command.
ensure_commands pkg-config pkg-config openssl openssl
pkg-config --exists openssl || install_packages libssl-dev

# The audit trail's PostgreSQL sink is tested against a real server: a throwaway cluster the
# tests start with initdb and pg_ctl from Debian's server package.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || install_packages postgresql

# The Ansible integration is tested with the real ansible-playbook and its `ansible.posix`
# JSON callbacks (Debian's `ansible`, not `ansible-core` alone); an unreachable host is an SSH
# target on a closed loopback port, so the ssh client is needed too.
ensure_commands ansible-playbook ansible ansible-pull ansible ssh openssh-client pkill procps
# The fleet test pulls the playbook from a local git repository and posts with curl.
ensure_commands git git curl curl

if [ "${INSTALL_TOOLS:-0}" = 1 ] && ! cargo deny --version >/dev/null 2>&1; then
  step "installing cargo-deny"
  cargo install --locked cargo-deny
fi

step "rustfmt"
cargo fmt --all --check

step "clippy (all features, and each crate's default and bare feature sets)"
cargo clippy --workspace --all-targets --all-features -- -D warnings
cargo clippy -p deploytel -p deploytel-ecs -p deploytel-metrics -p deploytel-audit --no-default-features -- -D warnings

step "tests (unit, integration, examples, doc tests)"
cargo test --workspace --all-features
cargo test -p deploytel -p deploytel-ecs -p deploytel-metrics -p deploytel-audit --no-default-features
# The HTTP layer with tower but without axum, which must say why routes are `_unmatched`.
cargo test -p deploytel-metrics --no-default-features --features tower --test http_without_axum

step "benchmarks, run once in test mode"
cargo test -p deploytel-benches --benches

step "docs (every feature, as docs.rs builds them, and none)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --all-features --no-deps
# Each published crate alone, so that no other package turns its features back on.
RUSTDOCFLAGS="-D warnings" cargo doc --no-default-features --no-deps \
  -p deploytel -p deploytel-core -p deploytel-ecs -p deploytel-metrics -p deploytel-span -p deploytel-audit \
  -p deploytel-terraform -p deploytel-ansible

if cargo deny --version >/dev/null 2>&1; then
  step "cargo deny check licenses bans sources"
  cargo deny --all-features check licenses bans sources
else
  step "cargo-deny not installed: licence and ban checks skipped (INSTALL_TOOLS=1 installs it)"
fi

step "all checks passed"
