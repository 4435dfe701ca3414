//! SPEC §6 for people: whether a move is noise, which segment moved it, why a rate moved
//! (channel mix or rates within channels), what the AI saved, and the known events.
//!
//! The review computes it all (`Review.segments`, `drivers`, `workload`, `annotations`,
//! `MetricReport.significance`/`interval`); this module only words and formats it, once,
//! for every output (HTML, Markdown, Word, the email and the charts).

use serde::Serialize;

use super::Presentation;
use crate::review::metrics::{MetricId, Unit};
use crate::review::{
    ChannelSegment, Driver, Figure, Interval, IssueSegment, MetricReport, Review, Savings,
    SegmentMetric, Significance,
};
use crate::say;

/// The segment metrics of the first table of a segment (volume and resolution).
const RESOLUTION_METRICS: [MetricId; 4] = [
    MetricId::AiTouchRate,
    MetricId::DeflectionRate,
    MetricId::HandoffRate,
    MetricId::ReturnRate24h,
];
/// The segment metrics of the second table (experience and speed).
const EXPERIENCE_METRICS: [MetricId; 5] = [
    MetricId::CsatAi,
    MetricId::CsatHuman,
    MetricId::NegativeSentiment,
    MetricId::AhtSeconds,
    MetricId::FrtP90Seconds,
];

/// Body rows per table: with its header, Lark's limit of 9 rows (Lark splits longer
/// tables on import, from Markdown and Word alike), so longer tables come in parts.
pub const ROWS_PER_TABLE: usize = 8;

/// The confidence level shown when no metric carries an interval (SPEC §6.1's default α).
const DEFAULT_LEVEL: f64 = 0.95;

/// One segment table (SPEC §6.2): a channel or issue table, split in two by metric group
/// so it stays readable on a page and in a mail client.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentTable {
    /// `channels` or `issues`.
    pub kind: &'static str,
    /// "By channel: volume and resolution", with "(1 of 2)" when the table is split.
    pub title: String,
    /// The title without the part: HTML, which has no row limit, joins the parts.
    pub base_title: String,
    /// The first part of its table (always, when it is not split).
    pub first: bool,
    /// The last part of its table.
    pub last: bool,
    /// On the first part of a split table: that it is split, and why.
    pub note: Option<String>,
    /// Column labels, the segment's name first.
    pub columns: Vec<&'static str>,
    pub rows: Vec<SegmentRow>,
}

/// One channel or issue key of a [`SegmentTable`].
#[derive(Debug, Clone, Serialize)]
pub struct SegmentRow {
    /// The channel or issue key; the word for "unclassified" for the null issue key.
    pub name: String,
    /// The null issue key (shown in italics where the format can).
    pub unclassified: bool,
    pub cells: Vec<SegmentCell>,
}

/// One figure of a segment, with its change vs last month.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentCell {
    pub value: String,
    /// "+1.2 pp", "–" without a previous month, empty for counts and shares.
    pub change: String,
    /// Value and change in one: "62.3% (+1.2 pp)" (Markdown, email).
    pub combined: String,
}

/// The workload table and the "Did the AI save money?" answer (SPEC §6.4).
#[derive(Debug, Clone, Serialize)]
pub struct WorkloadView {
    /// "Did the human workload drop …? Money in USD."
    pub intro: String,
    pub rows: Vec<WorkloadRow>,
    /// What the estimate assumes, in words (every output states it).
    pub assumption: &'static str,
    /// "Did the AI save money?"
    pub question: &'static str,
    /// The answer: the human workload sentence, the savings sentence and, when the cost
    /// is provisional, that it is.
    pub answer: Vec<String>,
    pub provisional: bool,
}

/// One workload figure.
#[derive(Debug, Clone, Serialize)]
pub struct WorkloadRow {
    pub label: &'static str,
    pub value: String,
    pub previous: String,
    /// "+120 (+4.1%)", or "–".
    pub change: String,
    /// The labor-cost-avoided estimate (labelled and explained as one).
    pub estimate: bool,
}

