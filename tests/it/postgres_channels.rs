//! Issue 26, item 7: the channels beyond `max_channels` are one "other channels" segment,
//! whose FRT p90 is the percentile over their conversations together (SPEC §6.2), read
//! from the database: it cannot be put together from the channels' own percentiles.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::PgPool;

use aikpi::aggregates::{Aggregates, OtherChannelsFrt, SourceInfo};
use aikpi::review::metrics::MetricId;
use aikpi::review::settings::ReviewSettings;
use aikpi::review::{review, ReviewContext};
use aikpi::source::postgres::{read_aggregates, AggregatesRequest};

/// `n` conversations of `channel` started on `day`, the i-th (from 1) with a first
/// response of `frt(i)` seconds.
async fn insert(pool: &PgPool, channel: &str, day: &str, frts: &[i64]) {
    for (i, frt) in frts.iter().enumerate() {
        sqlx::query(
            "INSERT INTO conversations (id, user_id, issue_key, channel, started_at,
                 first_user_message_at, first_ai_reply_at, closed_at, close_reason,
                 ai_participated, rating_prompted)
             VALUES ($1, $1, 'billing', $2, $3::timestamptz, $3::timestamptz,
                 $3::timestamptz + make_interval(secs => $4), $3::timestamptz + interval '1 hour',
                 'resolved', true, true)",
        )
        .bind(format!("{channel}-{day}-{i}"))
        .bind(channel)
        .bind(format!("{day}T10:00:00Z"))
        .bind(*frt as f64)
        .execute(pool)
        .await
        .unwrap();
    }
}

async fn read(pool: &PgPool, max_channels: usize) -> Aggregates {
    let req = AggregatesRequest {
        months: vec!["2026-09".parse().unwrap(), "2026-10".parse().unwrap()],
        tz: chrono_tz::UTC,
        frustrated_sentiment_min: Decimal::new(5, 1),
        max_channels,
        source: SourceInfo {
            kind: "postgres".into(),
            location: "test".into(),
            schema: "public".into(),
            note: None,
        },
        read_at: "2026-12-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap(),
    };
    let mut conn = pool.acquire().await.unwrap();
    read_aggregates(&mut conn, &req).await.unwrap()
}

#[sqlx::test]
async fn the_other_channels_frt_p90_is_read_over_their_conversations_together(pool: PgPool) {
    insert(&pool, "web", "2026-10-02", &[1, 1, 1, 1, 1]).await;
    insert(&pool, "app", "2026-10-03", &[2, 2, 2, 2]).await;
    insert(&pool, "sms", "2026-10-04", &[10, 20, 30]).await;
    insert(&pool, "fax", "2026-10-05", &[40, 50]).await;
    // Last month: sms is one of the same channels; pager (not in October) is not.
    insert(&pool, "sms", "2026-09-04", &[7]).await;
    insert(&pool, "pager", "2026-09-05", &[100]).await;
    insert(&pool, "web", "2026-09-02", &[1]).await;

    let aggregates = read(&pool, 2).await;
    let october = aggregates.months.last().unwrap();
    let september = &aggregates.months[aggregates.months.len() - 2];
    // sms alone: p90 28; fax alone: 49; together (10, 20, 30, 40, 50): 46.
    assert_eq!(
        october.segments.as_ref().unwrap().other_channels,
        Some(OtherChannelsFrt {
            max_channels: 2,
            frt_p90_seconds: Some(46.0)
        })
    );
    assert_eq!(
        september.segments.as_ref().unwrap().other_channels,
        Some(OtherChannelsFrt {
            max_channels: 2,
            frt_p90_seconds: Some(7.0)
        })
    );

    let settings = ReviewSettings {
        max_channels: 2,
        ..ReviewSettings::default()
    };
    let context = ReviewContext {
        generated_at: "2026-12-01T08:00:00Z".parse().unwrap(),
        sample: false,
        language: "en".to_string(),
    };
    let r = review(&aggregates, &settings, &context).unwrap();
    let other = r.segments.channels.last().unwrap();
    assert_eq!(other.channel, None);
    assert_eq!(other.other_channels, Some(2));
    assert_eq!(other.conversations, 5);
    let frt = other.metrics[&MetricId::FrtP90Seconds];
    assert_eq!((frt.value, frt.previous), (Some(46.0), Some(7.0)));
}

#[sqlx::test]
async fn up_to_max_channels_nothing_more_is_read(pool: PgPool) {
    insert(&pool, "web", "2026-10-02", &[1, 1]).await;
    insert(&pool, "app", "2026-10-03", &[2]).await;
    let aggregates = read(&pool, 2).await;
    let october = aggregates.months.last().unwrap();
    assert_eq!(october.segments.as_ref().unwrap().other_channels, None);
}
