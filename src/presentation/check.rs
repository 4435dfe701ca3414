//! The words of `aikpi check` (one table per language, like [`super::words`]) and the
//! readable summary it prints: the verdict, then each finding with its fix, the rows per
//! month, and whether the rollup applies.
//!
//! A phrase's blanks are filled by [`fill`]: `{relation}`, `{column}`, `{count}`,
//! `{found}`, `{expected}`, `{fix}` (a statement or command, shown as code), `{month}`,
//! `{tz}`, `{schema}`.

use super::words::fill;
use super::Language;
use crate::check::{CheckResult, Finding, Problem, RelationState, RollupState, Severity, Verdict};

macro_rules! check_words {
    ($($name:ident,)*) => {
        /// Every phrase of `aikpi check`, in one language.
        #[derive(Debug)]
        pub struct CheckWords {
            $(
                #[allow(missing_docs)]
                pub $name: &'static str,
            )*
        }

        impl CheckWords {
            /// Every phrase as (field name, text), in declaration order.
            pub fn entries(&self) -> Vec<(&'static str, &'static str)> {
                vec![$((stringify!($name), self.$name),)*]
            }
        }
    };
}

check_words! {
    title,
    verdict_ready,
    verdict_warnings,
    verdict_not_ready,
    heading_blockers,
    heading_warnings,
    heading_notes,
    fix_label,
    heading_rows,
    rows_later,
    rows_latest,
    rows_latest_month,
    rows_not_checked,
    state_missing,
    state_not_readable,
    state_declared_absent,
    rollup_available,
    rollup_needs_migrate,
    rollup_not_applicable,
    p_schema_missing,
    f_schema_missing,
    p_relation_missing,
    f_relation_missing,
    f_relation_missing_optional,
    p_relation_not_readable,
    f_relation_not_readable,
    p_relation_declared_absent,
    p_column_missing,
    f_column_missing,
    p_column_wrong_type,
    f_column_wrong_type,
    p_null_in_required_column,
    f_null_in_required_column,
    p_rating_out_of_range,
    f_rating_out_of_range,
    p_sentiment_out_of_range,
    f_sentiment_out_of_range,
    p_unknown_close_reason,
    p_unknown_handoff_initiator,
    f_map_values,
    p_handoff_without_initiator,
    f_handoff_without_initiator,
    p_initiator_without_handoff,
    f_initiator_without_handoff,
    p_closed_without_reason,
    f_closed_without_reason,
    p_closed_before_started,
    p_reply_before_message,
    f_time_zones,
    p_duplicate_ids,
    f_duplicate_ids,
    p_duplicate_ledger_keys,
    f_duplicate_ledger_keys,
    p_ledger_month_not_first_day,
    f_ledger_month_not_first_day,
    p_no_conversations_in_month,
    f_no_conversations_in_month,
    f_no_conversations_at_all,
    p_no_rows_in_month,
    f_no_rows_in_month,
    f_no_rows_in_month_optional,
    p_ledger_not_booked,
    f_ledger_not_booked,
    p_open_conversations,
    f_open_conversations,
    p_month_not_over,
    f_month_not_over,
    p_index_missing,
    p_table_needs_vacuum,
    f_run,
    p_unclassified_conversations,
    kind_table,
    kind_view,
    kind_materialized_view,
    kind_partitioned_table,
    kind_foreign_table,
}

