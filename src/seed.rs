//! `aikpi seed`: realistic generated data for trying the tool and for benchmarks.
//!
//! The generator is reproducible: every random choice comes from ChaCha8 streams derived
//! from `--seed` and the position in the data (month, conversation number), never from the
//! wall clock, so identical flags write identical rows. The data is a snapshot taken at
//! the end of `--end-month`: conversations that would close later are still open, replies
//! not yet fed back have no `fed_back_at`, and nothing starts after it.
//!
//! Rows are streamed with `COPY … FROM STDIN` in ~1 MiB chunks, relation by relation, in
//! one transaction: the conversation stream is regenerated (cheaply, from the same seeds)
//! for `llm_usage` and `reply_edits` instead of being kept in memory, so a million
//! conversations per month stays memory-flat.
//!
//! What the data shows, month over month (oldest to newest): deflection creeping up (fewer
//! handoffs), the 24 h return rate easing from ~11.5 % to ~10 % and dropping to ~8.5 % in
//! the last month, FRT of one to two
//! seconds getting a little faster, AHT of minutes, CSAT a little up, the cost per
//! conversation falling as traffic moves to the smaller model, KB hit rate and the feedback
//! loop improving. In the last month two traps visibly trigger and one does not:
//!
//! * trap 2 (inflated CSAT): ratings are prompted on 98 % of `resolved` endings but only
//!   half of the others, so reported CSAT (AI) sits above the outcome-weighted one;
//! * trap 3 (hidden LLM cost): finance booked no `llm` line; the LLM spend sits inside
//!   `cloud_services`;
//! * trap 1 (faking deflection) stays quiet: the return rate is below 10 % and fell while
//!   deflection rose, and few deflected conversations are frustrated exits.
//!
//! A tiny share of rows breaks the contract (a rating of 7, a sentiment of 1.4, a first
//! reply before the first message, a close before the start; at most 1 in 5,000, at least
//! one of each per month), so the data-quality notes have something to show.

use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use sqlx::postgres::{PgConnection, PgCopyIn};
use sqlx::{Connection, Executor};

use crate::period::Month;
use crate::source::SourceError;

/// The flags of `aikpi seed`.
#[derive(Debug, Clone)]
pub struct SeedOptions {
    /// The last month generated (fixed by a flag so the output does not move with the clock).
    pub end_month: Month,
    /// How many months, ending with `end_month`.
    pub months: u32,
    /// Conversations generated per month.
    pub conversations_per_month: u32,
    /// The random seed.
    pub seed: u64,
    /// The time zone whose calendar months and local daily rhythm the data follows.
    pub tz: Tz,
    /// Write even when the tables already hold rows.
    pub append: bool,
}

impl SeedOptions {
    /// The equivalent command line, recorded as the note of an aggregates source.
    pub fn describe(&self) -> String {
        format!(
            "aikpi seed --end-month {} --months {} --conversations-per-month {} --seed {} --tz {}",
            self.end_month,
            self.months,
            self.conversations_per_month,
            self.seed,
            self.tz.name()
        )
    }
}

/// Rows written per relation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedSummary {
    pub conversations: u64,
    pub llm_usage: u64,
    pub cost_ledger: u64,
    pub kb_evals: u64,
    pub reply_edits: u64,
}

/// The contract tables, in the order they are checked for existing rows.
const TABLES: [&str; 5] = [
    "conversations",
    "llm_usage",
    "cost_ledger",
    "kb_evals",
    "reply_edits",
];

/// Flush a COPY buffer once it holds this many bytes.
const CHUNK_BYTES: usize = 1 << 20;

/// A `COPY … FROM STDIN` in progress. Rows are written into a caller's buffer and sent
/// in chunks of [`CHUNK_BYTES`], so memory stays flat whatever the volume; every error
/// names the table.
struct CopyStream<'c> {
    copy: PgCopyIn<&'c mut PgConnection>,
    table: &'static str,
}

impl<'c> CopyStream<'c> {
    async fn open(
        conn: &'c mut PgConnection,
        table: &'static str,
        statement: &str,
    ) -> Result<Self, SourceError> {
        let copy = conn
            .copy_in_raw(statement)
            .await
            .map_err(seed_error(table))?;
        Ok(Self { copy, table })
    }

    /// Sends the buffer once it holds a chunk.
    async fn flush_if_full(&mut self, buf: &mut String) -> Result<(), SourceError> {
        if buf.len() >= CHUNK_BYTES {
            self.copy
                .send(buf.as_bytes())
                .await
                .map_err(seed_error(self.table))?;
            buf.clear();
        }
        Ok(())
    }

    /// Sends what is left and ends the COPY.
    async fn finish(mut self, buf: &mut String) -> Result<(), SourceError> {
        self.copy
            .send(buf.as_bytes())
            .await
            .map_err(seed_error(self.table))?;
        buf.clear();
        self.copy.finish().await.map_err(seed_error(self.table))?;
        Ok(())
    }
}

/// A database error while seeding `table`.
fn seed_error(table: &'static str) -> impl Fn(sqlx::Error) -> SourceError {
    move |e| SourceError::Seed {
        table,
        cause: e.to_string(),
    }
}

