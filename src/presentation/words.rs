//! The words of every output: one [`Words`] table per language, one field per phrase.
//!
//! Outputs never write a word of their own: sentences, section titles, column labels,
//! units, chart titles and axis text all come from a table. A phrase with blanks names
//! them in braces (`"{met} of {counted} met"`), and [`fill`] puts the values in, so each
//! language orders a sentence its own way.
//!
//! To add a phrase: add its field name to the list below, then its text to
//! [`super::en::EN`] and [`super::zh_cn::ZH_CN`] (the compiler refuses a table without
//! it). The tests check that both tables use the same blanks in every phrase and that
//! the Chinese table holds no English sentence.

use serde::Serialize;

macro_rules! words {
    ($($name:ident,)*) => {
        /// Every phrase of the outputs, in one language.
        #[derive(Debug, Serialize)]
        pub struct Words {
            $(
                #[allow(missing_docs)]
                pub $name: &'static str,
            )*
        }

        impl Words {
            /// Every phrase as (field name, text), in declaration order.
            pub fn entries(&self) -> Vec<(&'static str, &'static str)> {
                vec![$((stringify!($name), self.$name),)*]
            }
        }
    };
}

words! {
    // report frame
    report_title,
    eyebrow,
    period,
    source_label,
    source_with_schema,
    generated_label,
    executive_summary,
    label_value,
    colon,
    colon_gap,
    paren_open,
    paren_close,
    comma,
    list_separator,
    or_separator,
    sentence_end,
    // banners
    banner_sample_label,
    banner_provisional_label,
    banner_sample,
    banner_cost_unbooked,
    settling_partial_month,
    settling_within_24h,
    settling_open_one,
    settling_open_many,
    // summary
    targets_card,
    met_of_counted,
    missed_and_no_data,
    reporting_traps,
    traps_of_three,
    no_trap_fired,
    provisional_word,
    vs_last_month,
    scorecard,
    scorecard_no_data_one,
    scorecard_no_data_many,
    scorecard_not_measured,
    move_text,
    biggest_improvements,
    biggest_setbacks,
    moves_line,
    moves_separator,
    no_previous_month,
    none_improved,
    none_worse,
    cost_line,
    cost_line_provisional,
    traps_line_none,
    traps_line,
    volume,
    volume_mix,
    channel_share,
    // traps
    traps_heading,
    traps_intro,
    tag_triggered,
    tag_clear,
    tag_not_judged,
    evidence,
    what_to_check,
    trap_faking_deflection,
    trap_inflated_csat,
    trap_hidden_llm_cost,
    fd_headline_triggered,
    fd_headline_clear,
    fd_return_missed,
    fd_frustrated,
    fd_rose_together,
    fd_ev_deflection,
    fd_ev_naive,
    fd_ev_return,
    fd_ev_frustrated,
    fd_check_triggered,
    fd_check_clear,
    ic_headline_triggered,
    ic_headline_clear,
    ic_low_coverage,
    ic_skewed,
    ic_weighted,
    ic_ev_coverage,
    ic_ev_positive,
    ic_ev_other,
    ic_ev_reported,
    ic_ev_weighted,
    ic_check_triggered,
    ic_check_clear,
    hl_line_missing,
    hl_under_booked,
    hl_largest_other,
    hl_other_line,
    hl_headline_not_judged,
    hl_check_not_judged,
    hl_headline_triggered,
    hl_check_triggered,
    hl_headline_clear,
    hl_check_clear,
    hl_ev_metered,
    hl_ev_booked,
    hl_ev_gap,
    hl_ev_largest_other,
    def_faking_deflection,
    def_inflated_csat,
    def_hidden_llm_cost,
    // metrics tables
    metrics_heading,
    metrics_intro,
    all_metrics,
    layer_heading,
    layer_coverage,
    layer_resolution,
    layer_experience,
    layer_cost_and_training,
    col_metric,
    col_value,
    col_previous,
    col_change,
    col_target,
    col_status,
    not_counted,
    metric_ai_touch_rate,
    metric_frt_p90_seconds,
    metric_frt_p50_seconds,
    metric_aht_seconds,
    metric_deflection_rate,
    metric_handoff_rate,
    metric_return_rate_24h,
    metric_csat_ai,
    metric_csat_human,
    metric_negative_sentiment,
    metric_cost_per_conversation,
    metric_kb_hit_rate,
    metric_feedback_loop_rate,
    define_ai_touch_rate,
    define_frt_p90_seconds,
    define_frt_p50_seconds,
    define_aht_seconds,
    define_deflection_rate,
    define_handoff_rate,
    define_return_rate_24h,
    define_csat_ai,
    define_csat_human,
    define_negative_sentiment,
    define_cost_per_conversation,
    define_kb_hit_rate,
    define_feedback_loop_rate,
    // numbers and statuses
    no_data,
    not_measured,
    status_met,
    status_missed,
    better,
    worse,
    flat,
    seconds,
    minutes_seconds,
    hours_minutes,
    minutes_axis,
    percentage_points,
    target_above,
    target_below,
    target_range,
    target_lower,
    target_lower_by,
    target_is,
    // trends
    trends_heading,
    no_charts,
    chart_alt,
    key_charts,
    // cost and channels
    cost_heading,
    cost_total_sentence,
    provisional_suffix,
    col_cost_line,
    col_amount,
    col_share,
    cost_llm,
    cost_infra,
    cost_labor,
    cost_llm_background,
    cost_total,
    col_model,
    col_calls,
    col_metered_cost,
    other_models,
    handoff_split,
    channels_heading,
    col_channel,
    col_conversations,
    no_conversations,
    other_channels,
    // data quality
    data_quality_heading,
    data_quality_clean,
    data_quality_intro,
    unclassified_share,
    dq_unclassified,
    dq_unclassified_one,
    dq_negative_first_response,
    dq_negative_first_response_one,
    dq_first_response_missing,
    dq_first_response_missing_one,
    dq_closed_before_start,
    dq_closed_before_start_one,
    dq_ai_csat_out_of_range,
    dq_ai_csat_out_of_range_one,
    dq_human_csat_out_of_range,
    dq_human_csat_out_of_range_one,
    dq_sentiment_out_of_range,
    dq_sentiment_out_of_range_one,
    dq_unknown_close_reason,
    dq_unknown_close_reason_one,
    dq_unknown_handoff_initiator,
    dq_unknown_handoff_initiator_one,
    dq_initiator_without_handoff,
    dq_initiator_without_handoff_one,
    dq_close_reason_while_open,
    dq_close_reason_while_open_one,
    dq_kb_nothing_retrieved,
    dq_kb_nothing_retrieved_one,
    dq_non_finite_value,
    dq_non_finite_value_one,
    dq_null_in_required_column,
    dq_null_in_required_column_one,
    dq_duplicate_ledger_lines,
    dq_duplicate_ledger_lines_one,
    dq_infinite_timestamp,
    dq_infinite_timestamp_one,
    // definitions and provenance
    definitions_heading,
    about_heading,
    about_source,
    about_source_value,
    about_note,
    about_month,
    about_bounds,
    about_data_read,
    about_generated,
    about_generated_value,
    about_rows,
    about_rows_value,
    about_currency,
    about_format,
    about_format_value,
    page,
    pdf_page,
    // email
    email_subject,
    email_headline,
    email_no_traps,
    email_one_trap,
    email_traps,
    email_provisional,
    email_sample,
    email_attached,
    email_and,
    email_attached_html,
    email_attached_zip,
    email_attached_docx,
    email_attached_pdf,
    email_generated_by,
    // charts
    chart_status_title,
    chart_status_heading,
    chart_status_description,
    chart_status_subtitle,
    chart_layer_row,
    chart_tile_met,
    chart_tile_missed,
    chart_tile_no_data,
    chart_tile_not_measured,
    chart_deflection_title,
    chart_deflection_subtitle,
    chart_deflection_description,
    chart_deflection_series,
    chart_deflection_target,
    chart_return_target,
    chart_frt_title,
    chart_frt_heading,
    chart_frt_subtitle,
    chart_frt_description,
    chart_frt_p50,
    chart_frt_p90,
    chart_target,
    chart_csat_title,
    chart_csat_subtitle,
    chart_csat_description,
    chart_csat_ai_target,
    chart_csat_human_target,
    chart_aht_subtitle,
    chart_sentiment_subtitle,
    chart_cost_subtitle,
    chart_cost_hollow,
    chart_lower_description,
    chart_breakdown_title,
    chart_breakdown_subtitle,
    chart_breakdown_description,
    chart_legend_target,
    chart_legend_llm,
    chart_legend_infra,
    chart_legend_labor,
    chart_no_data_period,
    chart_segments_title,
    chart_segments_heading,
    chart_segments_subtitle,
    chart_segments_description,
    chart_segments_channels,
    chart_segments_issues,
    unclassified_issue,
    chart_period,
    // SPEC §6 (issue 10): noise band, segments, drivers, workload, events
    within_noise,
    confidence_interval,
    noise_explainer,
    interval_explainer,
    segments_heading,
    segments_intro,
    segments_by_channel,
    segments_top_issues,
    segments_rates,
    segments_experience,
    segments_none,
    col_issue,
    value_with_change,
    table_split_note,
    table_part,
    drivers_heading,
    drivers_intro,
    drivers_none,
    drivers_no_data,
    driver_sentence,
    driver_more,
    driver_less,
    driver_channel_rate,
    workload_heading,
    workload_intro,
    col_figure,
    wl_human_handled,
    wl_ai_resolutions,
    wl_labor_cost,
    wl_cost_per_ai_resolution,
    wl_labor_cost_per_human_handled,
    wl_labor_cost_avoided_estimate,
    estimate_assumption,
    savings_question,
    savings_human_workload,
    savings_saved,
    savings_broke_even,
    savings_cost_more,
    savings_unknown,
    savings_provisional,
    events_heading,
    events_intro,
    event_line,
    email_more_in_report,
    chart_drivers_title,
    chart_drivers_subtitle,
    chart_drivers_description,
    chart_legend_mix,
    chart_legend_rate,
    chart_legend_change,
    // SPEC §7 (issue 24): the story the executive reads
    no_change,
    story_deflection_question,
    story_deflection,
    story_deflection_other,
    story_deflection_no_data,
    story_human_question,
    story_human,
    story_human_share_fell,
    story_human_share_rose,
    story_human_no_data,
    story_csat_question,
    story_csat,
    story_caveat,
    story_money_booked,
    story_money_estimate,
    story_money_estimate_negative,
    story_money_unknown,
    read_with_care,
    read_with_care_sentence,
    caveat_separator,
    caveat_inflated_csat,
    caveat_inflated_csat_plain,
    caveat_prompting_changed,
    caveat_faking_deflection,
    caveat_provisional_cost,
    cost_of_which_background,
    ledger_intro,
    ledger_line,
    ledger_line_new,
    ledger_why_llm,
    ledger_why_not_counted,
    run_summary,
    run_summary_sample,
    run_summary_charts,
    run_summary_no_trap,
    run_summary_traps,
}

