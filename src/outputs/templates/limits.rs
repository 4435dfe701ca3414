//! Limits on what a user's templates can make aikpi do: no template may include itself
//! or call its macros recursively (tera 1 has no depth limit, and a runaway recursion
//! overflows the stack, which aborts the process), `range` makes at most
//! [`RANGE_MAX_ITEMS`] numbers, and a rendered template stops at [`OUTPUT_MAX_BYTES`].

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io;

use tera::ast::{Expr, ExprVal, MacroCall, Node};
use tera::{Tera, Value};

/// The largest output of one template. The sample's `report.html`, charts embedded, is
/// well under 2 MiB; a template that writes more is looping out of control.
pub const OUTPUT_MAX_BYTES: usize = 64 * 1024 * 1024;

/// The most numbers `range(…)` makes.
pub const RANGE_MAX_ITEMS: i64 = 100_000;

/// How a refused `range` starts its message (the renderer tells it from other errors).
pub const RANGE_REFUSAL: &str = "asks range() for";

/// One thing that can recurse: a template (through `include`) or a macro of a file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Callee {
    Template(String),
    Macro { file: String, name: String },
}

impl std::fmt::Display for Callee {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Callee::Template(name) => write!(f, "template `{name}`"),
            Callee::Macro { file, name } => write!(f, "macro `{name}` of `{file}`"),
        }
    }
}

/// Refuses templates that include themselves or call a macro that calls itself,
/// directly or through others: `template `a.html` → template `b.html` → template
/// `a.html``. Checked on the parsed templates, before anything renders.
pub fn check_recursion(tera: &Tera) -> Result<(), String> {
    let mut edges: BTreeMap<Callee, BTreeSet<Callee>> = BTreeMap::new();
    for name in tera.get_template_names() {
        let Ok(template) = tera.get_template(name) else {
            continue;
        };
        let namespaces: HashMap<&str, &str> = template
            .imported_macro_files
            .iter()
            .map(|(file, namespace)| (namespace.as_str(), file.as_str()))
            .collect();
        let scope = Scope {
            file: name,
            namespaces: &namespaces,
        };
        let mut calls = BTreeSet::new();
        scope.nodes(&template.ast, &mut calls);
        edges.insert(Callee::Template(name.to_string()), calls);
        for (macro_name, definition) in &template.macros {
            let mut calls = BTreeSet::new();
            scope.nodes(&definition.body, &mut calls);
            edges.insert(
                Callee::Macro {
                    file: name.to_string(),
                    name: macro_name.clone(),
                },
                calls,
            );
        }
    }
    for start in edges.keys() {
        if let Some(cycle) = cycle_from(start, &edges) {
            let path = cycle
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" → ");
            return Err(format!(
                "{start} calls itself ({path}); templates may not include themselves or call \
                 their macros recursively"
            ));
        }
    }
    Ok(())
}

/// A path from `start` back to itself, if there is one.
fn cycle_from(start: &Callee, edges: &BTreeMap<Callee, BTreeSet<Callee>>) -> Option<Vec<Callee>> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![(start.clone(), vec![start.clone()])];
    while let Some((at, path)) = stack.pop() {
        for next in edges.get(&at).into_iter().flatten() {
            if next == start {
                let mut cycle = path.clone();
                cycle.push(next.clone());
                return Some(cycle);
            }
            if seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push((next.clone(), longer));
            }
        }
    }
    None
}

/// Where names in a template resolve: its own file (`self::`) and its imports.
struct Scope<'a> {
    file: &'a str,
    namespaces: &'a HashMap<&'a str, &'a str>,
}

impl Scope<'_> {
    fn nodes(&self, nodes: &[Node], calls: &mut BTreeSet<Callee>) {
        for node in nodes {
            self.node(node, calls);
        }
    }

    fn node(&self, node: &Node, calls: &mut BTreeSet<Callee>) {
        match node {
            Node::VariableBlock(_, expr) => self.expr(expr, calls),
            Node::Include(_, names, _) => {
                calls.extend(names.iter().cloned().map(Callee::Template));
            }
            Node::Set(_, set) => self.expr(&set.value, calls),
            Node::FilterSection(_, section, _) => {
                self.args(section.filter.args.values(), calls);
                self.nodes(&section.body, calls);
            }
            Node::Block(_, block, _) => self.nodes(&block.body, calls),
            Node::Forloop(_, forloop, _) => {
                self.expr(&forloop.container, calls);
                self.nodes(&forloop.body, calls);
                if let Some(empty) = &forloop.empty_body {
                    self.nodes(empty, calls);
                }
            }
            Node::If(condition, _) => {
                for (_, expr, body) in &condition.conditions {
                    self.expr(expr, calls);
                    self.nodes(body, calls);
                }
                if let Some((_, body)) = &condition.otherwise {
                    self.nodes(body, calls);
                }
            }
            // Macro bodies are their own callers (see `check_recursion`).
            Node::MacroDefinition(..)
            | Node::Super
            | Node::Text(_)
            | Node::Extends(..)
            | Node::ImportMacro(..)
            | Node::Raw(..)
            | Node::Break(_)
            | Node::Continue(_)
            | Node::Comment(..) => {}
        }
    }

    fn args<'e>(&self, args: impl Iterator<Item = &'e Expr>, calls: &mut BTreeSet<Callee>) {
        for arg in args {
            self.expr(arg, calls);
        }
    }

    fn expr(&self, expr: &Expr, calls: &mut BTreeSet<Callee>) {
        for filter in &expr.filters {
            self.args(filter.args.values(), calls);
        }
        match &expr.val {
            ExprVal::MacroCall(call) => {
                calls.insert(self.callee(call));
                self.args(call.args.values(), calls);
            }
            ExprVal::FunctionCall(call) => self.args(call.args.values(), calls),
            ExprVal::Math(math) => self.args([&*math.lhs, &*math.rhs].into_iter(), calls),
            ExprVal::Logic(logic) => self.args([&*logic.lhs, &*logic.rhs].into_iter(), calls),
            ExprVal::In(within) => self.args([&*within.lhs, &*within.rhs].into_iter(), calls),
            ExprVal::Test(test) => self.args(test.args.iter(), calls),
            ExprVal::Array(items) => self.args(items.iter(), calls),
            ExprVal::StringConcat(_)
            | ExprVal::String(_)
            | ExprVal::Int(_)
            | ExprVal::Float(_)
            | ExprVal::Bool(_)
            | ExprVal::Ident(_) => {}
        }
    }

    fn callee(&self, call: &MacroCall) -> Callee {
        let file = match call.namespace.as_str() {
            "self" => self.file,
            namespace => self.namespaces.get(namespace).copied().unwrap_or(namespace),
        };
        Callee::Macro {
            file: file.to_string(),
            name: call.name.clone(),
        }
    }
}

