//! Load (issue 13): eight `aikpi report` runs at once on one database, each with its
//! read connections on one shared snapshot, all succeed with identical report.json; two
//! runs into one `--out` at the same time leave exactly one run's set (see also
//! `tests/cli_output.rs`, which does the same with the sample).

use crate::cli_support;
use crate::services;

use std::path::Path;
use std::process::Stdio;

use cli_support::*;
use sqlx::PgPool;

#[sqlx::test]
async fn eight_concurrent_reports_agree_and_two_into_one_out_never_interleave(pool: PgPool) {
    let url = db_url(&pool, None);
    seed(&url, 3, 300);
    let dir = tempfile::tempdir().unwrap();
    let eur = dir.path().join("eur.toml");
    std::fs::write(&eur, "currency = \"EUR\"\n").unwrap();
    let run = |out: &Path, config: Option<&Path>| {
        let mut cmd = aikpi_std();
        cmd.args(["report", "--month", "2026-10", "--database-url", &url]);
        if let Some(config) = config {
            cmd.arg("--config").arg(config);
        }
        cmd.arg("--out")
            .arg(out)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let shared = dir.path().join("shared");
    let mut children: Vec<_> = (0..8)
        .map(|i| run(&dir.path().join(format!("out-{i}")), None))
        .collect();
    children.push(run(&shared, None));
    children.push(run(&shared, Some(&eur)));
    for child in children {
        let output = services::finish_within(child, services::PATIENCE, "aikpi report");
        assert!(output.status.success(), "{}", stderr(&output));
    }

    let first = std::fs::read(dir.path().join("out-0/report.json")).unwrap();
    for i in 1..8 {
        let json = std::fs::read(dir.path().join(format!("out-{i}/report.json"))).unwrap();
        assert!(json == first, "out-{i}/report.json differs from out-0's");
    }
    // The shared folder holds one run's whole set: the USD one (as out-0) or the EUR one.
    let reference_eur = dir.path().join("reference-eur");
    let output = services::finish_within(
        run(&reference_eur, Some(&eur)),
        services::PATIENCE,
        "aikpi report",
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let got = snapshot(&shared);
    assert!(
        got == snapshot(&dir.path().join("out-0")) || got == snapshot(&reference_eur),
        "the shared --out holds exactly one run's set"
    );
    let leftovers: Vec<String> = names(dir.path())
        .into_iter()
        .filter(|n| n.contains("staging") || n.ends_with(".old"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
