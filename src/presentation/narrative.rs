//! The sentences of the report, built from the words table and the number formats.
//!
//! Every format (Word, Markdown, HTML, email, charts) says the same thing about the same
//! review, so the sentences are made here as plain text (no markup) and outputs only
//! lay them out.

use super::Presentation;
use crate::review::metrics::{Layer, MetricId};
use crate::review::quality::QualityKind;
use crate::review::traps::TrapReason;
use crate::review::{Move, Review, SettlingNote};
use crate::say;

/// How prominent a banner is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BannerKind {
    /// The report was rendered from the shipped sample, not real data.
    Sample,
    /// Numbers can still move (settling, open conversations, unbooked ledger lines).
    Provisional,
}

/// A warning shown above everything else, labelled by its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Banner {
    /// Which label the output puts in front of the text.
    pub kind: BannerKind,
    /// "Sample data" or "Provisional", in the language.
    pub label: &'static str,
    /// One plain sentence.
    pub text: String,
}

/// Whether a callout warns, reassures or waits for data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalloutState {
    /// The trap fired: the number may hide something.
    Triggered,
    /// Checked, nothing found.
    Clear,
    /// Could not be judged yet (trap 3 before the ledger is booked).
    NotJudged,
}

/// A trap callout, written for executives: what the number may hide and what to check.
#[derive(Debug, Clone, PartialEq)]
pub struct Callout {
    /// The trap id, e.g. `faking_deflection`.
    pub trap: &'static str,
    /// The trap's name in the language.
    pub name: &'static str,
    /// Whether the callout warns, reassures or waits for data.
    pub state: CalloutState,
    /// The short tag of the state ("Check this", "OK", "Not yet").
    pub tag: &'static str,
    /// One line: what the number may hide (or that it holds up).
    pub headline: String,
    /// Why, in plain sentences (one per reason the trap fired).
    pub findings: Vec<String>,
    /// The evidence figures as (label, formatted value).
    pub evidence: Vec<(String, String)>,
    /// What to check or do next.
    pub check: String,
}

/// The trap ids, in report order.
pub const TRAP_IDS: [&str; 3] = ["faking_deflection", "inflated_csat", "hidden_llm_cost"];

