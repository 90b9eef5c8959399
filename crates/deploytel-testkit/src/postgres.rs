//! A throwaway PostgreSQL cluster on a loopback port: `initdb` and `pg_ctl` from Debian's
//! packages, run as the `postgres` user when the tests run as root (initdb refuses root).
//!
//! A test binary starts one cluster and shares it. Statics are not dropped when a test binary
//! exits, so a watchdog process stops the server once the test process is gone (checked every
//! second, for at most an hour).

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A running (or stopped) throwaway cluster.
#[derive(Debug)]
pub struct Cluster {
    bin: PathBuf,
    data: PathBuf,
    root: PathBuf,
    port: u16,
    as_postgres: bool,
}

impl Cluster {
    /// Creates and starts a cluster; panics with the reason when PostgreSQL is missing.
    pub fn start() -> Cluster {
        let bin = server_bin().expect(
            "PostgreSQL's server programs are not installed (/usr/lib/postgresql/*/bin/initdb): \
             scripts/test.sh installs the `postgresql` package",
        );
        let as_postgres = is_root();
        let root = std::env::temp_dir().join(format!("deploytel-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).expect("create the cluster directory");
        if as_postgres {
            run(Command::new("chown").args(["postgres:postgres"]).arg(&root));
        }
        let port = free_port();
        let cluster = Cluster {
            data: root.join("data"),
            bin,
            root,
            port,
            as_postgres,
        };
        let mut initdb = cluster.command("initdb");
        initdb.arg("-D").arg(&cluster.data).args([
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
        ]);
        run(&mut initdb);
        cluster.start_server();
        cluster.watch_parent();
        cluster
    }

    /// The connection URL of the `postgres` database.
    pub fn url(&self) -> String {
        self.database_url("postgres")
    }

    /// The connection URL of the database `name`.
    pub fn database_url(&self, name: &str) -> String {
        format!("postgresql://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Starts the server again after [`stop_server`](Self::stop_server).
    pub fn start_server(&self) {
        let options = format!(
            "-k {} -c listen_addresses=127.0.0.1 -p {} -c fsync=off",
            self.root.display(),
            self.port
        );
        let mut start = self.command("pg_ctl");
        start
            .arg("-D")
            .arg(&self.data)
            .arg("-l")
            .arg(self.root.join("server.log"))
            .args(["-w", "-t", "60", "start", "-o", &options]);
        run(&mut start);
    }

    /// Stops the server (fast shutdown: open sessions are ended).
    pub fn stop_server(&self) {
        let mut stop = self.command("pg_ctl");
        stop.arg("-D")
            .arg(&self.data)
            .args(["-m", "fast", "-w", "stop"]);
        run(&mut stop);
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(path);
            command
        } else {
            Command::new(path)
        }
    }

    /// Stops the server and deletes the cluster when this process has gone.
    fn watch_parent(&self) {
        let stop = format!(
            "{} -D {} -m immediate -w stop",
            self.bin.join("pg_ctl").display(),
            self.data.display()
        );
        let stop = if self.as_postgres {
            format!("runuser -u postgres -- {stop}")
        } else {
            stop
        };
        let script = format!(
            "i=0; while kill -0 {pid} 2>/dev/null && [ $i -lt 3600 ]; do sleep 1; i=$((i+1)); done; \
             {stop} >/dev/null 2>&1; rm -rf {root}",
            pid = std::process::id(),
            root = self.root.display()
        );
        // Run in the background of a shell that exits at once, so the watchdog is not our
        // child and outlives us.
        let status = Command::new("sh")
            .args(["-c", &format!("( {script} ) &")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("start the cluster's watchdog");
        assert!(status.success(), "start the cluster's watchdog");
    }
}

fn run(command: &mut Command) {
    let output = command.output().expect("run a PostgreSQL program");
    assert!(
        output.status.success(),
        "{command:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn server_bin() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free loopback port")
}

/// Waits until `check` is true, polling every 50 ms for at most `limit`; false on timeout.
pub fn wait_until(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    check()
}
