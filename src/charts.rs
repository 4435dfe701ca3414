//! Charts of the review (plotters), as PNG and SVG, with a bundled font.

/// One rendered chart.
#[derive(Debug, Clone)]
pub struct Chart {
    /// File stem under `charts/`, e.g. `deflection_vs_return`.
    pub name: String,
    /// Human title (also the image's alt text).
    pub title: String,
    /// A one-sentence description of what the chart shows, for alt text and captions.
    pub description: String,
    /// PNG bytes.
    pub png: Vec<u8>,
    /// SVG document.
    pub svg: String,
}
