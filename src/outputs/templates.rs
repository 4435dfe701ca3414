//! The template engine of the HTML, Markdown and email outputs (tera 1).
//!
//! The built-in templates live in `templates/` and are compiled into the binary; a
//! folder of overrides can replace any of them by name. Templates lay out what the
//! presentation says: their context is the review (`review`), the view in the run's
//! language (`view`), the words table (`w`) and metric lookups (`metrics`); they hold
//! no wording of their own.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use tera::{Tera, Value};

mod limits;

use super::escape;
use super::RenderError;
use crate::presentation::document::Document;
use crate::presentation::view::{ChartView, ReportView};
use crate::presentation::{Language, Presentation};
use crate::review::metrics::Unit;
use crate::review::status::{Movement, Status};
use crate::review::{MetricReport, Review, TargetReport};

/// The built-in templates, compiled in: (name, source).
///
/// `report.html` includes `report.css`, so a folder can restyle the report by
/// overriding the stylesheet alone. `email.html` and `email.txt` are the two bodies of
/// the emailed summary (see [`email`]).
pub const BUILTIN_TEMPLATES: [(&str, &str); 7] = [
    ("email.html", include_str!("../../templates/email.html")),
    ("email.txt", include_str!("../../templates/email.txt")),
    (
        "report-blocks.html",
        include_str!("../../templates/report-blocks.html"),
    ),
    (
        "report-blocks.md",
        include_str!("../../templates/report-blocks.md"),
    ),
    ("report.css", include_str!("../../templates/report.css")),
    ("report.html", include_str!("../../templates/report.html")),
    ("report.md", include_str!("../../templates/report.md")),
];

/// The PDF's template, `report.typ`: Typst, not tera — it reads the document from JSON
/// in its own world ([`super::pdf`]), so it is kept apart from the tera templates.
pub const BUILTIN_TYPST: &str = include_str!("../../templates/report.typ");

/// The name of the PDF's template, built in or in an override folder.
pub const TYPST_TEMPLATE: &str = "report.typ";

/// How a template's `{{ … }}` output is escaped, decided by the template's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escaping {
    /// `.html`, `.htm`, `.xml`, `.svg`: HTML-escaped.
    Html,
    /// `.md`: escaped for Markdown ([`escape::markdown`]).
    Markdown,
    /// Anything else (`.txt`, `.css`): written as is — a plain-text email body must
    /// show `A&B <x>`, not `A&amp;B &lt;x&gt;`.
    Plain,
}

/// Suffixes of templates that are HTML-escaped.
const HTML_SUFFIXES: [&str; 4] = [".html", ".htm", ".xml", ".svg"];
/// Suffixes of templates that are Markdown-escaped.
const MARKDOWN_SUFFIXES: [&str; 1] = [".md"];

impl Escaping {
    /// The escaping of the template called `name`.
    pub fn of(name: &str) -> Self {
        if HTML_SUFFIXES.iter().any(|s| name.ends_with(s)) {
            Escaping::Html
        } else if MARKDOWN_SUFFIXES.iter().any(|s| name.ends_with(s)) {
            Escaping::Markdown
        } else {
            Escaping::Plain
        }
    }
}

/// File suffixes read from an override folder; anything else there (a README, a
/// backup) is ignored rather than parsed as a template.
const OVERRIDE_SUFFIXES: [&str; 7] = [".html", ".htm", ".md", ".css", ".txt", ".xml", ".svg"];

/// The report templates: built-ins, optionally replaced by a user's folder, with
/// aikpi's filters.
///
/// Escaping follows the template's name ([`Escaping::of`]): `.html`/`.htm`/`.xml`/`.svg`
/// templates escape every `{{ … }}` for HTML and `.md` templates escape it for
/// Markdown, unless a value is marked `| safe`; other templates (`.txt`, `.css`) are
/// not escaped at all. Two tera instances hold the same templates because tera 1 has
/// one escape function per instance; the HTML one also renders the unescaped ones, as
/// tera escapes only the suffixes it is told to.
///
/// User templates are sandboxed to their folder: tera 1 reads no files at render time
/// (`include`/`extends`/`import` only name loaded templates), files whose real path
/// leaves the folder (symlinks) are refused, and `get_env` is replaced by a function
/// that fails, so a template cannot read secrets from the environment.
pub struct Templates {
    html: Tera,
    markdown: Tera,
    overrides: Option<PathBuf>,
    /// `report.typ` of the override folder, if it has one.
    typst: Option<String>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates")
            .field("names", &self.names())
            .field("overrides", &self.overrides)
            .finish()
    }
}