impl Presentation {
    /// The name of a metric: "Deflection rate".
    pub fn metric_title(&self, id: MetricId) -> &'static str {
        let w = self.words;
        match id {
            MetricId::AiTouchRate => w.metric_ai_touch_rate,
            MetricId::FrtP90Seconds => w.metric_frt_p90_seconds,
            MetricId::FrtP50Seconds => w.metric_frt_p50_seconds,
            MetricId::AhtSeconds => w.metric_aht_seconds,
            MetricId::DeflectionRate => w.metric_deflection_rate,
            MetricId::HandoffRate => w.metric_handoff_rate,
            MetricId::ReturnRate24h => w.metric_return_rate_24h,
            MetricId::CsatAi => w.metric_csat_ai,
            MetricId::CsatHuman => w.metric_csat_human,
            MetricId::NegativeSentiment => w.metric_negative_sentiment,
            MetricId::CostPerConversation => w.metric_cost_per_conversation,
            MetricId::KbHitRate => w.metric_kb_hit_rate,
            MetricId::FeedbackLoopRate => w.metric_feedback_loop_rate,
        }
    }

    /// The one-line definition of a metric, for the appendix.
    pub fn metric_definition(&self, id: MetricId) -> &'static str {
        let w = self.words;
        match id {
            MetricId::AiTouchRate => w.define_ai_touch_rate,
            MetricId::FrtP90Seconds => w.define_frt_p90_seconds,
            MetricId::FrtP50Seconds => w.define_frt_p50_seconds,
            MetricId::AhtSeconds => w.define_aht_seconds,
            MetricId::DeflectionRate => w.define_deflection_rate,
            MetricId::HandoffRate => w.define_handoff_rate,
            MetricId::ReturnRate24h => w.define_return_rate_24h,
            MetricId::CsatAi => w.define_csat_ai,
            MetricId::CsatHuman => w.define_csat_human,
            MetricId::NegativeSentiment => w.define_negative_sentiment,
            MetricId::CostPerConversation => w.define_cost_per_conversation,
            MetricId::KbHitRate => w.define_kb_hit_rate,
            MetricId::FeedbackLoopRate => w.define_feedback_loop_rate,
        }
    }

    /// The name of a layer: "Coverage".
    pub fn layer_title(&self, layer: Layer) -> &'static str {
        let w = self.words;
        match layer {
            Layer::Coverage => w.layer_coverage,
            Layer::Resolution => w.layer_resolution,
            Layer::Experience => w.layer_experience,
            Layer::CostAndTraining => w.layer_cost_and_training,
        }
    }

    /// A layer's heading, the same in every format: "Layer 1 — Coverage".
    pub fn layer_heading(&self, layer: Layer) -> String {
        say!(
            self.words.layer_heading,
            number = layer.number(),
            title = self.layer_title(layer)
        )
    }

    /// The name of a trap id (the id itself when unknown).
    pub fn trap_name<'a>(&self, id: &'a str) -> &'a str {
        let w = self.words;
        match id {
            "faking_deflection" => w.trap_faking_deflection,
            "inflated_csat" => w.trap_inflated_csat,
            "hidden_llm_cost" => w.trap_hidden_llm_cost,
            other => other,
        }
    }

    /// What each trap checks, for the definitions appendix: (name, definition).
    pub fn trap_definitions(&self) -> [(&'static str, &'static str); 3] {
        let w = self.words;
        [
            (w.trap_faking_deflection, w.def_faking_deflection),
            (w.trap_inflated_csat, w.def_inflated_csat),
            (w.trap_hidden_llm_cost, w.def_hidden_llm_cost),
        ]
    }

    /// A data-quality note: what the count means and how the report treated it.
    pub fn quality_note(&self, kind: QualityKind, count: i64) -> String {
        self.quality_note_on(kind, count, None)
    }

    /// A data-quality note about one column (`relation.column`), e.g. a NULL where the
    /// contract requires a value.
    fn quality_note_on(&self, kind: QualityKind, count: i64, column: Option<&str>) -> String {
        let w = self.words;
        // (one, many): English says "1 conversation has", "2 conversations have".
        let (one, many) = match kind {
            QualityKind::Unclassified => (w.dq_unclassified_one, w.dq_unclassified),
            QualityKind::NegativeFirstResponse => (
                w.dq_negative_first_response_one,
                w.dq_negative_first_response,
            ),
            QualityKind::FirstResponseMissing => {
                (w.dq_first_response_missing_one, w.dq_first_response_missing)
            }
            QualityKind::ClosedBeforeStart => {
                (w.dq_closed_before_start_one, w.dq_closed_before_start)
            }
            QualityKind::AiCsatOutOfRange => {
                (w.dq_ai_csat_out_of_range_one, w.dq_ai_csat_out_of_range)
            }
            QualityKind::HumanCsatOutOfRange => (
                w.dq_human_csat_out_of_range_one,
                w.dq_human_csat_out_of_range,
            ),
            QualityKind::SentimentOutOfRange => {
                (w.dq_sentiment_out_of_range_one, w.dq_sentiment_out_of_range)
            }
            QualityKind::UnknownCloseReason => {
                (w.dq_unknown_close_reason_one, w.dq_unknown_close_reason)
            }
            QualityKind::UnknownHandoffInitiator => (
                w.dq_unknown_handoff_initiator_one,
                w.dq_unknown_handoff_initiator,
            ),
            QualityKind::InitiatorWithoutHandoff => (
                w.dq_initiator_without_handoff_one,
                w.dq_initiator_without_handoff,
            ),
            QualityKind::CloseReasonWhileOpen => (
                w.dq_close_reason_while_open_one,
                w.dq_close_reason_while_open,
            ),
            QualityKind::KbNothingRetrieved => {
                (w.dq_kb_nothing_retrieved_one, w.dq_kb_nothing_retrieved)
            }
            QualityKind::NonFiniteValue => (w.dq_non_finite_value_one, w.dq_non_finite_value),
            QualityKind::NullInRequiredColumn => (
                w.dq_null_in_required_column_one,
                w.dq_null_in_required_column,
            ),
            QualityKind::DuplicateLedgerLines => {
                (w.dq_duplicate_ledger_lines_one, w.dq_duplicate_ledger_lines)
            }
            QualityKind::InfiniteTimestamp => {
                (w.dq_infinite_timestamp_one, w.dq_infinite_timestamp)
            }
        };
        let phrase = if count == 1 { one } else { many };
        say!(
            phrase,
            count = self.count(count),
            column = column.unwrap_or_default()
        )
    }

    /// Every data-quality note of the review, in order.
    pub fn quality_notes(&self, review: &Review) -> Vec<String> {
        review
            .data_quality
            .notes
            .iter()
            .map(|n| self.quality_note_on(n.key, n.count, n.column.as_deref()))
            .collect()
    }

    /// The report's title: "AI support monthly business review — October 2026".
    pub fn title(&self, review: &Review) -> String {
        say!(
            self.words.report_title,
            month = self.month_name(review.month)
        )
    }

    /// The period line: "Period: 1 October 2026 – 31 October 2026 · time zone Asia/Shanghai".
    pub fn period(&self, review: &Review) -> String {
        let first = review.month.first_day();
        // The last day is the day before the next month's first; `pred_opt` only fails at
        // the minimum date, which a validated month never is.
        let last = review.month.next().first_day().pred_opt().unwrap_or(first);
        say!(
            self.words.period,
            first = self.day(first),
            last = self.day(last),
            tz = review.provenance.time_zone
        )
    }

    /// The sample and provisional banners, in that order (empty for a settled real month).
    pub fn banners(&self, review: &Review) -> Vec<Banner> {
        let w = self.words;
        let mut banners = Vec::new();
        if review.sample {
            banners.push(Banner {
                kind: BannerKind::Sample,
                label: w.banner_sample_label,
                text: w.banner_sample.to_string(),
            });
        }
        for note in &review.settling.notes {
            let open = review.settling.open_conversations;
            let text = match note {
                SettlingNote::PartialMonth => w.settling_partial_month.to_string(),
                SettlingNote::ReadWithin24h => w.settling_within_24h.to_string(),
                SettlingNote::OpenConversations if open == 1 => w.settling_open_one.to_string(),
                SettlingNote::OpenConversations => {
                    say!(w.settling_open_many, count = self.count(open))
                }
            };
            banners.push(Banner {
                kind: BannerKind::Provisional,
                label: w.banner_provisional_label,
                text,
            });
        }
        let c = &review.cost_breakdown;
        if c.provisional {
            banners.push(Banner {
                kind: BannerKind::Provisional,
                label: w.banner_provisional_label,
                text: say!(
                    w.banner_cost_unbooked,
                    categories = c.missing_categories.join(w.or_separator),
                    month = self.month_name(review.month)
                ),
            });
        }
        banners
    }

    /// The headline: "7 of 12 metrics met their target; 4 missed; 1 has no data."
    pub fn scorecard(&self, review: &Review) -> String {
        let w = self.words;
        let s = &review.summary;
        let mut text = say!(
            w.scorecard,
            met = s.met,
            counted = s.counted,
            missed = s.missed
        );
        match s.no_data {
            0 => {}
            1 => text.push_str(w.scorecard_no_data_one),
            n => text.push_str(&say!(w.scorecard_no_data_many, count = n)),
        }
        if s.not_measured > 0 {
            text.push_str(&say!(w.scorecard_not_measured, count = s.not_measured));
        }
        text.push_str(w.sentence_end);
        text
    }

    /// One month-over-month move: "Deflection rate 52.0% (+3.0 pp, +6.1% vs previous month)".
    pub fn move_text(&self, m: &Move, currency: &str) -> String {
        let unit = m.id.unit();
        say!(
            self.words.move_text,
            metric = self.metric_title(m.id),
            value = self.value(m.value, unit, currency),
            delta = self.delta(Some(m.delta_abs), unit, currency),
            relative = self.relative(Some(m.delta_rel))
        )
    }

    /// The biggest moves for the better, or why there are none.
    pub fn better_moves(&self, review: &Review) -> String {
        let w = self.words;
        self.moves_line(
            review,
            &review.summary.better_moves,
            w.biggest_improvements,
            w.none_improved,
        )
    }

    /// The biggest moves for the worse, or why there are none.
    pub fn worse_moves(&self, review: &Review) -> String {
        let w = self.words;
        self.moves_line(
            review,
            &review.summary.worse_moves,
            w.biggest_setbacks,
            w.none_worse,
        )
    }

    fn moves_line(
        &self,
        review: &Review,
        moves: &[Move],
        label: &str,
        none: &'static str,
    ) -> String {
        let w = self.words;
        let items = match self.no_moves(review, moves, none) {
            Some(reason) => reason.to_string(),
            None => moves
                .iter()
                .map(|m| self.move_text(m, &review.currency))
                .collect::<Vec<_>>()
                .join(w.moves_separator),
        };
        say!(w.moves_line, label = label, items = items)
    }

    /// Why a list of biggest moves is empty (no previous month, or no move beyond noise),
    /// for a layout that already shows the list's label; `None` when there are moves.
    pub fn no_moves(
        &self,
        review: &Review,
        moves: &[Move],
        none: &'static str,
    ) -> Option<&'static str> {
        let has_previous = review.metrics.values().any(|m| m.previous.is_some());
        if !has_previous {
            Some(self.words.no_previous_month)
        } else if moves.is_empty() {
            Some(none)
        } else {
            None
        }
    }

    /// The month's cost in one sentence. LLM is the gateway's metered figure, always its
    /// own line (trap 3).
    pub fn cost_line(&self, review: &Review) -> String {
        let w = self.words;
        let c = &review.cost_breakdown;
        let money = |x: f64| self.money(x, &review.currency);
        let per_conversation = review
            .metrics
            .get(&MetricId::CostPerConversation)
            .map(|m| self.value(m.value, m.unit, &review.currency))
            .unwrap_or_else(|| self.no_data().to_string());
        say!(
            w.cost_line,
            per_conversation = per_conversation,
            total = money(c.total),
            llm = money(c.llm),
            infra = money(c.infra),
            labor = money(c.labor),
            provisional = if c.provisional {
                w.cost_line_provisional
            } else {
                ""
            }
        )
    }

    /// Which reporting traps fired, in one sentence.
    pub fn traps_line(&self, review: &Review) -> String {
        let w = self.words;
        let ids = &review.summary.triggered_traps;
        if ids.is_empty() {
            return w.traps_line_none.to_string();
        }
        let names: Vec<&str> = ids.iter().map(|id| self.trap_name(id.as_str())).collect();
        say!(
            w.traps_line,
            count = ids.len(),
            names = names.join(w.list_separator),
            section = w.traps_heading
        )
    }

    /// Conversation volume and channel mix, or `None` for a month with no conversations.
    pub fn volume(&self, review: &Review) -> Option<String> {
        let w = self.words;
        let total = review.provenance.row_counts.conversations;
        if total == 0 {
            return None;
        }
        let mix = if review.channels.is_empty() {
            String::new()
        } else {
            let mix: Vec<String> = review
                .channels
                .iter()
                .take(5)
                .map(|c| {
                    say!(
                        w.channel_share,
                        channel = c.channel,
                        share = self.percent(c.share)
                    )
                })
                .collect();
            say!(w.volume_mix, mix = mix.join(w.list_separator))
        };
        Some(say!(w.volume, count = self.count(total), mix = mix))
    }

    /// Handoffs split by initiator: "Handoffs by initiator: AI 12.0%, user 8.0% of conversations."
    pub fn handoff_split(&self, review: &Review) -> String {
        let h = &review.handoff_by_initiator;
        say!(
            self.words.handoff_split,
            ai = self.percent_or_no_data(h.ai),
            user = self.percent_or_no_data(h.user)
        )
    }

    /// The unclassified share as a sentence, when there are conversations.
    pub fn unclassified(&self, review: &Review) -> Option<String> {
        review
            .data_quality
            .unclassified_share
            .map(|share| say!(self.words.unclassified_share, share = self.percent(share)))
    }

    /// The three trap callouts, in report order.
    pub fn callouts(&self, review: &Review) -> Vec<Callout> {
        vec![
            self.faking_deflection(review),
            self.inflated_csat(review),
            self.hidden_llm_cost(review),
        ]
    }

    fn callout(
        &self,
        trap: &'static str,
        state: CalloutState,
        headline: String,
        findings: Vec<String>,
        evidence: Vec<(&str, String)>,
        check: &str,
    ) -> Callout {
        let w = self.words;
        Callout {
            trap,
            name: self.trap_name(trap),
            state,
            tag: match state {
                CalloutState::Triggered => w.tag_triggered,
                CalloutState::Clear => w.tag_clear,
                CalloutState::NotJudged => w.tag_not_judged,
            },
            headline,
            findings,
            evidence: evidence
                .into_iter()
                .map(|(label, value)| (label.to_string(), value))
                .collect(),
            check: check.to_string(),
        }
    }

    fn faking_deflection(&self, review: &Review) -> Callout {
        let w = self.words;
        let trap = &review.traps.faking_deflection;
        let e = &trap.evidence;
        let pct = |x| self.percent_or_no_data(x);
        let return_target = review
            .metrics
            .get(&MetricId::ReturnRate24h)
            .map(|m| self.target(&m.target, m.unit, &review.currency))
            .unwrap_or_default();
        let findings = trap
            .reasons
            .iter()
            .filter_map(|reason| match reason {
                TrapReason::ReturnRateMissed => Some(say!(
                    w.fd_return_missed,
                    rate = pct(e.return_rate_24h),
                    target = return_target
                )),
                TrapReason::FrustratedExits => Some(say!(
                    w.fd_frustrated,
                    exits = self.count(e.frustrated_exits),
                    deflected = self.count(e.deflected),
                    share = pct(e.frustrated_exit_share)
                )),
                TrapReason::DeflectionRoseWithReturns => Some(w.fd_rose_together.to_string()),
                _ => None,
            })
            .collect();
        let (state, headline, check) = if trap.triggered {
            (
                CalloutState::Triggered,
                w.fd_headline_triggered,
                w.fd_check_triggered,
            )
        } else {
            (CalloutState::Clear, w.fd_headline_clear, w.fd_check_clear)
        };
        self.callout(
            "faking_deflection",
            state,
            headline.to_string(),
            findings,
            vec![
                (w.fd_ev_deflection, pct(e.deflection_rate)),
                (w.fd_ev_naive, pct(e.naive_deflection_rate)),
                (w.fd_ev_return, pct(e.return_rate_24h)),
                (w.fd_ev_frustrated, pct(e.frustrated_exit_share)),
            ],
            check,
        )
    }

    fn inflated_csat(&self, review: &Review) -> Callout {
        let w = self.words;
        let trap = &review.traps.inflated_csat;
        let e = &trap.evidence;
        let pct = |x| self.percent_or_no_data(x);
        let mut findings: Vec<String> = trap
            .reasons
            .iter()
            .filter_map(|reason| match reason {
                TrapReason::LowPromptCoverage => {
                    Some(say!(w.ic_low_coverage, coverage = pct(e.prompt_coverage)))
                }
                TrapReason::PromptsSkewedToPositive => Some(say!(
                    w.ic_skewed,
                    positive = pct(e.positive_ending_prompt_rate),
                    other = pct(e.other_ending_prompt_rate)
                )),
                _ => None,
            })
            .collect();
        if trap.triggered {
            if let (Some(reported), Some(weighted)) = (e.csat_ai, e.outcome_weighted_csat_ai) {
                findings.push(say!(
                    w.ic_weighted,
                    reported = self.rating(Some(reported)),
                    weighted = self.rating(Some(weighted))
                ));
            }
        }
        let (state, headline, check) = if trap.triggered {
            (
                CalloutState::Triggered,
                w.ic_headline_triggered,
                w.ic_check_triggered,
            )
        } else {
            (CalloutState::Clear, w.ic_headline_clear, w.ic_check_clear)
        };
        self.callout(
            "inflated_csat",
            state,
            headline.to_string(),
            findings,
            vec![
                (w.ic_ev_coverage, pct(e.prompt_coverage)),
                (w.ic_ev_positive, pct(e.positive_ending_prompt_rate)),
                (w.ic_ev_other, pct(e.other_ending_prompt_rate)),
                (w.ic_ev_reported, self.rating(e.csat_ai)),
                (w.ic_ev_weighted, self.rating(e.outcome_weighted_csat_ai)),
            ],
            check,
        )
    }

    fn hidden_llm_cost(&self, review: &Review) -> Callout {
        let w = self.words;
        let trap = &review.traps.hidden_llm_cost;
        let e = &trap.evidence;
        let money = |x: f64| self.money(x, &review.currency);
        let largest_other = e.largest_other_category.as_ref().map(|c| {
            say!(
                w.hl_other_line,
                category = c.category,
                amount = money(c.amount)
            )
        });
        let mut findings: Vec<String> = trap
            .reasons
            .iter()
            .filter_map(|reason| match reason {
                TrapReason::LlmLineMissing => {
                    Some(say!(w.hl_line_missing, metered = money(e.metered_llm_cost)))
                }
                TrapReason::LlmUnderBooked => Some(say!(
                    w.hl_under_booked,
                    metered = money(e.metered_llm_cost),
                    booked = money(e.booked_llm_cost),
                    gap = money(e.gap)
                )),
                _ => None,
            })
            .collect();
        if trap.triggered {
            if let Some(other) = &largest_other {
                findings.push(say!(w.hl_largest_other, other = other));
            }
        }
        let (state, headline, check) = if !trap.judged {
            (
                CalloutState::NotJudged,
                say!(
                    w.hl_headline_not_judged,
                    month = self.month_name(review.month)
                ),
                w.hl_check_not_judged,
            )
        } else if trap.triggered {
            (
                CalloutState::Triggered,
                w.hl_headline_triggered.to_string(),
                w.hl_check_triggered,
            )
        } else {
            (
                CalloutState::Clear,
                w.hl_headline_clear.to_string(),
                w.hl_check_clear,
            )
        };
        let mut evidence = vec![
            (w.hl_ev_metered, money(e.metered_llm_cost)),
            (w.hl_ev_booked, money(e.booked_llm_cost)),
            (w.hl_ev_gap, money(e.gap)),
        ];
        if let Some(other) = largest_other {
            evidence.push((w.hl_ev_largest_other, other));
        }
        self.callout(
            "hidden_llm_cost",
            state,
            headline,
            findings,
            evidence,
            check,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Language, Presentation};
    use crate::review::quality::QualityKind;

    #[test]
    fn a_data_quality_count_of_one_is_singular_in_english() {
        let en = Presentation::new(Language::En);
        assert_eq!(
            en.quality_note(QualityKind::ClosedBeforeStart, 1),
            "1 conversation closed before it started; it is left out of handle time, and its \
             return window runs from the start."
        );
        assert!(en
            .quality_note(QualityKind::ClosedBeforeStart, 2)
            .starts_with("2 conversations closed before they started; they"));
        assert!(en
            .quality_note(QualityKind::KbNothingRetrieved, 1)
            .starts_with("1 retrieval check retrieved nothing; it counts as a miss"));
        let zh = Presentation::new(Language::ZhCn);
        assert!(zh
            .quality_note(QualityKind::ClosedBeforeStart, 1)
            .starts_with("1 个会话"));
    }
}
