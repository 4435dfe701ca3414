//! Test-owned PostgreSQL 15 clusters and a TCP proxy, for the tests that need a server of
//! their own (a hot standby, a restart, a second node) or a connection they can cut.
//!
//! A [`Cluster`] lives in a temporary folder owned by the `postgres` user (initdb refuses
//! root), listens on a free loopback port with trust authentication, and is stopped
//! (`pg_ctl stop -m immediate`) and deleted when dropped — also when the test fails or
//! panics. The machine's main server and its configuration are never touched.

use crate::services::free_port;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Where Debian keeps the PostgreSQL 15 server programs.
pub const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

/// Settings every test cluster gets: small, fast (no fsync: the data is thrown away),
/// ready for streaming replication, no autovacuum (tests vacuum when they mean to).
const BASE_CONF: &str = "
listen_addresses = '127.0.0.1'
fsync = off
synchronous_commit = off
shared_buffers = 16MB
max_connections = 40
max_wal_senders = 4
wal_keep_size = 64MB
hot_standby = on
autovacuum = off
log_line_prefix = '%m [%p] %a '
";

/// Runs `program` of [`PG_BIN`] as the `postgres` user; panics with its output on failure.
fn run_as_postgres(program: &str, args: &[&str]) -> Output {
    let output = Command::new("runuser")
        .args(["-u", "postgres", "--"])
        .arg(Path::new(PG_BIN).join(program))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("runuser {program} ({e}): the tests run as root"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Runs `sql` with psql on `url` and returns its unaligned output; panics on failure.
pub fn psql(url: &str, sql: &str) -> String {
    let output = Command::new(Path::new(PG_BIN).join("psql"))
        .args([
            "-X",
            "-q",
            "-At",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            url,
            "-c",
            sql,
        ])
        .env_remove("PGPASSWORD")
        .output()
        .expect("psql runs");
    assert!(
        output.status.success(),
        "psql {url}: {sql}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// One PostgreSQL cluster owned by a test.
pub struct Cluster {
    pub port: u16,
    dir: tempfile::TempDir,
    data: PathBuf,
}

impl Cluster {
    /// A new, running primary.
    pub fn primary() -> Cluster {
        let cluster = Cluster::folder();
        let data = cluster.data.to_string_lossy().into_owned();
        run_as_postgres(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
        );
        cluster.configure("");
        cluster.start();
        cluster
    }

    /// A new, running hot standby streaming from `primary` (`pg_basebackup -R`), with
    /// `settings` (postgresql.conf lines) on top of the primary's.
    pub fn standby_of(primary: &Cluster, settings: &str) -> Cluster {
        let cluster = Cluster::folder();
        let data = cluster.data.to_string_lossy().into_owned();
        let port = primary.port.to_string();
        run_as_postgres(
            "pg_basebackup",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                "postgres",
                "-D",
                &data,
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
                "--no-sync",
            ],
        );
        cluster.configure(settings);
        cluster.start();
        cluster.wait_until(
            "SELECT pg_is_in_recovery() AND pg_last_wal_replay_lsn() IS NOT NULL",
            "the standby to start streaming",
        );
        cluster
    }

    /// A temporary folder the `postgres` user owns, with a port for the cluster.
    fn folder() -> Cluster {
        crate::services::require_root(
            "a test cluster's folder is handed to the `postgres` user (initdb refuses root) \
             and its programs run through runuser",
        );
        let dir = tempfile::Builder::new()
            .prefix("aikpi-cluster-")
            .tempdir()
            .expect("a temporary folder");
        let status = Command::new("chown")
            .args(["postgres:postgres"])
            .arg(dir.path())
            .status()
            .expect("chown runs");
        assert!(status.success(), "chown the cluster folder to postgres");
        let data = dir.path().join("data");
        Cluster {
            port: free_port(),
            dir,
            data,
        }
    }

    /// Appends this cluster's own settings (port, socket folder) and `extra` to
    /// postgresql.conf; later lines win.
    fn configure(&self, extra: &str) {
        let conf = self.data.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf).expect("postgresql.conf");
        text.push_str(BASE_CONF);
        text.push_str(&format!(
            "port = {}\nunix_socket_directories = '{}'\n{extra}\n",
            self.port,
            self.dir.path().display()
        ));
        std::fs::write(&conf, text).expect("write postgresql.conf");
    }

    fn pg_ctl(&self, args: &[&str]) -> Output {
        let data = self.data.to_string_lossy().into_owned();
        let log = self.log_path().to_string_lossy().into_owned();
        let mut all = vec!["-D", data.as_str(), "-l", log.as_str(), "-w", "-t", "60"];
        all.extend_from_slice(args);
        run_as_postgres("pg_ctl", &all)
    }

    pub fn start(&self) {
        self.pg_ctl(&["start"]);
    }

    /// Restarts the server (`pg_ctl restart -m fast`): every session is terminated.
    pub fn restart(&self) {
        self.pg_ctl(&["restart", "-m", "fast"]);
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    /// The server log so far (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// A URL for database `db` as `postgres`.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// Runs `sql` in database `postgres` with psql and returns its unaligned output.
    pub fn sql(&self, sql: &str) -> String {
        self.sql_in("postgres", sql)
    }

    /// Runs `sql` in database `db` with psql and returns its unaligned output.
    pub fn sql_in(&self, db: &str, sql: &str) -> String {
        psql(&self.url(db), sql)
    }

    /// Waits (bounded) until `query` returns `t`.
    pub fn wait_until(&self, query: &str, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let ok = Command::new(Path::new(PG_BIN).join("psql"))
                .args(["-X", "-q", "-At", "-d"])
                .arg(self.url("postgres"))
                .args(["-c", query])
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "t")
                .unwrap_or(false);
            if ok {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; server log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Resumes the paused replay of this standby. The session that asks for it may itself
    /// be cancelled by the replay it resumed (its snapshot conflicts with the cleanup that
    /// replay applies at once under max_standby_streaming_delay = 0), so the outcome is
    /// judged by `pg_is_wal_replay_paused()`, not by the call's own result.
    pub fn resume_replay(&self) {
        let _ = Command::new(Path::new(PG_BIN).join("psql"))
            .args(["-X", "-q", "-At", "-d"])
            .arg(self.url("postgres"))
            .args(["-c", "SELECT pg_wal_replay_resume()"])
            .output()
            .expect("psql runs");
        self.wait_until(
            "SELECT NOT pg_is_wal_replay_paused()",
            "the replay to resume",
        );
    }

    /// Waits until `standby` has replayed everything `self` (its primary) wrote so far.
    pub fn wait_for_replay(&self, standby: &Cluster) {
        // The insert position, not pg_current_wal_lsn() (the write position): with
        // synchronous_commit = off a commit record can sit in the WAL buffers for up to
        // wal_writer_delay, behind the write position, and the standby would "catch up"
        // without it (seen as a schema or a change log row missing on the standby).
        let lsn = self.sql("SELECT pg_current_wal_insert_lsn()");
        standby.wait_until(
            &format!("SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn"),
            "the standby to replay the primary's changes",
        );
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.data.join("postmaster.pid").exists() {
            let _ = Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(Path::new(PG_BIN).join("pg_ctl"))
                .arg("-D")
                .arg(&self.data)
                .args(["stop", "-m", "immediate", "-w"])
                .output();
        }
    }
}

/// A TCP proxy on loopback in front of a PostgreSQL server: reports read through it see
/// one URL whichever server is behind it ([`Proxy::point_at`]), and [`Proxy::cut`] drops
/// every connection at once, as a failing network or load balancer would.
pub struct Proxy {
    pub port: u16,
    upstream: Arc<AtomicU16>,
    streams: Arc<Mutex<Vec<TcpStream>>>,
    stop: Arc<AtomicBool>,
}

impl Proxy {
    /// A proxy forwarding to `127.0.0.1:upstream`.
    pub fn start(upstream: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a proxy port");
        let port = listener.local_addr().expect("its address").port();
        let proxy = Proxy {
            port,
            upstream: Arc::new(AtomicU16::new(upstream)),
            streams: Arc::new(Mutex::new(Vec::new())),
            stop: Arc::new(AtomicBool::new(false)),
        };
        let (upstream, streams, stop) = (
            proxy.upstream.clone(),
            proxy.streams.clone(),
            proxy.stop.clone(),
        );
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream.load(Ordering::SeqCst)))
                else {
                    continue;
                };
                let (Ok(client2), Ok(server2)) = (client.try_clone(), server.try_clone()) else {
                    continue;
                };
                if let (Ok(c), Ok(s)) = (client.try_clone(), server.try_clone()) {
                    streams.lock().unwrap().extend([c, s]);
                }
                std::thread::spawn(move || pipe(client, server));
                std::thread::spawn(move || pipe(server2, client2));
            }
        });
        proxy
    }

    /// New connections go to `127.0.0.1:upstream` from now on.
    pub fn point_at(&self, upstream: u16) {
        self.upstream.store(upstream, Ordering::SeqCst);
    }

    /// Drops every connection made through the proxy so far (both directions).
    pub fn cut(&self) {
        for stream in self.streams.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    /// A URL for database `db` as `postgres` through the proxy.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.cut();
        // Wake the accept loop so that it sees `stop`.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Copies `from` to `to` until either side ends, then ends both.
fn pipe(mut from: TcpStream, mut to: TcpStream) {
    let mut buffer = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buffer[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
}

/// SQL creating schema `slow`: views over the `public` contract tables, where `relation`'s
/// view first sleeps 60 s whenever the SQL condition `when` holds (checked once per
/// query). A report reading it is then visible in `pg_stat_activity` with
/// `wait_event = 'PgSleep'`, holding its snapshot, for as long as the test needs.
pub fn slow_schema_sql(relation: &str, when: &str) -> String {
    let mut sql = "CREATE SCHEMA slow;".to_string();
    for r in [
        "conversations",
        "llm_usage",
        "cost_ledger",
        "kb_evals",
        "reply_edits",
    ] {
        let gate = if r == relation {
            format!(" WHERE (SELECT true FROM pg_sleep(CASE WHEN {when} THEN 60 ELSE 0 END))")
        } else {
            String::new()
        };
        sql.push_str(&format!(
            "CREATE VIEW slow.{r} AS SELECT x.* FROM public.{r} x{gate};"
        ));
    }
    sql
}

/// The query that counts the report's backends sleeping in a [`slow_schema_sql`] view.
pub const SLEEPING_REPORTS: &str = "SELECT count(*) FROM pg_stat_activity \
     WHERE datname = current_database() AND application_name LIKE 'aikpi%' \
     AND wait_event = 'PgSleep' AND backend_type = 'client backend'";

/// Waits (bounded) until `count` returns a positive number, failing with the report's
/// output if it ends first.
pub fn wait_for_sleeping_report(child: &mut std::process::Child, count: &mut dyn FnMut() -> i64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while count() == 0 {
        if let Some(status) = child.try_wait().expect("try_wait") {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            panic!("aikpi ended ({status}) before it was seen in the slow view: {err}");
        }
        assert!(
            Instant::now() < deadline,
            "the report never showed in pg_stat_activity"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits (bounded) for `child` to end on its own; kills it and fails otherwise.
pub fn finish(mut child: std::process::Child) -> Output {
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().expect("try_wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("aikpi did not end");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("its output")
}
