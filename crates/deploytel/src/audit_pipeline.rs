//! The audit trail in `init()`: a journal in `DEPLOYTEL_AUDIT_DIR`, the audit layer recording
//! every deployment's start and finish, the PostgreSQL sink when a URL is given, and a
//! forwarder per SIEM the environment names.

use std::path::PathBuf;
use std::time::Duration;

use deploytel_audit::{Actor, AuditLayer, AuditTrail, ChainKey, JournalBuilder, WritePolicy};

use crate::audit_forwarding::{self, Destination, Forwarding};
use crate::env::{Env, DEPLOYTEL_AUDIT_DIR, DEPLOYTEL_AUDIT_KEY, DEPLOYTEL_AUDIT_POSTGRES_URL};
use crate::settings::Settings;
use crate::{Builder, Guard, InitError};

/// What the builder was told about auditing; the rest comes from the environment.
#[derive(Clone, Debug, Default)]
pub(crate) struct Choice {
    dir: Option<PathBuf>,
    actor: Option<Actor>,
    key: Option<ChainKey>,
    postgres_url: Option<String>,
    policy: Option<WritePolicy>,
    destinations: Vec<Destination>,
    off: bool,
}

impl Builder {
    /// Records an audit trail in the journal at `dir`; overrides `DEPLOYTEL_AUDIT_DIR`.
    pub fn audit_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.audit.dir = Some(dir.into());
        self
    }

    /// Who the audit records name when a deployment or event names nobody; overrides
    /// `DEPLOYTEL_ACTOR` and the CI system's variables (see
    /// [`Actor::from_variables`](deploytel_audit::Actor::from_variables)).
    pub fn audit_actor(mut self, actor: Actor) -> Self {
        self.audit.actor = Some(actor);
        self
    }

    /// Chains the audit records with HMAC-SHA-256 under `key`; overrides `DEPLOYTEL_AUDIT_KEY`.
    pub fn audit_key(mut self, key: ChainKey) -> Self {
        self.audit.key = Some(key);
        self
    }

    /// Copies the audit journal to the PostgreSQL database at `url`; overrides
    /// `DEPLOYTEL_AUDIT_POSTGRES_URL`. Needs the `audit-postgres` feature.
    pub fn audit_postgres_url(mut self, url: impl Into<String>) -> Self {
        self.audit.postgres_url = Some(url.into());
        self
    }

    /// Records no audit trail whatever `DEPLOYTEL_AUDIT_DIR` says: for a helper process that
    /// inherits its parent's environment and would find the journal locked by the parent.
    pub fn without_audit(mut self) -> Self {
        self.audit.off = true;
        self
    }

    /// Forwards the audit journal to `destination` as well as to the receivers the
    /// environment names (`DEPLOYTEL_AUDIT_ELASTICSEARCH_URL`, …); see
    /// [`deploytel_audit::forward`].
    #[cfg(any(
        feature = "audit-elasticsearch",
        feature = "audit-splunk-hec",
        feature = "audit-datadog"
    ))]
    pub fn audit_forward(mut self, destination: impl Into<Destination>) -> Self {
        self.audit.destinations.push(destination.into());
        self
    }

    /// What recording does when the journal cannot be written (default: fail closed).
    pub fn audit_write_policy(mut self, policy: WritePolicy) -> Self {
        self.audit.policy = Some(policy);
        self
    }
}

impl Guard {
    /// The audit trail, when auditing is on: record your own events (approvals, denials,
    /// configuration changes) with [`AuditTrail::record`].
    pub fn audit(&self) -> Option<&AuditTrail> {
        self.audit.trail.as_ref()
    }
}

/// The journal to open, and where to copy it.
#[derive(Debug)]
pub(crate) struct Plan {
    dir: PathBuf,
    actor: Option<Actor>,
    key: ChainKey,
    // Read only by the sink, which builds without `audit-postgres` do not have; `plan` has
    // already refused a URL such a build cannot honour.
    #[cfg_attr(not(feature = "audit-postgres"), allow(dead_code))]
    postgres_url: Option<String>,
    policy: WritePolicy,
    destinations: Vec<Destination>,
    roots: Vec<Vec<u8>>,
}

