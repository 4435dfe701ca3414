//! Charts: every one drawn, non-blank, in both formats, with no system fonts.

use crate::common;
use crate::services;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use aikpi::outputs::charts;
use aikpi::presentation::chart_id::ChartId;
use aikpi::presentation::{Language, Presentation};
use aikpi::review::{ChannelShare, IssueSegment};

/// Decodes a PNG into (width, height, RGB(A) bytes, channels).
fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<u8>, usize) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("a PNG of a sane size")];
    let info = reader.next_frame(&mut buf).expect("a PNG frame");
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf, info.color_type.samples())
}

/// Variance of the luminance: 0 for a blank image.
fn luminance_variance(rgb: &[u8], channels: usize) -> f64 {
    let lum: Vec<f64> = rgb
        .chunks_exact(channels)
        .map(|p| 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]))
        .collect();
    let mean = lum.iter().sum::<f64>() / lum.len() as f64;
    lum.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / lum.len() as f64
}

/// plotters writes each `<text>` element's content on its own line.
fn svg_has_text(svg: &str, text: &str) -> bool {
    svg.contains(&format!(">\n{text}\n</text>"))
}

/// The charts are kept in target/tmp/artifacts/charts for a look.
fn artifacts() -> PathBuf {
    services::artifacts("charts")
}

#[test]
fn every_chart_is_drawn_non_blank_in_png_and_svg() {
    let review = common::fixture_review();
    let charts = charts::draw_all(&review, &Presentation::default()).expect("charts draw");
    let names: Vec<&str> = charts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ChartId::ALL.map(ChartId::name));
    let dir = artifacts();
    for chart in &charts {
        assert!(!chart.title.is_empty() && !chart.description.is_empty());
        let (w, h, pixels, channels) = decode(&chart.png);
        assert!(
            w >= 1200 && h >= 600,
            "{}: {w}×{h} is too small",
            chart.name
        );
        let variance = luminance_variance(&pixels, channels);
        assert!(
            variance > 100.0,
            "{}: luminance variance {variance} — blank?",
            chart.name
        );
        // Non-white pixels spread over the image, not a thin frame.
        let inked = pixels
            .chunks_exact(channels)
            .filter(|p| p[..3] != [255, 255, 255])
            .count();
        assert!(
            inked * 50 > pixels.len() / channels,
            "{}: only {inked} pixels drawn",
            chart.name
        );
        assert!(
            chart.svg.starts_with("<svg"),
            "{}: SVG document",
            chart.name
        );
        assert!(
            chart.svg.contains("font-family=\"sans-serif\""),
            "{}",
            chart.name
        );
        services::keep_artifact(&dir.join(format!("{}.png", chart.name)), &chart.png);
        services::keep_artifact(
            &dir.join(format!("{}.svg", chart.name)),
            chart.svg.as_bytes(),
        );
    }
}

#[test]
fn gaps_are_not_zeros() {
    let review = common::fixture_review();
    let charts = charts::draw_all(&review, &Presentation::default()).expect("charts draw");
    // July has no data: every trend chart says so instead of plotting 0 (the status
    // overview, the segments and the drivers charts are of the report month alone).
    for chart in charts.iter().filter(|c| {
        !matches!(
            c.id(),
            Some(ChartId::StatusOverview | ChartId::Segments | ChartId::Drivers)
        )
    }) {
        assert!(
            svg_has_text(&chart.svg, "no data"),
            "{} marks the gap",
            chart.name
        );
    }
}

#[test]
fn svg_text_is_the_chart_text() {
    let review = common::fixture_review();
    let charts = charts::draw_all(&review, &Presentation::default()).expect("charts draw");
    let frt = charts.iter().find(|c| c.name == "frt").expect("frt chart");
    assert!(
        svg_has_text(&frt.svg, "target &lt; 3.0 s"),
        "FRT target line is labelled"
    );
    let status = charts
        .iter()
        .find(|c| c.name == "status_overview")
        .expect("status chart");
    for word in [
        "MET",
        "MISSED",
        "NO DATA",
        "1 Coverage",
        "4 Cost &amp; training",
    ] {
        assert!(
            svg_has_text(&status.svg, word),
            "status overview shows {word}"
        );
    }
}