impl Templates {
    /// The built-in templates, with the files of `overrides` (if given) replacing
    /// built-ins of the same name and adding partials they include.
    pub fn new(overrides: Option<&Path>) -> Result<Self, RenderError> {
        let mut sources: BTreeMap<String, String> = BUILTIN_TEMPLATES
            .iter()
            .map(|(name, source)| (name.to_string(), source.to_string()))
            .collect();
        let mut typst = None;
        let origin = match overrides {
            Some(dir) => {
                sources.extend(read_overrides(dir)?);
                typst = read_typst_override(dir)?;
                format!("template folder {}", dir.display())
            }
            None => "the built-in templates".to_string(),
        };
        let mut html = Tera::default();
        register(&mut html);
        html.add_raw_templates(sources.iter().map(|(n, s)| (n.as_str(), s.as_str())))
            .map_err(|e| RenderError::Templates {
                origin: origin.clone(),
                message: describe(&e),
            })?;
        limits::check_recursion(&html)
            .map_err(|message| RenderError::Templates { origin, message })?;
        // Parsing is most of the cost (pest: 73 M instructions for the built-ins, more
        // than drawing a chart), and tera 1 decides escaping when it renders, from the
        // instance's settings: the Markdown instance is a copy of the parsed one with
        // its own escaping, not a second parse.
        let mut markdown = html.clone();
        html.autoescape_on(HTML_SUFFIXES.to_vec());
        html.set_escape_fn(escape::html);
        markdown.autoescape_on(MARKDOWN_SUFFIXES.to_vec());
        markdown.set_escape_fn(escape::markdown);
        Ok(Self {
            html,
            markdown,
            overrides: overrides.map(Path::to_path_buf),
            typst,
        })
    }

    /// The PDF's Typst template and where it came from (for error messages).
    pub fn typst(&self) -> (String, &str) {
        match (&self.typst, &self.overrides) {
            (Some(source), Some(dir)) => (
                format!("{TYPST_TEMPLATE} of template folder {}", dir.display()),
                source,
            ),
            _ => (format!("the built-in {TYPST_TEMPLATE}"), BUILTIN_TYPST),
        }
    }

    /// The names of the loaded templates.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.html.get_template_names().collect();
        names.sort_unstable();
        names
    }

    /// Renders a template by name, escaped as [`Escaping::of`] the name says.
    pub fn render(&self, name: &str, context: &tera::Context) -> Result<String, RenderError> {
        let engine = match Escaping::of(name) {
            Escaping::Markdown => &self.markdown,
            // Tera escapes only HTML_SUFFIXES here, so plain templates stay as they are.
            Escaping::Html | Escaping::Plain => &self.html,
        };
        // Rendered into a bounded buffer: a runaway loop stops at the limit.
        let mut output = limits::BoundedOutput::default();
        let rendered = engine.render_to(name, context, &mut output);
        let runaway = |limit: String| RenderError::Runaway {
            template: name.to_string(),
            limit,
        };
        if output.overflowed {
            return Err(runaway(format!(
                "writes more than {} MiB, the most one template may write",
                limits::OUTPUT_MAX_BYTES / (1024 * 1024)
            )));
        }
        if let Err(e) = rendered {
            let message = describe(&e);
            return Err(match message.find(limits::RANGE_REFUSAL) {
                Some(at) => runaway(message[at..].to_string()),
                None => RenderError::Template {
                    template: name.to_string(),
                    message,
                },
            });
        }
        String::from_utf8(output.bytes)
            // What reached the output unescaped (plain-text templates, `| safe` values)
            // still carries no control character or direction override.
            .map(|text| escape::rendered(&text))
            .map_err(|e| RenderError::Template {
                template: name.to_string(),
                message: e.to_string(),
            })
    }
}