/// Fills the contract tables of the session's schema with generated data (see the module
/// documentation). Refuses when any table already holds rows, unless `opts.append`.
/// Everything is written in one transaction: on error nothing is left behind.
///
/// `conn` must be a writable session whose `search_path` is the target schema, i.e. from
/// [`connect`](crate::source::postgres::connect) with `read_only = false`, after
/// [`migrate`](crate::source::postgres::migrate).
pub async fn seed(conn: &mut PgConnection, opts: &SeedOptions) -> Result<SeedSummary, SourceError> {
    if opts.months == 0 {
        return Err(SourceError::InvalidRequest(
            "--months must be at least 1".to_string(),
        ));
    }
    let fail = seed_error;
    let mut tx = conn.begin().await.map_err(fail("(transaction start)"))?;

    let mut bulk = None;
    if !opts.append {
        // Lock before looking, so that no row can arrive between the check and the load.
        tx.execute(
            "LOCK TABLE conversations, llm_usage, cost_ledger, kb_evals, reply_edits \
             IN ACCESS EXCLUSIVE MODE",
        )
        .await
        .map_err(fail("(lock)"))?;
        let schema: Option<String> = sqlx::query_scalar("SELECT current_schema()::text")
            .fetch_one(&mut *tx)
            .await
            .map_err(fail("(schema check)"))?;
        for table in TABLES {
            // The table names are constants of the contract, not input.
            let sql = format!("SELECT EXISTS (SELECT 1 FROM {table})");
            let has_rows: bool = sqlx::query_scalar(&sql)
                .fetch_one(&mut *tx)
                .await
                .map_err(fail(table))?;
            if has_rows {
                return Err(SourceError::SeedRefused {
                    schema: schema.unwrap_or_default(),
                    table,
                });
            }
        }
        bulk = prepare_bulk_load(&mut tx)
            .await
            .map_err(fail("(bulk load)"))?;
    }
    let copy_options = if bulk.is_some() {
        "FORMAT csv, FREEZE"
    } else {
        "FORMAT csv"
    };

    // Continue numbering after existing rows (0 on empty tables), so --append never
    // collides with earlier seeds.
    let conv_offset: i64 = sqlx::query_scalar(
        "SELECT coalesce(max(substring(id FROM '^c([0-9]{1,18})$')::bigint), 0) FROM conversations",
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(fail("conversations"))?;
    let mut id_offsets = [0i64; 3];
    for (slot, table) in ["llm_usage", "kb_evals", "reply_edits"]
        .into_iter()
        .enumerate()
    {
        let sql = format!("SELECT coalesce(max(id), 0)::int8 FROM {table}");
        id_offsets[slot] = sqlx::query_scalar(&sql)
            .fetch_one(&mut *tx)
            .await
            .map_err(fail(table))?;
    }
    let [llm_offset, kb_offset, edit_offset] = id_offsets;

    let plan = Plan::new(opts, conv_offset.max(0) as u64);
    let mut summary = SeedSummary::default();
    let mut buf = String::with_capacity(CHUNK_BYTES + 4096);

    // conversations
    {
        let mut copy = CopyStream::open(
            &mut tx,
            "conversations",
            &format!(
                "COPY conversations (id, user_id, issue_key, channel, started_at, \
                 first_user_message_at, first_ai_reply_at, closed_at, close_reason, \
                 ai_participated, handoff_at, handoff_initiator, rating_prompted, ai_csat, \
                 human_csat, negative_sentiment) FROM STDIN WITH ({copy_options})"
            ),
        )
        .await?;
        for month in &plan.months {
            for conv in plan.conversations(month) {
                conv.write_csv(&mut buf);
                summary.conversations += 1;
                copy.flush_if_full(&mut buf).await?;
            }
        }
        copy.finish(&mut buf).await?;
    }

    // llm_usage (and the metered cost per month, which finance's ledger books)
    let mut metered_nanos = vec![0i64; plan.months.len()];
    {
        let mut copy = CopyStream::open(
            &mut tx,
            "llm_usage",
            &format!(
                "COPY llm_usage (id, occurred_at, conversation_id, model, prompt_tokens, \
                 completion_tokens, cost) FROM STDIN WITH ({copy_options})"
            ),
        )
        .await?;
        let mut next_id = llm_offset;
        for month in &plan.months {
            let mut calls = Vec::new();
            for conv in plan.conversations(month) {
                plan.llm_calls(month, &conv, &mut calls);
                for call in calls.drain(..) {
                    next_id += 1;
                    call.write_csv(next_id, &mut buf);
                    summary.llm_usage += 1;
                    if let Some(slot) = plan.month_of(call.at) {
                        metered_nanos[slot] += call.cost_nanos;
                    }
                }
                copy.flush_if_full(&mut buf).await?;
            }
            plan.background_calls(month, &mut calls);
            for call in calls.drain(..) {
                next_id += 1;
                call.write_csv(next_id, &mut buf);
                summary.llm_usage += 1;
                if let Some(slot) = plan.month_of(call.at) {
                    metered_nanos[slot] += call.cost_nanos;
                }
            }
        }
        copy.finish(&mut buf).await?;
    }

    // reply_edits (and the labor figures of the ledger: handoffs and human-only conversations)
    let mut labor_units = vec![(0u64, 0u64); plan.months.len()];
    {
        let mut copy = CopyStream::open(
            &mut tx,
            "reply_edits",
            &format!(
                "COPY reply_edits (id, conversation_id, edited_at, fed_back_at) \
                 FROM STDIN WITH ({copy_options})"
            ),
        )
        .await?;
        let mut next_id = edit_offset;
        for month in &plan.months {
            for conv in plan.conversations(month) {
                if conv.handoff_at.is_some() {
                    labor_units[month.index].0 += 1;
                } else if !conv.ai {
                    labor_units[month.index].1 += 1;
                }
                if let Some(edit) = plan.reply_edit(month, &conv) {
                    next_id += 1;
                    edit.write_csv(next_id, &mut buf);
                    summary.reply_edits += 1;
                }
                copy.flush_if_full(&mut buf).await?;
            }
        }
        copy.finish(&mut buf).await?;
    }

    // kb_evals
    {
        let mut copy = CopyStream::open(
            &mut tx,
            "kb_evals",
            &format!(
                "COPY kb_evals (id, evaluated_at, expected_doc_id, top1_doc_id) \
                 FROM STDIN WITH ({copy_options})"
            ),
        )
        .await?;
        let mut next_id = kb_offset;
        for month in &plan.months {
            plan.kb_evals(month, &mut next_id, &mut buf, &mut summary.kb_evals);
            copy.flush_if_full(&mut buf).await?;
        }
        copy.finish(&mut buf).await?;
    }

    // cost_ledger: a handful of lines, inserted so that --append adds to booked amounts.
    let lines = plan.ledger(&metered_nanos, &labor_units);
    let (months, (categories, amounts)): (Vec<NaiveDate>, (Vec<String>, Vec<Decimal>)) = lines
        .into_iter()
        .map(|(m, c, a)| (m, (c.to_string(), a)))
        .unzip();
    let written = sqlx::query(
        "INSERT INTO cost_ledger (month, category, amount) \
         SELECT * FROM unnest($1::date[], $2::text[], $3::numeric[]) \
         ON CONFLICT (month, category) DO UPDATE SET amount = cost_ledger.amount + excluded.amount",
    )
    .bind(&months)
    .bind(&categories)
    .bind(&amounts)
    .execute(&mut *tx)
    .await
    .map_err(fail("cost_ledger"))?;
    summary.cost_ledger = written.rows_affected();

    if let Some(indexes) = bulk {
        // Build the secondary indexes once, from sorted data, instead of maintaining them
        // row by row during the load.
        tx.execute("SET LOCAL maintenance_work_mem = '256MB'")
            .await
            .map_err(fail("(indexes)"))?;
        for definition in indexes {
            tx.execute(definition.as_str())
                .await
                .map_err(fail("(indexes)"))?;
        }
    }

    tx.commit().await.map_err(fail("(commit)"))?;
    // Fresh statistics so the first report plans its queries on the real sizes. Best
    // effort: the rows are committed, and autovacuum analyses them eventually anyway.
    for table in TABLES {
        let _ = conn.execute(format!("ANALYZE {table}").as_str()).await;
    }
    Ok(summary)
}

/// The bulk-load path for empty tables: TRUNCATE (a no-op on empty tables, but it lets
/// `COPY … FREEZE` write the rows already frozen and all-visible, so the first report can
/// use index-only scans and no VACUUM has to rewrite them), and the secondary indexes
/// dropped, to be rebuilt after the load ([`seed`] runs the returned definitions).
/// Everything happens inside the seed's transaction, so a failure leaves the tables and
/// indexes as they were. Returns `None` (and changes nothing) when the tables are not
/// plain tables or the role may not TRUNCATE them: the seed then loads row by row.
async fn prepare_bulk_load(tx: &mut PgConnection) -> Result<Option<Vec<String>>, sqlx::Error> {
    const BULK_TABLES: &str = "ARRAY['conversations', 'llm_usage', 'kb_evals', 'reply_edits']";
    let plain: bool = sqlx::query_scalar(&format!(
        "SELECT bool_and(c.relkind = 'r') AND count(*) = 4
         FROM unnest({BULK_TABLES}) AS t(name)
         JOIN pg_catalog.pg_class c ON c.oid = to_regclass(t.name)"
    ))
    .fetch_one(&mut *tx)
    .await?;
    if !plain {
        return Ok(None);
    }
    let mut savepoint = tx.begin().await?;
    if savepoint
        .execute("TRUNCATE conversations, llm_usage, kb_evals, reply_edits")
        .await
        .is_err()
    {
        savepoint.rollback().await?;
        return Ok(None);
    }
    savepoint.commit().await?;
    // Indexes that back no constraint (primary keys and unique constraints stay).
    let indexes: Vec<(String, String)> = sqlx::query_as(&format!(
        "SELECT i.indexrelid::regclass::text, pg_catalog.pg_get_indexdef(i.indexrelid)
         FROM pg_catalog.pg_index i
         WHERE i.indrelid IN (SELECT to_regclass(t) FROM unnest({BULK_TABLES}) AS t)
           AND NOT i.indisunique
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conindid = i.indexrelid)
         ORDER BY i.indexrelid"
    ))
    .fetch_all(&mut *tx)
    .await?;
    let mut definitions = Vec::with_capacity(indexes.len());
    for (name, definition) in indexes {
        // The name comes from regclass output, quoted by PostgreSQL where needed.
        tx.execute(format!("DROP INDEX {name}").as_str()).await?;
        definitions.push(definition);
    }
    Ok(Some(definitions))
}