/// The English table.
pub const EN: CheckWords = CheckWords {
    title: "aikpi check: schema {schema}, report month {month} (time zone {tz}); a report reads {first} to {last}.",
    verdict_ready: "Ready: a report can run, and nothing looks wrong.",
    verdict_warnings: "Ready with warnings: a report can run, but read the {count} warning(s) below: its numbers may be wrong, provisional or slow to get.",
    verdict_not_ready: "Not ready: a report cannot run until the {count} problem(s) below are fixed.",
    heading_blockers: "Stops the report",
    heading_warnings: "Warnings",
    heading_notes: "Notes",
    fix_label: "Fix: {fix}",
    heading_rows: "Rows per month",
    rows_later: "later",
    rows_latest: "latest {at}",
    rows_latest_month: "latest month booked {month}",
    rows_not_checked: "rows not checked",
    state_missing: "missing",
    state_not_readable: "not readable",
    state_declared_absent: "declared absent",
    rollup_available: "Rollup: applies. Once a month has closed, `aikpi rollup --schema {schema}` stores it and later reports read only the newer months.",
    rollup_needs_migrate: "Rollup: not yet. conversations and llm_usage are tables, but the rollup's change log is missing: run `aikpi migrate --schema {schema}`, then `aikpi rollup`.",
    rollup_not_applicable: "Rollup: does not apply (conversations or llm_usage is a view, a partitioned or a foreign table, or missing); reports read every month from the relations.",
    p_schema_missing: "The schema {schema} does not exist in this database.",
    f_schema_missing: "pass the schema that holds the five relations with --schema, or create them with `{fix}`.",
    p_relation_missing: "{relation} is missing from schema {schema}.",
    f_relation_missing: "create a view named {relation} over your tables (README, “On your own data”; `aikpi mapping` prints ready ones), or create the tables with `{fix}`.",
    f_relation_missing_optional: "create a view named {relation} over your tables or, if your team does not collect it, declare it in the config file under [contract]: `{fix}` (its metric is then reported as not measured).",
    p_relation_not_readable: "{relation} exists, but this role may not read it.",
    f_relation_not_readable: "grant it, and SELECT on the tables behind a view: `{fix}`",
    p_relation_declared_absent: "{relation} is declared absent in the config file ([contract] {fix}): it is not read, and its metric is reported as not measured.",
    p_column_missing: "{relation} has no column {column} (the contract needs {expected}).",
    f_column_missing: "add it to the view under that name: `{fix}`.",
    p_column_wrong_type: "{relation}.{column} has type {found}; the contract needs {expected}.",
    f_column_wrong_type: "cast it in the view: `{fix}`.",
    p_null_in_required_column: "{relation}.{column} is NULL in {count} row(s) of the window, though the contract requires a value: the numbers that use it may be wrong.",
    f_null_in_required_column: "fill it in the view (COALESCE) or leave such rows out: `{fix}`.",
    p_rating_out_of_range: "{relation}.{column} is outside 1–5 in {count} row(s) of the window: those ratings are left out of CSAT and counted as data quality.",
    f_rating_out_of_range: "map your scale onto 1–5 in the view, or leave the others out: `{fix}`.",
    p_sentiment_out_of_range: "{relation}.{column} is outside 0–1 in {count} row(s) of the window: those scores are left out of negative sentiment.",
    f_sentiment_out_of_range: "rescale it to 0–1 in the view, or leave the others out: `{fix}`.",
    p_unknown_close_reason: "{relation}.{column} holds a value the contract does not know in {count} row(s) of the window: those endings count as unknown.",
    p_unknown_handoff_initiator: "{relation}.{column} holds a value the contract does not know in {count} row(s) of the window: those handoffs are in neither the AI nor the user split.",
    f_map_values: "map your values onto the contract's in the view: `{fix}`.",
    p_handoff_without_initiator: "{count} handoff(s) of the window have no handoff_initiator: they count as handoffs, but in neither the AI nor the user split (a data-quality note).",
    f_handoff_without_initiator: "if your source says who asked for the human, set it in the view: `{fix}`; if it cannot, leave it NULL and read the split with care.",
    p_initiator_without_handoff: "{count} row(s) of the window have a handoff_initiator but no handoff_at (the contract sets both or neither).",
    f_initiator_without_handoff: "clear it in the view: `{fix}`.",
    p_closed_without_reason: "{count} closed conversation(s) of the window have no close_reason: their ending counts as unknown.",
    f_closed_without_reason: "set the ending in the view, e.g. `{fix}`.",
    p_closed_before_started: "{count} conversation(s) of the window closed before they started: they are left out of AHT (data quality).",
    p_reply_before_message: "{count} conversation(s) of the window have the AI's first reply before the user's first message: they are left out of FRT (data quality).",
    f_time_zones: "usually a time zone mix-up: make both columns timestamptz read in the same zone: `{fix}`.",
    p_duplicate_ids: "{relation}: {count} row(s) of the window repeat an id that another row has: every count counts them again.",
    f_duplicate_ids: "make the view return one row per id (a join that fans out is the usual cause): `{fix}`.",
    p_duplicate_ledger_keys: "cost_ledger: {count} row(s) repeat a month and category that another row has.",
    f_duplicate_ledger_keys: "book one line per month and category: `{fix}`.",
    p_ledger_month_not_first_day: "cost_ledger: {count} row(s) have a month that is not the first day of a month: the report never matches them.",
    f_ledger_month_not_first_day: "store the first day of the month in the view: `{fix}`.",
    p_no_conversations_in_month: "conversations has no rows in {month} (time zone {tz}): the report stops, so that a wrong --month, --schema or --tz never goes out as a report of zeros.",
    f_no_conversations_in_month: "the latest conversation is in another month: try `{fix}`, or check --schema and --tz.",
    f_no_conversations_at_all: "conversations is empty: load the data, or point the view at the tables that hold it.",
    p_no_rows_in_month: "{relation} has no rows in {month}: its metric has no data.",
    f_no_rows_in_month: "check that the month's rows are loaded.",
    f_no_rows_in_month_optional: "check that the month's rows are loaded or, if your team does not collect it, declare it under [contract]: `{fix}`.",
    p_ledger_not_booked: "cost_ledger has no line for {month}: the cost is provisional (counted as 0) until finance books it.",
    f_ledger_not_booked: "book the month's lines with month = {fix} (infra, labor and llm).",
    p_open_conversations: "{count} conversation(s) of {month} are still open: the report says it is provisional.",
    f_open_conversations: "nothing to fix; run the report again once they have closed.",
    p_month_not_over: "{month} has not ended yet in {tz}.",
    f_month_not_over: "report on it with `{fix}` (the report then says partial month), or pick an earlier --month.",
    p_index_missing: "{relation} has no index on ({column}): the report is slower (its numbers are the same).",
    p_table_needs_vacuum: "{relation} was bulk-loaded and not vacuumed or analysed since: the report is slower (its numbers are the same).",
    f_run: "run `{fix}`",
    p_unclassified_conversations: "{count} conversation(s) of {month} have no issue_key (unclassified): the report shows their share as a data-quality note.",
    kind_table: "table",
    kind_view: "view",
    kind_materialized_view: "materialized view",
    kind_partitioned_table: "partitioned table",
    kind_foreign_table: "foreign table",
};