/// tera's `range(end, start=0, step_by=1)`, refusing to make more than
/// [`RANGE_MAX_ITEMS`] numbers.
pub fn bounded_range(args: &HashMap<String, Value>) -> tera::Result<Value> {
    let int = |key: &str, default: Option<i64>| -> tera::Result<i64> {
        match args.get(key) {
            Some(value) => value.as_i64().ok_or_else(|| {
                tera::Error::msg(format!("range: `{key}` must be an integer, got {value}"))
            }),
            None => default.ok_or_else(|| tera::Error::msg(format!("range: `{key}` is required"))),
        }
    };
    let end = int("end", None)?;
    let start = int("start", Some(0))?;
    let step = int("step_by", Some(1))?;
    if step <= 0 {
        return Err(tera::Error::msg("range: `step_by` must be 1 or more"));
    }
    if start > end {
        return Err(tera::Error::msg(
            "range: `start` must be less than or equal to `end`",
        ));
    }
    let items = (i128::from(end) - i128::from(start) + i128::from(step) - 1) / i128::from(step);
    if items > i128::from(RANGE_MAX_ITEMS) {
        return Err(tera::Error::msg(format!(
            "{RANGE_REFUSAL} {items} numbers, at most {RANGE_MAX_ITEMS}"
        )));
    }
    let numbers: Vec<Value> = (start..end)
        .step_by(step as usize)
        .map(Value::from)
        .collect();
    Ok(Value::Array(numbers))
}

/// A writer that refuses to grow past [`OUTPUT_MAX_BYTES`], so a runaway template stops
/// there instead of filling the memory.
#[derive(Debug, Default)]
pub struct BoundedOutput {
    pub bytes: Vec<u8>,
    pub overflowed: bool,
}

impl io::Write for BoundedOutput {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.bytes.len() + buf.len() > OUTPUT_MAX_BYTES {
            self.overflowed = true;
            return Err(io::Error::other("the template's output is too large"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loaded(templates: &[(&str, &str)]) -> Tera {
        let mut tera = Tera::default();
        tera.add_raw_templates(templates.to_vec()).unwrap();
        tera
    }

    #[test]
    fn a_template_including_itself_is_refused() {
        let tera = loaded(&[
            ("a.html", "{% include \"b.html\" %}"),
            (
                "b.html",
                "x{% if true %}{% include \"a.html\" %}{% endif %}",
            ),
        ]);
        assert_eq!(
            check_recursion(&tera).unwrap_err(),
            "template `a.html` calls itself (template `a.html` → template `b.html` → template \
             `a.html`); templates may not include themselves or call their macros recursively"
        );
    }

    #[test]
    fn a_recursive_macro_is_refused_also_through_an_import() {
        let tera = loaded(&[(
            "m.html",
            "{% macro down(n) %}{{ self::down(n=n - 1) }}{% endmacro down %}",
        )]);
        assert!(check_recursion(&tera)
            .unwrap_err()
            .starts_with("macro `down` of `m.html` calls itself"));
        let tera = loaded(&[
            (
                "m.html",
                "{% import \"n.html\" as n %}{% macro a() %}{{ n::b() }}{% endmacro a %}",
            ),
            (
                "n.html",
                "{% import \"m.html\" as m %}{% macro b() %}{% set x = m::a() %}{{ x }}{% endmacro b %}",
            ),
        ]);
        assert!(check_recursion(&tera).is_err());
    }

    #[test]
    fn templates_without_recursion_pass() {
        let tera = loaded(&[
            (
                "m.html",
                "{% macro a() %}{{ self::b() }}{% endmacro a %}{% macro b() %}b{% endmacro b %}",
            ),
            (
                "page.html",
                "{% import \"m.html\" as m %}{{ m::a() }}{% include \"part.html\" %}",
            ),
            ("part.html", "{{ 1 + 1 }}"),
        ]);
        check_recursion(&tera).unwrap();
    }

    #[test]
    fn range_is_bounded() {
        let args = |end: i64| HashMap::from([("end".to_string(), Value::from(end))]);
        assert_eq!(bounded_range(&args(3)).unwrap(), Value::from(vec![0, 1, 2]));
        assert_eq!(
            bounded_range(&args(100_000_000)).unwrap_err().to_string(),
            "asks range() for 100000000 numbers, at most 100000"
        );
    }
}