// ---------------------------------------------------------------------------------------
// The generator.
// ---------------------------------------------------------------------------------------

const MICROS_PER_SEC: i64 = 1_000_000;
const MICROS_PER_MIN: i64 = 60 * MICROS_PER_SEC;
const MICROS_PER_HOUR: i64 = 60 * MICROS_PER_MIN;

/// Independent random streams: each (purpose, position) gets its own ChaCha8 seed.
#[derive(Clone, Copy)]
enum Stream {
    Conversations = 1,
    Llm = 2,
    Background = 3,
    Edits = 4,
    KbEvals = 5,
    Ledger = 6,
}

/// SplitMix64 finaliser: spreads (seed, stream, position) over the seed space.
fn mix(seed: u64, stream: Stream, position: u64) -> u64 {
    let mut z = seed
        ^ (stream as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ position.wrapping_mul(0xD1B5_4A32_D192_ED69);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn rng_for(seed: u64, stream: Stream, position: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(mix(seed, stream, position))
}

/// A standard normal deviate (Box–Muller; `rand_distr` is not a dependency).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>(); // (0, 1]
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A log-normal duration in microseconds with the given median (seconds) and spread.
fn lognormal_micros(rng: &mut ChaCha8Rng, median_secs: f64, sigma: f64) -> i64 {
    (median_secs * (sigma * normal(rng)).exp() * MICROS_PER_SEC as f64) as i64
}

/// Index drawn from unnormalised weights.
fn pick(rng: &mut ChaCha8Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

const CHANNELS: [&str; 4] = ["web", "app", "whatsapp", "email"];

const ISSUES: [&str; 24] = [
    "order.where_is_my_order",
    "billing.refund_status",
    "account.password_reset",
    "billing.double_charge",
    "order.cancel",
    "shipping.address_change",
    "account.login_2fa",
    "product.availability",
    "order.return_label",
    "billing.invoice_copy",
    "promo.code_not_working",
    "shipping.delivery_damaged",
    "account.delete",
    "subscription.pause",
    "subscription.cancel",
    "product.size_guide",
    "billing.payment_failed",
    "order.missing_item",
    "account.email_change",
    "loyalty.points_missing",
    "shipping.international",
    "product.warranty",
    "store.opening_hours",
    "gift_card.balance",
];

const ENDING_RESOLVED: &str = "resolved";
const ENDING_USER_LEFT: &str = "user_left";
const ENDING_TIMEOUT: &str = "timeout";
const ENDING_AGENT_CLOSED: &str = "agent_closed";

/// One month of the plan.
struct PlanMonth {
    /// 0 = oldest.
    index: usize,
    month: Month,
    start: i64,
    end: i64,
    /// 0.0 for the oldest month, 1.0 for the last: drives the month-over-month trends.
    progress: f64,
    is_last: bool,
}

/// Everything derived from the options.
struct Plan {
    seed: u64,
    tz: Tz,
    per_month: u64,
    conv_offset: u64,
    users: u32,
    /// End of the last month: the instant the snapshot was taken.
    snapshot: i64,
    months: Vec<PlanMonth>,
    /// Long-tailed popularity of the issue keys.
    issue_weights: Vec<f64>,
}

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

impl Plan {
    fn new(opts: &SeedOptions, conv_offset: u64) -> Self {
        let window = opts.end_month.window(opts.months as usize);
        let n = window.len();
        let months: Vec<PlanMonth> = window
            .iter()
            .enumerate()
            .map(|(index, &month)| {
                let (start, end) = month.bounds(opts.tz);
                PlanMonth {
                    index,
                    month,
                    start: micros(start),
                    end: micros(end),
                    progress: if n > 1 {
                        index as f64 / (n - 1) as f64
                    } else {
                        1.0
                    },
                    is_last: index + 1 == n,
                }
            })
            .collect();
        let per_month = u64::from(opts.conversations_per_month);
        // About 2.5 conversations per user over the window: most customers write rarely.
        let users = ((per_month * n as u64 * 2 / 5).max(20)).min(u32::MAX as u64) as u32;
        let snapshot = months.last().map_or(0, |m| m.end);
        Plan {
            seed: opts.seed,
            tz: opts.tz,
            per_month,
            conv_offset,
            users,
            snapshot,
            months,
            issue_weights: (0..ISSUES.len()).map(|i| 1.0 / (i as f64 + 1.5)).collect(),
        }
    }

    /// The plan month an instant falls in (for the metered cost per month).
    fn month_of(&self, at: i64) -> Option<usize> {
        self.months.iter().position(|m| at >= m.start && at < m.end)
    }

    /// The month's conversations, regenerated identically on every call.
    fn conversations<'a>(&'a self, month: &'a PlanMonth) -> ConversationStream<'a> {
        ConversationStream {
            plan: self,
            month,
            rng: rng_for(self.seed, Stream::Conversations, month.index as u64),
            slot: 0,
            pending: None,
            return_budget: 0.0,
            late_budget: 0.0,
            anomaly_due: None,
        }
    }

    /// A start instant in the month, following a daily rhythm in local time.
    fn start_time(&self, rng: &mut ChaCha8Rng, month: &PlanMonth) -> i64 {
        // Relative traffic by local hour: quiet nights, busy days, an evening tail.
        const HOURLY: [f64; 24] = [
            0.20, 0.14, 0.10, 0.08, 0.08, 0.12, 0.25, 0.45, 0.70, 0.90, 1.00, 1.00, 0.95, 0.95,
            1.00, 0.98, 0.92, 0.85, 0.80, 0.78, 0.72, 0.60, 0.45, 0.30,
        ];
        let len = (month.end - month.start).max(1);
        loop {
            let t = month.start + rng.random_range(0..len);
            let hour = match Utc.timestamp_micros(t) {
                chrono::LocalResult::Single(u) => u.with_timezone(&self.tz).hour() as usize,
                _ => 12,
            };
            if rng.random::<f64>() < HOURLY[hour % 24] {
                return t;
            }
        }
    }

    /// The metered LLM calls of one conversation (none when the AI did not take part).
    fn llm_calls(&self, month: &PlanMonth, conv: &Conversation, out: &mut Vec<LlmCall>) {
        if !conv.ai {
            return;
        }
        let mut rng = rng_for(self.seed, Stream::Llm, conv.number);
        let calls = rng.random_range(3..=6);
        // Traffic moves to the smaller model over the window: cost per conversation falls.
        let mini_share = 0.55 + 0.25 * month.progress;
        let begin = conv.first_user_message_at.unwrap_or(conv.started_at);
        let end = conv
            .closed_at
            .filter(|c| *c > begin)
            .unwrap_or(begin + 5 * MICROS_PER_MIN);
        for _ in 0..calls {
            let at = begin + rng.random_range(0..(end - begin).max(1));
            if at >= self.snapshot {
                continue;
            }
            let mini = rng.random::<f64>() < mini_share;
            // Prompts carry the retrieved KB context: thousands of tokens.
            let prompt = rng.random_range(1_500..6_000_i64);
            let completion = rng.random_range(60..400_i64);
            // Prices in 1e-9 of the currency per token.
            let (model, price_in, price_out) = if mini {
                ("gpt-4.1-mini", 400, 1_600)
            } else {
                ("gpt-4.1", 2_000, 8_000)
            };
            out.push(LlmCall {
                at,
                conversation: Some(conv.number),
                model,
                prompt_tokens: prompt,
                completion_tokens: completion,
                cost_nanos: prompt * price_in + completion * price_out,
            });
        }
    }

    /// Background LLM calls of the month (KB indexing): no conversation.
    fn background_calls(&self, month: &PlanMonth, out: &mut Vec<LlmCall>) {
        let mut rng = rng_for(self.seed, Stream::Background, month.index as u64);
        let count = (self.per_month / 25).max(1);
        for _ in 0..count {
            let at = month.start + rng.random_range(0..(month.end - month.start).max(1));
            let prompt = rng.random_range(20_000..120_000_i64);
            out.push(LlmCall {
                at,
                conversation: None,
                model: "text-embedding-3-small",
                prompt_tokens: prompt,
                completion_tokens: 0,
                cost_nanos: prompt * 20,
            });
        }
    }

    /// The edit a human agent made to an AI reply of a handed-off conversation, if any.
    fn reply_edit(&self, month: &PlanMonth, conv: &Conversation) -> Option<ReplyEdit> {
        let handoff = conv.handoff_at?;
        let mut rng = rng_for(self.seed, Stream::Edits, conv.number);
        if rng.random::<f64>() >= 0.30 {
            return None;
        }
        let edited_at = handoff + rng.random_range(MICROS_PER_MIN..12 * MICROS_PER_MIN);
        if edited_at >= self.snapshot {
            return None;
        }
        // The feedback loop improves over the window; a reply fed back after the snapshot
        // has not been fed back yet.
        let fed_back_at = (rng.random::<f64>() < 0.42 + 0.18 * month.progress)
            .then(|| edited_at + rng.random_range(MICROS_PER_HOUR..7 * 24 * MICROS_PER_HOUR))
            .filter(|t| *t < self.snapshot);
        Some(ReplyEdit {
            conversation: conv.number,
            edited_at,
            fed_back_at,
        })
    }

    /// The month's labelled retrieval checks (a few thousand), written as CSV.
    fn kb_evals(&self, month: &PlanMonth, next_id: &mut i64, buf: &mut String, written: &mut u64) {
        let mut rng = rng_for(self.seed, Stream::KbEvals, month.index as u64);
        let count = 2_000 + 200 * month.index as u64;
        let hit_rate = 0.77 + 0.07 * month.progress;
        for _ in 0..count {
            let at = month.start + rng.random_range(0..(month.end - month.start).max(1));
            let expected = rng.random_range(0..800_u32);
            let roll = rng.random::<f64>();
            *next_id += 1;
            let _ = write!(buf, "{},", next_id);
            write_ts(buf, at);
            let _ = write!(buf, ",kb-{expected:04},");
            if roll < hit_rate {
                let _ = write!(buf, "kb-{expected:04}");
            } else if roll < hit_rate + 0.02 {
                // nothing retrieved: NULL
            } else {
                let other = (expected + rng.random_range(1..800_u32)) % 800;
                let _ = write!(buf, "kb-{other:04}");
            }
            buf.push('\n');
            *written += 1;
        }
    }

    /// Finance's ledger lines: infra, labor, cloud_services and the booked `llm` line.
    /// In the last month the `llm` line is missing and the spend sits in cloud_services.
    fn ledger(
        &self,
        metered_nanos: &[i64],
        labor_units: &[(u64, u64)],
    ) -> Vec<(NaiveDate, &'static str, Decimal)> {
        let cents = |nanos: i64| Decimal::new(nanos / 10_000_000, 2);
        let mut lines = Vec::new();
        for month in &self.months {
            let mut rng = rng_for(self.seed, Stream::Ledger, month.index as u64);
            let n = self.per_month as i64;
            let jitter = |rng: &mut ChaCha8Rng, x: i64| -> i64 {
                (x as f64 * (1.0 + rng.random_range(-0.03..0.03))) as i64
            };
            // Amounts in 1e-9 of the currency, rounded to cents when booked.
            let infra = jitter(&mut rng, 4_000_000_000 + n * 35_000_000);
            let (handoffs, human_only) = labor_units[month.index];
            let labor = jitter(
                &mut rng,
                2_000_000_000 + handoffs as i64 * 1_150_000_000 + human_only as i64 * 1_600_000_000,
            );
            let cloud = jitter(&mut rng, 1_500_000_000 + n * 12_000_000);
            let metered = metered_nanos[month.index];
            let first_day = month.month.first_day();
            lines.push((first_day, "infra", cents(infra)));
            lines.push((first_day, "labor", cents(labor)));
            if month.is_last {
                // Trap 3: the LLM invoice was booked under cloud services.
                lines.push((first_day, "cloud_services", cents(cloud + metered)));
            } else {
                lines.push((first_day, "cloud_services", cents(cloud)));
                let booked = (metered as f64 * (1.0 + rng.random_range(-0.02..0.01))) as i64;
                lines.push((first_day, "llm", cents(booked)));
            }
        }
        lines
    }
}

/// A generated conversation (times in microseconds since the Unix epoch).
struct Conversation {
    number: u64,
    user: u32,
    issue: Option<usize>,
    channel: usize,
    started_at: i64,
    first_user_message_at: Option<i64>,
    first_ai_reply_at: Option<i64>,
    closed_at: Option<i64>,
    close_reason: Option<&'static str>,
    ai: bool,
    handoff_at: Option<i64>,
    handoff_initiator: Option<&'static str>,
    rating_prompted: bool,
    ai_csat: Option<i16>,
    human_csat: Option<i16>,
    /// Thousandths (0–1000 within the contract).
    sentiment_milli: Option<i32>,
}

/// A later conversation promised by an earlier one (same user, same issue).
struct FollowUp {
    user: u32,
    issue: Option<usize>,
    channel: usize,
    started_at: i64,
}

/// The conversations of one month, generated lazily.
///
/// Slots are numbered 0..per_month; a primary conversation may promise a follow-up (a 24 h
/// return, or a later contact about the same issue), which takes the next slot. The share
/// of returns is steered by a deterministic budget rather than coin flips, so the month's
/// return rate follows the trend closely even for small samples.
struct ConversationStream<'a> {
    plan: &'a Plan,
    month: &'a PlanMonth,
    rng: ChaCha8Rng,
    slot: u64,
    pending: Option<FollowUp>,
    return_budget: f64,
    late_budget: f64,
    /// A contract violation waiting for the next primary conversation.
    anomaly_due: Option<u64>,
}

impl Iterator for ConversationStream<'_> {
    type Item = Conversation;

    fn next(&mut self) -> Option<Conversation> {
        while self.slot < self.plan.per_month {
            let slot = self.slot;
            self.slot += 1;
            let number =
                self.plan.conv_offset + self.month.index as u64 * self.plan.per_month + slot + 1;
            let step = (self.plan.per_month / 4).clamp(1, 5_000);
            if slot % step == step / 2 {
                self.anomaly_due = Some((slot / step + self.month.index as u64) % 4);
            }
            match self.pending.take() {
                Some(follow) => {
                    // A follow-up after the snapshot has not happened yet: the slot stays empty.
                    if follow.started_at >= self.plan.snapshot {
                        continue;
                    }
                    return Some(self.generate(number, Some(follow)));
                }
                None => {
                    let mut conv = self.generate(number, None);
                    self.promise_follow_up(&conv);
                    // Only primaries break the contract: they always start inside the
                    // month, so every month gets its share.
                    if let Some(kind) = self.anomaly_due.take() {
                        break_contract(kind, &mut conv);
                    }
                    return Some(conv);
                }
            }
        }
        None
    }
}

impl ConversationStream<'_> {
    fn generate(&mut self, number: u64, follow: Option<FollowUp>) -> Conversation {
        let p = self.month.progress;
        let rng = &mut self.rng;
        let is_follow_up = follow.is_some();
        let (user, issue, channel, started_at) = match follow {
            Some(f) => (f.user, f.issue, f.channel, f.started_at),
            None => {
                let user = rng.random_range(0..self.plan.users);
                // 5 % unclassified; otherwise a long-tailed mix of intents.
                let issue = if rng.random::<f64>() < 0.05 {
                    None
                } else {
                    Some(pick(rng, &self.plan.issue_weights))
                };
                // WhatsApp grows, email shrinks.
                let channel = pick(rng, &[0.40, 0.30, 0.18 + 0.06 * p, 0.12 - 0.04 * p]);
                let started_at = self.plan.start_time(rng, self.month);
                (user, issue, channel, started_at)
            }
        };
        let email = CHANNELS[channel] == "email";

        let ai = rng.random::<f64>() < if email { 0.90 } else { 0.985 };
        let first_user_message_at = (rng.random::<f64>() >= 0.01)
            .then(|| started_at + rng.random_range(0..3 * MICROS_PER_SEC));
        // FRT: median ~1.1 s getting faster, p90 ~2.2 s; sometimes the AI never replies.
        let first_ai_reply_at = match first_user_message_at {
            Some(fum) if ai && rng.random::<f64>() >= 0.015 => {
                Some(fum + lognormal_micros(rng, 1.1 - 0.2 * p, 0.55).max(50_000))
            }
            _ => None,
        };

        // Handoffs ease from 30 % to 24 %; a customer coming back is handed off more often.
        let handoff_p = if is_follow_up { 0.45 } else { 0.30 - 0.06 * p };
        let handoff_at = (ai && rng.random::<f64>() < handoff_p).then(|| {
            first_ai_reply_at
                .or(first_user_message_at)
                .unwrap_or(started_at)
                + rng.random_range(30 * MICROS_PER_SEC..6 * MICROS_PER_MIN)
        });
        let handoff_initiator = handoff_at.map(|_| {
            if rng.random::<f64>() < 0.55 {
                "ai"
            } else {
                "user"
            }
        });

        let reason = if !ai {
            if rng.random::<f64>() < 0.9 {
                ENDING_AGENT_CLOSED
            } else {
                ENDING_USER_LEFT
            }
        } else if handoff_at.is_some() {
            [ENDING_AGENT_CLOSED, ENDING_RESOLVED, ENDING_USER_LEFT][pick(rng, &[0.82, 0.10, 0.08])]
        } else {
            let resolved = 0.68 + 0.04 * p;
            [ENDING_RESOLVED, ENDING_USER_LEFT, ENDING_TIMEOUT][pick(
                rng,
                &[resolved, (1.0 - resolved) * 0.55, (1.0 - resolved) * 0.45],
            )]
        };
        // AHT: minutes (email: hours), slowly falling.
        let speed = 1.0 - 0.05 * p;
        let base = first_ai_reply_at
            .or(first_user_message_at)
            .unwrap_or(started_at);
        let mut duration = match reason {
            ENDING_RESOLVED => lognormal_micros(rng, 240.0 * speed, 0.6),
            ENDING_USER_LEFT => lognormal_micros(rng, 150.0 * speed, 0.7),
            ENDING_TIMEOUT => 15 * MICROS_PER_MIN + rng.random_range(0..5 * MICROS_PER_MIN),
            _ => lognormal_micros(rng, 1_080.0 * speed, 0.5),
        };
        if email {
            duration *= 6;
        }
        let closes_at = handoff_at.unwrap_or(base).max(base) + duration.max(MICROS_PER_SEC);
        let closed = closes_at < self.plan.snapshot;
        let closed_at = closed.then_some(closes_at);
        // About 0.5 % of closed conversations lose their close_reason on the way.
        let close_reason = match closed {
            true if rng.random::<f64>() < 0.005 => None,
            true => Some(reason),
            false => None,
        };

        // Ratings: prompted at (almost) every closure, except in the last month, where the
        // prompt only fires reliably after a resolved ending (trap 2).
        let prompt_p = match (self.month.is_last, reason) {
            (true, ENDING_RESOLVED) => 0.98,
            (true, _) => 0.50,
            (false, _) => 0.985,
        };
        let rating_prompted = closed && rng.random::<f64>() < prompt_p;
        let answered = rating_prompted && rng.random::<f64>() < 0.33;
        let ai_csat = (answered && ai).then(|| {
            let weights: [f64; 5] = match reason {
                ENDING_RESOLVED => [0.02, 0.03, 0.08 - 0.02 * p, 0.30, 0.57 + 0.02 * p],
                ENDING_USER_LEFT | ENDING_TIMEOUT => [0.22, 0.22, 0.24, 0.18, 0.14],
                _ => [0.08, 0.14, 0.30, 0.30, 0.18],
            };
            pick(rng, &weights) as i16 + 1
        });
        let human_csat = (answered && (handoff_at.is_some() || !ai))
            .then(|| pick(rng, &[0.03, 0.04, 0.08, 0.25, 0.60]) as i16 + 1);

        // Negative sentiment (0–1) from the ending; some conversations are not scored.
        let sentiment_milli = (rng.random::<f64>() >= 0.03).then(|| {
            let drift = -0.02 * p;
            let s = match (closed, reason) {
                (false, _) => rng.random_range(0.10..0.50),
                (_, ENDING_RESOLVED) => 0.04 + 0.30 * rng.random::<f64>().powf(1.5),
                (_, ENDING_USER_LEFT | ENDING_TIMEOUT) => {
                    if rng.random::<f64>() < 0.30 {
                        rng.random_range(0.50..0.95)
                    } else {
                        rng.random_range(0.15..0.50)
                    }
                }
                _ => rng.random_range(0.25..0.80),
            };
            (((s + drift).clamp(0.0, 1.0)) * 1000.0).round() as i32
        });

        Conversation {
            number,
            user,
            issue,
            channel,
            started_at,
            first_user_message_at,
            first_ai_reply_at,
            closed_at,
            close_reason,
            ai,
            handoff_at,
            handoff_initiator,
            rating_prompted,
            ai_csat,
            human_csat,
            sentiment_milli,
        }
    }

    /// Decides whether this primary conversation is followed by another one about the same
    /// issue: within 24 h (a return; more likely after a give-up ending) or days later.
    fn promise_follow_up(&mut self, conv: &Conversation) {
        let p = self.month.progress;
        // Return propensity per primary, so that returns/total eases from ~11.5 % to ~10 %,
        // then drops to ~8.5 % in the last month, clearly enough that even a small sample
        // shows it falling (each follow-up takes a slot too: rate = q / (1 + q + late);
        // give-up endings weigh more, and chance repeats add ~0.5 point).
        let target = 0.108 - 0.018 * p - if self.month.is_last { 0.008 } else { 0.0 };
        let late = 0.04;
        let q = target * (1.0 + late) / (1.0 - target);
        let weight = match conv.close_reason {
            Some(ENDING_USER_LEFT) | Some(ENDING_TIMEOUT) => 1.9,
            Some(ENDING_RESOLVED) => 0.7,
            _ => 1.0,
        };
        self.return_budget += q * weight;
        self.late_budget += late;
        let rng = &mut self.rng;
        let channel = if rng.random::<f64>() < 0.8 {
            conv.channel
        } else {
            rng.random_range(0..CHANNELS.len())
        };
        let anchor = conv
            .closed_at
            .unwrap_or(conv.started_at)
            .max(conv.started_at);
        let started_at = if self.return_budget >= 1.0 {
            self.return_budget -= 1.0;
            // Within the 24 h return window, never at its very edge.
            anchor
                + rng.random_range(2 * MICROS_PER_MIN..(23 * MICROS_PER_HOUR + 50 * MICROS_PER_MIN))
        } else if self.late_budget >= 1.0 {
            self.late_budget -= 1.0;
            anchor + rng.random_range(26 * MICROS_PER_HOUR..6 * 24 * MICROS_PER_HOUR)
        } else {
            return;
        };
        self.pending = Some(FollowUp {
            user: conv.user,
            issue: conv.issue,
            channel,
            started_at,
        });
    }
}

