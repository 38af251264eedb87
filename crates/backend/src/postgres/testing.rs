//! Databases for tests and benches (built with the `testing` feature): a fresh
//! one in the cluster `TEND_PG_URL` names (`.ci/run` starts one with
//! `scripts/pg-cluster`), or, without it, in a throwaway cluster of its own
//! when PostgreSQL is installed. When PostgreSQL is not installed, [`database`]
//! says the test is skipped and answers None, unless `TEND_PG_REQUIRED=1`
//! (as `.ci/run` sets once it has a cluster): then a missing PostgreSQL fails
//! the test. A cluster that is installed but does not start always fails it.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A database of its own for one test, dropped with its cluster (if the test
/// started one).
pub struct TestDb {
    pub url: String,
    cluster: Option<PathBuf>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(dir) = &self.cluster {
            let _ = Command::new(script()).arg("stop").arg(dir).status();
        }
    }
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/pg-cluster")
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// A fresh, empty database for the test `test`; None (said on stderr) without
/// PostgreSQL.
pub async fn database(test: &str) -> Option<TestDb> {
    let (server, cluster) = match std::env::var("TEND_PG_URL") {
        Ok(url) if !url.is_empty() => (url, None),
        _ => {
            let dir = std::env::temp_dir().join(format!(
                "tend-pg-test-{}-{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ));
            let out = Command::new(script())
                .arg("start")
                .arg(&dir)
                .output()
                .expect("run scripts/pg-cluster");
            let said = String::from_utf8_lossy(&out.stderr).trim().to_string();
            // Exit code 3: no PostgreSQL installed. Anything else is a failure.
            if out.status.code() == Some(3)
                && std::env::var("TEND_PG_REQUIRED").as_deref() != Ok("1")
            {
                eprintln!(
                    "{test}: skipped, no PostgreSQL here (set TEND_PG_URL, or install it: \
                     scripts/pg-cluster install): {said}"
                );
                return None;
            }
            assert!(
                out.status.success(),
                "{test}: the throwaway PostgreSQL cluster did not start: {said}"
            );
            let text = String::from_utf8(out.stdout).expect("utf8");
            let url = text
                .lines()
                .find_map(|l| l.strip_prefix("TEND_PG_URL="))
                .expect("the cluster's URL")
                .to_string();
            (url, Some(dir))
        }
    };
    let name = format!(
        "tend_test_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    // Made first, so that the cluster is stopped however the rest ends.
    let (server_base, query) = match server.split_once('?') {
        Some((base, query)) => (base.to_string(), format!("?{query}")),
        None => (server.clone(), String::new()),
    };
    let (base, _) = server_base.rsplit_once('/').expect("a database in the URL");
    let db = TestDb {
        url: format!("{base}/{name}{query}"),
        cluster,
    };
    let admin = super::connect(&server)
        .await
        .expect("connect to the test cluster");
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("a test database");
    Some(db)
}
