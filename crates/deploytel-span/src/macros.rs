//! `deployment!` and `step!`, in the style of `tracing::info_span!`.
//!
//! A `tracing` span must declare every field when it is created, so each macro declares all the
//! attributes its span may ever carry (empty until recorded), followed by the caller's own. The
//! names are the semantic-convention constants of `deploytel_core::semconv`, never spelled
//! again here, so that a renamed attribute changes in one place.

/// Starts a [`Deployment`](crate::Deployment) of pipeline `$pipeline` to environment
/// `$environment`, with optional fields of your own in `tracing` syntax.
///
/// The known attributes (`deployment.name`, `vcs.ref.head.revision`, …) are declared by the
/// macro; record them with [`Deployment::builder`](crate::Deployment::builder) or pass other
/// fields here. At most 13 fields of your own fit beside the declared ones.
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
            { $crate::__private::semconv::otel::NAME } = $crate::__private::Empty,
            { $crate::__private::semconv::otel::KIND } = "server",
            { $crate::__private::semconv::otel::STATUS_CODE } = $crate::__private::Empty,
            { $crate::__private::semconv::otel::STATUS_DESCRIPTION } = $crate::__private::Empty,
            { $crate::__private::semconv::cicd::PIPELINE_NAME } = $pipeline,
            { $crate::__private::semconv::cicd::PIPELINE_RUN_ID } = $crate::__private::Empty,
            { $crate::__private::semconv::cicd::PIPELINE_RUN_URL_FULL } = $crate::__private::Empty,
            { $crate::__private::semconv::cicd::PIPELINE_RESULT } = $crate::__private::Empty,
            { $crate::__private::semconv::deployment::ENVIRONMENT_NAME } = $environment,
            { $crate::__private::semconv::deployment::NAME } = $crate::__private::Empty,
            { $crate::__private::semconv::deployment::ID } = $crate::__private::Empty,
            { $crate::__private::semconv::deployment::STATUS } = $crate::__private::Empty,
            { $crate::__private::semconv::vcs::REF_HEAD_NAME } = $crate::__private::Empty,
            { $crate::__private::semconv::vcs::REF_HEAD_REVISION } = $crate::__private::Empty,
            { $crate::__private::semconv::vcs::REPOSITORY_URL_FULL } = $crate::__private::Empty,
            { $crate::__private::semconv::deploytel::VCS_COMMIT_TIME } = $crate::__private::Empty,
            { $crate::__private::semconv::actor::ENDUSER_ID } = $crate::__private::Empty,
            { $crate::__private::semconv::actor::USER_NAME } = $crate::__private::Empty,
            { $crate::__private::semconv::error::TYPE } = $crate::__private::Empty,
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
            { $crate::__private::semconv::otel::NAME } = name,
            { $crate::__private::semconv::otel::KIND } = "internal",
            { $crate::__private::semconv::otel::STATUS_CODE } = $crate::__private::Empty,
            { $crate::__private::semconv::otel::STATUS_DESCRIPTION } = $crate::__private::Empty,
            { $crate::__private::semconv::cicd::PIPELINE_TASK_NAME } = name,
            { $crate::__private::semconv::cicd::PIPELINE_TASK_RUN_ID } =
                $crate::__private::tracing::field::display(deployment.__next_task_run_id()),
            { $crate::__private::semconv::cicd::PIPELINE_TASK_TYPE } =
                $crate::__private::semconv::cicd::PIPELINE_TASK_TYPE_DEPLOY,
            { $crate::__private::semconv::cicd::PIPELINE_TASK_RUN_RESULT } =
                $crate::__private::Empty,
            { $crate::__private::semconv::error::TYPE } = $crate::__private::Empty,
            { $crate::__private::semconv::deploytel::STEP_ATTEMPTS } = $crate::__private::Empty,
            $($($field)*)?
        ))
    }};
}
