//! The review: aggregates in, [`Review`] out. Pure code — no I/O, no SQL, no templates.
//!
//! The review is computed once per run; every output (JSON, HTML, Markdown, charts,
//! email) renders this one value. Values are decided exactly (see [`exact`]) and carried
//! as unrounded `f64` for output; only renderers round.

pub mod annotations;
pub mod caveats;
pub mod drivers;
pub mod endings;
pub mod exact;
pub mod ledger;
pub mod metrics;
pub mod noise;
pub mod not_measured;
pub mod quality;
pub mod segments;
pub mod settings;
pub mod status;
pub mod target;
pub mod traps;
pub mod workload;

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::aggregates::{Aggregates, MonthAggregates, SourceInfo};
use crate::period::Month;
use exact::Exact;
use metrics::{CostComponents, Direction, MetricId, Unit};
use quality::DataQuality;
use settings::{ReviewSettings, Target};
use status::{Movement, Status};
use traps::{TrapId, Traps};

pub use annotations::Annotation;
pub use caveats::{Caveat, ReadWithCare};
pub use drivers::{ChannelDriver, Driver, DRIVER_METRICS};
pub use endings::{DeflectionByEnding, EndingShare};
pub use ledger::{CountedAs, LedgerEntry};
pub use noise::{Interval, Significance};
pub use segments::{ChannelSegment, IssueSegment, SegmentMetric, Segments, SEGMENT_METRICS};
pub use workload::{Figure, Savings, Workload};

/// Version of the `report.json` format; bumped on any incompatible change.
pub const REPORT_SCHEMA_VERSION: u32 = 2;

/// The monthly business review: what `report.json` holds and every format renders.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Review {
    pub schema_version: u32,
    /// The report month.
    pub month: Month,
    /// Rendered from the sample shipped with aikpi, not from a real operation.
    pub sample: bool,
    /// The report currency code.
    pub currency: String,
    pub provenance: Provenance,
    pub summary: Summary,
    /// SPEC §7.1: the conversations of the month against the month before.
    pub volume: Figure,
    /// SPEC §7.2: the deflected conversations by ending, as shares of all conversations.
    pub deflection_by_ending: DeflectionByEnding,
    /// Every metric id of the framework, in report order.
    pub metrics: BTreeMap<MetricId, MetricReport>,
    /// Handoffs by initiator, as fractions of all conversations.
    pub handoff_by_initiator: HandoffSplit,
    pub cost_breakdown: CostBreakdown,
    pub traps: Traps,
    pub trend: Trend,
    pub data_quality: DataQuality,
    pub settling: Settling,
    /// Conversations by channel in the report month, largest first.
    pub channels: Vec<ChannelShare>,
    /// SPEC §6.2: the metrics by channel and for the top issue keys.
    pub segments: Segments,
    /// SPEC §6.3: the change of each of [`DRIVER_METRICS`] split into channel mix and
    /// rate within channels; `None` (JSON null) when either month has no conversations.
    pub drivers: BTreeMap<MetricId, Option<Driver>>,
    /// SPEC §6.4: human workload and cost per resolution.
    pub workload: Workload,
    /// SPEC §6.5: every configured annotation, by date.
    pub annotations: Vec<Annotation>,
}

/// How the report was made.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Provenance {
    /// aikpi's version.
    pub tool_version: String,
    /// When the report was generated (the run's clock).
    pub generated_at: DateTime<Utc>,
    /// When the aggregates were read from the source.
    pub read_at: DateTime<Utc>,
    pub source_kind: String,
    /// The data source, password redacted.
    pub source: String,
    pub source_note: Option<String>,
    pub schema: String,
    pub time_zone: String,
    /// The language the outputs are written in (BCP 47: `en`, `zh-CN`); keys and ids
    /// stay English whatever it is.
    pub language: String,
    /// The report month's first instant (inclusive).
    pub month_starts_at: DateTime<Utc>,
    /// The next month's first instant (exclusive).
    pub month_ends_at: DateTime<Utc>,
    /// Rows read for the report month.
    pub row_counts: RowCounts,
}

/// Rows of each relation in the report month.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct RowCounts {
    pub conversations: i64,
    pub llm_usage: i64,
    pub cost_ledger: i64,
    pub kb_evals: i64,
    pub reply_edits: i64,
}