/// The Simplified Chinese table.
pub const ZH_CN: CheckWords = CheckWords {
    title: "aikpi 检查：模式 {schema}，报告月份 {month}（时区 {tz}）；报告读取 {first} 至 {last}。",
    verdict_ready: "就绪：可以生成报告，未发现问题。",
    verdict_warnings: "就绪（有警告）：可以生成报告，但请阅读下面的 {count} 条警告：其数字可能有误、是临时的或读取较慢。",
    verdict_not_ready: "未就绪：修复下面 {count} 个问题之前无法生成报告。",
    heading_blockers: "阻止报告",
    heading_warnings: "警告",
    heading_notes: "说明",
    fix_label: "修复：{fix}",
    heading_rows: "每月行数",
    rows_later: "之后",
    rows_latest: "最新 {at}",
    rows_latest_month: "最新入账月份 {month}",
    rows_not_checked: "未检查行",
    state_missing: "缺失",
    state_not_readable: "不可读",
    state_declared_absent: "已声明不采集",
    rollup_available: "汇总：适用。月份结束后，`aikpi rollup --schema {schema}` 会保存该月，之后的报告只读取更新的月份。",
    rollup_needs_migrate: "汇总：尚未启用。conversations 和 llm_usage 是表，但缺少汇总的变更日志：先运行 `aikpi migrate --schema {schema}`，再运行 `aikpi rollup`。",
    rollup_not_applicable: "汇总：不适用（conversations 或 llm_usage 是视图、分区表、外部表或缺失）；报告每个月都从关系中读取。",
    p_schema_missing: "数据库中不存在模式 {schema}。",
    f_schema_missing: "用 --schema 指定存放五个关系的模式，或用 `{fix}` 创建它们。",
    p_relation_missing: "模式 {schema} 中缺少 {relation}。",
    f_relation_missing: "在您的表之上创建名为 {relation} 的视图（见 README“使用您自己的数据”；`aikpi mapping` 可输出现成的视图），或用 `{fix}` 创建表。",
    f_relation_missing_optional: "在您的表之上创建名为 {relation} 的视图；如果团队不采集这些数据，请在配置文件的 [contract] 中声明：`{fix}`（其指标将显示为未衡量）。",
    p_relation_not_readable: "{relation} 存在，但当前角色无权读取。",
    f_relation_not_readable: "授予读取权限（视图背后的表也需要 SELECT）：`{fix}`",
    p_relation_declared_absent: "配置文件声明不采集 {relation}（[contract] {fix}）：不读取它，其指标显示为未衡量。",
    p_column_missing: "{relation} 没有列 {column}（数据约定要求 {expected}）。",
    f_column_missing: "在视图中以该名称加入此列：`{fix}`。",
    p_column_wrong_type: "{relation}.{column} 的类型是 {found}；数据约定要求 {expected}。",
    f_column_wrong_type: "在视图中转换类型：`{fix}`。",
    p_null_in_required_column: "{relation}.{column} 在窗口内有 {count} 行为 NULL，但数据约定要求有值：使用它的数字可能有误。",
    f_null_in_required_column: "在视图中补全（COALESCE）或排除这些行：`{fix}`。",
    p_rating_out_of_range: "{relation}.{column} 在窗口内有 {count} 行超出 1–5：这些评分不计入 CSAT，并计为数据质量问题。",
    f_rating_out_of_range: "在视图中把您的评分刻度映射到 1–5，或排除其他值：`{fix}`。",
    p_sentiment_out_of_range: "{relation}.{column} 在窗口内有 {count} 行超出 0–1：这些分数不计入负面情绪。",
    f_sentiment_out_of_range: "在视图中把它缩放到 0–1，或排除其他值：`{fix}`。",
    p_unknown_close_reason: "{relation}.{column} 在窗口内有 {count} 行的取值不在数据约定之内：这些结束方式计为未知。",
    p_unknown_handoff_initiator: "{relation}.{column} 在窗口内有 {count} 行的取值不在数据约定之内：这些转人工既不计入 AI 发起，也不计入用户发起。",
    f_map_values: "在视图中把您的取值映射为约定的取值：`{fix}`。",
    p_handoff_without_initiator: "窗口内有 {count} 次转人工没有 handoff_initiator：它们计为转人工，但不计入 AI 或用户发起的拆分（数据质量说明）。",
    f_handoff_without_initiator: "如果数据源能说明是谁要求转人工，请在视图中设置：`{fix}`；否则保留 NULL，并谨慎解读该拆分。",
    p_initiator_without_handoff: "窗口内有 {count} 行有 handoff_initiator 但没有 handoff_at（数据约定要求两者同时有值或同时为空）。",
    f_initiator_without_handoff: "在视图中清除它：`{fix}`。",
    p_closed_without_reason: "窗口内有 {count} 个已关闭的会话没有 close_reason：其结束方式计为未知。",
    f_closed_without_reason: "在视图中设置结束方式，例如 `{fix}`。",
    p_closed_before_started: "窗口内有 {count} 个会话的关闭时间早于开始时间：它们不计入 AHT（数据质量）。",
    p_reply_before_message: "窗口内有 {count} 个会话中 AI 的首次回复早于用户的首条消息：它们不计入 FRT（数据质量）。",
    f_time_zones: "通常是时区混用：把两列都转换为按同一时区解读的 timestamptz：`{fix}`。",
    p_duplicate_ids: "{relation}：窗口内有 {count} 行重复了其他行的 id：每个计数都会重复计算它们。",
    f_duplicate_ids: "让视图每个 id 只返回一行（通常是连接导致行数膨胀）：`{fix}`。",
    p_duplicate_ledger_keys: "cost_ledger：有 {count} 行重复了其他行的月份和类别。",
    f_duplicate_ledger_keys: "每个月份和类别只入账一行：`{fix}`。",
    p_ledger_month_not_first_day: "cost_ledger：有 {count} 行的月份不是该月第一天：报告永远不会匹配到它们。",
    f_ledger_month_not_first_day: "在视图中保存该月第一天：`{fix}`。",
    p_no_conversations_in_month: "conversations 在 {month}（时区 {tz}）没有任何行：报告会停止，以免错误的 --month、--schema 或 --tz 生成一份全是零的报告。",
    f_no_conversations_in_month: "最新的会话在其他月份：试试 `{fix}`，或检查 --schema 和 --tz。",
    f_no_conversations_at_all: "conversations 为空：请加载数据，或让视图指向存放数据的表。",
    p_no_rows_in_month: "{relation} 在 {month} 没有任何行：其指标没有数据。",
    f_no_rows_in_month: "请检查该月的数据是否已加载。",
    f_no_rows_in_month_optional: "请检查该月的数据是否已加载；如果团队不采集这些数据，请在 [contract] 中声明：`{fix}`。",
    p_ledger_not_booked: "cost_ledger 没有 {month} 的记录：在财务入账之前，成本是临时的（按 0 计）。",
    f_ledger_not_booked: "以 month = {fix} 为该月入账（infra、labor 和 llm）。",
    p_open_conversations: "{month} 有 {count} 个会话仍未关闭：报告会注明为临时结果。",
    f_open_conversations: "无需修复；待它们关闭后再生成一次报告。",
    p_month_not_over: "在 {tz} 时区，{month} 尚未结束。",
    f_month_not_over: "用 `{fix}` 为其生成报告（报告会注明月份不完整），或选择更早的 --month。",
    p_index_missing: "{relation} 没有 ({column}) 上的索引：报告会更慢（数字不变）。",
    p_table_needs_vacuum: "{relation} 批量导入后尚未执行 VACUUM 或 ANALYZE：报告会更慢（数字不变）。",
    f_run: "运行 `{fix}`",
    p_unclassified_conversations: "{month} 有 {count} 个会话没有 issue_key（未分类）：报告会把它们的占比作为数据质量说明。",
    kind_table: "表",
    kind_view: "视图",
    kind_materialized_view: "物化视图",
    kind_partitioned_table: "分区表",
    kind_foreign_table: "外部表",
};

