//! The closed vocabularies of an audit event: ECS categories and types, the outcome, and the
//! policy decision. Each is an enum so that a typo is a compile error rather than a record
//! Kibana's security views never match.

/// `event.category`: the ECS 8.11 category of what happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Category {
    /// Logins, tokens issued: `authentication`.
    Authentication,
    /// Settings and deployed software changed: `configuration`. The default.
    Configuration,
    /// A database accessed or changed: `database`.
    Database,
    /// A file accessed or changed: `file`.
    File,
    /// A host started, stopped or changed: `host`.
    Host,
    /// Users, groups, roles and permissions: `iam`.
    Iam,
    /// A network connection allowed or denied: `network`.
    Network,
    /// Software installed or removed: `package`.
    Package,
    /// A process (a command, a job) started or ended: `process`.
    Process,
    /// A session started or ended: `session`.
    Session,
    /// A web request: `web`.
    Web,
}

impl Category {
    /// The ECS value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Category::Authentication => "authentication",
            Category::Configuration => "configuration",
            Category::Database => "database",
            Category::File => "file",
            Category::Host => "host",
            Category::Iam => "iam",
            Category::Network => "network",
            Category::Package => "package",
            Category::Process => "process",
            Category::Session => "session",
            Category::Web => "web",
        }
    }
}

/// `event.type`: the ECS 8.11 type of what happened, within its category.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum EventType {
    /// `access`.
    Access,
    /// `admin`.
    Admin,
    /// `allowed`: a policy allowed it. Added by [`Decision::Allow`]; no need to set it.
    Allowed,
    /// `change`. The default.
    Change,
    /// `connection`.
    Connection,
    /// `creation`.
    Creation,
    /// `deletion`.
    Deletion,
    /// `denied`: a policy denied it. Added by [`Decision::Deny`]; no need to set it.
    Denied,
    /// `end`.
    End,
    /// `error`.
    Error,
    /// `group`.
    Group,
    /// `info`.
    Info,
    /// `installation`.
    Installation,
    /// `start`.
    Start,
    /// `user`.
    User,
}

impl EventType {
    /// The ECS value.
    pub const fn as_str(self) -> &'static str {
        match self {
            EventType::Access => "access",
            EventType::Admin => "admin",
            EventType::Allowed => "allowed",
            EventType::Change => "change",
            EventType::Connection => "connection",
            EventType::Creation => "creation",
            EventType::Deletion => "deletion",
            EventType::Denied => "denied",
            EventType::End => "end",
            EventType::Error => "error",
            EventType::Group => "group",
            EventType::Info => "info",
            EventType::Installation => "installation",
            EventType::Start => "start",
            EventType::User => "user",
        }
    }
}

/// `event.outcome`: whether the action itself succeeded, seen from the orchestrator.
///
/// Kept apart from [`Decision`]: a deployment the policy denied, and that was then not run,
/// is `Decision::Deny` with `EventOutcome::Success` (the denial was carried out).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventOutcome {
    /// `success`.
    Success,
    /// `failure`.
    Failure,
    /// `unknown`: only the attempt was seen. The default.
    Unknown,
}

impl EventOutcome {
    /// The ECS value.
    pub const fn as_str(self) -> &'static str {
        match self {
            EventOutcome::Success => "success",
            EventOutcome::Failure => "failure",
            EventOutcome::Unknown => "unknown",
        }
    }

    /// The outcome named by its ECS value.
    pub fn from_ecs(value: &str) -> Option<Self> {
        [Self::Success, Self::Failure, Self::Unknown]
            .into_iter()
            .find(|outcome| outcome.as_str() == value)
    }
}

/// What a policy decided about the action: `deploytel.audit.decision`, also written into
/// `event.type` as `allowed` or `denied`, which ECS reads as the disposition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Decision {
    /// The policy allowed the action.
    Allow,
    /// The policy denied the action.
    Deny,
}

impl Decision {
    /// `allow` or `deny`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Deny => "deny",
        }
    }

    /// The decision named `allow` or `deny`.
    pub fn from_name(value: &str) -> Option<Self> {
        [Self::Allow, Self::Deny]
            .into_iter()
            .find(|decision| decision.as_str() == value)
    }

    /// The ECS event type that carries the decision.
    pub const fn event_type(self) -> EventType {
        match self {
            Decision::Allow => EventType::Allowed,
            Decision::Deny => EventType::Denied,
        }
    }
}