/// A few rows per month break the contract, so data-quality notes have something to count:
/// at most 1 in 5,000 conversations, at least one of each kind per month.
fn break_contract(kind: u64, conv: &mut Conversation) {
    match kind {
        0 => conv.ai_csat = Some(7),
        1 => conv.sentiment_milli = Some(1_400),
        2 => match conv.first_user_message_at {
            Some(fum) => conv.first_ai_reply_at = Some(fum - 1_500_000),
            None => conv.ai_csat = Some(7),
        },
        _ => match conv.closed_at {
            Some(_) => conv.closed_at = Some(conv.started_at - 10 * MICROS_PER_MIN),
            None => conv.sentiment_milli = Some(1_400),
        },
    }
}

impl Conversation {
    fn write_csv(&self, buf: &mut String) {
        let _ = write!(buf, "c{:010},u{:07},", self.number, self.user);
        if let Some(issue) = self.issue {
            buf.push_str(ISSUES[issue]);
        }
        buf.push(',');
        buf.push_str(CHANNELS[self.channel]);
        buf.push(',');
        write_ts(buf, self.started_at);
        buf.push(',');
        write_opt_ts(buf, self.first_user_message_at);
        buf.push(',');
        write_opt_ts(buf, self.first_ai_reply_at);
        buf.push(',');
        write_opt_ts(buf, self.closed_at);
        buf.push(',');
        buf.push_str(self.close_reason.unwrap_or(""));
        buf.push(',');
        buf.push_str(if self.ai { "t" } else { "f" });
        buf.push(',');
        write_opt_ts(buf, self.handoff_at);
        buf.push(',');
        buf.push_str(self.handoff_initiator.unwrap_or(""));
        buf.push(',');
        buf.push_str(if self.rating_prompted { "t" } else { "f" });
        buf.push(',');
        if let Some(v) = self.ai_csat {
            let _ = write!(buf, "{v}");
        }
        buf.push(',');
        if let Some(v) = self.human_csat {
            let _ = write!(buf, "{v}");
        }
        buf.push(',');
        if let Some(m) = self.sentiment_milli {
            let _ = write!(buf, "{}.{:03}", m / 1000, m % 1000);
        }
        buf.push('\n');
    }
}