/// A tera error with its causes, one line: tera puts the useful part (the line, the
/// unknown variable) in the source chain.
pub(crate) fn describe(e: &tera::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts.join(": ").replace('\n', " ")
}

fn read_overrides(dir: &Path) -> Result<Vec<(String, String)>, RenderError> {
    let fail = |message: String| RenderError::Overrides {
        path: dir.to_path_buf(),
        message,
    };
    let root = dir
        .canonicalize()
        .map_err(|e| fail(format!("cannot open it: {e}")))?;
    if !root.is_dir() {
        return Err(fail("it is not a folder".into()));
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&root)
        .map_err(|e| fail(format!("cannot list it: {e}")))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(|e| fail(format!("cannot list it: {e}")))?;
    entries.sort();
    let mut out = Vec::new();
    for path in entries {
        let Some(name) = path
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
        else {
            return Err(fail(format!(
                "{} has a name that is not UTF-8",
                path.display()
            )));
        };
        if name.starts_with('.') || !OVERRIDE_SUFFIXES.iter().any(|s| name.ends_with(s)) {
            continue;
        }
        // A symlink may point anywhere; only files really inside the folder are read.
        let real = path
            .canonicalize()
            .map_err(|e| fail(format!("cannot read {name}: {e}")))?;
        if !real.starts_with(&root) {
            return Err(fail(format!(
                "{name} points outside the folder (to {}); templates may only come from the folder itself",
                real.display()
            )));
        }
        if !real.is_file() {
            continue;
        }
        let source =
            std::fs::read_to_string(&real).map_err(|e| fail(format!("cannot read {name}: {e}")))?;
        out.push((name, source));
    }
    Ok(out)
}

/// `report.typ` of an override folder, read under the same rule as the tera templates:
/// only a file really inside the folder.
fn read_typst_override(dir: &Path) -> Result<Option<String>, RenderError> {
    let fail = |message: String| RenderError::Overrides {
        path: dir.to_path_buf(),
        message,
    };
    let path = dir.join(TYPST_TEMPLATE);
    if !path.exists() {
        return Ok(None);
    }
    let root = dir
        .canonicalize()
        .map_err(|e| fail(format!("cannot open it: {e}")))?;
    let real = path
        .canonicalize()
        .map_err(|e| fail(format!("cannot read {TYPST_TEMPLATE}: {e}")))?;
    if !real.starts_with(&root) {
        return Err(fail(format!(
            "{TYPST_TEMPLATE} points outside the folder (to {}); templates may only come from the folder itself",
            real.display()
        )));
    }
    std::fs::read_to_string(&real)
        .map(Some)
        .map_err(|e| fail(format!("cannot read {TYPST_TEMPLATE}: {e}")))
}