/// One metric of the report month.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct MetricReport {
    pub id: MetricId,
    /// Layer number 1–4.
    pub layer: u8,
    pub value: Option<f64>,
    pub previous: Option<f64>,
    /// value − previous.
    pub delta_abs: Option<f64>,
    /// delta_abs / |previous|; null when previous is null or 0.
    pub delta_rel: Option<f64>,
    pub status: Status,
    /// Better, worse or flat compared with the previous month (null without both values).
    pub movement: Option<Movement>,
    pub direction: Direction,
    pub target: TargetReport,
    pub unit: Unit,
    /// Counted among the framework's 12 (false for FRT p50).
    pub counted: bool,
    /// SPEC §6.1: is the change since the previous month bigger than chance?
    pub significance: Significance,
    /// SPEC §6.1: the report month's confidence interval; null without a test or data.
    pub interval: Option<Interval>,
    /// SPEC §6.1: the report month's n (denominator, or values averaged); null when 0.
    pub sample_size: Option<i64>,
    /// SPEC §7.3: why the month-over-month comparison cannot be trusted (`[]` when it can).
    pub caveats: Vec<Caveat>,
}

/// A target as configured.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct TargetReport {
    /// `above`, `below`, `range` or `lower_than_previous`.
    pub kind: String,
    /// The threshold of `above`/`below`.
    pub threshold: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// The change below which a `lower_than_previous` move counts as flat.
    pub tolerance: Option<f64>,
    /// As written in config, e.g. "> 0.95".
    pub text: String,
}

/// The executive summary.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Summary {
    /// Metrics (of the 12) that met their target.
    pub met: usize,
    pub missed: usize,
    pub no_data: usize,
    /// Metrics (of the 12) whose relation the configuration declares absent; not in
    /// `counted`.
    pub not_measured: usize,
    /// The metrics measured of the 12: 12 less `not_measured`.
    pub counted: usize,
    /// The biggest moves for the better, largest relative change first (at most 3);
    /// never a move within noise or with caveats.
    pub better_moves: Vec<Move>,
    /// The biggest moves for the worse, likewise.
    pub worse_moves: Vec<Move>,
    /// SPEC §7.3: every metric with caveats, in metric order.
    pub read_with_care: Vec<ReadWithCare>,
    /// Ids of the triggered traps, in report order.
    pub triggered_traps: Vec<TrapId>,
}

/// One month-over-month move.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Move {
    pub id: MetricId,
    pub value: Option<f64>,
    pub previous: Option<f64>,
    pub delta_abs: f64,
    pub delta_rel: f64,
}

/// Handoffs by initiator / all conversations.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct HandoffSplit {
    pub ai: Option<f64>,
    pub user: Option<f64>,
}

/// Cost of the report month, LLM as its own line (trap 3).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CostBreakdown {
    /// Metered LLM cost.
    pub llm: f64,
    /// Booked infra categories.
    pub infra: f64,
    /// Booked labor categories.
    pub labor: f64,
    pub total: f64,
    /// Metered LLM cost of background jobs (no conversation), included in `llm`.
    pub llm_background: f64,
    /// A configured infra/labor ledger line is missing (counted as 0); finance may book later.
    pub provisional: bool,
    /// The configured categories with no ledger line.
    pub missing_categories: Vec<String>,
    /// Metered LLM cost by model, largest first.
    pub llm_by_model: Vec<ModelCost>,
    /// SPEC §7.4: every category booked for the month or the month before, and how the
    /// cost counts it.
    pub ledger: Vec<LedgerEntry>,
    /// SPEC §7.4: every amount booked for the month, all categories (not the cost total);
    /// null when nothing is booked.
    pub ledger_total: Option<f64>,
}

/// One model's metered cost.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ModelCost {
    pub model: String,
    pub calls: i64,
    pub cost: f64,
}

/// The trend window for charts: values per month, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Trend {
    pub months: Vec<Month>,
    /// One value per month per metric id; null where a month has no data.
    pub series: BTreeMap<MetricId, Vec<Option<f64>>>,
    /// Cost components per month.
    pub cost: Vec<CostPoint>,
}

/// One month's cost components.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CostPoint {
    pub month: Month,
    /// False when the month has no conversations, usage or ledger lines at all.
    pub has_data: bool,
    pub llm: f64,
    pub infra: f64,
    pub labor: f64,
    pub provisional: bool,
}

