//! Evaluating a stack for one environment: variables, then locals, modules, resources and
//! outputs in dependency order, producing the [`DesiredResource`]s the engine plans.
//!
//! Every check that does not need ARM runs here, and as many problems as possible are
//! collected before failing: a block whose dependencies failed is skipped silently, so one
//! mistake gives one diagnostic.

mod diagnostics;
mod graph;
mod links;
mod locate;
mod modules;
mod peers;
mod recovery;
mod refactor;
mod refs;
mod resources;
mod schemas;
mod scope;
mod variables;

use std::collections::{BTreeMap, BTreeSet};

use strata_core::{
    Dependency, DesiredResource, Diagnostic, Diagnostics, Module, ModuleRegistry, SourceLoc, Value,
};

use self::scope::StackScope;
use crate::eval::{EvalError, Evaluator};
use crate::load::Stack;
use crate::load::env::Environment;
use crate::load::schema::Attr;
use crate::similar;
use crate::source::{FileId, Place};
use strata_core::{Evaluated, EvaluatedOutput, ModuleInfo};

/// What [`evaluate`] needs besides the stack and the environment.
pub struct EvalOptions<'a> {
    /// The built-in modules, by `source`.
    pub registry: &'a dyn ModuleRegistry,
    /// `-var name=value` overrides from the command line (raw strings, converted by the
    /// variable's type; complex types are parsed as HCL expressions).
    pub var_overrides: BTreeMap<String, String>,
}

/// Evaluates `stack` for `env`; see [`Evaluated`]. Fails with every problem it could find.
///
/// An environment with disaster recovery has two estates ([`peers`]): a standby is evaluated
/// after its primary, and each of its module blocks sees the same block of the primary; a
/// primary with a running (warm) standby is evaluated once more after the standby, so that its
/// blocks see the standby's (Front Door's second origin).
pub fn evaluate(stack: &Stack, env: &Environment, opts: &EvalOptions<'_>) -> Result<Evaluated, Diagnostics> {
    if let Some(of) = &env.standby_of {
        let mut primary = stack.environment(&of.primary)?;
        primary.serving = env.serving;
        primary.restore_point.clone_from(&env.restore_point);
        primary.failed_over = env.failed_over;
        let (_, blocks) = evaluate_one(stack, &primary, opts, None)?;
        let peer = peers::Peers::new(&primary, blocks);
        return Ok(evaluate_one(stack, env, opts, Some(&peer))?.0);
    }
    // A warm primary always has its standby running; a cold one once a failover built it.
    if (env.has_running_standby() || env.serving == strata_core::EstateRole::Standby)
        && let Some(name) = env.standby_name()
    {
        let mut standby = stack.environment(&name)?;
        standby.serving = env.serving;
        standby.restore_point.clone_from(&env.restore_point);
        standby.failed_over = env.failed_over;
        let (_, blocks) = evaluate_one(stack, env, opts, None)?;
        let primary = peers::Peers::new(env, blocks);
        let (_, standby_blocks) = evaluate_one(stack, &standby, opts, Some(&primary))
            .map_err(|d| peers::in_standby(d, &standby))?;
        let peer = peers::Peers::new(&standby, standby_blocks);
        return Ok(evaluate_one(stack, env, opts, Some(&peer))?.0);
    }
    Ok(evaluate_one(stack, env, opts, None)?.0)
}

/// One evaluation of `stack` for `env`, whose module blocks see `peer`'s: the result and
/// what each module block took and gave.
fn evaluate_one(
    stack: &Stack,
    env: &Environment,
    opts: &EvalOptions<'_>,
    peer: Option<&peers::Peers>,
) -> Result<(Evaluated, peers::Blocks), Diagnostics> {
    let mut cx = Cx {
        peer,
        blocks: peers::Blocks::default(),
        stack,
        env,
        registry: opts.registry,
        diags: Diagnostics::default(),
        scope: StackScope::new(env),
        failed_vars: BTreeSet::new(),
        nodes: Vec::new(),
        module_impls: Vec::new(),
        results: BTreeMap::new(),
        sinks: Vec::new(),
        extra: Vec::new(),
    };
    cx.variables(&opts.var_overrides);
    cx.resolve_modules();
    cx.build_graph();
    let edges: Vec<Vec<usize>> = cx.nodes.iter().map(|n| n.deps.clone()).collect();
    let (order, cycles) = graph::order(&edges);
    for cycle in &cycles {
        cx.report_cycle(cycle);
    }
    for i in order {
        cx.run(i);
    }
    cx.wire_diagnostics();
    let (mut moved, mut imports) = (Vec::new(), Vec::new());
    if !cx.diags.has_errors() {
        let produced = cx.produced();
        moved = cx.check_moved(&produced);
        imports = cx.check_imports(&produced);
    }
    let Cx {
        diags,
        results,
        mut extra,
        blocks,
        ..
    } = cx;
    if diags.has_errors() {
        return Err(diags);
    }
    let mut out = Evaluated {
        resources: Vec::new(),
        outputs: Vec::new(),
        modules: Vec::new(),
        moved,
        imports,
        warnings: diags,
    };
    // Node indexes follow declaration order, so this is declaration order.
    for (i, result) in results {
        match result {
            NodeResult::Module(info, resources) => {
                out.modules.push(info);
                out.resources.extend(resources);
            }
            NodeResult::Resource(r) => {
                out.resources.push(*r);
                let (mine, rest): (Vec<_>, Vec<_>) = extra.into_iter().partition(|(n, _)| *n == i);
                out.resources.extend(mine.into_iter().map(|(_, r)| r));
                extra = rest;
            }
            NodeResult::Output(o) => out.outputs.push(o),
        }
    }
    let mut schema_diags = schemas::check(&out.resources);
    schema_diags.extend(schemas::check_references(&out.resources, &out.outputs));
    // The estate checks are the primary's: a standby is what they ask for.
    if let Some(dr) = &env.disaster_recovery
        && env.standby_of.is_none()
    {
        schema_diags.extend(recovery::check(dr, &env.location, &out.resources));
    }
    if schema_diags.has_errors() {
        let mut all = out.warnings;
        all.extend(schema_diags);
        return Err(all);
    }
    out.warnings.extend(schema_diags);
    Ok((out, blocks))
}

