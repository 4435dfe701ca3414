//! SPEC §7.8 through the command line: `[display_names]` is checked when the
//! configuration is read, so an unknown table is a config error (exit 2) naming it.

use crate::cli_support;

use cli_support::*;

#[test]
fn an_unknown_display_names_table_is_exit_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("aikpi.toml");
    std::fs::write(
        &config,
        "[display_names.chanels]\nwhatsapp = \"WhatsApp\"\n",
    )
    .unwrap();
    let output = aikpi()
        .args(["report", "--sample", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    let message = failure(&output, 2);
    assert_eq!(
        message,
        format!(
            "the config file {} has an invalid value: [display_names] has an unknown table \
             `chanels` (did you mean `channel`?); the tables are channel, issue_key, \
             ledger_category, model, each also inside a language (en, zh-CN), e.g. \
             [display_names.zh-CN.channel]. Correct it there; `aikpi config init` prints every \
             key with its default.",
            config.display()
        )
    );
    assert!(!dir.path().join("out").exists());
}

#[test]
fn display_names_in_the_config_leave_report_json_with_the_ids() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("aikpi.toml");
    std::fs::write(
        &config,
        "[display_names.channel]\nweb = \"Website\"\n[display_names.zh-CN.channel]\nweb = \"网站\"\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    aikpi()
        .args(["report", "--sample", "--format", "json", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let json = std::fs::read_to_string(out.join("report.json")).unwrap();
    assert!(json.contains("\"channel\": \"web\""), "the ids stay");
    assert!(!json.contains("Website"));
}

#[test]
fn display_names_reach_every_format_and_chart_while_report_json_keeps_the_ids() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("aikpi.toml");
    std::fs::write(
        &config,
        "[display_names.channel]\nwhatsapp = \"WhatsApp Business\"\n\
         [display_names.ledger_category]\ncloud_services = \"Cloud services (AWS)\"\n\
         [display_names.zh-CN.ledger_category]\ncloud_services = \"云服务（AWS）\"\n",
    )
    .unwrap();
    for (lang, category) in [("en", "Cloud services (AWS)"), ("zh-CN", "云服务（AWS）")] {
        let out = dir.path().join(format!("out-{lang}"));
        aikpi()
            .args(["report", "--sample", "--lang", lang, "--config"])
            .arg(&config)
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        let read = |name: &str| std::fs::read_to_string(out.join(name)).unwrap();
        for file in ["report.md", "report.html"] {
            let text = read(file);
            assert!(text.contains(category), "{lang} {file}: no {category}");
            assert!(
                text.contains("WhatsApp Business"),
                "{lang} {file}: no channel name"
            );
            assert!(!text.contains("cloud\\_services"), "{lang} {file}: the id");
            assert!(!text.contains("cloud_services"), "{lang} {file}: the id");
        }
        let segments = read("charts/segments.svg");
        assert!(
            segments.contains("WhatsApp Business"),
            "{lang}: chart label"
        );
        let json = read("report.json");
        assert!(
            json.contains("\"category\": \"cloud_services\""),
            "the ids stay"
        );
        assert!(!json.contains("WhatsApp Business"));
    }
}
