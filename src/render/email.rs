//! The emailed executive summary: an email-safe HTML body and its plain-text twin.
//!
//! Email clients are not browsers. Gmail drops `<style>` in many contexts and strips
//! `data:` images; Outlook for Windows renders with Word (no flexbox, no max-width on
//! divs, no SVG); Lark Mail and most clients block remote images. So the HTML is a
//! fixed-width table layout with inline styles only, charts are PNG parts referenced by
//! `cid:`, and every number is also written as text, so the summary reads fully with
//! images blocked. Every string that comes from the data (ledger categories, source
//! notes, chart titles) is HTML-escaped.
//!
//! These are plain functions for now; they may move into the tera templates later.

use std::fmt::Write as _;

use crate::charts::Chart;
use crate::render::format;
use crate::review::metrics::{Layer, MetricId, Unit};
use crate::review::{MetricReport, Move, Review};

/// Width of the message column in pixels (within the 600–680 px most clients show unscaled).
pub const EMAIL_WIDTH_PX: u32 = 640;
/// Horizontal padding inside the column.
const PAD_PX: u32 = 24;

/// A chart to show inline, with the Content-ID of its PNG part.
pub type InlineChart<'a> = (&'a str, &'a Chart);

/// The report month for people: "October 2026".
pub fn month_name(review: &Review) -> String {
    review.month.first_day().format("%B %Y").to_string()
}

/// The one-line verdict used in the subject and at the top of both bodies:
/// "9 of 12 targets met, 1 trap triggered".
pub fn headline(review: &Review) -> String {
    let s = &review.summary;
    let traps = match s.triggered_traps.len() {
        0 => "no traps triggered".to_string(),
        1 => "1 trap triggered".to_string(),
        n => format!("{n} traps triggered"),
    };
    let mut out = format!("{} of {} targets met, {traps}", s.met, s.counted);
    if review.settling.provisional || review.cost_breakdown.provisional {
        out.push_str(" (provisional)");
    }
    if review.sample {
        out.push_str(" [sample data]");
    }
    out
}

/// One trap callout, written for executives: what the number hides, what to check.
struct Callout {
    title: &'static str,
    hides: &'static str,
    evidence: Vec<String>,
    check: &'static str,
}

fn opt_percent(x: Option<f64>) -> String {
    x.map(format::percent)
        .unwrap_or_else(|| format::NO_DATA.to_string())
}

fn opt_rating(x: Option<f64>) -> String {
    format::value(x, Unit::Rating, "")
}

fn callouts(review: &Review) -> Vec<Callout> {
    let t = &review.traps;
    let cur = review.currency.as_str();
    let mut out = Vec::new();
    if t.faking_deflection.triggered {
        let e = &t.faking_deflection.evidence;
        out.push(Callout {
            title: "Deflection may include customers who gave up",
            hides: "Some conversations counted as resolved by the AI may be customers who left or came back.",
            evidence: vec![
                format!("deflection {}", opt_percent(e.deflection_rate)),
                format!("naive deflection {}", opt_percent(e.naive_deflection_rate)),
                format!("24h return rate {}", opt_percent(e.return_rate_24h)),
                format!(
                    "frustrated exits {} of deflected",
                    opt_percent(e.frustrated_exit_share)
                ),
            ],
            check: "Read deflection together with the 24h return rate, and sample deflected conversations that ended with the user leaving or timing out.",
        });
    }
    if t.inflated_csat.triggered {
        let e = &t.inflated_csat.evidence;
        out.push(Callout {
            title: "CSAT may be flattered by who gets asked",
            hides: "Ratings are not requested on every closed conversation, so the average may over-represent happy endings.",
            evidence: vec![
                format!("prompt coverage {}", opt_percent(e.prompt_coverage)),
                format!(
                    "asked on resolved endings {} vs other endings {}",
                    opt_percent(e.positive_ending_prompt_rate),
                    opt_percent(e.other_ending_prompt_rate)
                ),
                format!(
                    "CSAT (AI) reported {} vs {} outcome-weighted",
                    opt_rating(e.csat_ai),
                    opt_rating(e.outcome_weighted_csat_ai)
                ),
            ],
            check: "Prompt for a rating on every closure, whatever the ending.",
        });
    }
    if t.hidden_llm_cost.triggered {
        let e = &t.hidden_llm_cost.evidence;
        let mut evidence = vec![
            format!("metered LLM {}", format::money(e.metered_llm_cost, cur)),
            format!("booked as LLM {}", format::money(e.booked_llm_cost, cur)),
            format!("gap {}", format::money(e.gap, cur)),
        ];
        if let Some(other) = &e.largest_other_category {
            evidence.push(format!(
                "probably inside \"{}\" ({})",
                other.category,
                format::money(other.amount, cur)
            ));
        }
        out.push(Callout {
            title: "LLM spend is not booked as its own line",
            hides: "Finance's ledger shows less LLM cost than the gateway metered; the rest is likely booked under another category.",
            evidence,
            check: "Ask finance to book LLM tokens as a separate ledger line each month.",
        });
    }
    out
}