/// A review with no data at all still gets every chart, each saying "no data".
#[test]
fn charts_of_a_review_without_data_are_drawn_not_blank() {
    let mut aggregates = common::fixture_aggregates();
    for m in &mut aggregates.months {
        *m = aikpi::aggregates::MonthAggregates::empty(m.month, m.starts_at, m.ends_at);
    }
    let review = aikpi::review::review(
        &aggregates,
        &aikpi::review::settings::ReviewSettings::default(),
        &aikpi::review::ReviewContext {
            generated_at: "2026-11-02T08:00:00Z".parse().expect("instant"),
            sample: false,
            language: "en".to_string(),
        },
    )
    .expect("reviews");
    let charts =
        charts::draw_all(&review, &Presentation::default()).expect("charts draw without data");
    assert_eq!(charts.len(), ChartId::ALL.len());
    for chart in charts.iter().filter(|c| c.name != "status_overview") {
        assert!(
            svg_has_text(&chart.svg, "No data for this period")
                || svg_has_text(&chart.svg, "no data"),
            "{} says there is no data",
            chart.name
        );
    }
}

/// The build must not link fontconfig/freetype: plotters' `ttf` feature (font-kit)
/// would look fonts up on the machine and silently ignore the bundled one.
#[test]
fn no_system_font_lookup_is_linked() {
    let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock"))
        .expect("Cargo.lock");
    for forbidden in [
        "font-kit",
        "yeslogic-fontconfig-sys",
        "servo-fontconfig",
        "freetype-sys",
    ] {
        assert!(
            !lock.contains(&format!("name = \"{forbidden}\"")),
            "{forbidden} is in Cargo.lock: keep plotters' `ttf` feature off"
        );
    }
}

/// Draws the charts in a child process that cannot see any system font: fontconfig
/// is pointed at nothing and HOME/XDG dirs are empty.
#[test]
fn charts_render_with_no_system_fonts() {
    if std::env::var_os("AIKPI_CHILD_NO_FONTS").is_some() {
        // The child: draw and check, exiting non-zero on any failure.
        let charts = charts::draw_all(&common::fixture_review(), &Presentation::default())
            .expect("charts draw without system fonts");
        for chart in &charts {
            let (_, _, pixels, channels) = decode(&chart.png);
            assert!(
                luminance_variance(&pixels, channels) > 100.0,
                "{} blank",
                chart.name
            );
        }
        return;
    }
    let empty = tempfile::tempdir().expect("temp dir");
    let exe = std::env::current_exe().expect("test binary");
    let output = Command::new(exe)
        // The test's full name in the one integration-test binary (tests/it/main.rs).
        .args([
            "--exact",
            "charts::charts_render_with_no_system_fonts",
            "--nocapture",
        ])
        .env_clear()
        .env("AIKPI_CHILD_NO_FONTS", "1")
        .env("FONTCONFIG_FILE", "/dev/null")
        .env("FONTCONFIG_PATH", empty.path())
        .env("HOME", empty.path())
        .env("XDG_DATA_HOME", empty.path())
        .env("XDG_DATA_DIRS", empty.path())
        .env("XDG_CONFIG_HOME", empty.path())
        .output()
        .expect("run the child test");
    assert!(
        output.status.success(),
        "charts failed without system fonts:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("1 passed"),
        "the child ran the test: {stdout}"
    );
}

// --- SPEC §6 (issue 10): the drivers chart and the event markers.