/// Fills the `{name}` blanks of a phrase. A blank with no value stays as written, so a
/// missing argument shows up in the output (and in the tests) instead of vanishing.
pub fn fill(phrase: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(phrase.len() + 32);
    let mut rest = phrase;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match args.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) => out.push_str(v),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The blanks a phrase uses, sorted (for the tests that compare the tables).
pub fn blanks(phrase: &str) -> Vec<&str> {
    let mut names: Vec<&str> = phrase
        .split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}').map(|(name, _)| name))
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// `say!(phrase, name = value, …)`: [`fill`] with values of any `Display` type.
#[macro_export]
#[doc(hidden)]
macro_rules! say {
    ($phrase:expr $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::presentation::words::fill(
            $phrase,
            &[$((stringify!($name), &*$value.to_string())),*],
        )
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanks_are_filled_by_name_and_unknown_ones_stay_visible() {
        assert_eq!(fill("{a} of {b}", &[("b", "2"), ("a", "1")]), "1 of 2");
        assert_eq!(fill("{a} and {zz}", &[("a", "x")]), "x and {zz}");
        assert_eq!(fill("no blanks", &[]), "no blanks");
        assert_eq!(blanks("{b} {a} {b}"), vec!["a", "b"]);
    }

    fn tables() -> [(&'static str, Vec<(&'static str, &'static str)>); 2] {
        [
            ("en", super::super::en::EN.entries()),
            ("zh-CN", super::super::zh_cn::ZH_CN.entries()),
        ]
    }

    #[test]
    fn every_table_fills_every_phrase_with_the_same_blanks() {
        let [(_, en), (_, zh)] = tables();
        assert_eq!(en.len(), zh.len());
        for ((name, en_text), (zh_name, zh_text)) in en.iter().zip(&zh) {
            assert_eq!(name, zh_name);
            assert_eq!(
                blanks(en_text),
                blanks(zh_text),
                "`{name}` must have the same blanks in both tables"
            );
        }
        for (tag, entries) in tables() {
            for (name, text) in entries {
                // A separator or suffix may be punctuation only; nothing may be empty.
                assert!(!text.is_empty(), "{tag}: `{name}` is empty");
            }
        }
    }

    /// The Latin words of a text, outside blanks and `code` (each replaced by a space).
    fn latin_words(text: &str) -> Vec<String> {
        let mut prose = String::new();
        let mut in_code = false;
        let mut in_blank = false;
        for c in text.chars() {
            match c {
                '`' => in_code = !in_code,
                '{' => in_blank = true,
                '}' => in_blank = false,
                _ => {}
            }
            let hidden = in_code || in_blank || matches!(c, '`' | '{' | '}');
            prose.push(if hidden { ' ' } else { c });
        }
        super::super::zh_cn::latin_words(&prose)
    }

    #[test]
    fn the_chinese_table_holds_no_english() {
        for (name, text) in super::super::zh_cn::ZH_CN.entries() {
            for word in latin_words(text) {
                assert!(
                    super::super::zh_cn::KEPT_IN_LATIN.contains(&word.as_str()),
                    "zh-CN `{name}` has the Latin word `{word}`: {text}"
                );
            }
        }
    }
}