/// Notes that qualify the numbers: sample data, settling, provisional cost, unbooked ledger.
fn caveats(review: &Review) -> Vec<String> {
    let mut notes = Vec::new();
    if review.sample {
        notes.push(
            "Sample data: rendered from the sample shipped with aikpi, not from a real operation."
                .to_string(),
        );
    }
    notes.extend(review.settling.notes.iter().cloned());
    let cost = &review.cost_breakdown;
    if cost.provisional {
        notes.push(format!(
            "provisional cost: no ledger line yet for {}",
            cost.missing_categories.join(", ")
        ));
    }
    if !review.traps.hidden_llm_cost.judged {
        notes
            .push("ledger not yet booked: the hidden-LLM-cost check waits for finance".to_string());
    }
    notes
}

/// A metric's target in its unit: "> 95.0%", "45.0% – 70.0%", "lower than last month".
fn target_text(m: &MetricReport, currency: &str) -> String {
    let v = |x: f64| format::value(Some(x), m.unit, currency);
    let t = &m.target;
    let text = match t.kind.as_str() {
        "above" => t.threshold.map(|x| format!("> {}", v(x))),
        "below" => t.threshold.map(|x| format!("< {}", v(x))),
        "range" => t
            .min
            .zip(t.max)
            .map(|(a, b)| format!("{} – {}", v(a), v(b))),
        "lower_than_previous" => Some("lower than last month".to_string()),
        _ => None,
    };
    text.unwrap_or_else(|| t.text.clone())
}

/// "+1.2 pp, better" or "–" without a previous month.
fn change_text(m: &MetricReport, currency: &str) -> String {
    match m.delta_abs {
        None => "–".to_string(),
        Some(_) => format!(
            "{}, {}",
            format::delta(m.delta_abs, m.unit, currency),
            format::movement(m.movement)
        ),
    }
}

/// "CSAT (AI) 4.50 (+0.20, +4.6%)".
fn move_text(mv: &Move, review: &Review) -> String {
    let unit = mv.id.unit();
    let cur = review.currency.as_str();
    format!(
        "{} {} ({}, {})",
        mv.title,
        format::value(mv.value, unit, cur),
        format::delta(Some(mv.delta_abs), unit, cur),
        format::relative(Some(mv.delta_rel))
    )
}

fn metrics_by_layer(review: &Review) -> Vec<(Layer, Vec<&MetricReport>)> {
    Layer::ALL
        .iter()
        .map(|&layer| {
            let rows = review
                .metrics
                .values()
                .filter(|m| m.id.layer() == layer)
                .collect();
            (layer, rows)
        })
        .collect()
}

fn cost_text(review: &Review) -> String {
    let c = &review.cost_breakdown;
    let cur = review.currency.as_str();
    let per = review
        .metrics
        .get(&MetricId::CostPerConversation)
        .map(|m| format::value(m.value, m.unit, cur))
        .unwrap_or_else(|| format::NO_DATA.to_string());
    format!(
        "{per} per conversation; month total {} = LLM {} (metered) + infra {} + labor {}{}",
        format::money(c.total, cur),
        format::money(c.llm, cur),
        format::money(c.infra, cur),
        format::money(c.labor, cur),
        if c.provisional { " (provisional)" } else { "" }
    )
}

