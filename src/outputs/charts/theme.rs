//! The charts' palette: one strong colour per series, status colours that read as
//! met/missed at a glance, grey for everything structural.

use plotters::style::RGBColor;

/// Titles, values, labels.
pub(super) const TEXT: RGBColor = RGBColor(17, 24, 39);
/// Subtitles, axis labels, "no data".
pub(super) const MUTED: RGBColor = RGBColor(107, 114, 128);
pub(super) const GRID: RGBColor = RGBColor(229, 231, 235);
pub(super) const AXIS: RGBColor = RGBColor(156, 163, 175);
/// The column of a month without data.
pub(super) const GAP_FILL: RGBColor = RGBColor(243, 244, 246);
pub(super) const BLUE: RGBColor = RGBColor(37, 99, 235);
pub(super) const ORANGE: RGBColor = RGBColor(234, 88, 12);
pub(super) const VIOLET: RGBColor = RGBColor(124, 58, 237);
pub(super) const SKY: RGBColor = RGBColor(96, 165, 250);
pub(super) const SLATE: RGBColor = RGBColor(148, 163, 184);
/// Target lines and their labels.
pub(super) const TARGET: RGBColor = RGBColor(75, 85, 99);
/// The colour of event markers: distinct from every series and target colour.
pub(super) const EVENT: RGBColor = VIOLET;
pub(super) const MET: RGBColor = RGBColor(21, 128, 61);
pub(super) const MET_BG: RGBColor = RGBColor(220, 252, 231);
pub(super) const MISSED: RGBColor = RGBColor(185, 28, 28);
pub(super) const MISSED_BG: RGBColor = RGBColor(254, 226, 226);
pub(super) const NO_DATA: RGBColor = RGBColor(107, 114, 128);
pub(super) const NO_DATA_BG: RGBColor = RGBColor(243, 244, 246);
