//! A hand-built review and small real PNG charts for the report.docx tests.
//!
//! Three months (Aug–Oct 2026, UTC). October is built so that every part of the document
//! has something to show: all three traps fire (returns above target, few rating prompts,
//! no `llm` ledger line), 50 conversations are still open (provisional), and a few rows
//! break the data contract.

use crate::common::dec;
use std::collections::BTreeMap;

use aikpi::aggregates::{
    Aggregates, EndingAggregates, LedgerLine, ModelUsage, MonthAggregates, SourceInfo,
    AGGREGATES_FORMAT_VERSION,
};
use aikpi::outputs::docx::DocxError;
use aikpi::outputs::Chart;
use aikpi::period::Month;
use aikpi::presentation::document::Document;
use aikpi::presentation::view::ReportView;
use aikpi::presentation::{Language, Presentation};
use aikpi::review::settings::ReviewSettings;
use aikpi::review::{review, Review, ReviewContext};
use bigdecimal::BigDecimal;
use chrono::{DateTime, Utc};
use plotters::prelude::*;
use rust_decimal::Decimal;

/// Money and sentiment sums are exact at any size (`BigDecimal`).
fn big(s: &str) -> BigDecimal {
    s.parse().expect("a decimal")
}

/// One month of a plausible operation; `k` shifts the numbers from month to month.
fn month(year: i32, m: u32, k: i64) -> MonthAggregates {
    let month = Month::new(year, m).expect("fixture month");
    let (start, end) = month.bounds(chrono_tz::UTC);
    let mut a = MonthAggregates::empty(month, start, end);
    let c = &mut a.conversations;
    c.total = 10_000;
    c.ai_participated = 9_500 + 20 * k;
    c.closed = 9_950;
    c.open = 50;
    c.returned_24h = 900 + 150 * k;
    c.deflected = 4_800 + 200 * k;
    c.naive_deflected = 6_500;
    c.deflected_frustrated_exits = 300 + 40 * k;
    c.handoffs.total = 2_800 - 50 * k;
    c.handoffs.by_ai = 1_700;
    c.handoffs.by_user = 1_000 - 50 * k;
    c.handoffs.unknown_initiator = 100;
    c.first_response.measured = 9_500;
    c.first_response.p50_seconds = Some(1.25 - 0.05 * k as f64);
    c.first_response.p90_seconds = Some(3.5 - 0.3 * k as f64);
    c.handle_time.measured = 9_900;
    c.handle_time.total_micros = Decimal::from(9_900i64 * (330 - 10 * k) * 1_000_000);
    c.csat_ai.rated = 3_000;
    c.csat_ai.sum = 12_900 + 30 * k;
    c.csat_human.rated = 800;
    c.csat_human.sum = 3_640 - 10 * k;
    c.sentiment.scored = 9_000;
    c.sentiment.sum = BigDecimal::from(2_700 + 30 * k);
    c.closed_rating_prompted = 7_000;
    let ending = |closed, rating_prompted, ai_rated, ai_rating_sum| EndingAggregates {
        closed,
        rating_prompted,
        ai_rated,
        ai_rating_sum,
    };
    c.endings = BTreeMap::from([
        ("resolved".to_string(), ending(6_000, 5_700, 2_600, 11_700)),
        ("user_left".to_string(), ending(2_000, 800, 250, 700)),
        ("timeout".to_string(), ending(1_000, 300, 100, 300)),
        ("agent_closed".to_string(), ending(950, 200, 50, 200)),
    ]);
    c.channels = BTreeMap::from([
        ("web".to_string(), 5_200),
        ("app".to_string(), 3_000),
        ("email".to_string(), 1_800),
    ]);
    c.quality.unclassified = 800;
    c.quality.negative_first_response = 12;
    c.quality.ai_csat_out_of_range = 3;
    a.llm_usage.calls = 45_000;
    a.llm_usage.cost = big("4200.50") + BigDecimal::from(100 * k);
    a.llm_usage.background_cost = big("300");
    a.llm_usage.by_model = vec![
        ModelUsage {
            model: "gpt-4o".into(),
            calls: 5_000,
            cost: big("1200") + BigDecimal::from(100 * k),
        },
        ModelUsage {
            model: "gpt-4o-mini".into(),
            calls: 40_000,
            cost: big("3000.50"),
        },
    ];
    a.ledger = vec![
        LedgerLine {
            category: "cloud_services".into(),
            amount: big("5000"),
        },
        LedgerLine {
            category: "infra".into(),
            amount: big("2500"),
        },
        LedgerLine {
            category: "labor".into(),
            amount: big("30000") - BigDecimal::from(500 * k),
        },
    ];
    a.kb_evals.evaluated = 500;
    a.kb_evals.top1_hits = 400 + 5 * k;
    a.kb_evals.nothing_retrieved = 20;
    a.reply_edits.edited = 300;
    a.reply_edits.fed_back = 120 + 10 * k;
    a
}

