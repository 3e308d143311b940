//! What evaluating a stack for one environment produces, as the engine consumes it: the
//! desired resources, the outputs and the module blocks. strata-config builds it from HCL;
//! the engine plans and applies it.

use crate::{Dependency, DesiredResource, Diagnostics, Import, Layer, Moved, SourceLoc, Value};

/// A stack evaluated for one environment.
#[derive(Clone, Debug)]
pub struct Evaluated {
    /// Every resource: those of module blocks (in block order), then generic resources (in
    /// block order); blocks are ordered by file name, then position. `loc` is the block that
    /// produced it; `depends_on` includes a [`Dependency::Module`] for each module the block
    /// references (directly or through locals, or in `depends_on`) and a
    /// [`Dependency::Resource`] for each generic resource it references.
    pub resources: Vec<DesiredResource>,
    pub outputs: Vec<EvaluatedOutput>,
    pub modules: Vec<ModuleInfo>,
    /// `moved { from = …  to = … }` blocks, in file order.
    pub moved: Vec<Moved>,
    /// `import { to = …  id = "…" }` blocks, in file order.
    pub imports: Vec<Import>,
    pub warnings: Diagnostics,
}

/// An `output` block's value.
#[derive(Clone, Debug)]
pub struct EvaluatedOutput {
    pub name: String,
    /// Marked sensitive when the output is.
    pub value: Value,
    pub sensitive: bool,
    pub description: Option<String>,
    pub loc: SourceLoc,
    /// The modules and resources its value refers to: it is recorded only once they all
    /// exist.
    pub depends_on: Vec<Dependency>,
}

/// A `module` block.
#[derive(Clone, Debug)]
pub struct ModuleInfo {
    pub label: String,
    pub source: String,
    pub layer: Layer,
    pub loc: SourceLoc,
    /// Labels of the modules it depends on (through references, locals or `depends_on`),
    /// sorted.
    pub depends_on_modules: Vec<String>,
}