/// "The full report is attached: report.html (open in a browser) and …", or `None`
/// when nothing is attached.
fn attached_sentence(attached: &[&str], bold: fn(&str) -> String) -> Option<String> {
    let described: Vec<String> = attached
        .iter()
        .map(|name| {
            let how = match *name {
                "report.html" => " (open in a browser)",
                "report-notion.zip" => " (import into Notion)",
                "report.docx" => " (Word; imports into Lark docs with its images)",
                _ => "",
            };
            format!("{}{how}", bold(name))
        })
        .collect();
    let list = match described.as_slice() {
        [] => return None,
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    };
    let verb = if described.len() == 1 { "is" } else { "are" };
    Some(format!("The full report {verb} attached: {list}."))
}

fn footer_text(review: &Review) -> String {
    let p = &review.provenance;
    format!(
        "Generated by aikpi {} on {} from {} data (schema {}, time zone {}).",
        p.tool_version,
        p.generated_at.format("%Y-%m-%d %H:%M UTC"),
        p.source_kind,
        p.schema,
        p.time_zone
    )
}

/// The plain-text alternative: everything the HTML says, in reading order.
/// `attached` names the files attached to the same message.
pub fn email_text(review: &Review, attached: &[&str]) -> String {
    let cur = review.currency.as_str();
    let s = &review.summary;
    let mut t = String::new();
    let title = format!("Support monthly business review: {}", month_name(review));
    let _ = writeln!(t, "{title}\n{}\n", "=".repeat(title.chars().count()));
    let _ = writeln!(t, "{}", headline(review));
    let _ = writeln!(
        t,
        "{} met · {} missed · {} no data (of {} metrics)\n",
        s.met, s.missed, s.no_data, s.counted
    );
    let notes = caveats(review);
    for note in &notes {
        let _ = writeln!(t, "! {note}");
    }
    if !notes.is_empty() {
        t.push('\n');
    }

    let callouts = callouts(review);
    if !callouts.is_empty() {
        let _ = writeln!(t, "WATCH OUT");
        for c in &callouts {
            let _ = writeln!(t, "* {}", c.title);
            let _ = writeln!(t, "  {}", c.hides);
            let _ = writeln!(t, "  Evidence: {}.", c.evidence.join("; "));
            let _ = writeln!(t, "  Check: {}", c.check);
        }
        t.push('\n');
    }

    for (heading, moves) in [
        ("BETTER THAN LAST MONTH", &s.better_moves),
        ("WORSE THAN LAST MONTH", &s.worse_moves),
    ] {
        if !moves.is_empty() {
            let _ = writeln!(t, "{heading}");
            for mv in moves {
                let _ = writeln!(t, "* {}", move_text(mv, review));
            }
            t.push('\n');
        }
    }

    let _ = writeln!(t, "ALL METRICS");
    for (layer, rows) in metrics_by_layer(review) {
        let _ = writeln!(t, "{}. {}", layer.number(), layer.title());
        for m in rows {
            let _ = writeln!(
                t,
                "  - {}: {} (target {}) {}; vs last month {}",
                m.title,
                format::value(m.value, m.unit, cur),
                target_text(m, cur),
                format::status_badge(m.status),
                change_text(m, cur)
            );
        }
    }
    let _ = writeln!(t, "\nCOST\n  {}\n", cost_text(review));
    if let Some(sentence) = attached_sentence(attached, |name| name.to_string()) {
        let _ = writeln!(t, "{sentence}");
    }
    let _ = writeln!(t, "{}", footer_text(review));
    t
}

/// Escapes text for HTML element content and double-quoted attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

// Colours with text labels beside them: status is never carried by colour alone.
const INK: &str = "#111827";
const MUTED: &str = "#4b5563";
const RULE: &str = "#e5e7eb";
const FONT: &str = "Arial, Helvetica, sans-serif";

fn status_style(status: crate::review::status::Status) -> (&'static str, &'static str) {
    use crate::review::status::Status;
    match status {
        Status::Met => ("#166534", "#dcfce7"),
        Status::Missed => ("#991b1b", "#fee2e2"),
        Status::NoData => ("#374151", "#f3f4f6"),
    }
}

/// A full-width row of the message column.
fn row(html: &mut String, style: &str, inner: &str) {
    let _ = writeln!(
        html,
        "<tr><td style=\"padding:0 {PAD_PX}px;{style}\">{inner}</td></tr>"
    );
}

fn section_heading(html: &mut String, text: &str) {
    row(
        html,
        "padding-top:20px;",
        &format!(
            "<h2 style=\"margin:0 0 8px 0;font-family:{FONT};font-size:16px;line-height:22px;color:{INK};\">{}</h2>",
            escape_html(text)
        ),
    );
}