#[test]
fn the_drivers_chart_is_drawn_at_email_width_in_both_languages() {
    let review = common::fixture_drilldown_review();
    for language in aikpi::presentation::Language::ALL {
        let p = Presentation::new(language);
        let charts = charts::draw_all(&review, &p).expect("charts draw");
        let chart = charts
            .iter()
            .find(|c| c.id() == Some(ChartId::Drivers))
            .expect("drivers chart");
        let (w, h, pixels, channels) = decode(&chart.png);
        // 640 × 380 CSS pixels at 2×: an email's 600 px column shows it near 1:1.
        assert_eq!((w, h), (1280, 760), "{language}");
        assert!(
            luminance_variance(&pixels, channels) > 100.0,
            "{language}: blank?"
        );
        // The mix (blue) and rate (orange) bars are there.
        let count = |rgb: [u8; 3]| {
            pixels
                .chunks_exact(channels)
                .filter(|px| px[..3] == rgb)
                .count()
        };
        assert!(count([37, 99, 235]) > 1_000, "{language}: mix bars");
        assert!(count([234, 88, 12]) > 1_000, "{language}: rate bars");
        let words = p.words;
        for text in [words.chart_legend_mix, words.chart_legend_rate] {
            assert!(svg_has_text(&chart.svg, text), "{language}: {text}");
        }
        services::keep_artifact(
            &artifacts().join(format!("drivers-{language}.png")),
            &chart.png,
        );
    }
}

/// The x (PNG pixels) of the columns holding a long run of the event colour: the dashed
/// vertical markers, not the badges or anything else.
fn event_columns(png: &[u8]) -> Vec<u32> {
    const EVENT: [u8; 3] = [124, 58, 237];
    let (w, h, pixels, channels) = decode(png);
    let mut columns = Vec::new();
    for x in 0..w {
        let inked = (0..h)
            .filter(|y| {
                let i = ((y * w + x) as usize) * channels;
                pixels[i..i + 3] == EVENT
            })
            .count();
        if inked > 100 {
            columns.push(x);
        }
    }
    columns
}

#[test]
fn events_are_marked_on_the_trend_charts_at_their_date() {
    let review = common::fixture_drilldown_review();
    let p = Presentation::default();
    let charts = charts::draw_all(&review, &p).expect("charts draw");
    let deflection = charts
        .iter()
        .find(|c| c.name == "deflection_vs_return")
        .expect("deflection chart");
    // The plot spans x = 78 … 872 CSS px (12 px margin and 66 px of axis labels on the
    // left, 28 px on the right) for six months, May … October, each one unit wide from
    // −0.5. 15 August is month 3 at 14.5/31 of the month; 1 October month 5 at 0.5/31.
    let expected = |month: f64, into: f64| {
        let unit = (872.0 - 78.0) / 6.0;
        2.0 * (78.0 + (month + into) * unit)
    };
    let columns = event_columns(&deflection.png);
    for x in [expected(3.0, 14.5 / 31.0), expected(5.0, 0.5 / 31.0)] {
        assert!(
            columns.iter().any(|c| (f64::from(*c) - x).abs() <= 6.0),
            "a marker near x = {x:.0}: {columns:?}"
        );
    }
    assert!(
        columns.iter().all(|c| {
            [expected(3.0, 14.5 / 31.0), expected(5.0, 0.5 / 31.0)]
                .iter()
                .any(|x| (f64::from(*c) - x).abs() <= 6.0)
        }),
        "no marker anywhere else: {columns:?}"
    );
    // Without events, no marker.
    let mut plain = review.clone();
    plain.annotations.clear();
    let charts = charts::draw_all(&plain, &p).expect("charts draw");
    let deflection = charts
        .iter()
        .find(|c| c.name == "deflection_vs_return")
        .expect("deflection chart");
    assert!(event_columns(&deflection.png).is_empty());
    // Every trend chart carries them: its SVG has more of the event colour with the
    // events than without (the cost bars use the same violet for LLM, hence no zero).
    let violet = |svg: &str| svg.matches("#7C3AED").count();
    let marked = charts::draw_all(&review, &p).expect("charts draw");
    for (with, without) in marked.iter().zip(&charts) {
        if matches!(
            with.id(),
            Some(ChartId::StatusOverview | ChartId::Segments | ChartId::Drivers)
        ) {
            continue;
        }
        assert!(
            violet(&with.svg) > violet(&without.svg),
            "{} marks the events",
            with.name
        );
    }
}
/// The segments chart of the fixture with one channel and one issue renamed.
fn segments_chart(channel: &str, issue: &str, language: Language) -> (u32, u32, Vec<u8>, usize) {
    let mut review = common::fixture_review();
    review.channels.insert(
        0,
        ChannelShare {
            channel: channel.to_string(),
            conversations: 1_500,
            share: 0.3,
        },
    );
    review.segments.top_issues = vec![IssueSegment {
        issue_key: Some(issue.to_string()),
        conversations: 600,
        share: 0.12,
        metrics: BTreeMap::new(),
    }];
    let charts = charts::draw_all(&review, &Presentation::new(language)).expect("charts draw");
    let chart = charts
        .iter()
        .find(|c| c.name == "segments")
        .expect("a segments chart");
    decode(&chart.png)
}

