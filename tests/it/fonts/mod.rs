//! Fonts for the tests that render through Chromium and LibreOffice: a fontconfig file
//! that adds the fonts bundled in `assets/fonts` (WenQuanYi Micro Hei for Chinese), so
//! Chinese text has glyphs on a machine with no CJK font installed.

use std::path::{Path, PathBuf};

/// Writes `fonts.conf` into `dir` (the system's configuration plus `assets/fonts`) and
/// returns its path, for `FONTCONFIG_FILE`.
pub fn bundled_fontconfig(dir: &Path) -> PathBuf {
    let fonts = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/fonts");
    let conf = dir.join("fonts.conf");
    std::fs::write(
        &conf,
        format!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM \"fonts.dtd\">\n<fontconfig>\n  <include ignore_missing=\"yes\">/etc/fonts/fonts.conf</include>\n  <dir>{}</dir>\n  <cachedir>{}</cachedir>\n</fontconfig>\n",
            fonts.display(),
            dir.join("fontcache").display()
        ),
    )
    .expect("write fonts.conf");
    conf
}
