//! The emailed executive summary: an email-safe HTML body and its plain-text twin,
//! rendered through [`Templates`] from `templates/email.html` and `templates/email.txt`
//! (a template folder can override either by name, like the report's).
//!
//! Both bodies see the report's own context ([`view::context`]: `review`, `metrics`,
//! `view`), so the email says what the report says — the same scorecard, move
//! sentences, trap callouts and target formatting. Only what is the email's own is
//! added, as `email` ([`EmailView`]): the headline (also in the subject), the charts
//! shown inline and the sentence naming the attached files.
//!
//! Email clients are not browsers. Gmail drops `<style>` in many contexts and strips
//! `data:` images; Outlook for Windows renders with Word (no flexbox, no max-width on
//! divs, no SVG); Lark Mail and most clients block remote images. So `email.html` is a
//! fixed-width table layout with inline styles only, charts are PNG parts referenced by
//! `cid:`, and every number is also written as text, so the summary reads fully with
//! images blocked. `.html` templates HTML-escape every value from the data (ledger
//! categories, channel names, chart titles); `.txt` templates escape nothing.

use serde::Serialize;

use super::view::{self, ChartView, ReportView};
use super::{RenderError, Templates};
use crate::charts::Chart;
use crate::review::Review;

/// The template of the HTML body.
pub const HTML_TEMPLATE: &str = "email.html";
/// The template of the plain-text body.
pub const TEXT_TEMPLATE: &str = "email.txt";

/// A chart to show inline, with the Content-ID of its PNG part.
pub type InlineChart<'a> = (&'a str, &'a Chart);

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

/// What the email templates see as `email`, beside the report's context.
#[derive(Debug, Clone, Serialize)]
pub struct EmailView {
    /// "8 of 12 targets met, 2 traps triggered" (see [`headline`]).
    pub headline: String,
    /// The charts shown inline, in order (none in the plain-text body). The report's
    /// `view.charts` is empty in the email: these are the only charts it can show.
    pub charts: Vec<InlineChartView>,
    /// "The full report is attached: report.html (open in a browser) and …", or none.
    pub attached: Option<String>,
}

/// A chart shown inline: the report's view of it plus the Content-ID of its PNG part.
#[derive(Debug, Clone, Serialize)]
pub struct InlineChartView {
    /// For `<img src="cid:{{ chart.cid }}">`.
    pub cid: String,
    /// `name`, `title`, `description`, `width`, `height` as in the report.
    #[serde(flatten)]
    pub chart: ChartView,
}

/// "The full report is attached: report.html (open in a browser) and …", or `None`
/// when nothing is attached.
fn attached_sentence(attached: &[&str]) -> Option<String> {
    let described: Vec<String> = attached
        .iter()
        .map(|name| {
            let how = match *name {
                "report.html" => " (open in a browser)",
                "report-notion.zip" => " (import into Notion)",
                "report.docx" => " (Word; imports into Lark docs with its images)",
                _ => "",
            };
            format!("{name}{how}")
        })
        .collect();
    let list = match described.as_slice() {
        [] => return None,
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    };
    Some(format!("The full report is attached: {list}."))
}

/// The context of both bodies: the report's, plus `email`.
fn context(
    review: &Review,
    charts: &[InlineChart<'_>],
    attached: &[&str],
) -> Result<tera::Context, RenderError> {
    let view = ReportView::new(review, &[], false)?;
    let email = EmailView {
        headline: headline(review),
        charts: charts
            .iter()
            .map(|(cid, chart)| {
                Ok(InlineChartView {
                    cid: (*cid).to_string(),
                    chart: view::chart_view(chart, false)?,
                })
            })
            .collect::<Result<_, RenderError>>()?,
        attached: attached_sentence(attached),
    };
    let mut ctx = view::context(review, &view)?;
    view::insert(&mut ctx, "email", &email)?;
    Ok(ctx)
}

/// The email-safe HTML body (`email.html`). `charts` are shown in order, each
/// `<img src="cid:…">` pointing at a PNG part the caller attaches with the same
/// Content-ID; `attached` names the files attached to the same message.
pub fn email_html(
    review: &Review,
    charts: &[InlineChart<'_>],
    attached: &[&str],
    templates: &Templates,
) -> Result<String, RenderError> {
    templates.render(HTML_TEMPLATE, &context(review, charts, attached)?)
}

/// The plain-text alternative (`email.txt`, not escaped): everything the HTML says, in
/// reading order, without the charts. `attached` names the files attached to the same
/// message.
pub fn email_text(
    review: &Review,
    attached: &[&str],
    templates: &Templates,
) -> Result<String, RenderError> {
    templates.render(TEXT_TEMPLATE, &context(review, &[], attached)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_attached_files_are_named_in_one_sentence() {
        assert_eq!(attached_sentence(&[]), None);
        assert_eq!(
            attached_sentence(&["report.html"]).as_deref(),
            Some("The full report is attached: report.html (open in a browser).")
        );
        assert_eq!(
            attached_sentence(&["report.html", "report-notion.zip", "report.docx"]).as_deref(),
            Some("The full report is attached: report.html (open in a browser), report-notion.zip (import into Notion) and report.docx (Word; imports into Lark docs with its images).")
        );
    }
}
