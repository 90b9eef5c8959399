//! Who did it: the actor of an audit event, and where deploytel may read it from.
//!
//! The actor is never guessed from the operating system: in CI and containers the OS user
//! is a runner account (`root`), which would name every deployment's author wrongly. It comes
//! from the caller, from `DEPLOYTEL_ACTOR`, or from the variables a CI system sets about the
//! person who started the run.

/// What kind of principal an actor is: `deploytel.audit.actor.kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ActorKind {
    /// A person.
    Human,
    /// A program acting with its own identity (a deploy bot, a CI system).
    Service,
    /// The orchestrator itself, or an actor nobody named.
    System,
}

impl ActorKind {
    /// `human`, `service` or `system`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ActorKind::Human => "human",
            ActorKind::Service => "service",
            ActorKind::System => "system",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        [Self::Human, Self::Service, Self::System]
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }
}

/// The principal who performed an audited action: `user.*` in the record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub(crate) id: String,
    pub(crate) name: Option<String>,
    pub(crate) kind: ActorKind,
    pub(crate) auth_method: Option<String>,
    pub(crate) roles: Vec<String>,
    pub(crate) acting_for: Option<Box<Actor>>,
}

/// The id an actor gets when nobody named one.
pub const UNKNOWN_ACTOR: &str = "unknown";

impl Actor {
    /// An actor of `kind` with the stable identifier `id` (`user.id`): a login, an email, a
    /// service account.
    pub fn new(kind: ActorKind, id: impl Into<String>) -> Self {
        Actor {
            id: id.into(),
            name: None,
            kind,
            auth_method: None,
            roles: Vec::new(),
            acting_for: None,
        }
    }

    /// A person.
    pub fn human(id: impl Into<String>) -> Self {
        Self::new(ActorKind::Human, id)
    }

    /// A program with its own identity.
    pub fn service(id: impl Into<String>) -> Self {
        Self::new(ActorKind::Service, id)
    }

    /// The orchestrator itself.
    pub fn system(id: impl Into<String>) -> Self {
        Self::new(ActorKind::System, id)
    }

    /// The actor of records whose author nobody named: a `system` actor with id `unknown`.
    pub fn unknown() -> Self {
        Self::system(UNKNOWN_ACTOR)
    }

    /// The display name (`user.name`); the id stands in when none is given.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// How the actor proved who they are: `oidc`, `mtls`, `api_key`, `ssh_key`, `github-actions`…
    pub fn auth_method(mut self, method: impl Into<String>) -> Self {
        self.auth_method = Some(method.into());
        self
    }

    /// A role the actor held (`user.roles`).
    pub fn role(mut self, role: impl Into<String>) -> Self {
        self.roles.push(role.into());
        self
    }

    /// The actor this one acts for (`user.effective.*`): a deploy bot running a deployment a
    /// person asked for is `Actor::service("deploy-bot").acting_for(Actor::human("alice"))`.
    pub fn acting_for(mut self, principal: Actor) -> Self {
        self.acting_for = Some(Box::new(principal));
        self
    }

