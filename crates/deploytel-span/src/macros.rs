//! `deployment!` and `step!`, in the style of `tracing::info_span!`.
//!
//! A `tracing` span must declare every field when it is created, so each macro declares all the
//! attributes its span may ever carry (empty until recorded), followed by the caller's own.

/// Starts a [`Deployment`](crate::Deployment) of pipeline `$pipeline` to environment
/// `$environment`, with optional fields of your own in `tracing` syntax.
///
/// The known attributes (`deployment.name`, `vcs.ref.head.revision`, …) are declared by the
/// macro; record them with [`Deployment::builder`](crate::Deployment::builder) or pass other
/// fields here. At most 14 fields of your own fit beside the declared ones.
///
/// ```
/// let deployment = deploytel_span::deployment!("deploy-billing", "staging", ticket = "OPS-12");
/// deployment.succeed();
/// ```
#[macro_export]
macro_rules! deployment {
    ($pipeline:expr, $environment:expr $(, $($field:tt)*)?) => {{
        let pipeline: &str = ::core::convert::AsRef::<str>::as_ref(&$pipeline);
        let environment: &str = ::core::convert::AsRef::<str>::as_ref(&$environment);
        let span = $crate::__deployment_span!(pipeline, environment, $($($field)*)?);
        $crate::Deployment::__start(span, pipeline, ::core::option::Option::None)
    }};
}

#[doc(hidden)]
#[macro_export]
macro_rules! __deployment_span {
    ($pipeline:expr, $environment:expr, $($field:tt)*) => {
        $crate::__private::tracing::info_span!(
            "deployment",
            otel.name = $crate::__private::tracing::field::Empty,
            otel.kind = "server",
            otel.status_code = $crate::__private::tracing::field::Empty,
            otel.status_description = $crate::__private::tracing::field::Empty,
            cicd.pipeline.name = $pipeline,
            cicd.pipeline.run.id = $crate::__private::tracing::field::Empty,
            cicd.pipeline.run.url.full = $crate::__private::tracing::field::Empty,
            cicd.pipeline.result = $crate::__private::tracing::field::Empty,
            deployment.environment.name = $environment,
            deployment.name = $crate::__private::tracing::field::Empty,
            deployment.id = $crate::__private::tracing::field::Empty,
            deployment.status = $crate::__private::tracing::field::Empty,
            vcs.ref.head.name = $crate::__private::tracing::field::Empty,
            vcs.ref.head.revision = $crate::__private::tracing::field::Empty,
            vcs.repository.url.full = $crate::__private::tracing::field::Empty,
            enduser.id = $crate::__private::tracing::field::Empty,
            user.name = $crate::__private::tracing::field::Empty,
            error.type = $crate::__private::tracing::field::Empty,
            $($field)*
        )
    };
}

/// Starts a [`Step`](crate::Step) named `$name` of the deployment `$deployment` (a
/// `&Deployment`), with optional fields of your own in `tracing` syntax (at most 23).
///
/// ```
/// let deployment = deploytel_span::deployment!("deploy-billing", "staging");
/// let restart = deploytel_span::step!(&deployment, "rolling_restart", hosts = 3u64);
/// restart.succeed();
/// deployment.succeed();
/// ```
#[macro_export]
macro_rules! step {
    ($deployment:expr, $name:expr $(, $($field:tt)*)?) => {{
        let deployment: &$crate::Deployment = $deployment;
        let name: &str = ::core::convert::AsRef::<str>::as_ref(&$name);
        $crate::Step::__start($crate::__private::tracing::info_span!(
            parent: deployment.span(),
            "step",
            otel.name = name,
            otel.kind = "internal",
            otel.status_code = $crate::__private::tracing::field::Empty,
            otel.status_description = $crate::__private::tracing::field::Empty,
            cicd.pipeline.task.name = name,
            cicd.pipeline.task.run.id = $crate::__private::tracing::field::display(
                deployment.__next_task_run_id()
            ),
            cicd.pipeline.task.type = "deploy",
            cicd.pipeline.task.run.result = $crate::__private::tracing::field::Empty,
            error.type = $crate::__private::tracing::field::Empty,
            deploytel.step.attempts = $crate::__private::tracing::field::Empty,
            $($($field)*)?
        ))
    }};
}
