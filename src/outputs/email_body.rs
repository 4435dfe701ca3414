//! The emailed executive summary: an email-safe HTML body and its plain-text twin,
//! rendered through [`Templates`] from `templates/email.html` and `templates/email.txt`
//! (a template folder can override either by name, like the report's).
//!
//! Both bodies see the report's own context ([`templates::context`]: `review`,
//! `metrics`, `view`, `w`), so the email says what the report says — the same scorecard, move
//! sentences, trap callouts and target formatting. Only what is the email's own is
//! added, as `email` ([`EmailView`]): the headline (also in the subject), the charts
//! shown inline and the sentence naming the attached files.
//!
//! Email clients are not browsers. Gmail drops `<style>` in many contexts and strips
//! `data:` images; Outlook for Windows renders with Word (no flexbox, no max-width on
//! divs, no SVG); Lark Mail and most clients block remote images. So `email.html` is a
//! table layout fluid up to 640 px (held at 640 px for Outlook by a conditional table),
//! with inline styles only, charts are PNG parts referenced by
//! `cid:`, and every number is also written as text, so the summary reads fully with
//! images blocked. `.html` templates HTML-escape every value from the data (ledger
//! categories, channel names, chart titles); `.txt` templates escape nothing.

use serde::Serialize;

use super::templates::{self, insert};
use super::{chart_view, Chart, File, FormatError, Input, Output, RenderError};
use crate::presentation::view::ChartView;
use crate::presentation::Presentation;
use crate::review::Review;
use crate::say;

/// The template of the HTML body.
pub const HTML_TEMPLATE: &str = "email.html";
/// The template of the plain-text body.
pub const TEXT_TEMPLATE: &str = "email.txt";

/// A chart to show inline, with the Content-ID of its PNG part.
pub type InlineChart<'a> = (&'a str, &'a Chart);

/// The email-safe HTML body (`email.html`). `inline` charts are shown in order, each
/// `<img src="cid:…">` pointing at a PNG part the caller attaches with the same
/// Content-ID; `attached` names the files attached to the same message.
#[derive(Debug, Clone, Copy)]
pub struct EmailHtml<'a> {
    pub inline: &'a [InlineChart<'a>],
    pub attached: &'a [&'a str],
}

/// The plain-text alternative (`email.txt`, not escaped): everything the HTML says, in
/// reading order, without the charts.
#[derive(Debug, Clone, Copy)]
pub struct EmailText<'a> {
    pub attached: &'a [&'a str],
}

impl Output for EmailHtml<'_> {
    fn name(&self) -> &'static str {
        "email-html"
    }

    fn render(&self, input: &Input<'_>) -> Result<Vec<File>, FormatError> {
        let body = render(input, HTML_TEMPLATE, self.inline, self.attached)?;
        Ok(vec![File::new(HTML_TEMPLATE, body)])
    }
}

impl Output for EmailText<'_> {
    fn name(&self) -> &'static str {
        "email-text"
    }

    fn render(&self, input: &Input<'_>) -> Result<Vec<File>, FormatError> {
        let body = render(input, TEXT_TEMPLATE, &[], self.attached)?;
        Ok(vec![File::new(TEXT_TEMPLATE, body)])
    }
}

/// The one-line verdict used in the subject and at the top of both bodies:
/// "9 of 12 targets met, 1 trap triggered".
pub fn headline(review: &Review, p: &Presentation) -> String {
    let w = p.words;
    let s = &review.summary;
    let traps = match s.triggered_traps.len() {
        0 => w.email_no_traps.to_string(),
        1 => w.email_one_trap.to_string(),
        n => say!(w.email_traps, count = n),
    };
    let mut out = say!(
        w.email_headline,
        met = s.met,
        counted = s.counted,
        traps = traps
    );
    if review.settling.provisional || review.cost_breakdown.provisional {
        out.push_str(w.email_provisional);
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
fn attached_sentence(attached: &[&str], p: &Presentation) -> Option<String> {
    let w = p.words;
    let described: Vec<String> = attached
        .iter()
        .map(|name| {
            let how = match *name {
                "report.html" => w.email_attached_html,
                "report-notion.zip" => w.email_attached_zip,
                "report.docx" => w.email_attached_docx,
                "report.pdf" => w.email_attached_pdf,
                _ => "{name}",
            };
            say!(how, name = name)
        })
        .collect();
    let list = match described.as_slice() {
        [] => return None,
        [one] => one.clone(),
        [init @ .., last] => format!("{}{}{last}", init.join(w.list_separator), w.email_and),
    };
    Some(say!(w.email_attached, list = list))
}

/// Renders one body: the report's context plus `email`.
fn render(
    input: &Input<'_>,
    template: &str,
    charts: &[InlineChart<'_>],
    attached: &[&str],
) -> Result<String, RenderError> {
    let p = input.presentation;
    let email = EmailView {
        headline: headline(input.review, p),
        charts: charts
            .iter()
            .map(|(cid, chart)| {
                Ok(InlineChartView {
                    cid: (*cid).to_string(),
                    chart: chart_view(chart, p, false)?,
                })
            })
            .collect::<Result<_, RenderError>>()?,
        attached: attached_sentence(attached, p),
    };
    let mut ctx = templates::context(input.review, input.view, input.document, p)?;
    insert(&mut ctx, "email", &email)?;
    input.templates.render(template, &ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn en() -> Presentation {
        Presentation::default()
    }

    #[test]
    fn the_attached_files_are_named_in_one_sentence() {
        assert_eq!(attached_sentence(&[], &en()), None);
        assert_eq!(
            attached_sentence(&["report.html"], &en()).as_deref(),
            Some("The full report is attached: report.html (open in a browser).")
        );
        assert_eq!(
            attached_sentence(&["report.html", "report-notion.zip", "report.docx"], &en()).as_deref(),
            Some("The full report is attached: report.html (open in a browser), report-notion.zip (import into Notion) and report.docx (Word; imports into Lark docs with its images).")
        );
    }
}
