//! `strata graph -e ENV [--format svg|mermaid|dot] [--plan FILE] [--out FILE]`: the estate's
//! architecture drawn from its configuration (nothing is sent to Azure), with each resource
//! coloured by what a saved plan does to it. Also the picture the markdown report embeds.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use anyhow::{Context, Result, anyhow};
use strata_core::{Evaluated, Value};
use strata_engine::{Action, Plan, planfile};
use strata_picture::{Change, Item, Picture};

use crate::cli::GraphArgs;
use crate::session::load_workspace;

fn change(action: Action) -> Change {
    match action {
        Action::Create => Change::Create,
        Action::Update => Change::Update,
        Action::Replace => Change::Replace,
        Action::Delete => Change::Delete,
        _ => Change::Unchanged,
    }
}

/// Every literal string in a value (ids the configuration spells out).
fn strings<'v>(v: &'v Value, out: &mut Vec<&'v str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::List(l) => l.iter().for_each(|v| strings(v, out)),
        Value::Object(o) => o.values().for_each(|v| strings(v, out)),
        Value::Sensitive(_) | Value::Unknown(_) | Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// The picture's items: the configuration's resources with what they refer to (by reference
/// or by a literal id) and, with a plan, what it does to each; what the plan deletes is
/// added from the plan.
pub(crate) fn items(evaluated: &Evaluated, plan: Option<&Plan>) -> Vec<Item> {
    let by_id: HashMap<String, String> = evaluated
        .resources
        .iter()
        .map(|d| (d.id.key(), d.addr.to_string()))
        .collect();
    let actions: BTreeMap<String, Action> = plan
        .map(|p| p.changes.iter().map(|c| (c.addr.to_string(), c.action)).collect())
        .unwrap_or_default();
    let mut items: Vec<Item> = evaluated
        .resources
        .iter()
        .map(|d| {
            let mut waits = Vec::new();
            d.body.deferred_attrs(&mut waits);
            let mut references: Vec<String> = waits
                .into_iter()
                .filter(|(a, _)| !strata_engine::peers::is_peer(a))
                .map(|(a, _)| a.to_string())
                .collect();
            let mut literal = Vec::new();
            strings(&d.body, &mut literal);
            references.extend(
                literal
                    .into_iter()
                    .filter_map(|s| by_id.get(&s.to_ascii_lowercase()).cloned()),
            );
            references.sort();
            references.dedup();
            let addr = d.addr.to_string();
            Item {
                change: plan.map(|_| actions.get(&addr).map_or(Change::Unchanged, |a| change(*a))),
                addr,
                id: d.id.clone(),
                layer: d.layer,
                references,
            }
        })
        .collect();
    if let Some(plan) = plan {
        for c in plan.changes.iter().filter(|c| c.action == Action::Delete) {
            items.push(Item {
                addr: c.addr.to_string(),
                id: c.id.clone(),
                layer: c.layer,
                references: Vec::new(),
                change: Some(Change::Delete),
            });
        }
    }
    items
}

/// Nodes a pull request's picture holds at most: a bigger one would not fit in a comment
/// (GitHub takes 65,536 characters) nor be readable there.
const REPORT_NODES: usize = 150;

/// The estate of `env` as Mermaid, for the markdown report; `None` when it is too big to draw
/// there (`strata graph` still draws it).
pub(crate) fn mermaid(stack: &str, env: &str, evaluated: &Evaluated, plan: &Plan) -> Option<String> {
    let picture = Picture::build(&format!("{stack} · {env}"), &items(evaluated, Some(plan)));
    (picture.nodes.len() <= REPORT_NODES).then(|| strata_picture::mermaid::mermaid(&picture))
}

pub fn run(dir: Option<&Path>, a: GraphArgs) -> Result<u8> {
    let ws = load_workspace(dir)?;
    let env = ws.environment(&a.env)?;
    let evaluated = ws.evaluate(&env, &a.vars)?;
    let plan = match &a.plan {
        Some(path) => {
            let plan = planfile::load(path).map_err(|e| anyhow!("{e}"))?;
            if plan.environment != env.name {
                return Err(anyhow!(
                    "{} is a plan of {}, not of {}\n  {} draw it with -e {}",
                    path.display(),
                    plan.environment,
                    env.name,
                    crate::style::hint_label(),
                    plan.environment
                ));
            }
            Some(plan)
        }
        None => None,
    };
    let picture = Picture::build(
        &format!("{} · {}", ws.stack.name(), env.name),
        &items(&evaluated, plan.as_ref()),
    );
    let text = match a.format.as_str() {
        "mermaid" => strata_picture::mermaid::mermaid(&picture),
        "dot" => strata_picture::dot::dot(&picture),
        _ => strata_picture::svg::svg(&picture),
    };
    match &a.out {
        Some(path) => {
            std::fs::write(path, &text).with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        None => print!("{text}"),
    }
    Ok(0)
}