/// Whether the month's numbers can still move.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Settling {
    /// Any of the reasons below holds.
    pub provisional: bool,
    /// Conversations of the month still open when the data was read.
    pub open_conversations: i64,
    /// The data was read less than 24 h after the month ended (returns still settling).
    pub within_24h_of_month_end: bool,
    /// The data was read before the month ended.
    pub partial_month: bool,
    /// One note per reason, in the order the outputs show them.
    pub notes: Vec<SettlingNote>,
}

/// Why a month's numbers can still move (the presentation words each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SettlingNote {
    /// The data was read before the month ended.
    PartialMonth,
    /// The data was read less than 24 h after the month ended: returns still settling.
    ReadWithin24h,
    /// Conversations of the month were still open (`open_conversations` of them).
    OpenConversations,
}

/// A channel's conversations in the report month.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ChannelShare {
    pub channel: String,
    pub conversations: i64,
    pub share: f64,
}

/// What the run knows that the aggregates don't.
#[derive(Debug, Clone)]
pub struct ReviewContext {
    /// The run's clock (injected so outputs are reproducible in tests).
    pub generated_at: DateTime<Utc>,
    /// The aggregates are the shipped sample.
    pub sample: bool,
    /// The language tag of the outputs, recorded in the provenance.
    pub language: String,
}

/// Exact metric values and cost components of one month.
#[derive(Debug, Clone)]
pub struct MonthValues {
    values: BTreeMap<MetricId, Option<Exact>>,
    pub costs: CostComponents,
}

impl MonthValues {
    /// Computes every metric of a month.
    pub fn of(month: &MonthAggregates, settings: &ReviewSettings) -> Self {
        let costs = CostComponents::of(month, &settings.costs.infra, &settings.costs.labor);
        let values = MetricId::ALL
            .iter()
            .map(|id| (*id, metrics::value(*id, month, &costs)))
            .collect();
        Self { values, costs }
    }

    /// The exact value of a metric (`None` = no data).
    pub fn get(&self, id: MetricId) -> Option<&Exact> {
        self.values.get(&id).and_then(Option::as_ref)
    }
}

/// `Some(f64)` of an exact value.
pub(crate) fn opt_f64(x: Option<&Exact>) -> Option<f64> {
    x.map(exact::to_f64)
}

/// Why aggregates could not be reviewed.
pub use crate::aggregates::AggregatesError as ReviewError;

/// Computes the review of the last month in `aggregates`.
pub fn review(
    aggregates: &Aggregates,
    settings: &ReviewSettings,
    context: &ReviewContext,
) -> Result<Review, ReviewError> {
    aggregates.validate()?;
    let months = &aggregates.months;
    let month = months.last().ok_or(ReviewError::NoMonths)?;
    let all_values: Vec<MonthValues> = months
        .iter()
        .map(|m| MonthValues::of(m, settings))
        .collect();
    let current = all_values.last().ok_or(ReviewError::NoMonths)?;
    let previous = (all_values.len() >= 2).then(|| &all_values[all_values.len() - 2]);
    let previous_month = (months.len() >= 2).then(|| &months[months.len() - 2]);

    let mut metric_reports: BTreeMap<MetricId, MetricReport> = MetricId::ALL
        .iter()
        .map(|&id| {
            let noise = noise::assess(id, month, previous_month, settings.significance_level);
            (id, metric_report(id, current, previous, noise, settings))
        })
        .collect();
    not_measured::mark(&mut metric_reports, &aggregates.absent_relations);

    let traps = traps::judge(
        month,
        current,
        previous,
        metric_reports[&MetricId::ReturnRate24h].status,
        settings,
    );
    let cost_breakdown = cost_breakdown(month, previous_month, &current.costs, settings);
    let caveats = caveats::CaveatFacts::of(
        &traps,
        month,
        previous_month,
        cost_breakdown.provisional,
        &settings.traps.prompt_change_max,
    );
    for (id, report) in metric_reports.iter_mut() {
        report.caveats = caveats.of_metric(*id);
    }
    let summary = summarize(&metric_reports, &traps);
    let c = &month.conversations;
    let trend = trend(&months[..], &all_values, settings.trend_months);

    Ok(Review {
        schema_version: REPORT_SCHEMA_VERSION,
        month: month.month,
        sample: context.sample,
        currency: settings.currency.clone(),
        provenance: provenance(aggregates, month, context),
        summary,
        volume: workload::volume(month, previous_month),
        deflection_by_ending: endings::deflection_by_ending(month, previous_month),
        metrics: metric_reports,
        handoff_by_initiator: HandoffSplit {
            ai: opt_f64(exact::ratio(c.handoffs.by_ai, c.total).as_ref()),
            user: opt_f64(exact::ratio(c.handoffs.by_user, c.total).as_ref()),
        },
        cost_breakdown,
        traps,
        annotations: annotations::annotations(&settings.annotations, &trend.months),
        trend,
        data_quality: quality::assess(month),
        settling: settling(month, aggregates.read_at),
        channels: channels(month),
        segments: segments::segments(
            month,
            previous_month,
            settings.top_issues,
            settings.max_channels,
        ),
        drivers: DRIVER_METRICS
            .iter()
            .map(|&id| {
                (
                    id,
                    drivers::driver(id, month, previous_month, settings.max_channels),
                )
            })
            .collect(),
        workload: workload::workload(
            (month, current),
            previous_month.zip(previous),
            &settings.costs.labor,
        ),
    })
}