/// One known event drawn on the trend charts (SPEC §6.5).
#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    /// The marker's number on the charts, from 1.
    pub number: usize,
    pub date: String,
    pub label: String,
    /// "14 September 2026: switched to the new model".
    pub text: String,
}

impl Presentation {
    /// "within noise" for a within-noise change that has a previous month; empty otherwise
    /// (a significant change needs no mark, an unassessed one has no test).
    pub fn noise_mark(&self, m: &MetricReport) -> &'static str {
        match (m.significance, m.delta_abs) {
            (Significance::WithinNoise, Some(_)) => self.words.within_noise,
            _ => "",
        }
    }

    /// A confidence level as a whole percentage where it is one: `0.95` → `95%`.
    pub fn confidence_level(&self, level: f64) -> String {
        let pct = level * 100.0;
        if (pct - pct.round()).abs() < 1e-9 {
            format!("{pct:.0}%")
        } else {
            format!("{pct:.1}%")
        }
    }

    /// "95% CI 53.5%–56.5%".
    pub fn interval(&self, interval: &Interval, unit: Unit, currency: &str) -> String {
        say!(
            self.words.confidence_interval,
            level = self.confidence_level(interval.level),
            low = self.value(Some(interval.low), unit, currency),
            high = self.value(Some(interval.high), unit, currency)
        )
    }

    /// The sentences that explain "within noise" and "CI", at the review's level.
    pub fn noise_explainer(&self, review: &Review) -> (String, String) {
        let level = review
            .metrics
            .values()
            .find_map(|m| m.interval.map(|i| i.level))
            .unwrap_or(DEFAULT_LEVEL);
        let level = self.confidence_level(level);
        (
            say!(self.words.noise_explainer, level = level),
            say!(self.words.interval_explainer, level = level),
        )
    }

    /// The segment tables: channels then top issues, each as resolution and experience,
    /// each in parts of at most [`ROWS_PER_TABLE`] rows. Empty when the month has none.
    pub fn segment_tables(&self, review: &Review) -> Vec<SegmentTable> {
        let w = self.words;
        let s = &review.segments;
        if s.channels.is_empty() && s.top_issues.is_empty() {
            return Vec::new();
        }
        let channels: Vec<Segment<'_>> = s
            .channels
            .iter()
            .map(|c: &ChannelSegment| Segment {
                name: self.channel_name(c.channel.as_deref(), review),
                unclassified: false,
                conversations: c.conversations,
                share: c.share,
                metrics: &c.metrics,
            })
            .collect();
        let issues: Vec<Segment<'_>> = s
            .top_issues
            .iter()
            .map(|i: &IssueSegment| Segment {
                name: i
                    .issue_key
                    .clone()
                    .unwrap_or_else(|| w.unclassified_issue.to_string()),
                unclassified: i.issue_key.is_none(),
                conversations: i.conversations,
                share: i.share,
                metrics: &i.metrics,
            })
            .collect();
        let mut out = Vec::new();
        for (kind, heading, name_column, segments) in [
            ("channels", w.segments_by_channel, w.col_channel, &channels),
            ("issues", w.segments_top_issues, w.col_issue, &issues),
        ] {
            if segments.is_empty() {
                continue;
            }
            let mut columns = vec![name_column, w.col_conversations, w.col_share];
            columns.extend(RESOLUTION_METRICS.iter().map(|id| self.metric_title(*id)));
            self.split_table(
                &mut out,
                kind,
                say!(w.segments_rates, segment = heading),
                columns,
                segments
                    .iter()
                    .map(|seg| {
                        let mut cells = vec![
                            SegmentCell::plain(self.count(seg.conversations)),
                            SegmentCell::plain(self.percent(seg.share)),
                        ];
                        cells.extend(
                            RESOLUTION_METRICS
                                .iter()
                                .map(|id| self.segment_cell(*id, seg, &review.currency)),
                        );
                        seg.row(cells)
                    })
                    .collect(),
            );
            let mut columns = vec![name_column];
            columns.extend(EXPERIENCE_METRICS.iter().map(|id| self.metric_title(*id)));
            self.split_table(
                &mut out,
                kind,
                say!(w.segments_experience, segment = heading),
                columns,
                segments
                    .iter()
                    .map(|seg| {
                        seg.row(
                            EXPERIENCE_METRICS
                                .iter()
                                .map(|id| self.segment_cell(*id, seg, &review.currency))
                                .collect(),
                        )
                    })
                    .collect(),
            );
        }
        out
    }

    /// Adds a table to `out`, in parts of at most [`ROWS_PER_TABLE`] rows.
    fn split_table(
        &self,
        out: &mut Vec<SegmentTable>,
        kind: &'static str,
        title: String,
        columns: Vec<&'static str>,
        rows: Vec<SegmentRow>,
    ) {
        let w = self.words;
        let parts = rows.len().div_ceil(ROWS_PER_TABLE).max(1);
        let mut rows = rows.into_iter().peekable();
        for part in 1..=parts {
            let chunk: Vec<SegmentRow> = rows.by_ref().take(ROWS_PER_TABLE).collect();
            let split = parts > 1;
            out.push(SegmentTable {
                kind,
                title: if split {
                    say!(w.table_part, title = title, part = part, parts = parts)
                } else {
                    title.clone()
                },
                base_title: title.clone(),
                first: part == 1,
                last: part == parts,
                note: (split && part == 1).then(|| say!(w.table_split_note, rows = ROWS_PER_TABLE)),
                columns: columns.clone(),
                rows: chunk,
            });
        }
    }

    fn segment_cell(&self, id: MetricId, seg: &Segment<'_>, currency: &str) -> SegmentCell {
        let m = seg.metrics.get(&id).copied().unwrap_or(SegmentMetric {
            value: None,
            previous: None,
        });
        let unit = id.unit();
        let value = self.value(m.value, unit, currency);
        let change = self.delta(m.value.zip(m.previous).map(|(v, p)| v - p), unit, currency);
        SegmentCell {
            combined: say!(self.words.value_with_change, value = value, change = change),
            value,
            change,
        }
    }

    /// One sentence per driver rate whose change is not within noise (SPEC §6.3), in
    /// report order: "Deflection rate +1.7 pp: +1.2 pp from channel mix (more web), +0.5 pp
    /// from rates within channels (whatsapp +4.1 pp)".
    pub fn driver_sentences(&self, review: &Review) -> Vec<String> {
        review
            .drivers
            .iter()
            .filter_map(|(id, driver)| Some((*id, driver.as_ref()?)))
            .filter(|(id, _)| {
                review
                    .metrics
                    .get(id)
                    .is_none_or(|m| m.significance != Significance::WithinNoise)
            })
            .map(|(id, d)| self.driver_sentence(id, d, review))
            .collect()
    }

    /// A part of a rate's change in percentage points, signed; a part that rounds to
    /// 0.0 pp reads "±0.0 pp", not "−0.0 pp".
    pub fn points(&self, x: f64) -> String {
        let shown = if (x * 1000.0).abs() < 0.5 { 0.0 } else { x };
        self.delta(Some(shown), Unit::Ratio, "")
    }

    /// The drivers sentence of one rate.
    /// A channel's name, or "N other channels" for the entry that sums the channels
    /// beyond `max_channels` (`None`).
    fn channel_name(&self, channel: Option<&str>, review: &Review) -> String {
        match channel {
            Some(name) => name.to_string(),
            None => {
                let count = review
                    .segments
                    .channels
                    .iter()
                    .find_map(|c| c.other_channels)
                    .unwrap_or(0);
                say!(self.words.other_channels, count = count)
            }
        }
    }

    pub fn driver_sentence(&self, id: MetricId, d: &Driver, review: &Review) -> String {
        let w = self.words;
        let pp = |x: f64| self.points(x);
        // The mix part names the channel that pushed the mix most in its direction; its
        // mix share has the sign of its share's move (rates are never negative).
        let mix_channel = d
            .by_channel
            .iter()
            .filter(|c| c.mix != 0.0 && (c.mix > 0.0) == (d.mix > 0.0))
            .max_by(|a, b| a.mix.abs().total_cmp(&b.mix.abs()))
            // A mix that shows as "no change" names no channel (SPEC §7.6).
            .filter(|_| !self.rounds_to_zero(d.mix, Unit::Ratio))
            .map(|c| {
                let phrase = if c.mix > 0.0 {
                    w.driver_more
                } else {
                    w.driver_less
                };
                say!(
                    phrase,
                    channel = self.channel_name(c.channel.as_deref(), review)
                )
            })
            .unwrap_or_default();
        // The rate part names the channel with the largest rate contribution, with its
        // own rate's move within the channel.
        let rate_channel = d
            .by_channel
            .iter()
            .filter(|c| c.rate != 0.0)
            .max_by(|a, b| a.rate.abs().total_cmp(&b.rate.abs()))
            .and_then(|c| {
                let seg = review
                    .segments
                    .channels
                    .iter()
                    .find(|s| s.channel == c.channel)?;
                let m = seg.metrics.get(&id)?;
                let change = m.value? - m.previous?;
                Some(say!(
                    w.driver_channel_rate,
                    channel = self.channel_name(c.channel.as_deref(), review),
                    delta = pp(change)
                ))
            })
            .unwrap_or_default();
        say!(
            w.driver_sentence,
            metric = self.metric_title(id),
            delta = pp(d.delta_abs),
            mix = pp(d.mix),
            mix_channel = mix_channel,
            rate = pp(d.rate),
            rate_channel = rate_channel
        )
    }

    /// Why there is no drivers sentence: nothing moved beyond noise, or no split exists
    /// (a month without conversations).
    pub fn drivers_none(&self, review: &Review) -> &'static str {
        if review.drivers.values().any(Option::is_some) {
            self.words.drivers_none
        } else {
            self.words.drivers_no_data
        }
    }

    /// The workload table and the answer to "Did the AI save money?".
    pub fn workload(&self, review: &Review) -> WorkloadView {
        let w = self.words;
        let wl = &review.workload;
        let currency = &review.currency;
        let provisional = |text: String| {
            if wl.provisional {
                format!("{text}{}", w.provisional_suffix)
            } else {
                text
            }
        };
        let count = |x: Option<f64>| {
            x.map_or_else(
                || self.no_data().to_string(),
                |v| self.count(v.round() as i64),
            )
        };
        let money = |x: Option<f64>| provisional(self.value(x, Unit::Money, currency));
        let count_change = |f: &Figure| self.count_change(f.delta_abs);
        // A change that shows as zero says so once, without a sign (SPEC §7.6); when only
        // the absolute change rounds away, the relative one is shown alone.
        let change = |f: &Figure, absolute: String| match f.delta_rel {
            Some(rel) if absolute == w.no_change => self.relative(Some(rel)),
            Some(rel) => format!("{absolute} ({})", self.relative(Some(rel))),
            None => absolute,
        };
        let money_row = |label, f: &Figure, estimate| WorkloadRow {
            label,
            value: money(f.value),
            previous: money(f.previous),
            change: change(f, self.delta(f.delta_abs, Unit::Money, currency)),
            estimate,
        };
        let count_row = |label, f: &Figure| WorkloadRow {
            label,
            value: count(f.value),
            previous: count(f.previous),
            change: change(f, count_change(f)),
            estimate: false,
        };
        let rows = vec![
            count_row(w.wl_human_handled, &wl.human_handled),
            count_row(w.wl_ai_resolutions, &wl.ai_resolutions),
            money_row(w.wl_labor_cost, &wl.labor_cost, false),
            money_row(
                w.wl_cost_per_ai_resolution,
                &wl.cost_per_ai_resolution,
                false,
            ),
            money_row(
                w.wl_labor_cost_per_human_handled,
                &wl.labor_cost_per_human_handled,
                false,
            ),
            money_row(
                w.wl_labor_cost_avoided_estimate,
                &wl.labor_cost_avoided_estimate,
                true,
            ),
        ];
        let human = &wl.human_handled;
        let mut answer: Vec<String> = human
            .value
            .map(|value| {
                say!(
                    w.savings_human_workload,
                    value = self.count(value.round() as i64),
                    change = match human.delta_rel {
                        Some(rel) if count_change(human) != w.no_change => format!(
                            "{}{}{}",
                            count_change(human),
                            w.comma,
                            self.relative(Some(rel))
                        ),
                        _ => count_change(human),
                    }
                )
            })
            .into_iter()
            .collect();
        let plain_money = |x: Option<f64>| self.value(x, Unit::Money, currency);
        let estimate = wl.labor_cost_avoided_estimate.value;
        let savings_args = |phrase: &str, amount: Option<f64>| {
            say!(
                phrase,
                amount = plain_money(amount),
                resolutions = count(wl.ai_resolutions.value),
                per_resolution = plain_money(wl.cost_per_ai_resolution.value),
                per_human = plain_money(wl.labor_cost_per_human_handled.value)
            )
        };
        answer.push(match wl.savings {
            Savings::Saved => savings_args(w.savings_saved, estimate),
            Savings::BrokeEven => savings_args(w.savings_broke_even, estimate),
            Savings::CostMore => savings_args(w.savings_cost_more, estimate.map(f64::abs)),
            Savings::Unknown => w.savings_unknown.to_string(),
        });
        if wl.provisional {
            answer.push(w.savings_provisional.to_string());
        }
        WorkloadView {
            intro: say!(w.workload_intro, currency = currency),
            rows,
            assumption: w.estimate_assumption,
            question: w.savings_question,
            answer,
            provisional: wl.provisional,
        }
    }

    /// The events inside the trend window, numbered as the charts mark them.
    pub fn events(&self, review: &Review) -> Vec<EventView> {
        review
            .annotations
            .iter()
            .filter(|a| a.in_trend)
            .enumerate()
            .map(|(i, a)| {
                let date = self.day(a.date);
                EventView {
                    number: i + 1,
                    text: say!(self.words.event_line, date = date, label = a.label),
                    date,
                    label: a.label.clone(),
                }
            })
            .collect()
    }
}

