//! `deploytel-audit`: checks, searches and summarises a deploytel audit journal.
//!
//! ```text
//! deploytel-audit verify /var/lib/deployer/audit
//! deploytel-audit query /var/lib/deployer/audit --actor alice --environment production --since 2026-12-01
//! deploytel-audit report /var/lib/deployer/audit --since 2026-11-01 --until 2026-12-01 --format csv
//! deploytel-audit report /var/lib/deployer/audit --dora --since 2026-11-01 --until 2026-12-01
//! deploytel-audit tail /var/lib/deployer/audit --follow
//! deploytel-audit dead-letter list /var/lib/deployer/audit --sink elasticsearch
//! ```

#[cfg(any(feature = "elasticsearch", feature = "splunk-hec", feature = "datadog"))]
mod dead_letters;
mod source;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use deploytel_audit::dora::{DoraReport, DEFAULT_PRODUCTION};
use deploytel_audit::journal::{parse_hash, read_chain, ChainKey};
use deploytel_audit::query::{parse_time, table, Filter};
use deploytel_audit::report::ComplianceReport;
use deploytel_audit::verify::{verify_with_anchors, Anchor};

use source::Source;

#[derive(Parser)]
#[command(
    name = "deploytel-audit",
    version,
    about = "Check, search and summarise a deploytel audit journal."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check every record's hash, every link, the order and the segments; exit 1 if anything is wrong.
    Verify {
        /// The journal directory (DEPLOYTEL_AUDIT_DIR).
        dir: PathBuf,
        #[command(flatten)]
        key: KeyArgs,
        /// A chain head kept elsewhere, as SEQ:HASH (from the logs' `deploytel.audit.chain.*`
        /// or the PostgreSQL table); repeatable.
        #[arg(long = "anchor", value_parser = parse_anchor)]
        anchors: Vec<Anchor>,
        /// Also hold the journal against every hash the PostgreSQL copy stores.
        #[arg(long)]
        postgres: Option<String>,
    },
    /// List the records that match every filter given.
    Query {
        #[command(flatten)]
        source: SourceArgs,
        #[command(flatten)]
        filter: FilterArgs,
        /// `table` for people, `json` for one stored ECS document per line.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Summarise a period: deployments by actor and environment, failures, denials, chain gaps;
    /// with --dora, DORA's four keys of the production deployments.
    Report {
        /// The journal directory.
        dir: PathBuf,
        /// DORA's four keys instead: deployment frequency, lead time for changes, change
        /// failure rate and time to restore, per pipeline and overall, with the failures and
        /// the restores that ended them.
        #[arg(long)]
        dora: bool,
        /// With --dora, an environment counted as production; repeatable. Default: production
        /// and prod.
        #[arg(long, requires = "dora")]
        environment: Vec<String>,
        /// Start of the period (a date or an RFC 3339 time), inclusive.
        #[arg(long, value_parser = parse_time)]
        since: i64,
        /// End of the period, exclusive.
        #[arg(long, value_parser = parse_time)]
        until: i64,
        /// `markdown` or `csv`.
        #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
        format: ReportFormat,
        #[command(flatten)]
        key: KeyArgs,
    },
    /// Show the last records, and with --follow the ones written after.
    Tail {
        /// The journal directory.
        dir: PathBuf,
        /// How many of the last records to show first.
        #[arg(short = 'n', long, default_value_t = 10)]
        lines: usize,
        /// Keep printing records as they are written.
        #[arg(short, long)]
        follow: bool,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// The records a receiver refused for good: list them, or send them again.
    #[cfg(any(feature = "elasticsearch", feature = "splunk-hec", feature = "datadog"))]
    #[command(subcommand)]
    DeadLetter(dead_letters::DeadLetterCommand),
}

#[derive(Args)]
struct KeyArgs {
    /// A file holding the chain's HMAC key in hex, for a keyed journal (or DEPLOYTEL_AUDIT_KEY).
    #[arg(long)]
    key_file: Option<PathBuf>,
}

#[derive(Args)]
#[group(required = true, multiple = false)]
struct SourceArgs {
    /// The journal directory.
    dir: Option<PathBuf>,
    /// A PostgreSQL connection URL instead (the table the sink fills).
    #[arg(long)]
    postgres: Option<String>,
}

#[derive(Args)]
struct FilterArgs {
    /// The actor's id (or the id of the actor they acted for).
    #[arg(long)]
    actor: Option<String>,
    /// The action, or a prefix ending in `.` such as `deploy.`.
    #[arg(long)]
    action: Option<String>,
    /// The target's id, or `kind id`.
    #[arg(long)]
    target: Option<String>,
    /// The target's environment.
    #[arg(long)]
    environment: Option<String>,
    /// success, failure or unknown.
    #[arg(long)]
    outcome: Option<String>,
    /// allow or deny.
    #[arg(long)]
    decision: Option<String>,
    /// At or after this time (a date or an RFC 3339 time).
    #[arg(long, value_parser = parse_time)]
    since: Option<i64>,
    /// Before this time.
    #[arg(long, value_parser = parse_time)]
    until: Option<i64>,
    /// The change: a commit SHA, CI build id or deployment run id that the records carry
    /// (Terraform change records and Ansible runs of one change share it).
    #[arg(long)]
    change: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum ReportFormat {
    Markdown,
    Csv,
}

fn parse_anchor(text: &str) -> Result<Anchor, String> {
    let (seq, hash) = text.split_once(':').ok_or("an anchor is SEQ:HASH")?;
    Ok(Anchor {
        seq: seq
            .parse()
            .map_err(|_| format!("{seq:?} is not a sequence number"))?,
        hash: parse_hash(hash.as_bytes()).ok_or("the hash is not 64 hex digits")?,
    })
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("deploytel-audit: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Verify {
            dir,
            key,
            mut anchors,
            postgres,
        } => {
            let key = chain_key(&dir, &key)?;
            if let Some(url) = postgres {
                anchors.extend(source::postgres_anchors(&url)?);
            }
            let report = verify_with_anchors(&dir, &key, &anchors).map_err(|e| e.to_string())?;
            print!("{report}");
            if report.is_intact() {
                println!();
                Ok(ExitCode::SUCCESS)
            } else {
                Ok(ExitCode::from(1))
            }
        }
        Command::Query {
            source,
            filter,
            format,
        } => {
            let source = Source::from_args(source.dir, source.postgres)?;
            let filter = Filter {
                actor: filter.actor,
                action: filter.action,
                target: filter.target,
                environment: filter.environment,
                outcome: filter.outcome,
                decision: filter.decision,
                since_ms: filter.since,
                until_ms: filter.until,
                change: filter.change,
            };
            let records = source.records(&filter)?;
            print_records(&records, format);
            Ok(ExitCode::SUCCESS)
        }
        Command::Report {
            dir,
            dora,
            environment,
            since,
            until,
            format,
            key,
        } => {
            if until <= since {
                return Err("--until must be after --since".into());
            }
            let key = chain_key(&dir, &key)?;
            let chain = verify_with_anchors(&dir, &key, &[]).map_err(|e| e.to_string())?;
            if dora {
                // Records before the period too: a failure before it may be restored in it.
                let filter = Filter {
                    action: Some("deploy.".into()),
                    until_ms: Some(until),
                    ..Filter::default()
                };
                let records = Source::Journal(dir).records(&filter)?;
                let views: Vec<_> = records.into_iter().map(|(view, _)| view).collect();
                let environments = if environment.is_empty() {
                    DEFAULT_PRODUCTION.map(str::to_owned).to_vec()
                } else {
                    environment
                };
                let report = DoraReport::new(since, until, &environments, &views, &chain);
                match format {
                    ReportFormat::Markdown => print!("{}", report.to_markdown()),
                    ReportFormat::Csv => print!("{}", report.to_csv()),
                }
                return Ok(ExitCode::SUCCESS);
            }
            let filter = Filter {
                since_ms: Some(since),
                until_ms: Some(until),
                ..Filter::default()
            };
            let records = Source::Journal(dir).records(&filter)?;
            let views: Vec<_> = records.into_iter().map(|(view, _)| view).collect();
            let report = ComplianceReport::new(since, until, &views, &chain);
            match format {
                ReportFormat::Markdown => print!("{}", report.to_markdown()),
                ReportFormat::Csv => print!("{}", report.to_csv()),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Tail {
            dir,
            lines,
            follow,
            format,
        } => {
            source::tail(&dir, lines, follow, |records| {
                print_records(records, format)
            })?;
            Ok(ExitCode::SUCCESS)
        }
        #[cfg(any(feature = "elasticsearch", feature = "splunk-hec", feature = "datadog"))]
        Command::DeadLetter(command) => dead_letters::run(command),
    }
}

fn print_records(records: &[(deploytel_audit::query::RecordView, String)], format: Format) {
    match format {
        Format::Table => {
            let views: Vec<_> = records.iter().map(|(view, _)| view.clone()).collect();
            print!("{}", table(&views));
        }
        Format::Json => {
            for (_, doc) in records {
                println!("{doc}");
            }
        }
    }
}

/// The chain key the journal in `dir` needs, from `--key-file` or `DEPLOYTEL_AUDIT_KEY`.
fn chain_key(dir: &std::path::Path, args: &KeyArgs) -> Result<ChainKey, String> {
    let given = match &args.key_file {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            Some(
                ChainKey::from_hex(&text, &path.display().to_string())
                    .map_err(|e| e.to_string())?,
            )
        }
        None => match std::env::var("DEPLOYTEL_AUDIT_KEY") {
            Ok(text) if !text.trim().is_empty() => {
                Some(ChainKey::from_hex(&text, "DEPLOYTEL_AUDIT_KEY").map_err(|e| e.to_string())?)
            }
            _ => None,
        },
    };
    match given {
        Some(key) => Ok(key),
        None => {
            let chain = read_chain(dir).map_err(|e| e.to_string())?;
            if chain == ChainKey::unkeyed().describe() {
                Ok(ChainKey::unkeyed())
            } else {
                Err(format!("the journal is chained with {chain}: give its key with --key-file or DEPLOYTEL_AUDIT_KEY"))
            }
        }
    }
}