fn metric_report(
    id: MetricId,
    current: &MonthValues,
    previous: Option<&MonthValues>,
    noise: noise::Assessment,
    settings: &ReviewSettings,
) -> MetricReport {
    let target = settings.target(id);
    let tolerance = settings.tolerance(id);
    let value = current.get(id);
    let prev = previous.and_then(|p| p.get(id));
    let (delta_abs, delta_rel) = status::deltas(value, prev);
    MetricReport {
        id,
        layer: id.layer().number(),
        value: opt_f64(value),
        previous: opt_f64(prev),
        delta_abs: opt_f64(delta_abs.as_ref()),
        delta_rel: opt_f64(delta_rel.as_ref()),
        status: status::status(&target, value, prev, &tolerance),
        movement: status::movement(id.direction(), &target, value, prev, &tolerance),
        direction: id.direction(),
        target: target_report(&target, &tolerance),
        unit: id.unit(),
        counted: id.counts_toward_twelve(),
        significance: noise.significance,
        interval: noise.interval,
        sample_size: noise.sample_size,
        // Filled in once the traps are judged.
        caveats: Vec::new(),
    }
}

fn target_report(target: &Target, tolerance: &Exact) -> TargetReport {
    let f = |x: &Exact| Some(exact::to_f64(x));
    let (kind, threshold, min, max, tol) = match target {
        Target::Above(t) => ("above", f(t), None, None, None),
        Target::Below(t) => ("below", f(t), None, None, None),
        Target::Range { min, max } => ("range", None, f(min), f(max), None),
        Target::LowerThanPrevious => ("lower_than_previous", None, None, None, f(tolerance)),
    };
    TargetReport {
        kind: kind.to_string(),
        threshold,
        min,
        max,
        tolerance: tol,
        text: target.to_string(),
    }
}

fn summarize(metrics: &BTreeMap<MetricId, MetricReport>, traps: &Traps) -> Summary {
    let counted: Vec<&MetricReport> = metrics
        .values()
        .filter(|m| m.counted && m.status != Status::NotMeasured)
        .collect();
    let not_measured = metrics
        .values()
        .filter(|m| m.counted && m.status == Status::NotMeasured)
        .count();
    let count = |s: Status| counted.iter().filter(|m| m.status == s).count();
    let moves = |wanted: Movement| {
        let mut moves: Vec<Move> = counted
            .iter()
            .filter(|m| m.movement == Some(wanted))
            // SPEC §6.1: chance is not news; §7.3: nor is a comparison that cannot be
            // trusted (the callout says why).
            .filter(|m| m.significance != Significance::WithinNoise)
            .filter(|m| m.caveats.is_empty())
            .filter_map(|m| {
                Some(Move {
                    id: m.id,
                    value: m.value,
                    previous: m.previous,
                    delta_abs: m.delta_abs?,
                    delta_rel: m.delta_rel?,
                })
            })
            .collect();
        moves.sort_by(|a, b| {
            b.delta_rel
                .abs()
                .total_cmp(&a.delta_rel.abs())
                .then(a.id.cmp(&b.id))
        });
        moves.truncate(3);
        moves
    };
    Summary {
        met: count(Status::Met),
        missed: count(Status::Missed),
        no_data: count(Status::NoData),
        not_measured,
        counted: counted.len(),
        better_moves: moves(Movement::Better),
        worse_moves: moves(Movement::Worse),
        read_with_care: metrics
            .values()
            .filter(|m| !m.caveats.is_empty())
            .map(|m| ReadWithCare {
                id: m.id,
                caveats: m.caveats.clone(),
            })
            .collect(),
        triggered_traps: traps.triggered_ids(),
    }
}

