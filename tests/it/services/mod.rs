//! Bounded waits for the services and programs the tests drive: every wait here has a
//! limit and, past it, fails the test with a message saying what it waited for. A test
//! on a loaded 2-core machine may be slow; it must never hang the suite.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a test waits for a program or a peer before it fails: generous, because a
/// loaded 2-core machine is slow, and finite, because a hang must end as a failure.
pub const PATIENCE: Duration = Duration::from_secs(180);

/// A free loopback port (bound, then released, so nothing listens on it until a test
/// starts a server there).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    listener.local_addr().expect("its address").port()
}

/// The first connection to `listener`, waited for at most `limit`; fails naming `who`
/// was expected to connect.
pub fn accept_within(listener: &TcpListener, limit: Duration, who: &str) -> TcpStream {
    listener
        .set_nonblocking(true)
        .expect("a non-blocking listener");
    let deadline = Instant::now() + limit;
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false).expect("a blocking stream");
                return stream;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                assert!(
                    Instant::now() < deadline,
                    "waited {limit:?} for {who} to connect, in vain"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("accepting {who}'s connection: {e}"),
        }
    }
}

/// The value a helper thread returns, waited for at most `limit`; fails naming `what`.
pub fn join_within<T: Send + 'static>(handle: JoinHandle<T>, limit: Duration, what: &str) -> T {
    let deadline = Instant::now() + limit;
    while !handle.is_finished() {
        assert!(
            Instant::now() < deadline,
            "waited {limit:?} for {what}, in vain"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    match handle.join() {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Reads a pipe to its end on a thread of its own, so that a child writing more than a
/// pipe buffer (64 KiB) never blocks while the test waits for it to exit.
fn drain(pipe: Option<impl Read + Send + 'static>) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        bytes
    })
}

/// Waits at most `limit` for `child` to exit, reading its piped stdout and stderr all the
/// while; kills it and fails naming `what` past the limit.
pub fn finish_within(mut child: Child, limit: Duration, what: &str) -> Output {
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let status = wait_status(&mut child, limit, what);
    Output {
        status,
        stdout: stdout.join().expect("the stdout reader"),
        stderr: stderr.join().expect("the stderr reader"),
    }
}

/// Waits at most `limit` for `child` to exit (its pipes, if any, left alone); kills it
/// and fails naming `what` past the limit.
pub fn wait_status(child: &mut Child, limit: Duration, what: &str) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("waited {limit:?} for {what} to finish, in vain: killed it");
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => panic!("waiting for {what}: {e}"),
        }
    }
}

/// Runs `command` (stdout and stderr piped, stdin closed) to its end within `limit`;
/// fails naming `what` when it cannot start or does not finish.
pub fn run_within(command: &mut Command, limit: Duration, what: &str) -> Output {
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    finish_within(child, limit, what)
}

/// Fails, saying why, unless the tests run as root: some tests mount tmpfs folders or
/// run PostgreSQL programs as the `postgres` user with runuser (README: the suite runs as
/// root, as `bash scripts/test.sh` does on CI).
#[track_caller]
pub fn require_root(why: &str) {
    // SAFETY: geteuid(2) has no preconditions and cannot fail.
    let euid = unsafe { libc::geteuid() };
    assert_eq!(
        euid, 0,
        "this test must run as root ({why}); run the suite as root, as scripts/test.sh does on CI"
    );
}

/// The `PATH` given to a system program (runuser, script) started from an empty
/// environment: the system's folders only, never the test run's own `PATH`.
pub const SYSTEM_PATH: &str = "/usr/sbin:/usr/bin:/sbin:/bin";

/// Where tests keep files for people to look at (charts, rendered pages, screenshots):
/// `target/tmp/artifacts/<part>`, never the source tree (a read-only checkout passes).
pub fn artifacts(part: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("artifacts")
        .join(part);
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot make the artifact folder {}: {e}", dir.display()));
    dir
}

/// Writes an artifact whole or not at all (a temporary file renamed into place), so
/// that tests writing the same artifact at once never leave a mix of both.
pub fn keep_artifact(path: &std::path::Path, bytes: &[u8]) {
    let dir = path.parent().expect("an artifact inside a folder");
    let mut file = tempfile::NamedTempFile::new_in(dir).expect("a temporary artifact");
    std::io::Write::write_all(&mut file, bytes).expect("write the artifact");
    file.persist(path)
        .unwrap_or_else(|e| panic!("cannot keep {}: {e}", path.display()));
}
