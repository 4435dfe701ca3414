//! SPEC §7 worded: the four answers the top of the report gives, in §1's order, and the
//! metrics to read with care.
//!
//! Each answer is one or two sentences with its figure and its month-over-month change:
//! is deflection real (the split by ending, the 24 h return rate beside it), did human
//! work drop (with the volume beside it), did CSAT rise or fall (with its caveats), and
//! did the AI save money (booked facts first, the estimate after, as an estimate).

use serde::Serialize;

use super::Presentation;
use crate::review::caveats::Caveat;
use crate::review::metrics::{MetricId, Unit};
use crate::review::{Figure, MetricReport, Review};
use crate::say;

/// The top of the report: the four answers, then the metrics to read with care.
#[derive(Debug, Clone, Serialize)]
pub struct StoryView {
    /// §1's four questions, in order, each answered.
    pub answers: Vec<StoryAnswer>,
    /// One sentence per metric of `summary.read_with_care`, in metric order.
    pub read_with_care: Vec<String>,
}

/// One of §1's questions and its answer.
#[derive(Debug, Clone, Serialize)]
pub struct StoryAnswer {
    /// "Is deflection real?"
    pub question: &'static str,
    /// One or two sentences, with figures and changes.
    pub text: String,
}

impl Presentation {
    /// The story of the month (SPEC §7).
    pub fn story(&self, review: &Review) -> StoryView {
        let w = self.words;
        StoryView {
            answers: vec![
                StoryAnswer {
                    question: w.story_deflection_question,
                    text: self.deflection_answer(review),
                },
                StoryAnswer {
                    question: w.story_human_question,
                    text: self.human_work_answer(review),
                },
                StoryAnswer {
                    question: w.story_csat_question,
                    text: self.csat_answer(review),
                },
                StoryAnswer {
                    question: w.savings_question,
                    text: self.money_answer(review),
                },
            ],
            read_with_care: review
                .summary
                .read_with_care
                .iter()
                .filter_map(|r| review.metrics.get(&r.id))
                .map(|m| self.read_with_care_sentence(review, m))
                .collect(),
        }
    }

    /// The one line the command prints when the report is written, in the report's
    /// language: "aikpi: 2026-10 review written to out/ (report.html, …) — 11 of 12
    /// targets met; traps: Inflated CSAT, Hidden LLM cost".
    pub fn run_summary(
        &self,
        review: &Review,
        out: &str,
        files: &[String],
        charts: usize,
    ) -> String {
        let w = self.words;
        let names: Vec<&str> = review
            .summary
            .triggered_traps
            .iter()
            .map(|id| self.trap_name(id.as_str()))
            .collect();
        say!(
            w.run_summary,
            tool = "aikpi",
            month = review.month,
            sample = if review.sample {
                w.run_summary_sample
            } else {
                ""
            },
            out = out,
            files = files.join(w.list_separator),
            charts = if charts > 0 {
                say!(w.run_summary_charts, count = charts)
            } else {
                String::new()
            },
            met = review.summary.met,
            counted = review.summary.counted,
            traps = if names.is_empty() {
                w.run_summary_no_trap.to_string()
            } else {
                say!(w.run_summary_traps, names = names.join(w.list_separator))
            }
        )
    }

    /// A count's signed change: "+111", "−27", or "no change".
    pub(crate) fn count_change(&self, delta: Option<f64>) -> String {
        match delta {
            None => super::numbers::NO_CHANGE.to_string(),
            Some(d) if d.round() == 0.0 => self.words.no_change.to_string(),
            Some(d) => {
                let sign = if d > 0.0 { "+" } else { "−" };
                format!("{sign}{}", self.count(d.abs().round() as i64))
            }
        }
    }

    fn caveat_reasons(&self, review: &Review, caveats: &[Caveat]) -> String {
        let w = self.words;
        let e = &review.traps.inflated_csat.evidence;
        let coverage = self.percent_or_no_data(e.prompt_coverage);
        caveats
            .iter()
            .map(|c| match c {
                Caveat::InflatedCsat => match e.outcome_weighted_csat_ai {
                    Some(weighted) => say!(
                        w.caveat_inflated_csat,
                        coverage = coverage,
                        weighted = self.rating(Some(weighted))
                    ),
                    None => say!(w.caveat_inflated_csat_plain, coverage = coverage),
                },
                Caveat::PromptingChanged => say!(w.caveat_prompting_changed, coverage = coverage),
                Caveat::FakingDeflection => w.caveat_faking_deflection.to_string(),
                Caveat::ProvisionalCost => w.caveat_provisional_cost.to_string(),
            })
            .collect::<Vec<_>>()
            .join(w.caveat_separator)
    }

    /// "CSAT (AI) 4.06, +0.28 — read with care: only 76.4% of closures were asked …".
    fn read_with_care_sentence(&self, review: &Review, m: &MetricReport) -> String {
        say!(
            self.words.read_with_care_sentence,
            metric = self.metric_title(m.id),
            value = self.value(m.value, m.unit, &review.currency),
            change = self.delta(m.delta_abs, m.unit, &review.currency),
            reasons = self.caveat_reasons(review, &m.caveats)
        )
    }

