//! A PostgreSQL server for tests, and a fresh database on it per test.
//!
//! The server is `SECONDHEART_TEST_POSTGRES_URL` (a URL whose user may
//! create databases), or else a throwaway cluster this process starts from
//! the installed server (`initdb` and `postgres` from the PATH or Debian's
//! `/usr/lib/postgresql/<version>/bin`), as the `postgres` user when run by
//! root: the server refuses to run as root. The cluster stops and its folder
//! goes when this process exits. Without either, PostgreSQL tests print one
//! loud line and pass, unless `SECONDHEART_REQUIRE_POSTGRES=1` makes them
//! fail.
//!
//! Only the standard library and the `psql` client: the end-to-end tests
//! include this file too (`#[path]`), outside the crate's own tests.

#![allow(dead_code)]
#![allow(clippy::panic)] // tests only: no database, no test

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A server tests may create databases on.
#[derive(Debug)]
pub struct TestServer {
    /// A URL of the server's `postgres` database (or the one given).
    admin_url: String,
}

/// A database of its own for one test; dropped with it.
#[derive(Debug)]
pub struct TestDatabase {
    pub url: String,
    name: String,
    admin_url: String,
}

/// The test server, started once a process; `None` when there is none and
/// none is required (after one loud line on stderr).
pub fn server() -> Option<&'static TestServer> {
    static SERVER: OnceLock<Result<TestServer, String>> = OnceLock::new();
    static TOLD: std::sync::Once = std::sync::Once::new();
    match SERVER.get_or_init(find_or_start) {
        Ok(server) => Some(server),
        Err(why) => {
            let required = std::env::var("SECONDHEART_REQUIRE_POSTGRES").as_deref() == Ok("1");
            assert!(
                !required,
                "PostgreSQL is required (SECONDHEART_REQUIRE_POSTGRES=1) but unavailable: {why}"
            );
            TOLD.call_once(|| {
                eprintln!(
                    "!!!!! PostgreSQL TESTS NOT RUN: {why}. Install PostgreSQL or set SECONDHEART_TEST_POSTGRES_URL. !!!!!"
                );
            });
            None
        }
    }
}

impl TestServer {
    /// A new, empty database.
    pub fn database(&self) -> TestDatabase {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "secondheart_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        psql(&self.admin_url, &format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
        TestDatabase {
            url: with_database(&self.admin_url, &name),
            name,
            admin_url: self.admin_url.clone(),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let _ = psql(
            &self.admin_url,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
    }
}

fn find_or_start() -> Result<TestServer, String> {
    if let Ok(url) = std::env::var("SECONDHEART_TEST_POSTGRES_URL") {
        psql(&url, "SELECT 1").map_err(|e| format!("SECONDHEART_TEST_POSTGRES_URL: {e}"))?;
        return Ok(TestServer { admin_url: url });
    }
    start_cluster()
}

/// `sql` run by `psql` against `url`.
fn psql(url: &str, sql: &str) -> Result<(), String> {
    let output = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run psql: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
    }
}

/// `url` naming database `name` instead.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let base = match base.rfind('/') {
        Some(slash) if slash > "postgres://".len() => &base[..slash],
        _ => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

/// The folder holding `initdb` and `postgres`: the PATH's, or the newest
/// Debian installs.
fn server_binaries() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if dir.join("initdb").is_file() && dir.join("postgres").is_file() {
                return Ok(dir);
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|_| "no PostgreSQL server is installed".to_owned())?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .ok_or_else(|| "no PostgreSQL server is installed".to_owned())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// `program args` as the user the server may run as.
fn as_server_user(program: &Path, root: bool) -> Command {
    if root {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn start_cluster() -> Result<TestServer, String> {
    let bin = server_binaries()?;
    let root = is_root();
    let dir = std::env::temp_dir().join(format!("secondheart-pg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    if root {
        let status = Command::new("chown")
            .args(["postgres"])
            .arg(&dir)
            .status()
            .map_err(|e| format!("cannot run chown: {e}"))?;
        if !status.success() {
            return Err(
                "running as root, and there is no `postgres` user to run the server".into(),
            );
        }
    }
    let data = dir.join("data");
    let init = as_server_user(&bin.join("initdb"), root)
        .args([
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
            "-D",
        ])
        .arg(&data)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run initdb: {e}"))?;
    if !init.status.success() {
        return Err(format!(
            "initdb failed: {}",
            String::from_utf8_lossy(&init.stderr).trim()
        ));
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port: {e}"))?
        .port();
    // A watchdog shell runs the server and stops it once this process is
    // gone, then removes the cluster: tests have no hook at exit.
    let script = r#"
        "$1" -D "$2/data" -p "$3" -k "$2" -c listen_addresses=127.0.0.1 \
             -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
             -c max_connections=300 >"$2/log" 2>&1 &
        server=$!
        while [ -d "/proc/$4" ] && kill -0 "$server" 2>/dev/null; do sleep 1; done
        kill -INT "$server" 2>/dev/null
        wait "$server"
        rm -rf "$2"
    "#;
    as_server_user(Path::new("/bin/sh"), root)
        .arg("-c")
        .arg(script)
        .arg("sh")
        .arg(bin.join("postgres"))
        .arg(&dir)
        .arg(port.to_string())
        .arg(std::process::id().to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    let admin_url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match psql(&admin_url, "SELECT 1") {
            Ok(()) => return Ok(TestServer { admin_url }),
            Err(e) if Instant::now() > deadline => {
                return Err(format!("the test cluster did not start: {e}"))
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}
