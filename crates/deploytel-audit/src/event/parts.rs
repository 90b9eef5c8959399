//! What an action was done to, from where, under which rule, and in which trace.

use std::net::IpAddr;

/// What the action was done to: `deploytel.audit.target.*`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Target {
    pub(crate) kind: String,
    pub(crate) id: String,
    pub(crate) name: Option<String>,
    pub(crate) environment: Option<String>,
    pub(crate) version: Option<String>,
}

impl Target {
    /// A target of `kind` (`service`, `pipeline`, `config`, `role`…) with the identifier `id`.
    pub fn new(kind: impl Into<String>, id: impl Into<String>) -> Self {
        Target {
            kind: kind.into(),
            id: id.into(),
            ..Target::default()
        }
    }

    /// A display name, when it differs from the id.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The environment the target lives in (`production`).
    pub fn environment(mut self, environment: impl Into<String>) -> Self {
        self.environment = Some(environment.into());
        self
    }

    /// The version the action concerns (the version deployed).
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }

    /// The kind of target.
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The identifier.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The environment, if given.
    pub fn environment_name(&self) -> Option<&str> {
        self.environment.as_deref()
    }
}

/// Where the request for the action came from: `source.*` and `user_agent.original`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Source {
    pub(crate) ip: Option<IpAddr>,
    pub(crate) address: Option<String>,
    pub(crate) user_agent: Option<String>,
}

impl Source {
    /// A request from `ip`.
    pub fn ip(ip: IpAddr) -> Self {
        Source {
            ip: Some(ip),
            ..Source::default()
        }
    }

    /// A request from `address`, a host name or socket path that is not an IP address.
    pub fn address(address: impl Into<String>) -> Self {
        Source {
            address: Some(address.into()),
            ..Source::default()
        }
    }

    /// The client's user agent.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }
}

/// The rule or policy that decided: `rule.*`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rule {
    pub(crate) name: String,
    pub(crate) id: Option<String>,
    pub(crate) version: Option<String>,
}

impl Rule {
    /// The rule named `name` (`change-window`, `four-eyes`).
    pub fn new(name: impl Into<String>) -> Self {
        Rule {
            name: name.into(),
            ..Rule::default()
        }
    }

    /// The rule's identifier in the policy engine.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// The version of the rule or policy bundle that decided.
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }
}

/// What ties the record to the rest of the telemetry: `trace.id`, `span.id`,
/// `http.request.id`, the deployment run and the change.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Correlation {
    pub(crate) trace_id: Option<String>,
    pub(crate) span_id: Option<String>,
    pub(crate) request_id: Option<String>,
    pub(crate) run_id: Option<String>,
    pub(crate) change_id: Option<String>,
}