/// The table of `language`.
pub fn check_words(language: Language) -> &'static CheckWords {
    match language {
        Language::En => &EN,
        Language::ZhCn => &ZH_CN,
    }
}

/// The readable summary of a check: the verdict, the findings by severity with their
/// fixes, the rows per month and the rollup.
pub fn render_text(result: &CheckResult, language: Language) -> String {
    let w = check_words(language);
    let month = result.month.to_string();
    let first = result
        .window
        .first()
        .map(|m| m.to_string())
        .unwrap_or_default();
    let last = result
        .window
        .last()
        .map(|m| m.to_string())
        .unwrap_or_default();
    let mut out = String::new();
    out.push_str(&fill(
        w.title,
        &[
            ("schema", &result.schema),
            ("month", &month),
            ("tz", &result.time_zone),
            ("first", &first),
            ("last", &last),
        ],
    ));
    out.push_str("\n\n");
    let of = |s: Severity| result.findings.iter().filter(|f| f.severity == s).count();
    let verdict = match result.verdict {
        Verdict::Ready => w.verdict_ready.to_string(),
        Verdict::ReadyWithWarnings => fill(
            w.verdict_warnings,
            &[("count", &of(Severity::Warning).to_string())],
        ),
        Verdict::NotReady => fill(
            w.verdict_not_ready,
            &[("count", &of(Severity::Blocker).to_string())],
        ),
    };
    out.push_str(&verdict);
    out.push('\n');
    for (severity, heading, mark) in [
        (Severity::Blocker, w.heading_blockers, "✗"),
        (Severity::Warning, w.heading_warnings, "!"),
        (Severity::Note, w.heading_notes, "·"),
    ] {
        let found: Vec<&Finding> = result
            .findings
            .iter()
            .filter(|f| f.severity == severity)
            .collect();
        if found.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{heading}\n"));
        for finding in found {
            let (problem, fix) = describe(finding, result, w);
            out.push_str(&format!("  {mark} {problem}\n"));
            if let Some(fix) = fix {
                out.push_str(&format!("    {}\n", fill(w.fix_label, &[("fix", &fix)])));
            }
        }
    }
    out.push_str(&format!("\n{}\n", w.heading_rows));
    out.push_str(&rows_table(result, w));
    let rollup = match result.rollup {
        RollupState::Available => w.rollup_available,
        RollupState::NeedsMigrate => w.rollup_needs_migrate,
        RollupState::NotApplicable => w.rollup_not_applicable,
    };
    out.push('\n');
    out.push_str(&fill(rollup, &[("schema", &result.schema)]));
    out.push('\n');
    out
}