/// The fixture's aggregates: August, September and October 2026.
pub fn aggregates() -> Aggregates {
    Aggregates {
        format_version: AGGREGATES_FORMAT_VERSION,
        source: SourceInfo {
            kind: "postgres".into(),
            location: "postgres://aikpi:***@db.internal/support".into(),
            schema: "public".into(),
            note: None,
        },
        time_zone: "UTC".into(),
        read_at: at("2026-11-03T06:00:00Z"),
        frustrated_sentiment_min: dec("0.5"),
        months: vec![month(2026, 8, 0), month(2026, 9, 1), month(2026, 10, 2)],
        absent_relations: Vec::new(),
    }
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("fixture instant")
}

/// The October 2026 review of the fixture.
pub fn october_review() -> Review {
    review_of(&aggregates(), false)
}

/// The review of some aggregates, generated at a fixed instant.
pub fn review_of(aggregates: &Aggregates, sample: bool) -> Review {
    review(
        aggregates,
        &ReviewSettings::default(),
        &ReviewContext {
            generated_at: at("2026-11-03T07:30:00Z"),
            sample,
            language: "en".to_string(),
        },
    )
    .expect("fixture aggregates are valid")
}

/// A small chart drawn with plotters (shapes only: no font needed) and PNG-encoded.
pub fn chart(name: &str, title: &str, width: u32, height: u32, seed: u32) -> Chart {
    let mut rgb = vec![0u8; (width * height * 3) as usize];
    {
        let area = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        area.fill(&WHITE).expect("fill");
        let (w, h) = (width as i32, height as i32);
        for x in (0..w).step_by(40) {
            area.draw(&PathElement::new(
                vec![(x, 0), (x, h)],
                RGBColor(230, 230, 230),
            ))
            .expect("grid");
        }
        let points: Vec<(i32, i32)> = (0..6)
            .map(|i| {
                let y = h / 2 + ((i * 37 + seed as i32 * 11) % 60) - 30;
                (20 + i * (w - 40) / 5, y)
            })
            .collect();
        area.draw(&PathElement::new(points.clone(), BLUE.stroke_width(3)))
            .expect("line");
        for p in points {
            area.draw(&Circle::new(p, 5, RED.filled())).expect("dot");
        }
    }
    let mut png = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().expect("png header");
        writer.write_image_data(&rgb).expect("png data");
    }
    Chart {
        name: name.into(),
        title: title.into(),
        description: format!("{title}, month by month over the trend window."),
        png,
        svg: String::new(),
    }
}

/// Three distinct charts, as `charts::draw_all` would return them.
pub fn charts() -> Vec<Chart> {
    vec![
        chart(
            "deflection_vs_return",
            "Deflection vs 24h return rate",
            800,
            400,
            1,
        ),
        chart("csat", "CSAT (AI and human)", 800, 400, 2),
        chart("cost_breakdown", "Cost breakdown by month", 640, 480, 3),
    ]
}

/// The Word document of a review in a language, as `report --format docx` writes it.
pub fn render_docx_in(
    review: &Review,
    charts: &[Chart],
    language: Language,
) -> Result<Vec<u8>, DocxError> {
    let p = Presentation::new(language);
    let view = ReportView::new(review, &p);
    let document = Document::new(review, &view, &p);
    aikpi::outputs::docx::render_docx(&document, &view.generated_iso, &p, charts)
}

/// The Word document of a review in English.
pub fn render_docx(review: &Review, charts: &[Chart]) -> Result<Vec<u8>, DocxError> {
    render_docx_in(review, charts, Language::En)
}