fn provenance(
    aggregates: &Aggregates,
    month: &MonthAggregates,
    context: &ReviewContext,
) -> Provenance {
    let SourceInfo {
        kind,
        location,
        schema,
        note,
    } = aggregates.source.clone();
    Provenance {
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        generated_at: context.generated_at,
        read_at: aggregates.read_at,
        source_kind: kind,
        source: location,
        source_note: note,
        schema,
        time_zone: aggregates.time_zone.clone(),
        language: context.language.clone(),
        month_starts_at: month.starts_at,
        month_ends_at: month.ends_at,
        row_counts: RowCounts {
            conversations: month.conversations.total,
            llm_usage: month.llm_usage.calls,
            cost_ledger: month.ledger.len() as i64,
            kb_evals: month.kb_evals.evaluated,
            reply_edits: month.reply_edits.edited,
        },
    }
}

fn cost_breakdown(
    month: &MonthAggregates,
    previous: Option<&MonthAggregates>,
    costs: &CostComponents,
    settings: &ReviewSettings,
) -> CostBreakdown {
    let mut by_model: Vec<ModelCost> = month
        .llm_usage
        .by_model
        .iter()
        .map(|m| ModelCost {
            model: m.model.clone(),
            calls: m.calls,
            cost: exact::to_f64(&exact::big_decimal(&m.cost)),
        })
        .collect();
    by_model.sort_by(|a, b| {
        b.cost
            .total_cmp(&a.cost)
            .then_with(|| a.model.cmp(&b.model))
    });
    CostBreakdown {
        llm: exact::to_f64(&costs.llm),
        infra: exact::to_f64(&costs.infra),
        labor: exact::to_f64(&costs.labor),
        total: exact::to_f64(&costs.total()),
        llm_background: exact::to_f64(&exact::big_decimal(&month.llm_usage.background_cost)),
        provisional: !costs.missing_categories.is_empty(),
        missing_categories: costs.missing_categories.clone(),
        llm_by_model: by_model,
        ledger: ledger::ledger(month, previous, &settings.costs),
        ledger_total: ledger::ledger_total(month),
    }
}

fn trend(months: &[MonthAggregates], values: &[MonthValues], trend_months: usize) -> Trend {
    let skip = months.len().saturating_sub(trend_months.max(1));
    let window = &months[skip..];
    let window_values = &values[skip..];
    let series = MetricId::ALL
        .iter()
        .map(|&id| {
            (
                id,
                window_values.iter().map(|v| opt_f64(v.get(id))).collect(),
            )
        })
        .collect();
    let cost = window
        .iter()
        .zip(window_values)
        .map(|(m, v)| CostPoint {
            month: m.month,
            has_data: m.conversations.total > 0 || m.llm_usage.calls > 0 || !m.ledger.is_empty(),
            llm: exact::to_f64(&v.costs.llm),
            infra: exact::to_f64(&v.costs.infra),
            labor: exact::to_f64(&v.costs.labor),
            provisional: !v.costs.missing_categories.is_empty(),
        })
        .collect();
    Trend {
        months: window.iter().map(|m| m.month).collect(),
        series,
        cost,
    }
}

fn settling(month: &MonthAggregates, read_at: DateTime<Utc>) -> Settling {
    let open = month.conversations.open;
    let partial_month = read_at < month.ends_at;
    let within_24h = !partial_month && read_at < month.ends_at + Duration::hours(24);
    let mut notes = Vec::new();
    if partial_month {
        notes.push(SettlingNote::PartialMonth);
    } else if within_24h {
        notes.push(SettlingNote::ReadWithin24h);
    }
    if open > 0 {
        notes.push(SettlingNote::OpenConversations);
    }
    Settling {
        provisional: partial_month || within_24h || open > 0,
        open_conversations: open,
        within_24h_of_month_end: within_24h,
        partial_month,
        notes,
    }
}

fn channels(month: &MonthAggregates) -> Vec<ChannelShare> {
    let total = month.conversations.total;
    let mut channels: Vec<ChannelShare> = month
        .conversations
        .channels
        .iter()
        .map(|(channel, &n)| ChannelShare {
            channel: channel.clone(),
            conversations: n,
            share: if total > 0 {
                n as f64 / total as f64
            } else {
                0.0
            },
        })
        .collect();
    channels.sort_by(|a, b| {
        b.conversations
            .cmp(&a.conversations)
            .then_with(|| a.channel.cmp(&b.channel))
    });
    channels
}
