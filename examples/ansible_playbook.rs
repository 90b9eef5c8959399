//! A deployment whose step runs a real playbook with `ansible::Playbook`: the run becomes
//! playbook > play > task > host spans in the deployment's trace, one ECS line per host that
//! failed, and `deploytel_ansible_*` metrics. Needs `ansible-playbook` (Debian's `ansible`).
//!
//! Run it with `cargo run --example ansible_playbook`. It writes a two-host playbook (both
//! hosts run locally) to a temporary directory; `web-02` fails its health check. Look at the
//! `error` line for `web-02` on stdout: it names the task, the host and Ansible's message, and
//! carries the trace id of the deployment. With `OTEL_EXPORTER_OTLP_ENDPOINT` set the spans
//! go to your collector; with `DEPLOYTEL_METRICS_TEXTFILE=/tmp/deploy.prom` the counters are
//! written there.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use deploytel::ansible::{AnsibleError, Playbook};
use deploytel::Deployment;

const INVENTORY: &str = "\
web-01 ansible_connection=local ansible_python_interpreter=/usr/bin/python3
web-02 ansible_connection=local ansible_python_interpreter=/usr/bin/python3
";

const PLAYBOOK: &str = "\
- name: Roll out release 2024.06.1
  hosts: all
  gather_facts: false
  tasks:
    - name: Unpack release
      ansible.builtin.command: echo unpacked
    - name: Health check
      ansible.builtin.command: \"{{ 'false' if inventory_hostname == 'web-02' else 'true' }}\"
      changed_when: false
";

fn main() -> ExitCode {
    let guard = match deploytel::builder().service_name("deployer").init() {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let dir = match write_playbook() {
        Ok(dir) => dir,
        Err(e) => {
            eprintln!("cannot write the playbook: {e}");
            return ExitCode::FAILURE;
        }
    };
    let deployment = Deployment::builder("deploy-shop", "staging").start();
    let step = deploytel::step!(&deployment, "configure_hosts");
    let ran = Playbook::new(dir.join("site.yml"))
        .command(step.command("ansible-playbook"))
        .inventory(dir.join("inventory.ini"))
        .run();
    match &ran {
        Ok(run) => {
            step.succeed();
            deployment.succeed();
            eprintln!("{} hosts configured", run.stats.len());
        }
        Err(AnsibleError::HostsFailed { run, .. }) => {
            let failed = run.failed_hosts().join(", ");
            step.fail("host_failed", format!("failed on {failed}"));
            deployment.fail("step_failed", "configure_hosts failed");
            eprintln!("the playbook failed on {failed}");
        }
        Err(e) => {
            step.fail("ansible", e);
            deployment.fail("step_failed", "configure_hosts failed");
            eprintln!("{e}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let report = guard.shutdown(deploytel::DEFAULT_SHUTDOWN_TIMEOUT);
    // The example shows a failing host: that is its expected end.
    if matches!(ran, Err(AnsibleError::HostsFailed { .. })) && report.is_complete() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn write_playbook() -> std::io::Result<PathBuf> {
    let dir =
        std::env::temp_dir().join(format!("deploytel-ansible-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    write(&dir, "inventory.ini", INVENTORY)?;
    write(&dir, "site.yml", PLAYBOOK)?;
    Ok(dir)
}

fn write(dir: &Path, name: &str, text: &str) -> std::io::Result<()> {
    std::fs::write(dir.join(name), text)
}
