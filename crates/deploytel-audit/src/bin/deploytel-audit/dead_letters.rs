//! `deploytel-audit dead-letter list|replay`: the records a receiver refused for good.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand};
use deploytel_audit::forward::{self, dead_letter, Destination};

#[derive(Subcommand)]
pub(crate) enum DeadLetterCommand {
    /// List a sink's dead letters: sequence number, event id, when, why.
    List {
        /// The journal directory.
        dir: PathBuf,
        /// The sink's name (its cursor's name).
        #[arg(long, default_value = "elasticsearch")]
        sink: String,
        /// Print each dead letter's stored document as well.
        #[arg(long)]
        documents: bool,
    },
    /// Send a sink's dead letters again; those stored leave the dead letter.
    Replay(ReplayArgs),
}

/// One receiver, named by its URL option, and the variable that holds its secret.
#[derive(Args)]
pub(crate) struct ReplayArgs {
    /// The journal directory.
    dir: PathBuf,
    /// The sink's name, if not the receiver's default (`elasticsearch`, `splunk_hec`,
    /// `datadog`).
    #[arg(long)]
    sink: Option<String>,
    /// Elasticsearch's URL (http://localhost:9200).
    #[cfg(feature = "elasticsearch")]
    #[arg(long, requires = "index")]
    elasticsearch: Option<String>,
    /// The Elasticsearch index or data stream.
    #[cfg(feature = "elasticsearch")]
    #[arg(long)]
    index: Option<String>,
    /// The Splunk HTTP Event Collector's URL (https://splunk:8088).
    #[cfg(feature = "splunk-hec")]
    #[arg(long)]
    splunk_hec: Option<String>,
    /// The Datadog intake's URL (https://http-intake.logs.datadoghq.com).
    #[cfg(feature = "datadog")]
    #[arg(long)]
    datadog: Option<String>,
    /// The variable holding the receiver's secret (Elasticsearch API key, HEC token, Datadog
    /// API key): never the secret itself on the command line.
    #[arg(long)]
    secret_env: Option<String>,
}

impl ReplayArgs {
    fn secret(&self) -> Result<Option<String>, String> {
        match &self.secret_env {
            None => Ok(None),
            Some(variable) => std::env::var(variable)
                .map(Some)
                .map_err(|_| format!("{variable} is not set")),
        }
    }

    fn destination(&self) -> Result<Destination, String> {
        let secret = self.secret()?;
        #[cfg(feature = "elasticsearch")]
        if let (Some(url), Some(index)) = (&self.elasticsearch, &self.index) {
            let mut sink = forward::ElasticsearchSink::new(url, index);
            if let Some(name) = &self.sink {
                sink = sink.name(name);
            }
            if let Some(key) = secret {
                sink = sink.api_key(key);
            }
            return Ok(sink.into());
        }
        #[cfg(feature = "splunk-hec")]
        if let Some(url) = &self.splunk_hec {
            let token = secret.clone().ok_or("the HEC token: give --secret-env")?;
            let mut sink = forward::SplunkHecSink::new(url, token);
            if let Some(name) = &self.sink {
                sink = sink.name(name);
            }
            return Ok(sink.into());
        }
        #[cfg(feature = "datadog")]
        if let Some(url) = &self.datadog {
            let key = secret.ok_or("the Datadog API key: give --secret-env")?;
            let mut sink = forward::DatadogSink::new(url, key);
            if let Some(name) = &self.sink {
                sink = sink.name(name);
            }
            return Ok(sink.into());
        }
        Err(
            "name the receiver: --elasticsearch URL --index I, --splunk-hec URL or --datadog URL"
                .into(),
        )
    }
}

pub(crate) fn run(command: DeadLetterCommand) -> Result<ExitCode, String> {
    match command {
        DeadLetterCommand::List {
            dir,
            sink,
            documents,
        } => {
            let letters = dead_letter::read(&dir, &sink).map_err(|e| e.to_string())?;
            for letter in &letters {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    letter.seq, letter.event_id, letter.at, letter.error_type, letter.reason
                );
                if documents {
                    println!("{}", letter.doc);
                }
            }
            eprintln!("{} dead letter(s) for {sink}", letters.len());
            Ok(ExitCode::SUCCESS)
        }
        DeadLetterCommand::Replay(args) => {
            let report = forward::replay_dead_letters(
                &args.dir,
                args.destination()?,
                Duration::from_secs(30),
            )
            .map_err(|e| e.to_string())?;
            println!("{report}");
            Ok(if report.stopped_by.is_some() || report.refused > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}