fn register(tera: &mut Tera) {
    // Templates must not read the environment (a user template could print secrets
    // such as DATABASE_URL or PGPASSWORD into a report that gets emailed around).
    tera.register_function("get_env", |_: &HashMap<String, Value>| {
        Err(tera::Error::msg(
            "get_env is disabled: aikpi templates cannot read environment variables",
        ))
    });
    // tera's own `range` makes any number of numbers; this one stops at a limit.
    tera.register_function("range", limits::bounded_range);
    // Filters that write words take `lang=` (the view's `view.lang`); English otherwise.
    tera.register_filter("percent", filter_number(|p, x| p.percent(x)));
    tera.register_filter("seconds", filter_number(|p, x| p.seconds(x)));
    tera.register_filter("count", filter_number(|p, x| p.count(x.round() as i64)));
    tera.register_filter("money", |v: &Value, args: &HashMap<String, Value>| {
        let p = presentation(args)?;
        let currency = str_arg(args, "currency")?.unwrap_or("USD");
        Ok(Value::String(match number(v, "money")? {
            Some(x) => p.money(x, currency),
            None => p.no_data().to_string(),
        }))
    });
    tera.register_filter("value", |v: &Value, args: &HashMap<String, Value>| {
        let (unit, currency) = unit_args(args, "value")?;
        Ok(Value::String(presentation(args)?.value(
            number(v, "value")?,
            unit,
            currency,
        )))
    });
    tera.register_filter("delta", |v: &Value, args: &HashMap<String, Value>| {
        let (unit, currency) = unit_args(args, "delta")?;
        Ok(Value::String(presentation(args)?.delta(
            number(v, "delta")?,
            unit,
            currency,
        )))
    });
    tera.register_filter("relative", |v: &Value, args: &HashMap<String, Value>| {
        Ok(Value::String(
            presentation(args)?.relative(number(v, "relative")?),
        ))
    });
    tera.register_filter("arrow", |v: &Value, args: &HashMap<String, Value>| {
        Ok(Value::String(
            presentation(args)?.arrow(number(v, "arrow")?).to_string(),
        ))
    });
    tera.register_filter("movement", |v: &Value, args: &HashMap<String, Value>| {
        Ok(Value::String(
            presentation(args)?.movement(movement(v)?).to_string(),
        ))
    });
    tera.register_filter("status", |v: &Value, args: &HashMap<String, Value>| {
        Ok(Value::String(
            presentation(args)?.status(status(v)?).to_string(),
        ))
    });
    tera.register_filter(
        "status_badge",
        |v: &Value, args: &HashMap<String, Value>| {
            Ok(Value::String(presentation(args)?.status_badge(status(v)?)))
        },
    );
    tera.register_filter("target", |v: &Value, args: &HashMap<String, Value>| {
        let (unit, currency) = unit_args(args, "target")?;
        let target: TargetReport = target_report(v)?;
        Ok(Value::String(
            presentation(args)?.target(&target, unit, currency),
        ))
    });
}

/// The presentation of a filter's `lang=` argument (English without one).
fn presentation(args: &HashMap<String, Value>) -> tera::Result<Presentation> {
    match str_arg(args, "lang")? {
        None => Ok(Presentation::default()),
        Some(tag) => tag
            .parse::<Language>()
            .map(Presentation::new)
            .map_err(|e| tera::Error::msg(format!("{e}; supported: {}", Language::supported()))),
    }
}

/// A filter over one optional number: `null` shows as "no data".
fn filter_number(
    f: fn(&Presentation, f64) -> String,
) -> impl Fn(&Value, &HashMap<String, Value>) -> tera::Result<Value> + Send + Sync {
    move |v, args| {
        let p = presentation(args)?;
        Ok(Value::String(match number(v, "number")? {
            Some(x) => f(&p, x),
            None => p.no_data().to_string(),
        }))
    }
}

fn number(v: &Value, filter: &str) -> tera::Result<Option<f64>> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => Ok(n.as_f64()),
        other => Err(tera::Error::msg(format!(
            "filter `{filter}` expects a number or null, got {other}"
        ))),
    }
}

fn str_arg<'a>(args: &'a HashMap<String, Value>, name: &str) -> tera::Result<Option<&'a str>> {
    match args.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(tera::Error::msg(format!(
            "argument `{name}` must be a string, got {other}"
        ))),
    }
}

/// `unit=` (required: ratio, seconds, rating, score, money) and `currency=` (default USD).
fn unit_args<'a>(args: &'a HashMap<String, Value>, filter: &str) -> tera::Result<(Unit, &'a str)> {
    let unit = match str_arg(args, "unit")? {
        Some("ratio") => Unit::Ratio,
        Some("seconds") => Unit::Seconds,
        Some("rating") => Unit::Rating,
        Some("score") => Unit::Score,
        Some("money") => Unit::Money,
        Some(other) => {
            return Err(tera::Error::msg(format!(
                "filter `{filter}`: unknown unit `{other}` (ratio, seconds, rating, score, money)"
            )))
        }
        None => {
            return Err(tera::Error::msg(format!(
                "filter `{filter}` needs `unit=` (e.g. unit=m.unit)"
            )))
        }
    };
    Ok((unit, str_arg(args, "currency")?.unwrap_or("USD")))
}