    /// " Read with care: …." after an answer, when its metric has caveats.
    fn caveat_suffix(&self, review: &Review, id: MetricId) -> String {
        match review.metrics.get(&id) {
            Some(m) if !m.caveats.is_empty() => say!(
                self.words.story_caveat,
                reasons = self.caveat_reasons(review, &m.caveats)
            ),
            _ => String::new(),
        }
    }

    fn ratio_delta(&self, delta: Option<f64>) -> String {
        self.delta(delta, Unit::Ratio, "")
    }

    fn deflection_answer(&self, review: &Review) -> String {
        let w = self.words;
        let Some(deflection) = review.metrics.get(&MetricId::DeflectionRate) else {
            return w.story_deflection_no_data.to_string();
        };
        if deflection.value.is_none() {
            return w.story_deflection_no_data.to_string();
        }
        let d = &review.deflection_by_ending;
        let share = |x: Option<f64>| self.percent_or_no_data(x);
        let other = match (d.agent_closed.value, d.unknown.value) {
            (Some(a), Some(u)) if (a + u) * 1000.0 >= 0.5 => {
                say!(w.story_deflection_other, share = self.percent(a + u))
            }
            _ => String::new(),
        };
        let returns = review.metrics.get(&MetricId::ReturnRate24h);
        let text = say!(
            w.story_deflection,
            deflection = share(deflection.value),
            change = self.ratio_delta(deflection.delta_abs),
            resolved = share(d.resolved.value),
            left = share(d.user_left.value),
            timeout = share(d.timeout.value),
            other = other,
            returned = share(returns.and_then(|m| m.value)),
            return_change = self.ratio_delta(returns.and_then(|m| m.delta_abs))
        );
        text + &self.caveat_suffix(review, MetricId::DeflectionRate)
    }

    fn human_work_answer(&self, review: &Review) -> String {
        let w = self.words;
        let wl = &review.workload;
        let share: &Figure = &wl.human_handled_share;
        if share.value.is_none() {
            return w.story_human_no_data.to_string();
        }
        let mut text = say!(
            w.story_human,
            count = self.count(wl.human_handled.value.unwrap_or(0.0).round() as i64),
            change = self.count_change(wl.human_handled.delta_abs),
            share = self.percent_or_no_data(share.value),
            share_change = self.ratio_delta(share.delta_abs),
            volume = self.count(review.volume.value.unwrap_or(0.0).round() as i64),
            volume_change = self.relative(review.volume.delta_rel)
        );
        // Only a change the reader can see earns a judgement (SPEC §7.6).
        match share.delta_abs {
            Some(d) if !self.rounds_to_zero(d, Unit::Ratio) && d < 0.0 => {
                text.push_str(w.story_human_share_fell)
            }
            Some(d) if !self.rounds_to_zero(d, Unit::Ratio) && d > 0.0 => {
                text.push_str(w.story_human_share_rose)
            }
            _ => {}
        }
        text
    }

    fn csat_answer(&self, review: &Review) -> String {
        let currency = &review.currency;
        let metric = |id| review.metrics.get(&id);
        let value = |m: Option<&MetricReport>| {
            m.map_or_else(
                || self.no_data().to_string(),
                |m| self.value(m.value, m.unit, currency),
            )
        };
        let change = |m: Option<&MetricReport>| {
            self.delta(m.and_then(|m| m.delta_abs), Unit::Rating, currency)
        };
        let ai = metric(MetricId::CsatAi);
        let human = metric(MetricId::CsatHuman);
        let mut caveats: Vec<Caveat> = Vec::new();
        for m in [ai, human].into_iter().flatten() {
            for c in &m.caveats {
                if !caveats.contains(c) {
                    caveats.push(*c);
                }
            }
        }
        let text = say!(
            self.words.story_csat,
            ai = value(ai),
            ai_change = change(ai),
            human = value(human),
            human_change = change(human)
        );
        if caveats.is_empty() {
            text
        } else {
            text + &say!(
                self.words.story_caveat,
                reasons = self.caveat_reasons(review, &caveats)
            )
        }
    }

    fn money_answer(&self, review: &Review) -> String {
        let w = self.words;
        let wl = &review.workload;
        let currency = &review.currency;
        let money = |x: Option<f64>| {
            x.map_or_else(|| self.no_data().to_string(), |v| self.money(v, currency))
        };
        let booked = say!(
            w.story_money_booked,
            labor = money(wl.labor_cost.value),
            labor_change = self.delta(wl.labor_cost.delta_abs, Unit::Money, currency),
            count = self.count(wl.human_handled.value.unwrap_or(0.0).round() as i64),
            share = self.percent_or_no_data(wl.human_handled_share.value),
            volume_change = self.relative(review.volume.delta_rel)
        );
        let resolutions = self.count(wl.ai_resolutions.value.unwrap_or(0.0).round() as i64);
        let per_human = money(wl.labor_cost_per_human_handled.value);
        let estimate = match wl.labor_cost_avoided_estimate.value {
            None => w.story_money_unknown.to_string(),
            Some(e) if e < 0.0 => say!(
                w.story_money_estimate_negative,
                amount = self.money(-e, currency),
                resolutions = resolutions,
                per_human = per_human
            ),
            Some(e) => say!(
                w.story_money_estimate,
                amount = self.money(e, currency),
                resolutions = resolutions,
                per_human = per_human
            ),
        };
        booked + &estimate + &self.caveat_suffix(review, MetricId::CostPerConversation)
    }
}
