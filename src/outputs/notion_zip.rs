//! `report-notion.zip`: `report.md` with its chart PNGs under `charts/`, the form in
//! which Notion's importer keeps local images.

use std::io::Write;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use super::markdown::render_markdown;
use super::{check_chart_name, Chart, File, FormatError, Input, Output, RenderError};

/// The file it writes.
pub const FILE: &str = "report-notion.zip";

/// `report-notion.zip`: the Markdown report with its charts.
#[derive(Debug, Clone, Copy, Default)]
pub struct NotionZip;

impl Output for NotionZip {
    fn name(&self) -> &'static str {
        "notion-zip"
    }

    fn render(&self, input: &Input<'_>) -> Result<Vec<File>, FormatError> {
        let markdown = render_markdown(input)?;
        Ok(vec![File::new(FILE, notion_zip(&markdown, input.charts)?)])
    }
}

/// Zips `report.md` and `charts/<name>.png` for Notion's "Import → Markdown & CSV".
///
/// Entries carry a fixed timestamp (1980-01-01, the zip epoch), so the same report
/// gives the same bytes.
pub fn notion_zip(markdown: &str, charts: &[Chart]) -> Result<Vec<u8>, RenderError> {
    let zip_err = |e: zip::result::ZipError| RenderError::Zip(e.to_string());
    let io_err = |e: std::io::Error| RenderError::Zip(e.to_string());
    let mut zip = ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let text = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default());
    // PNGs are already compressed; deflating them again only costs time.
    let image = text.compression_method(CompressionMethod::Stored);
    zip.start_file("report.md", text).map_err(zip_err)?;
    zip.write_all(markdown.as_bytes()).map_err(io_err)?;
    for chart in charts {
        check_chart_name(&chart.name)?;
        zip.start_file(format!("charts/{}.png", chart.name), image)
            .map_err(zip_err)?;
        zip.write_all(&chart.png).map_err(io_err)?;
    }
    let cursor = zip.finish().map_err(zip_err)?;
    Ok(cursor.into_inner())
}