fn status(v: &Value) -> tera::Result<Status> {
    match v.as_str() {
        Some("met") => Ok(Status::Met),
        Some("missed") => Ok(Status::Missed),
        Some("no_data") => Ok(Status::NoData),
        Some("not_measured") => Ok(Status::NotMeasured),
        _ => Err(tera::Error::msg(format!(
            "filter `status` expects met, missed, no_data or not_measured, got {v}"
        ))),
    }
}

fn movement(v: &Value) -> tera::Result<Option<Movement>> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) if s == "better" => Ok(Some(Movement::Better)),
        Value::String(s) if s == "worse" => Ok(Some(Movement::Worse)),
        Value::String(s) if s == "flat" => Ok(Some(Movement::Flat)),
        other => Err(tera::Error::msg(format!(
            "filter `movement` expects better, worse, flat or null, got {other}"
        ))),
    }
}

fn target_report(v: &Value) -> tera::Result<TargetReport> {
    let field = |name: &str| v.get(name).and_then(Value::as_f64);
    let kind = v.get("kind").and_then(Value::as_str).ok_or_else(|| {
        tera::Error::msg(format!(
            "filter `target` expects a metric's target (e.g. m.target), got {v}"
        ))
    })?;
    Ok(TargetReport {
        kind: kind.to_string(),
        threshold: field("threshold"),
        min: field("min"),
        max: field("max"),
        tolerance: field("tolerance"),
        text: v
            .get("text")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
    })
}

/// The tera context of a report: `document` (the outline the built-in templates walk),
/// `charts` (the view's charts by name), `review` (as in `report.json`), `view` (every
/// formatted value by name, for templates written before the document), `w` (the words
/// of the view's language) and `metrics` (metric lookups by id).
pub fn context(
    review: &Review,
    view: &ReportView,
    document: &Document,
    presentation: &Presentation,
) -> Result<tera::Context, RenderError> {
    let mut ctx = tera::Context::new();
    insert(&mut ctx, "document", document)?;
    let charts: BTreeMap<&str, &ChartView> =
        view.charts.iter().map(|c| (c.name.as_str(), c)).collect();
    insert(&mut ctx, "charts", &charts)?;
    insert(&mut ctx, "review", review)?;
    insert(&mut ctx, "view", view)?;
    insert(&mut ctx, "w", presentation.words)?;
    // Metric lookups by id for templates that want one metric (`metrics.csat_ai`).
    let by_id: BTreeMap<&str, &MetricReport> = review
        .metrics
        .values()
        .map(|m| (m.id.as_str(), m))
        .collect();
    insert(&mut ctx, "metrics", &by_id)?;
    Ok(ctx)
}