pub(crate) fn plan(env: &(impl Env + ?Sized), choice: &Choice) -> Result<Option<Plan>, InitError> {
    if choice.off {
        return Ok(None);
    }
    let dir = match &choice.dir {
        Some(dir) => dir.clone(),
        None => match env.get(DEPLOYTEL_AUDIT_DIR)? {
            Some(dir) => PathBuf::from(dir),
            None => return Ok(None),
        },
    };
    let key = match &choice.key {
        Some(key) => key.clone(),
        None => match env.get(DEPLOYTEL_AUDIT_KEY)? {
            Some(hex) => ChainKey::from_hex(&hex, DEPLOYTEL_AUDIT_KEY)?,
            None => ChainKey::unkeyed(),
        },
    };
    let postgres_url = match &choice.postgres_url {
        Some(url) => Some(url.clone()),
        None => env.get(DEPLOYTEL_AUDIT_POSTGRES_URL)?,
    };
    if postgres_url.is_some() && !cfg!(feature = "audit-postgres") {
        return Err(InitError::InvalidVariable {
            variable: DEPLOYTEL_AUDIT_POSTGRES_URL,
            value: "(a URL)".into(),
            reason:
                "this build cannot write to PostgreSQL: enable deploytel's `audit-postgres` feature"
                    .into(),
        });
    }
    let actor = match &choice.actor {
        Some(actor) => Some(actor.clone()),
        None => Actor::from_variables(|name: &'static str| env.get(name).ok().flatten())
            .map(|(actor, _)| actor),
    };
    Ok(Some(Plan {
        dir,
        actor,
        key,
        postgres_url,
        policy: choice.policy.unwrap_or(WritePolicy::FailClosed),
        destinations: choice
            .destinations
            .iter()
            .cloned()
            .chain(audit_forwarding::plan(env)?)
            .collect(),
        roots: audit_forwarding::trusted_roots(env)?,
    }))
}

/// The trail and the sink's thread, kept by the guard.
#[derive(Debug, Default)]
pub(crate) struct AuditPipeline {
    trail: Option<AuditTrail>,
    #[cfg(feature = "audit-postgres")]
    sink: Option<deploytel_audit::postgres::SinkThread>,
    forwarding: Forwarding,
}

impl AuditPipeline {
    /// Whether an audit trail records into this process.
    pub(crate) fn is_recording(&self) -> bool {
        self.trail.is_some()
    }

    /// Stops the PostgreSQL sink after one last copy, and the forwarders after at most
    /// `within` each; returns the records the forwarders have yet to deliver (they stay in
    /// the journal for the next start).
    pub(crate) fn stop(&mut self, within: Duration) -> u64 {
        #[cfg(feature = "audit-postgres")]
        drop(self.sink.take());
        self.forwarding.stop(within)
    }
}

pub(crate) fn install(
    plan: Option<Plan>,
    settings: &Settings,
) -> Result<(Option<AuditLayer>, AuditPipeline), InitError> {
    let Some(plan) = plan else {
        return Ok((None, AuditPipeline::default()));
    };
    let trail = AuditTrail::builder()
        .actor_if_known(plan.actor)
        .redactor(settings.redactor.clone())
        .journal(
            JournalBuilder::default()
                .key(plan.key)
                .on_write_failure(plan.policy),
        )
        .open(&plan.dir)?;
    #[cfg(feature = "audit-postgres")]
    let sink = match &plan.postgres_url {
        Some(url) => Some(
            deploytel_audit::postgres::PostgresSink::new(&plan.dir, url)?
                .durable_only(&trail)
                .spawn(std::time::Duration::from_secs(1)),
        ),
        None => None,
    };
    let forwarding = Forwarding::start(plan.destinations, &plan.roots, &trail)?;
    Ok((
        Some(AuditLayer::new(trail.clone())),
        AuditPipeline {
            trail: Some(trail),
            #[cfg(feature = "audit-postgres")]
            sink,
            forwarding,
        },
    ))
}