/// A block to evaluate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Node {
    Local(usize),
    Module(usize),
    Resource(usize),
    Output(usize),
}

struct NodeInfo {
    node: Node,
    /// Nodes this one waits for.
    deps: Vec<usize>,
    /// Variables it uses.
    vars: BTreeSet<String>,
    /// Modules and generic resources it depends on, through references, locals and
    /// `depends_on` (filled in evaluation order).
    modules: BTreeSet<String>,
    resources: BTreeSet<String>,
    failed: bool,
}

enum NodeResult {
    Module(ModuleInfo, Vec<DesiredResource>),
    Resource(Box<DesiredResource>),
    Output(EvaluatedOutput),
}

struct Cx<'a> {
    /// The other estate's module blocks, for an environment with disaster recovery.
    peer: Option<&'a peers::Peers>,
    /// What each module block took and gave, for the other estate's evaluation.
    blocks: peers::Blocks,
    stack: &'a Stack,
    env: &'a Environment,
    registry: &'a dyn ModuleRegistry,
    diags: Diagnostics,
    scope: StackScope,
    failed_vars: BTreeSet<String>,
    nodes: Vec<NodeInfo>,
    /// The module implementation of each module block, if its source exists.
    module_impls: Vec<Option<&'a dyn Module>>,
    results: BTreeMap<usize, NodeResult>,
    /// Module blocks (by index) whose expansion collects the stack's diagnostics.
    sinks: Vec<(usize, strata_core::module::DiagnosticsSink)>,
    /// Resources added after a generic resource block's own (its diagnostic setting), by node.
    extra: Vec<(usize, DesiredResource)>,
}

impl<'a> Cx<'a> {
    fn loc(&self, place: &Place) -> Option<SourceLoc> {
        place.loc(&self.stack.sources)
    }

    fn error(&mut self, summary: impl Into<String>, place: &Place) -> &mut Diagnostic {
        let d = Diagnostic::error(summary).at(self.loc(place));
        self.diags.push(d);
        let last = self.diags.0.len() - 1;
        &mut self.diags.0[last]
    }

    /// Reports an evaluation error in `attr` (at the failing sub-expression when known).
    fn eval_error(&mut self, e: EvalError, attr: &Attr, context: &str) {
        let place = attr
            .place
            .with_span(e.span.clone().or_else(|| attr.value_place().span));
        let d = self.error(format!("{context}: {}", e.message), &place);
        d.hint = e.hint;
    }