/// Adds one top-level value to a template context (the email adds `email`).
pub(crate) fn insert<T: serde::Serialize + ?Sized>(
    ctx: &mut tera::Context,
    key: &str,
    value: &T,
) -> Result<(), RenderError> {
    ctx.try_insert(key, value)
        .map_err(|e| RenderError::Context(describe(&e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_off(templates: &Templates, name: &str, ctx: &tera::Context) -> String {
        templates.render(name, ctx).expect("renders")
    }

    fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, body) in files {
            std::fs::write(dir.path().join(name), body).expect("write template");
        }
        dir
    }

    #[test]
    fn filters_format_like_the_reports() {
        let dir = folder(&[(
            "t.txt",
            "{{ 0.6234 | percent }}|{{ 432 | seconds }}|{{ 1234.5 | money(currency=\"EUR\") }}|{{ 0.012 | delta(unit=\"ratio\") }}|{{ 0.041 | relative }}|{{ \"better\" | movement }}|{{ \"no_data\" | status }}|{{ \"missed\" | status_badge }}|{{ -1 | arrow }}|{{ none | value(unit=\"rating\") }}|{{ 12345 | count }}",
        )]);
        let t = Templates::new(Some(dir.path())).expect("templates");
        let mut ctx = tera::Context::new();
        ctx.insert("none", &Value::Null);
        assert_eq!(
            one_off(&t, "t.txt", &ctx),
            "62.3%|7 min 12 s|EUR 1,234.50|+1.2 pp|+4.1%|better|no data|❌ missed|▼|no data|12,345"
        );
    }

    #[test]
    fn get_env_is_refused() {
        std::env::set_var("AIKPI_TEST_SECRET", "hunter2");
        let dir = folder(&[("report.md", "{{ get_env(name=\"AIKPI_TEST_SECRET\") }}")]);
        let t = Templates::new(Some(dir.path())).expect("templates");
        let err = t
            .render("report.md", &tera::Context::new())
            .expect_err("get_env must fail");
        let text = err.to_string();
        assert!(text.contains("get_env is disabled"), "{text}");
        assert!(!text.contains("hunter2"));
    }

    #[test]
    fn overrides_replace_builtins_by_name_and_ignore_other_files() {
        let dir = folder(&[("report.md", "custom {{ x }}"), ("README", "{{ broken")]);
        let t = Templates::new(Some(dir.path())).expect("templates");
        let mut ctx = tera::Context::new();
        ctx.insert("x", "*y*");
        assert_eq!(one_off(&t, "report.md", &ctx), r"custom \*y\*");
        assert!(t.names().contains(&"report.html"), "other built-ins stay");
    }

    #[test]
    fn a_symlink_out_of_the_folder_is_refused() {
        let outside = folder(&[("secret.txt", "s3cret")]);
        let dir = folder(&[]);
        std::os::unix::fs::symlink(
            outside.path().join("secret.txt"),
            dir.path().join("report.txt"),
        )
        .expect("symlink");
        let err = Templates::new(Some(dir.path())).expect_err("refused");
        assert!(
            err.to_string().contains("points outside the folder"),
            "{err}"
        );
    }

    #[test]
    fn template_errors_name_the_template_and_the_problem() {
        let dir = folder(&[("report.md", "{{ nope.missing }}")]);
        let t = Templates::new(Some(dir.path())).expect("templates");
        let err = t
            .render("report.md", &tera::Context::new())
            .expect_err("fails");
        let text = err.to_string();
        assert!(
            text.contains("report.md") && text.contains("nope.missing"),
            "{text}"
        );

        let dir = folder(&[("report.html", "{% if %}")]);
        let err = Templates::new(Some(dir.path())).expect_err("does not parse");
        let text = err.to_string();
        assert!(text.contains("report.html"), "{text}");

        let err = Templates::new(Some(Path::new("/nonexistent/aikpi-templates")))
            .expect_err("missing folder");
        assert!(err.to_string().contains("/nonexistent/aikpi-templates"));
    }

    #[test]
    fn escaping_follows_the_template_suffix() {
        let dir = folder(&[
            ("a.html", "{{ s }}"),
            ("a.md", "{{ s }}"),
            ("a.txt", "{{ s }}"),
        ]);
        let t = Templates::new(Some(dir.path())).expect("templates");
        let mut ctx = tera::Context::new();
        ctx.insert("s", "<b>|*x*</b>");
        assert_eq!(one_off(&t, "a.html", &ctx), "&lt;b&gt;|*x*&lt;&#x2F;b&gt;");
        assert_eq!(one_off(&t, "a.md", &ctx), r"\<b\>\|\*x\*\</b\>");
        assert_eq!(one_off(&t, "a.txt", &ctx), "<b>|*x*</b>");
        assert_eq!(Escaping::of("email.txt"), Escaping::Plain);
        assert_eq!(Escaping::of("report.css"), Escaping::Plain);
        assert_eq!(Escaping::of("email.html"), Escaping::Html);
        assert_eq!(Escaping::of("report.md"), Escaping::Markdown);
    }
}