/// A channel or an issue key, as the tables read it.
struct Segment<'a> {
    name: String,
    unclassified: bool,
    conversations: i64,
    share: f64,
    metrics: &'a std::collections::BTreeMap<MetricId, SegmentMetric>,
}

impl Segment<'_> {
    fn row(&self, cells: Vec<SegmentCell>) -> SegmentRow {
        SegmentRow {
            name: self.name.clone(),
            unclassified: self.unclassified,
            cells,
        }
    }
}

impl SegmentCell {
    /// A figure without a change (conversations, share).
    fn plain(value: String) -> Self {
        Self {
            combined: value.clone(),
            value,
            change: String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::words::blanks;
    use super::super::Language;

    /// The SPEC §6 phrases: from `within_noise` to the end of the table.
    fn section6(language: Language) -> Vec<(&'static str, &'static str)> {
        let entries = language.words().entries();
        let start = entries
            .iter()
            .position(|(name, _)| *name == "within_noise")
            .expect("the §6 block");
        entries[start..].to_vec()
    }

    #[test]
    fn every_section6_phrase_has_the_same_blanks_and_no_english_in_chinese() {
        let en = section6(Language::En);
        let zh = section6(Language::ZhCn);
        assert_eq!(en.len(), zh.len());
        for ((name, en_text), (zh_name, zh_text)) in en.iter().zip(&zh) {
            assert_eq!(name, zh_name);
            assert_eq!(blanks(en_text), blanks(zh_text), "{name}");
            // Outside the blanks, only abbreviations read the same in both (AI, LLM,
            // CSAT): no English word of four letters or more.
            let mut words = String::new();
            let mut in_blank = false;
            for c in zh_text.chars() {
                match c {
                    '{' => in_blank = true,
                    '}' => in_blank = false,
                    c if !in_blank => words.push(c),
                    _ => {}
                }
            }
            let english = words
                .split(|c: char| !c.is_ascii_alphabetic())
                .find(|w| w.len() >= 4);
            assert_eq!(english, None, "{name}: {zh_text}");
            if !words.trim().is_empty() && name != &"confidence_interval" {
                assert!(
                    words
                        .chars()
                        .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
                        || words.chars().all(|c| !c.is_ascii_alphabetic()),
                    "{name}: {zh_text}"
                );
            }
        }
    }
}