    /// The stable identifier.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The display name, or the id when none was given.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.id)
    }

    /// What kind of principal this is.
    pub fn kind(&self) -> ActorKind {
        self.kind
    }

    /// The actor this one acts for, if any.
    pub fn principal(&self) -> Option<&Actor> {
        self.acting_for.as_deref()
    }

    /// Whether this is the stand-in for an actor nobody named.
    pub fn is_unknown(&self) -> bool {
        self.id == UNKNOWN_ACTOR && self.kind == ActorKind::System
    }

    /// The actor named by the process environment, and which variable named it: see
    /// [`Actor::from_variables`].
    pub fn from_environment() -> Option<(Actor, &'static str)> {
        Self::from_variables(|name| std::env::var(name).ok())
    }

    /// The actor named by the variables `lookup` reads, in this order:
    ///
    /// 1. `DEPLOYTEL_ACTOR`: `alice` (a person), or `kind:id` such as `service:deploy-bot`;
    /// 2. GitHub Actions: `GITHUB_TRIGGERING_ACTOR`, else `GITHUB_ACTOR` (when `GITHUB_ACTIONS` is `true`);
    /// 3. GitLab CI: `GITLAB_USER_LOGIN`, with `GITLAB_USER_NAME` (when `GITLAB_CI` is set);
    /// 4. CircleCI: `CIRCLE_USERNAME`; Buildkite: `BUILDKITE_BUILD_CREATOR_EMAIL`; Jenkins
    ///    with the build-user-vars plugin: `BUILD_USER_ID`.
    ///
    /// A CI user is a person authenticated by the CI system (`auth_method` names it).
    pub fn from_variables(
        lookup: impl Fn(&'static str) -> Option<String>,
    ) -> Option<(Actor, &'static str)> {
        let given = |name: &'static str| lookup(name).filter(|value| !value.trim().is_empty());
        if let Some(value) = given("DEPLOYTEL_ACTOR") {
            let kind_and_id = value
                .split_once(':')
                .and_then(|(kind, id)| Some((ActorKind::from_name(kind)?, id)));
            let actor = match kind_and_id {
                Some((kind, id)) if !id.is_empty() => Actor::new(kind, id),
                _ => Actor::human(value.trim()),
            };
            return Some((actor, "DEPLOYTEL_ACTOR"));
        }
        if given("GITHUB_ACTIONS").as_deref() == Some("true") {
            for variable in ["GITHUB_TRIGGERING_ACTOR", "GITHUB_ACTOR"] {
                if let Some(login) = given(variable) {
                    return Some((Actor::human(login).auth_method("github-actions"), variable));
                }
            }
        }
        if given("GITLAB_CI").is_some() {
            if let Some(login) = given("GITLAB_USER_LOGIN") {
                let mut actor = Actor::human(login).auth_method("gitlab-ci");
                actor.name = given("GITLAB_USER_NAME");
                return Some((actor, "GITLAB_USER_LOGIN"));
            }
        }
        let others = [
            ("CIRCLE_USERNAME", "circleci"),
            ("BUILDKITE_BUILD_CREATOR_EMAIL", "buildkite"),
            ("BUILD_USER_ID", "jenkins"),
        ];
        others.into_iter().find_map(|(variable, system)| {
            given(variable).map(|id| (Actor::human(id).auth_method(system), variable))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(pairs: &[(&str, &str)]) -> Option<(Actor, &'static str)> {
        Actor::from_variables(|name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        })
    }

    #[test]
    fn deploytel_actor_names_a_person_or_a_kind_and_id() {
        let (alice, variable) = from(&[("DEPLOYTEL_ACTOR", "alice")]).unwrap();
        assert_eq!(
            (alice.id(), alice.kind(), variable),
            ("alice", ActorKind::Human, "DEPLOYTEL_ACTOR")
        );
        let (bot, _) = from(&[("DEPLOYTEL_ACTOR", "service:deploy-bot")]).unwrap();
        assert_eq!((bot.id(), bot.kind()), ("deploy-bot", ActorKind::Service));
        let (odd, _) = from(&[("DEPLOYTEL_ACTOR", "mailto:a@b")]).unwrap();
        assert_eq!((odd.id(), odd.kind()), ("mailto:a@b", ActorKind::Human));
    }

    #[test]
    fn deploytel_actor_wins_over_the_ci_variables() {
        let (actor, _) = from(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_ACTOR", "octocat"),
            ("DEPLOYTEL_ACTOR", "alice"),
        ])
        .unwrap();
        assert_eq!(actor.id(), "alice");
    }

    #[test]
    fn ci_systems_name_the_person_who_started_the_run() {
        let (actor, variable) = from(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_ACTOR", "octocat"),
            ("GITHUB_TRIGGERING_ACTOR", "hubot"),
        ])
        .unwrap();
        assert_eq!((actor.id(), variable), ("hubot", "GITHUB_TRIGGERING_ACTOR"));
        assert_eq!(actor.auth_method.as_deref(), Some("github-actions"));
        let (actor, _) = from(&[
            ("GITLAB_CI", "true"),
            ("GITLAB_USER_LOGIN", "jdoe"),
            ("GITLAB_USER_NAME", "Jane Doe"),
        ])
        .unwrap();
        assert_eq!((actor.id(), actor.display_name()), ("jdoe", "Jane Doe"));
        assert!(
            from(&[("GITHUB_ACTOR", "octocat")]).is_none(),
            "GITHUB_ACTOR alone is not GitHub Actions"
        );
        assert!(from(&[("DEPLOYTEL_ACTOR", "  ")]).is_none());
    }
}