struct LlmCall {
    at: i64,
    conversation: Option<u64>,
    model: &'static str,
    prompt_tokens: i64,
    completion_tokens: i64,
    /// Cost in 1e-9 of the report currency.
    cost_nanos: i64,
}

impl LlmCall {
    fn write_csv(&self, id: i64, buf: &mut String) {
        let _ = write!(buf, "{id},");
        write_ts(buf, self.at);
        buf.push(',');
        if let Some(c) = self.conversation {
            let _ = write!(buf, "c{c:010}");
        }
        let _ = writeln!(
            buf,
            ",{},{},{},{}.{:09}",
            self.model,
            self.prompt_tokens,
            self.completion_tokens,
            self.cost_nanos / 1_000_000_000,
            self.cost_nanos % 1_000_000_000
        );
    }
}

struct ReplyEdit {
    conversation: u64,
    edited_at: i64,
    fed_back_at: Option<i64>,
}

impl ReplyEdit {
    fn write_csv(&self, id: i64, buf: &mut String) {
        let _ = write!(buf, "{id},c{:010},", self.conversation);
        write_ts(buf, self.edited_at);
        buf.push(',');
        write_opt_ts(buf, self.fed_back_at);
        buf.push('\n');
    }
}

fn write_opt_ts(buf: &mut String, t: Option<i64>) {
    if let Some(t) = t {
        write_ts(buf, t);
    }
}