/// The bounding box (x0, y0, x1, y1) of the pixels where two images differ, and how
/// many differ.
fn difference(a: &[u8], b: &[u8], width: u32, channels: usize) -> ((u32, u32, u32, u32), usize) {
    let mut bbox = (u32::MAX, u32::MAX, 0, 0);
    let mut count = 0;
    for (i, (pa, pb)) in a
        .chunks_exact(channels)
        .zip(b.chunks_exact(channels))
        .enumerate()
    {
        if pa != pb {
            let (x, y) = (i as u32 % width, i as u32 / width);
            bbox = (bbox.0.min(x), bbox.1.min(y), bbox.2.max(x), bbox.3.max(y));
            count += 1;
        }
    }
    (bbox, count)
}

/// A channel named 微信 and an issue named 退款 are drawn as real glyphs in both
/// languages: the labels ink their area, and swapping the two names changes the
/// pixels there. Missing glyphs would all be the same .notdef box (or nothing), so
/// the swapped image would be identical.
#[test]
fn chinese_channel_and_issue_names_are_drawn_as_glyphs_in_both_languages() {
    for language in Language::ALL {
        let (w, h, named, channels) = segments_chart("微信", "退款", language);
        let (_, _, swapped, _) = segments_chart("退款", "微信", language);
        let (_, _, blank, _) = segments_chart("", "", language);
        assert_eq!((w, h), (1800, 720));

        let (label_area, inked) = difference(&named, &blank, w, channels);
        // Two 12.5 px labels at 2×: a few hundred inked pixels at least.
        assert!(
            inked > 300,
            "{language}: the Chinese labels ink only {inked} pixels"
        );
        let area = (label_area.2 - label_area.0 + 1) * (label_area.3 - label_area.1 + 1);
        let coverage = inked as f64 / f64::from(area);
        assert!(
            coverage > 0.02,
            "{language}: the label area {label_area:?} is {coverage:.3} inked"
        );

        let (_, changed) = difference(&named, &swapped, w, channels);
        assert!(
            changed > 200,
            "{language}: 微信 and 退款 look alike ({changed} pixels differ): tofu boxes"
        );
    }
}

#[test]
fn the_font_is_picked_to_cover_the_text() {
    use aikpi::outputs::charts::font_family_for;
    let latin = font_family_for(Language::En, ["Deflection", "web"]);
    let cjk = font_family_for(Language::En, ["Deflection", "微信"]);
    assert_ne!(
        latin, cjk,
        "a Chinese channel name needs the CJK font in English"
    );
    assert_eq!(font_family_for(Language::ZhCn, ["web"]), cjk);
}