    /// Evaluates an attribute's expression against everything evaluated so far.
    fn eval_attr(&mut self, attr: &Attr, context: &str) -> Option<Value> {
        let result = Evaluator::new(&self.scope).eval(&attr.expr);
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.eval_error(e, attr, context);
                None
            }
        }
    }

    /// Every resource evaluated so far, with its address and id.
    fn produced(&self) -> Vec<refactor::Produced> {
        let mut out = Vec::new();
        for result in self.results.values() {
            let rs: Vec<&DesiredResource> = match result {
                NodeResult::Module(_, rs) => rs.iter().collect(),
                NodeResult::Resource(r) => vec![r.as_ref()],
                NodeResult::Output(_) => Vec::new(),
            };
            out.extend(rs.into_iter().map(|r| refactor::Produced {
                addr: r.addr.clone(),
                id: r.id.clone(),
            }));
        }
        out.extend(self.extra.iter().map(|(_, r)| refactor::Produced {
            addr: r.addr.clone(),
            id: r.id.clone(),
        }));
        out
    }

    fn node_name(&self, i: usize) -> String {
        match self.nodes.get(i).map(|n| n.node) {
            Some(Node::Local(j)) => format!("local.{}", self.stack.locals[j].name),
            Some(Node::Module(j)) => format!("module.{}", self.stack.modules[j].label),
            Some(Node::Resource(j)) => format!("resource.{}", self.stack.resources[j].label),
            Some(Node::Output(j)) => format!("output.{}", self.stack.outputs[j].name),
            None => String::new(),
        }
    }

    fn node_place(&self, i: usize) -> Place {
        match self.nodes.get(i).map(|n| n.node) {
            Some(Node::Local(j)) => self.stack.locals[j].attr.place.clone(),
            Some(Node::Module(j)) => self.stack.modules[j].place.clone(),
            Some(Node::Resource(j)) => self.stack.resources[j].place.clone(),
            Some(Node::Output(j)) => self.stack.outputs[j].place.clone(),
            None => Place { file: 0, span: None },
        }
    }

    fn report_cycle(&mut self, cycle: &[usize]) {
        let path: Vec<String> = cycle.iter().map(|&i| self.node_name(i)).collect();
        let place = self.node_place(cycle.first().copied().unwrap_or_default());
        let d = self.error(format!("dependency cycle: {}", path.join(" → ")), &place);
        d.hint =
            Some("a block cannot depend on itself, through references or depends_on; break the cycle".into());
        for &i in cycle {
            if let Some(n) = self.nodes.get_mut(i) {
                n.failed = true;
            }
        }
    }

    /// Finds the module implementation of each module block.
    fn resolve_modules(&mut self) {
        let stack = self.stack;
        for decl in &stack.modules {
            let found = self.registry.get(&decl.source);
            if found.is_none() {
                let sources = self.registry.sources();
                let hint = similar::hint(&decl.source, "built-in modules", sources.iter().copied());
                let d = self.error(
                    format!("there is no built-in module `{}`", decl.source),
                    &decl.source_place,
                );
                d.hint = Some(hint);
            }
            self.module_impls.push(found);
        }
    }

    /// Evaluates node `i`, unless it or something it depends on failed.
    fn run(&mut self, i: usize) {
        let Some(info) = self.nodes.get(i) else { return };
        let deps_failed = info
            .deps
            .iter()
            .any(|&d| self.nodes.get(d).is_some_and(|n| n.failed))
            || info.vars.iter().any(|v| self.failed_vars.contains(v));
        if info.failed || deps_failed {
            self.nodes[i].failed = true;
            return;
        }
        // Dependencies through locals: what the locals used, this node uses.
        let (mut modules, mut resources) = (BTreeSet::new(), BTreeSet::new());
        for &d in &self.nodes[i].deps {
            if let Some(Node::Local(_)) = self.nodes.get(d).map(|n| n.node) {
                modules.extend(self.nodes[d].modules.iter().cloned());
                resources.extend(self.nodes[d].resources.iter().cloned());
            }
        }
        self.nodes[i].modules.extend(modules);
        self.nodes[i].resources.extend(resources);

        let ok = match self.nodes[i].node {
            Node::Local(j) => {
                let stack = self.stack;
                let local = &stack.locals[j];
                match self.eval_attr(&local.attr, &format!("in local.{}", local.name)) {
                    Some(v) => {
                        self.scope.locals.insert(local.name.clone(), v);
                        true
                    }
                    None => false,
                }
            }
            Node::Module(j) => self.run_module(i, j),
            Node::Resource(j) => self.run_resource(i, j),
            Node::Output(j) => self.run_output(i, j),
        };
        if !ok {
            self.nodes[i].failed = true;
        }
    }

    /// The dependencies to add to the resources of node `i`.
    fn dependencies(&self, i: usize, own_module: Option<&str>) -> Vec<Dependency> {
        let info = &self.nodes[i];
        info.modules
            .iter()
            .filter(|m| Some(m.as_str()) != own_module)
            .map(|m| Dependency::Module(m.clone()))
            .chain(
                info.resources
                    .iter()
                    .map(|r| Dependency::Resource(strata_core::ResourceAddr::resource(r))),
            )
            .collect()
    }

    fn run_output(&mut self, i: usize, j: usize) -> bool {
        let stack = self.stack;
        let decl = &stack.outputs[j];
        let Some(value) = self.eval_attr(&decl.value, &format!("in output \"{}\"", decl.name)) else {
            return false;
        };
        if value.is_sensitive() && !decl.sensitive {
            let d = self.error(
                format!("output \"{}\" refers to sensitive values", decl.name),
                &decl.value.value_place(),
            );
            d.detail = Some("an output that shows a sensitive value must itself be marked sensitive".into());
            d.hint = Some(format!(
                "set `sensitive = true` in output \"{}\" if the value is meant to be hidden",
                decl.name
            ));
            return false;
        }
        let value = if decl.sensitive { value.sensitive() } else { value };
        let loc = self
            .loc(&decl.place)
            .unwrap_or_else(|| fallback_loc(&self.stack.sources, decl.place.file));
        self.results.insert(
            i,
            NodeResult::Output(EvaluatedOutput {
                name: decl.name.clone(),
                value,
                sensitive: decl.sensitive,
                description: decl.description.clone(),
                loc,
                depends_on: self.dependencies(i, None),
            }),
        );
        true
    }
}

/// A location for a block whose span is unknown: the start of its file.
fn fallback_loc(sources: &crate::source::Sources, file: FileId) -> SourceLoc {
    SourceLoc {
        file: sources.path(file).to_path_buf(),
        line: 1,
        column: 1,
    }
}