/// Writes microseconds since the epoch as a UTC timestamptz literal
/// (`2026-10-01 12:34:56.123456+00`), without chrono's format parser (hot path).
fn write_ts(buf: &mut String, micros: i64) {
    let secs = micros.div_euclid(MICROS_PER_SEC);
    let frac = micros.rem_euclid(MICROS_PER_SEC);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let _ = write!(
        buf,
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{frac:06}+00",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    );
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_written_like_chrono_would() {
        for t in [0_i64, 1_790_000_000_123_456, 951_782_400_000_001, -1] {
            let mut buf = String::new();
            write_ts(&mut buf, t);
            let expected = Utc
                .timestamp_micros(t)
                .single()
                .map(|d| d.format("%Y-%m-%d %H:%M:%S%.6f+00").to_string());
            assert_eq!(Some(buf), expected);
        }
    }

    #[test]
    fn the_stream_is_reproducible_and_fills_its_slots() {
        let opts = SeedOptions {
            end_month: Month::new(2026, 10).unwrap(),
            months: 2,
            conversations_per_month: 400,
            seed: 7,
            tz: chrono_tz::UTC,
            append: false,
        };
        let plan = Plan::new(&opts, 0);
        let render = |plan: &Plan| {
            let mut buf = String::new();
            for m in &plan.months {
                for c in plan.conversations(m) {
                    c.write_csv(&mut buf);
                }
            }
            buf
        };
        let a = render(&plan);
        assert_eq!(a, render(&Plan::new(&opts, 0)));
        let rows = a.lines().count();
        assert!((790..=800).contains(&rows), "{rows}");
    }
}