fn paragraph(text_html: &str, color: &str) -> String {
    format!(
        "<p style=\"margin:0 0 8px 0;font-family:{FONT};font-size:14px;line-height:20px;color:{color};\">{text_html}</p>"
    )
}

/// The email-safe HTML body. `charts` are shown in order, each `<img src="cid:…">`
/// pointing at a PNG part the caller attaches with the same Content-ID; `attached`
/// names the files attached to the same message.
pub fn email_html(review: &Review, charts: &[InlineChart<'_>], attached: &[&str]) -> String {
    let cur = review.currency.as_str();
    let s = &review.summary;
    let month = month_name(review);
    let headline = headline(review);
    let mut h = String::new();
    let _ = writeln!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"color-scheme\" content=\"light\">\n<title>Support MBR {}</title>\n</head>",
        escape_html(&month)
    );
    let _ = writeln!(
        h,
        "<body style=\"margin:0;padding:0;background-color:#f3f4f6;\">"
    );
    // The inbox preview line; hidden in the body itself.
    let _ = writeln!(
        h,
        "<div style=\"display:none;max-height:0;overflow:hidden;mso-hide:all;\">{}</div>",
        escape_html(&headline)
    );
    let _ = writeln!(
        h,
        "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"background-color:#f3f4f6;\"><tr><td align=\"center\" style=\"padding:24px 8px;\">"
    );
    let _ = writeln!(
        h,
        "<table role=\"presentation\" width=\"{EMAIL_WIDTH_PX}\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"width:{EMAIL_WIDTH_PX}px;max-width:{EMAIL_WIDTH_PX}px;background-color:#ffffff;border:1px solid {RULE};\">"
    );

    // Title and headline.
    row(
        &mut h,
        "padding-top:24px;",
        &format!(
            "<p style=\"margin:0;font-family:{FONT};font-size:13px;line-height:18px;color:{MUTED};text-transform:uppercase;letter-spacing:1px;\">Support monthly business review</p>\
             <h1 style=\"margin:4px 0 12px 0;font-family:{FONT};font-size:24px;line-height:30px;color:{INK};\">{}</h1>",
            escape_html(&month)
        ),
    );
    row(
        &mut h,
        "",
        &format!(
            "<p style=\"margin:0 0 4px 0;font-family:{FONT};font-size:20px;line-height:26px;font-weight:bold;color:{INK};\">{}</p>{}",
            escape_html(&headline),
            paragraph(
                &escape_html(&format!(
                    "{} met · {} missed · {} no data (of {} metrics)",
                    s.met, s.missed, s.no_data, s.counted
                )),
                MUTED
            )
        ),
    );

    // Caveats in a neutral box: they qualify every number below.
    let notes = caveats(review);
    if !notes.is_empty() {
        let items: String = notes
            .iter()
            .map(|n| paragraph(&escape_html(n), "#78350f"))
            .collect();
        row(
            &mut h,
            "padding-top:8px;",
            &format!(
                "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\"><tr><td style=\"padding:10px 12px 2px 12px;background-color:#fef3c7;border-left:4px solid #d97706;\">{items}</td></tr></table>"
            ),
        );
    }

    // Trap callouts.
    let callouts = callouts(review);
    if !callouts.is_empty() {
        section_heading(&mut h, "Watch out");
        for c in &callouts {
            let evidence = escape_html(&c.evidence.join(" · "));
            row(
                &mut h,
                "padding-bottom:10px;",
                &format!(
                    "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\"><tr><td style=\"padding:10px 12px 2px 12px;background-color:#fef2f2;border-left:4px solid #dc2626;\">{}{}{}{}</td></tr></table>",
                    paragraph(&format!("<strong>{}</strong>", escape_html(c.title)), INK),
                    paragraph(&escape_html(c.hides), INK),
                    paragraph(&format!("Evidence: {evidence}."), INK),
                    paragraph(&format!("Check: {}", escape_html(c.check)), MUTED),
                ),
            );
        }
    }

    // The biggest moves.
    for (heading, moves) in [
        ("Better than last month", &s.better_moves),
        ("Worse than last month", &s.worse_moves),
    ] {
        if moves.is_empty() {
            continue;
        }
        section_heading(&mut h, heading);
        let items: String = moves
            .iter()
            .map(|mv| paragraph(&format!("• {}", escape_html(&move_text(mv, review))), INK))
            .collect();
        row(&mut h, "", &items);
    }

    // All metrics, layer by layer.
    section_heading(&mut h, "All metrics");
    let th = |text: &str, align: &str| {
        format!(
            "<th align=\"{align}\" style=\"padding:6px 4px;border-bottom:2px solid {RULE};font-family:{FONT};font-size:12px;line-height:16px;color:{MUTED};text-align:{align};\">{text}</th>"
        )
    };
    let mut table = format!(
        "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\"><tr>{}{}{}{}{}</tr>\n",
        th("Metric", "left"),
        th("Value", "right"),
        th("Target", "right"),
        th("Status", "center"),
        th("vs last month", "right")
    );
    let td = |text_html: &str, align: &str| {
        format!(
            "<td align=\"{align}\" style=\"padding:6px 4px;border-bottom:1px solid {RULE};font-family:{FONT};font-size:13px;line-height:18px;color:{INK};text-align:{align};\">{text_html}</td>"
        )
    };
    for (layer, rows) in metrics_by_layer(review) {
        let _ = writeln!(
            table,
            "<tr><td colspan=\"5\" style=\"padding:10px 4px 4px 4px;font-family:{FONT};font-size:12px;line-height:16px;font-weight:bold;color:{MUTED};text-transform:uppercase;\">{}. {}</td></tr>",
            layer.number(),
            escape_html(layer.title())
        );
        for m in rows {
            let (fg, bg) = status_style(m.status);
            let badge = format!(
                "<span style=\"display:inline-block;padding:1px 8px;border-radius:10px;background-color:{bg};color:{fg};font-weight:bold;white-space:nowrap;\">{}</span>",
                escape_html(format::status(m.status))
            );
            let _ = writeln!(
                table,
                "<tr>{}{}{}{}{}</tr>",
                td(&escape_html(&m.title), "left"),
                td(
                    &format!(
                        "<strong>{}</strong>",
                        escape_html(&format::value(m.value, m.unit, cur))
                    ),
                    "right"
                ),
                td(&escape_html(&target_text(m, cur)), "right"),
                td(&badge, "center"),
                td(&escape_html(&change_text(m, cur)), "right"),
            );
        }
    }
    table.push_str("</table>");
    row(&mut h, "", &table);

    section_heading(&mut h, "Cost");
    row(
        &mut h,
        "",
        &paragraph(&escape_html(&cost_text(review)), INK),
    );

    // Key charts, PNG by Content-ID; the alt text carries the message when images are blocked.
    if !charts.is_empty() {
        section_heading(&mut h, "Key charts");
        let img_width = EMAIL_WIDTH_PX - 2 * PAD_PX;
        for (cid, chart) in charts {
            row(
                &mut h,
                "padding-bottom:12px;",
                &format!(
                    "<img src=\"cid:{}\" width=\"{img_width}\" alt=\"{}\" style=\"display:block;width:100%;max-width:{img_width}px;height:auto;border:0;outline:none;text-decoration:none;font-family:{FONT};font-size:13px;color:{MUTED};\">{}",
                    escape_html(cid),
                    escape_html(&format!("{}: {}", chart.title, chart.description)),
                    paragraph(
                        &format!(
                            "<strong>{}</strong> — {}",
                            escape_html(&chart.title),
                            escape_html(&chart.description)
                        ),
                        MUTED
                    )
                ),
            );
        }
    }

    // Footer.
    row(
        &mut h,
        &format!("padding-top:16px;padding-bottom:24px;border-top:1px solid {RULE};"),
        &format!(
            "{}{}",
            attached_sentence(attached, |name| format!(
                "<strong>{}</strong>",
                escape_html(name)
            ))
            .map(|s| paragraph(&s, MUTED))
            .unwrap_or_default(),
            paragraph(&escape_html(&footer_text(review)), MUTED)
        ),
    );
    h.push_str("</table>\n</td></tr></table>\n</body>\n</html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escaping_covers_markup_and_attribute_quotes() {
        assert_eq!(
            escape_html(r#"<script>alert("x&y")</script> it's"#),
            "&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt; it&#39;s"
        );
    }
}
