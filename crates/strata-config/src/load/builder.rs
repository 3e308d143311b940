//! Reading the blocks of stack and environment files into declarations.

use std::collections::BTreeMap;

use hcl_edit::structure::{Block, Body, Structure};

use super::ENV_ATTRS;
use super::decl::{
    EnvDecl, ImportDecl, LocalDecl, ModuleDecl, MovedDecl, OutputDecl, ResourceDecl, Validation, VariableDecl,
};
use super::schema::{self, Reader, Schema};
use crate::similar;
use crate::source::{FileId, Place};

type BlockHandler = fn(&mut Builder, &mut Reader<'_>, &Block, FileId);

const STACK_BLOCKS: &[(&str, BlockHandler)] = &[
    ("stack", Builder::stack_block),
    ("variable", Builder::variable_block),
    ("locals", Builder::locals_block),
    ("module", Builder::module_block),
    ("resource", Builder::resource_block),
    ("output", Builder::output_block),
    ("backend", Builder::backend_block),
    ("moved", Builder::moved_block),
    ("import", Builder::import_block),
];

/// The top-level blocks of an environment file.
const ENV_BLOCKS: &[&str] = &["environment"];

/// Accumulates declarations across files.
#[derive(Default)]
pub(super) struct Builder {
    pub(super) stack: Option<(String, Option<String>)>,
    stack_place: Option<Place>,
    pub(super) stack_blocks: usize,
    pub(super) variables: Vec<VariableDecl>,
    pub(super) locals: Vec<LocalDecl>,
    pub(super) modules: Vec<ModuleDecl>,
    pub(super) resources: Vec<ResourceDecl>,
    pub(super) outputs: Vec<OutputDecl>,
    pub(super) envs: BTreeMap<String, EnvDecl>,
    pub(super) backend: Option<super::backend::Backend>,
    pub(super) moved: Vec<MovedDecl>,
    pub(super) imports: Vec<ImportDecl>,
    /// First declaration of every name, per kind, for duplicate errors.
    seen: BTreeMap<(&'static str, String), Place>,
}

impl Builder {
    pub(super) fn stack_file(&mut self, r: &mut Reader<'_>, body: &Body, file: FileId) {
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => {
                    let d = r.error(
                        format!(
                            "`{}` cannot be set at the top level of a stack file",
                            a.key.as_str()
                        ),
                        &Place::of(file, a),
                    );
                    d.hint =
                        Some("attributes belong in a block; for a named value use `locals { … }`".into());
                }
                Structure::Block(b) => {
                    let ident = b.ident.as_str();
                    match STACK_BLOCKS.iter().find(|(name, _)| *name == ident) {
                        Some((_, handler)) => handler(self, r, b, file),
                        None => {
                            let hint = similar::hint(
                                ident,
                                "blocks allowed here",
                                STACK_BLOCKS.iter().map(|(n, _)| *n),
                            );
                            let d = r.error(format!("unsupported block `{ident}`"), &Place::of(file, b));
                            d.hint = Some(if ident == "environment" {
                                "environments live in envs/<name>.hcl, one file per environment".into()
                            } else {
                                hint
                            });
                        }
                    }
                }
            }
        }
    }

    /// Records a name; false (with an error) if it was declared before.
    fn declare(&mut self, r: &mut Reader<'_>, kind: &'static str, name: &str, place: &Place) -> bool {
        if let Some(first) = self.seen.get(&(kind, name.to_string())) {
            let first = first.loc(r.sources);
            let d = r.error(format!("{kind} `{name}` is declared twice"), place);
            if let Some(first) = first {
                d.detail = Some(format!("first declared at {first}"));
            }
            d.hint = Some(format!("every {kind} needs a unique name"));
            return false;
        }
        self.seen.insert((kind, name.to_string()), place.clone());
        true
    }

    fn stack_block(&mut self, r: &mut Reader<'_>, b: &Block, file: FileId) {
        self.stack_blocks += 1;
        let place = Place::of(file, b);
        let Some((name, _)) = r.one_label(b, file, "stack \"shop\" { … }") else {
            return;
        };
        let (attrs, _) = r.body(
            &b.body,
            file,
            "the stack block",
            &Schema {
                attrs: Some(&["description"]),
                blocks: &[],
            },
        );
        if let Some(first) = &self.stack_place {
            let first = first.loc(r.sources);
            let d = r.error(
                "a stack has exactly one `stack` block; this is a second one",
                &place,
            );
            if let Some(first) = first {
                d.detail = Some(format!("the first is at {first}"));
            }
            return;
        }
        let description = attrs.get("description").and_then(|a| r.constant_string(a));
        self.stack_place = Some(place);
        self.stack = Some((name, description));
    }

    fn backend_block(&mut self, r: &mut Reader<'_>, b: &Block, file: FileId) {
        let Some((kind, label_place)) =
            r.one_label(b, file, "backend \"azurerm\" { storage_account_name = \"…\" }")
        else {
            return;
        };
        if !self.declare(r, "backend", "backend", &label_place) {
            return;
        }
        let (attrs, _) = r.body(
            &b.body,
            file,
            "the backend block",
            &Schema {
                attrs: None,
                blocks: &[],
            },
        );
        self.backend = super::backend::from_block(r, &kind, &label_place, attrs);
    }

    fn variable_block(&mut self, r: &mut Reader<'_>, b: &Block, file: FileId) {
        let place = Place::of(file, b);
        let Some((name, label_place)) = r.one_label(b, file, "variable \"vnet_cidr\" { type = string }")
        else {
            return;
        };
        let what = format!("variable \"{name}\"");
        let (mut attrs, blocks) = r.body(
            &b.body,
            file,
            &what,
            &Schema {
                attrs: Some(&["type", "default", "description", "sensitive", "nullable"]),
                blocks: &["validation"],
            },
        );
        let mut validations = Vec::new();
        for vb in blocks {
            if !r.no_labels(vb, file) {
                continue;
            }
            let vplace = Place::of(file, vb);
            let (mut vattrs, _) = r.body(
                &vb.body,
                file,
                "a validation block",
                &Schema {
                    attrs: Some(&["condition", "error_message"]),
                    blocks: &[],
                },
            );
            match (vattrs.remove("condition"), vattrs.remove("error_message")) {
                (Some(condition), Some(error_message)) => validations.push(Validation {
                    place: vplace,
                    condition,
                    error_message,
                }),
                (c, _) => {
                    let missing = if c.is_none() { "condition" } else { "error_message" };
                    let d = r.error(format!("the validation block is missing `{missing}`"), &vplace);
                    d.hint = Some("a validation needs both `condition` and `error_message`".into());
                }
            }
        }
        let description = attrs.get("description").and_then(|a| r.constant_string(a));
        let sensitive = attrs
            .get("sensitive")
            .and_then(|a| r.constant_bool(a))
            .unwrap_or(false);
        let nullable = attrs
            .get("nullable")
            .and_then(|a| r.constant_bool(a))
            .unwrap_or(true);
        if self.declare(r, "variable", &name, &label_place) {
            self.variables.push(VariableDecl {
                name,
                place,
                type_attr: attrs.remove("type"),
                default: attrs.remove("default"),
                description,
                sensitive,
                nullable,
                validations,
            });
        }
    }

    fn locals_block(&mut self, r: &mut Reader<'_>, b: &Block, file: FileId) {
        if !r.no_labels(b, file) {
            return;
        }
        let (attrs, _) = r.body(
            &b.body,
            file,
            "a locals block",
            &Schema {
                attrs: None,
                blocks: &[],
            },
        );
        for (name, attr) in attrs {
            if self.declare(r, "local", &name, &attr.place) {
                self.locals.push(LocalDecl { name, attr });
            }
        }
    }

    fn module_block(&mut self, r: &mut Reader<'_>, b: &Block, file: FileId) {
        let place = Place::of(file, b);
        let Some((label, label_place)) =
            r.one_label(b, file, "module \"network\" { source = \"networking\" … }")
        else {
            return;
        };
        let what = format!("module \"{label}\"");
        let (mut inputs, blocks) = r.body(
            &b.body,
            file,
            &what,
            &Schema {
                attrs: None,
                blocks: &["lifecycle"],
            },
        );
        let lifecycle = super::refactor::lifecycle(r, &blocks, file, &what);
        let Some(source_attr) = inputs.remove("source") else {
            let d = r.error(format!("{what} has no `source`"), &place);
            d.hint = Some("set `source` to a built-in module, like source = \"resource_group\"".into());
            return;
        };
        let Some(source) = r.constant_string(&source_attr) else {
            return;
        };
        let depends_on = inputs.remove("depends_on");
        let diagnostics = inputs.remove("diagnostics");
        if self.declare(r, "module", &label, &label_place) {
            self.modules.push(ModuleDecl {
                label,
                place,
                source,
                source_place: source_attr.value_place(),
                depends_on,
                diagnostics,
                inputs,
                lifecycle,
            });
        }
    }

    fn resource_block(&mut self, r: &mut Reader<'_>, b: &Block, file: FileId) {
        let place = Place::of(file, b);
        let Some((label, label_place)) = r.one_label(b, file, "resource \"watcher\" { type = \"…@…\" … }")
        else {
            return;
        };
        let what = format!("resource \"{label}\"");
        let (mut attrs, blocks) = r.body(
            &b.body,
            file,
            &what,
            &Schema {
                attrs: Some(&[
                    "type",
                    "name",
                    "parent",
                    "location",
                    "tags",
                    "body",
                    "depends_on",
                    "diagnostics",
                ]),
                blocks: &["lifecycle"],
            },
        );
        let lifecycle = super::refactor::lifecycle(r, &blocks, file, &what);
        let mut required = |key: &str, example: &str, r: &mut Reader<'_>| {
            let a = attrs.remove(key);
            if a.is_none() {
                let d = r.error(format!("{what} has no `{key}`"), &place);
                d.hint = Some(format!("add it, like {key} = {example}"));
            }
            a
        };
        let type_attr = required("type", "\"Microsoft.Network/networkWatchers@2024-07-01\"", r);
        let name = required("name", "\"nw-shop-dev\"", r);
        let parent = required("parent", "module.rg.id", r);
        let (Some(type_attr), Some(name), Some(parent)) = (type_attr, name, parent) else {
            return;
        };
        if self.declare(r, "resource", &label, &label_place) {
            self.resources.push(ResourceDecl {
                label,
                place,
                type_attr,
                name,
                parent,
                location: attrs.remove("location"),
                tags: attrs.remove("tags"),
                body: attrs.remove("body"),
                depends_on: attrs.remove("depends_on"),
                diagnostics: attrs.remove("diagnostics"),
                lifecycle,
            });
        }
    }

    fn output_block(&mut self, r: &mut Reader<'_>, b: &Block, file: FileId) {
        let place = Place::of(file, b);
        let Some((name, label_place)) = r.one_label(b, file, "output \"vnet_id\" { value = … }") else {
            return;
        };
        let what = format!("output \"{name}\"");
        let (mut attrs, _) = r.body(
            &b.body,
            file,
            &what,
            &Schema {
                attrs: Some(&["value", "sensitive", "description"]),
                blocks: &[],
            },
        );
        let Some(value) = attrs.remove("value") else {
            let d = r.error(format!("{what} has no `value`"), &place);
            d.hint = Some("add it, like value = module.network.vnet_id".into());
            return;
        };
        let sensitive = attrs
            .get("sensitive")
            .and_then(|a| r.constant_bool(a))
            .unwrap_or(false);
        let description = attrs.get("description").and_then(|a| r.constant_string(a));
        if self.declare(r, "output", &name, &label_place) {
            self.outputs.push(OutputDecl {
                name,
                place,
                value,
                sensitive,
                description,
            });
        }
    }

    pub(super) fn env_file(&mut self, r: &mut Reader<'_>, body: &Body, file: FileId) {
        let Some(src) = r.sources.get(file) else { return };
        let stem = src
            .rel_name
            .trim_start_matches("envs/")
            .trim_end_matches(".hcl")
            .to_string();
        let file_place = Place { file, span: None };
        if !schema::is_name(&stem) {
            let d = r.error(format!("`{stem}` is not a valid environment name"), &file_place);
            d.hint = Some("name environment files like envs/dev.hcl: letters, digits, `_` and `-`".into());
            return;
        }
        let mut found: Option<EnvDecl> = None;
        let mut attempted = false;
        for s in body.iter() {
            let b = match s {
                Structure::Block(b) if ENV_BLOCKS.contains(&b.ident.as_str()) => b,
                Structure::Block(b) => {
                    let ident = b.ident.as_str();
                    let d = r.error(
                        format!("unsupported block `{ident}` in an environment file"),
                        &Place::of(file, b),
                    );
                    d.hint = Some(similar::hint(
                        ident,
                        "blocks allowed here",
                        ENV_BLOCKS.iter().copied(),
                    ));
                    continue;
                }
                Structure::Attribute(a) => {
                    let d = r.error(
                        format!("`{}` must be inside the environment block", a.key.as_str()),
                        &Place::of(file, a),
                    );
                    d.hint = Some(format!("write environment \"{stem}\" {{ … }}"));
                    continue;
                }
            };
            attempted = true;
            let place = Place::of(file, b);
            let Some((label, label_place)) = r.one_label(b, file, &format!("environment \"{stem}\" {{ … }}"))
            else {
                continue;
            };
            if label != stem {
                let d = r.error(
                    format!("envs/{stem}.hcl declares environment `{label}`; the names must match"),
                    &label_place,
                );
                d.hint = Some(format!(
                    "rename the block to environment \"{stem}\", or the file to envs/{label}.hcl"
                ));
                continue;
            }
            if found.is_some() {
                r.error(
                    format!("envs/{stem}.hcl has more than one environment block"),
                    &place,
                );
                continue;
            }
            let (attrs, blocks) = r.body(
                &b.body,
                file,
                &format!("environment \"{stem}\""),
                &Schema {
                    attrs: Some(ENV_ATTRS),
                    blocks: &["soft_delete", "disaster_recovery"],
                },
            );
            let mut soft_delete = None;
            let mut disaster_recovery = None;
            for sb in blocks {
                if !r.no_labels(sb, file) {
                    continue;
                }
                if sb.ident.as_str() == "disaster_recovery" {
                    let block_place = Place::of(file, sb);
                    if disaster_recovery.is_some() {
                        let d = r.error(
                            format!("environment \"{stem}\" has more than one disaster_recovery block"),
                            &block_place,
                        );
                        d.hint = Some("merge them into one".into());
                        continue;
                    }
                    let (dattrs, _) = r.body(
                        &sb.body,
                        file,
                        "a disaster_recovery block",
                        &Schema {
                            attrs: Some(&["secondary_location", "strategy", "rpo", "rto", "variables"]),
                            blocks: &[],
                        },
                    );
                    disaster_recovery = Some((block_place, dattrs));
                    continue;
                }
                if soft_delete.is_some() {
                    let d = r.error(
                        format!("environment \"{stem}\" has more than one soft_delete block"),
                        &Place::of(file, sb),
                    );
                    d.hint = Some("merge them into one".into());
                    continue;
                }
                let (sattrs, _) = r.body(
                    &sb.body,
                    file,
                    "a soft_delete block",
                    &Schema {
                        attrs: Some(&["on_create", "on_destroy"]),
                        blocks: &[],
                    },
                );
                soft_delete = Some(sattrs);
            }
            found = Some(EnvDecl {
                name: stem.clone(),
                file,
                place,
                attrs,
                soft_delete,
                disaster_recovery,
            });
        }
        match found {
            Some(env) => {
                self.envs.insert(stem, env);
            }
            None if !attempted => {
                let d = r.error(format!("envs/{stem}.hcl has no environment block"), &file_place);
                d.hint = Some(format!(
                    "add environment \"{stem}\" {{ subscription_id = \"…\"  location = \"westeurope\" }}"
                ));
            }
            None => {}
        }
    }
}
