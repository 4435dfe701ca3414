//! The document's outline and blocks, checked on the shipped sample.

use super::*;
use crate::aggregates::Aggregates;
use crate::presentation::Language;
use crate::review::settings::ReviewSettings;
use crate::review::{review, Review, ReviewContext};

fn sample_review() -> Review {
    let aggregates: Aggregates =
        serde_json::from_str(include_str!("../../../samples/aggregates.json")).expect("sample");
    review(
        &aggregates,
        &ReviewSettings::default(),
        &ReviewContext {
            generated_at: "2026-11-02T08:00:00Z".parse().expect("instant"),
            sample: true,
            language: "en".to_string(),
        },
    )
    .expect("the sample reviews")
}

fn view_and_presentation(language: Language) -> (Review, ReportView, Presentation) {
    let p = Presentation::new(language);
    let review = sample_review();
    let view = ReportView::new(&review, &p);
    (review, view, p)
}

fn charts_in(section: &Section) -> Vec<&ChartBlock> {
    section
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Chart(c) => Some(c),
            _ => None,
        })
        .collect()
}

#[test]
fn the_outline_is_twelve_sections_in_report_order_headed_in_the_language() {
    for language in Language::ALL {
        let (review, view, p) = view_and_presentation(language);
        let doc = Document::new(&review, &view, &p);
        let ids: Vec<SectionId> = doc.sections.iter().map(|s| s.id).collect();
        assert_eq!(
            ids,
            [
                SectionId::Summary,
                SectionId::Traps,
                SectionId::Metrics,
                SectionId::Drivers,
                SectionId::Trends,
                SectionId::Segments,
                SectionId::Workload,
                SectionId::Cost,
                SectionId::Channels,
                SectionId::DataQuality,
                SectionId::Definitions,
                SectionId::About,
            ]
        );
        let w = p.words;
        let heading = |id| doc.section(id).map(|s| s.heading.as_str());
        assert_eq!(heading(SectionId::Summary), Some(w.executive_summary));
        assert_eq!(
            heading(SectionId::Trends),
            Some(view.trends_heading.as_str())
        );
        assert_eq!(heading(SectionId::About), Some(w.about_heading));
        assert!(doc.sections.iter().all(|s| !s.blocks.is_empty()));
    }
}

#[test]
fn every_chart_is_placed_once_and_the_drivers_chart_with_the_drivers() {
    let (review, view, p) = view_and_presentation(Language::En);
    let doc = Document::new(&review, &view, &p);
    let placed: Vec<ChartId> = doc
        .sections
        .iter()
        .flat_map(charts_in)
        .map(|c| c.chart)
        .collect();
    let mut expected = vec![ChartId::Drivers];
    expected.extend(ChartId::ALL.into_iter().filter(|c| *c != ChartId::Drivers));
    assert_eq!(placed, expected);
    let drivers = doc.section(SectionId::Drivers).expect("drivers section");
    assert!(charts_in(drivers).iter().all(|c| !c.titled));
    let trends = doc.section(SectionId::Trends).expect("trends section");
    assert!(charts_in(trends).iter().all(|c| c.titled));
}

#[test]
fn the_events_get_a_heading_and_a_numbered_list_only_when_there_are_events() {
    let (review, mut view, p) = view_and_presentation(Language::En);
    view.events.clear();
    let doc = Document::new(&review, &view, &p);
    let trends = doc.section(SectionId::Trends).expect("trends");
    assert!(trends.blocks.iter().all(|b| matches!(b, Block::Chart(_))));

    view.events = vec![super::super::drilldown::EventView {
        number: 1,
        date: "14 September 2026".into(),
        label: "new model".into(),
        text: "14 September 2026: new model".into(),
    }];
    let doc = Document::new(&review, &view, &p);
    let trends = doc.section(SectionId::Trends).expect("trends");
    let tail: Vec<&Block> = trends.blocks.iter().skip(ChartId::ALL.len() - 1).collect();
    assert!(
        matches!(tail[0], Block::Heading(h) if h.text == p.words.events_heading && h.anchor == Some("events"))
    );
    assert!(matches!(
        tail[2],
        Block::List(l) if l.numbered && l.items[0].number == Some(1)
    ));
}

#[test]
fn the_parts_of_a_split_segment_table_make_one_block() {
    let (review, mut view, p) = view_and_presentation(Language::En);
    let table = view.segments.first().cloned().expect("a segment table");
    let mut first = table.clone();
    first.last = false;
    let mut second = table;
    second.first = false;
    view.segments = vec![first, second];
    let doc = Document::new(&review, &view, &p);
    let segments = doc.section(SectionId::Segments).expect("segments");
    let tables: Vec<&SegmentTableBlock> = segments
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::SegmentTable(t) => Some(t),
            _ => None,
        })
        .collect();
    assert_eq!(tables.len(), 1);
    assert_eq!(tables[0].parts.len(), 2);
}

#[test]
fn blocks_serialise_with_their_kind_beside_their_fields() {
    let (review, view, p) = view_and_presentation(Language::En);
    let doc = Document::new(&review, &view, &p);
    let json = serde_json::to_value(&doc).expect("serialises");
    let traps = &json["sections"][1];
    assert_eq!(traps["id"], "traps");
    assert_eq!(traps["blocks"][0]["kind"], "paragraph");
    assert_eq!(traps["blocks"][0]["runs"][0]["style"], "plain");
    assert_eq!(traps["blocks"][1]["kind"], "callout");
    assert!(traps["blocks"][1]["headline"].is_string());
    assert_eq!(json["sections"][4]["anchor"], "charts");
    assert_eq!(json["sections"][4]["blocks"][0]["chart"], "status_overview");
}