/// The sentence of a finding and the sentence of its fix (if any), both filled.
pub fn describe(
    finding: &Finding,
    result: &CheckResult,
    w: &CheckWords,
) -> (String, Option<String>) {
    use Problem::*;
    let (problem, fix) = match finding.problem {
        SchemaMissing => (w.p_schema_missing, Some(w.f_schema_missing)),
        RelationMissing => match finding.fix.as_deref() {
            Some(f) if f.ends_with("= \"absent\"") => {
                (w.p_relation_missing, Some(w.f_relation_missing_optional))
            }
            _ => (w.p_relation_missing, Some(w.f_relation_missing)),
        },
        RelationNotReadable => (w.p_relation_not_readable, Some(w.f_relation_not_readable)),
        RelationDeclaredAbsent => (w.p_relation_declared_absent, None),
        ColumnMissing => (w.p_column_missing, Some(w.f_column_missing)),
        ColumnWrongType => (w.p_column_wrong_type, Some(w.f_column_wrong_type)),
        NullInRequiredColumn => (
            w.p_null_in_required_column,
            Some(w.f_null_in_required_column),
        ),
        RatingOutOfRange => (w.p_rating_out_of_range, Some(w.f_rating_out_of_range)),
        SentimentOutOfRange => (w.p_sentiment_out_of_range, Some(w.f_sentiment_out_of_range)),
        UnknownCloseReason => (w.p_unknown_close_reason, Some(w.f_map_values)),
        UnknownHandoffInitiator => (w.p_unknown_handoff_initiator, Some(w.f_map_values)),
        HandoffWithoutInitiator => (
            w.p_handoff_without_initiator,
            Some(w.f_handoff_without_initiator),
        ),
        InitiatorWithoutHandoff => (
            w.p_initiator_without_handoff,
            Some(w.f_initiator_without_handoff),
        ),
        ClosedWithoutReason => (w.p_closed_without_reason, Some(w.f_closed_without_reason)),
        ClosedBeforeStarted => (w.p_closed_before_started, Some(w.f_time_zones)),
        ReplyBeforeMessage => (w.p_reply_before_message, Some(w.f_time_zones)),
        DuplicateIds => (w.p_duplicate_ids, Some(w.f_duplicate_ids)),
        DuplicateLedgerKeys => (w.p_duplicate_ledger_keys, Some(w.f_duplicate_ledger_keys)),
        LedgerMonthNotFirstDay => (
            w.p_ledger_month_not_first_day,
            Some(w.f_ledger_month_not_first_day),
        ),
        NoConversationsInMonth => match finding.fix {
            Some(_) => (
                w.p_no_conversations_in_month,
                Some(w.f_no_conversations_in_month),
            ),
            None => (
                w.p_no_conversations_in_month,
                Some(w.f_no_conversations_at_all),
            ),
        },
        NoRowsInMonth => match finding.fix {
            Some(_) => (w.p_no_rows_in_month, Some(w.f_no_rows_in_month_optional)),
            None => (w.p_no_rows_in_month, Some(w.f_no_rows_in_month)),
        },
        LedgerNotBooked => (w.p_ledger_not_booked, Some(w.f_ledger_not_booked)),
        OpenConversations => (w.p_open_conversations, Some(w.f_open_conversations)),
        MonthNotOver => (w.p_month_not_over, Some(w.f_month_not_over)),
        IndexMissing => (w.p_index_missing, Some(w.f_run)),
        TableNeedsVacuum => (w.p_table_needs_vacuum, Some(w.f_run)),
        UnclassifiedConversations => (w.p_unclassified_conversations, None),
    };
    let count = finding.count.map(|c| c.to_string()).unwrap_or_default();
    let month = result.month.to_string();
    let args: [(&str, &str); 9] = [
        ("relation", finding.relation.as_deref().unwrap_or("")),
        ("column", finding.column.as_deref().unwrap_or("")),
        ("count", &count),
        ("found", finding.found_type.as_deref().unwrap_or("")),
        ("expected", finding.expected_type.as_deref().unwrap_or("")),
        ("fix", finding.fix.as_deref().unwrap_or("")),
        ("month", &month),
        ("tz", &result.time_zone),
        ("schema", &result.schema),
    ];
    (fill(problem, &args), fix.map(|f| fill(f, &args)))
}

