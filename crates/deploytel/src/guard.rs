//! The value `init()` returns: it owns what must be flushed when the program ends.

use std::io::Write as _;

/// Keeps deploytel's telemetry flowing; dropping it flushes what is buffered.
///
/// Bind it to a named variable in `main` (`let _guard = deploytel::init()?;`). `let _ = …`
/// drops it at once, and `std::process::exit` skips its `Drop`, so return from `main` (an
/// `ExitCode`, say) instead of calling `exit`.
#[must_use = "dropping the guard at once flushes and stops telemetry; bind it with `let _guard`"]
#[derive(Debug)]
pub struct Guard {
    #[cfg(feature = "ecs")]
    pub(crate) ecs_stats: deploytel_ecs::EcsStats,
}

impl Guard {
    /// How many log lines could not be written (stdout closed, say).
    pub fn lost_log_lines(&self) -> u64 {
        #[cfg(feature = "ecs")]
        return self.ecs_stats.write_failures();
        #[cfg(not(feature = "ecs"))]
        0
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        // Nothing can be done about a failing stdout at exit; the count above already says so.
        let _ = std::io::stdout().flush();
        let lost = self.lost_log_lines();
        if lost > 0 {
            eprintln!("deploytel: {lost} log lines could not be written");
        }
    }
}
