//! The shipped sample is exactly what the PostgreSQL path computes from `aikpi seed`
//! data with the flags recorded in `samples/README.md`.
//!
//! `#[sqlx::test]` gives this test a fresh database (DATABASE_URL must point at a
//! PostgreSQL whose role may create databases); without one the test fails.

use crate::database;

use sqlx::PgPool;

use aikpi::aggregates::Aggregates;
use aikpi::seed::{seed, SeedOptions};
use aikpi::source::postgres::{connect, read_aggregates, AggregatesRequest};

const SAMPLE: &str = include_str!("../../samples/aggregates.json");

#[sqlx::test]
async fn the_postgres_path_on_the_recorded_seed_reproduces_the_sample_exactly(pool: PgPool) {
    let sample: Aggregates = serde_json::from_str(SAMPLE).unwrap();
    // The seed flags are recorded in the sample itself (and in samples/README.md).
    let note = sample
        .source
        .note
        .clone()
        .expect("the sample records its seed command");
    let options = SeedOptions {
        end_month: "2026-10".parse().unwrap(),
        months: 7,
        conversations_per_month: 5000,
        seed: 42,
        tz: chrono_tz::UTC,
        append: false,
    };
    assert_eq!(
        note,
        options.describe(),
        "samples/README.md and this test must agree"
    );

    let mut conn = pool.acquire().await.unwrap();
    seed(&mut conn, &options).await.unwrap();
    drop(conn);
    // Read through the same read-only session the CLI opens.
    let mut conn = connect(&database::url(&pool, None), "public", None, true)
        .await
        .unwrap();
    let request = AggregatesRequest {
        months: sample.months.iter().map(|m| m.month).collect(),
        tz: chrono_tz::UTC,
        frustrated_sentiment_min: sample.frustrated_sentiment_min,
        max_channels: 20,
        source: sample.source.clone(),
        read_at: sample.read_at,
    };
    let fresh = read_aggregates(&mut conn, &request).await.unwrap();

    assert_eq!(fresh.time_zone, sample.time_zone);
    assert_eq!(fresh.months.len(), sample.months.len());
    for (got, want) in fresh.months.iter().zip(&sample.months) {
        assert_eq!(got, want, "month {} differs from the sample", want.month);
    }
}