/// The rows of each relation per month of the window, then later, then freshness.
fn rows_table(result: &CheckResult, w: &CheckWords) -> String {
    let mut lines: Vec<Vec<String>> = Vec::new();
    let mut header = vec![String::new()];
    header.extend(result.window.iter().map(|m| m.to_string()));
    header.push(w.rows_later.to_string());
    lines.push(header);
    let mut tails = Vec::new();
    for relation in &result.relations {
        let kind = match relation.kind.as_deref() {
            Some("table") => w.kind_table,
            Some("view") => w.kind_view,
            Some("materialized_view") => w.kind_materialized_view,
            Some("partitioned_table") => w.kind_partitioned_table,
            Some("foreign_table") => w.kind_foreign_table,
            _ => "",
        };
        let name = match (relation.state, kind) {
            (RelationState::Missing, _) => format!("{} ({})", relation.relation, w.state_missing),
            (RelationState::NotReadable, _) => {
                format!("{} ({})", relation.relation, w.state_not_readable)
            }
            (RelationState::DeclaredAbsent, _) => {
                format!("{} ({})", relation.relation, w.state_declared_absent)
            }
            (RelationState::Present, "") => relation.relation.clone(),
            (RelationState::Present, kind) => format!("{} ({kind})", relation.relation),
        };
        let mut line = vec![name];
        if relation.rows_checked {
            line.extend(relation.rows_by_month.iter().map(|m| m.rows.to_string()));
            line.push(
                relation
                    .rows_after_month
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
            );
            let tail = match (relation.latest_at, relation.latest_month) {
                (Some(at), _) => fill(
                    w.rows_latest,
                    &[("at", &at.format("%Y-%m-%d %H:%M UTC").to_string())],
                ),
                (None, Some(m)) => fill(w.rows_latest_month, &[("month", &m.to_string())]),
                _ => String::new(),
            };
            tails.push(tail);
        } else {
            if relation.state == RelationState::Present {
                line.push(w.rows_not_checked.to_string());
            }
            tails.push(String::new());
        }
        lines.push(line);
    }
    let columns = lines.iter().map(Vec::len).max().unwrap_or(0);
    let width = |i: usize| {
        lines
            .iter()
            .filter_map(|l| l.get(i))
            .map(|c| c.chars().count())
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..columns).map(width).collect();
    let mut out = String::new();
    for (n, line) in lines.iter().enumerate() {
        let mut text = String::from("  ");
        for (i, cell) in line.iter().enumerate() {
            let pad = widths[i].saturating_sub(cell.chars().count());
            if i == 0 || line.len() == 2 && n > 0 {
                text.push_str(cell);
                text.push_str(&" ".repeat(pad + 2));
            } else {
                text.push_str(&" ".repeat(pad));
                text.push_str(cell);
                text.push_str("  ");
            }
        }
        if n > 0 {
            text.push_str(&tails[n - 1]);
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::words::blanks;
    use super::*;

    #[test]
    fn both_check_tables_fill_every_phrase_with_the_same_blanks() {
        for ((name, en), (_, zh)) in EN.entries().into_iter().zip(ZH_CN.entries()) {
            assert_eq!(blanks(en), blanks(zh), "phrase {name}");
            assert!(!zh.is_empty(), "phrase {name}");
        }
    }
}
