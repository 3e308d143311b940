//! Loading a stack: every `*.hcl` at the stack's root and `envs/*.hcl`, parsed with spans and
//! checked for shape (known blocks and attributes, labels, required attributes, duplicates).
//! Nothing is evaluated here except constants such as `source` and `sensitive`.

pub(crate) mod backend;
mod builder;
pub(crate) mod decl;
pub(crate) mod env;
mod recovery;
mod refactor;
pub(crate) mod schema;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use hcl_edit::structure::Body;
use sha2::{Digest, Sha256};
use strata_core::{Diagnostic, Diagnostics};

use self::builder::Builder;
use self::decl::{
    EnvDecl, ImportDecl, LocalDecl, ModuleDecl, MovedDecl, OutputDecl, ResourceDecl, VariableDecl,
};
use self::schema::Reader;
use crate::funcs::hex;
use crate::source::{FileId, SourceFile, Sources};

/// A stack: its files, parsed and checked, not yet evaluated for any environment.
pub struct Stack {
    pub(crate) dir: PathBuf,
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) sources: Sources,
    pub(crate) variables: Vec<VariableDecl>,
    pub(crate) locals: Vec<LocalDecl>,
    pub(crate) modules: Vec<ModuleDecl>,
    pub(crate) resources: Vec<ResourceDecl>,
    pub(crate) outputs: Vec<OutputDecl>,
    pub(crate) envs: BTreeMap<String, EnvDecl>,
    pub(crate) backend: backend::Backend,
    /// `moved` blocks, in file order.
    pub(crate) moved: Vec<MovedDecl>,
    /// `import` blocks, in file order.
    pub(crate) imports: Vec<ImportDecl>,
    digest: String,
}

impl fmt::Debug for Stack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stack")
            .field("name", &self.name)
            .field("dir", &self.dir)
            .field("environments", &self.environment_names())
            .finish_non_exhaustive()
    }
}

/// The top-level blocks of a stack file. New block types (state backends, profiles) are one
/// more row here and one more method on [`Builder`].
/// The attributes of an `environment` block.
pub(crate) const ENV_ATTRS: &[&str] = &[
    "inherits",
    "target",
    "subscription_id",
    "location",
    "variables",
    "tags",
    "description",
    "backend",
    "profile",
];

impl Stack {
    /// Parses every `*.hcl` at `dir` and `envs/*.hcl`. Syntax errors and malformed blocks are
    /// diagnostics with file, line and column.
    pub fn load(dir: &Path) -> Result<Stack, Diagnostics> {
        let mut diags = Diagnostics::default();
        let stack_files = match hcl_files(dir) {
            Ok(files) => files,
            Err(e) => {
                diags.push(
                    Diagnostic::error(format!(
                        "cannot read the stack directory `{}`: {e}",
                        dir.display()
                    ))
                    .hint("pass the folder that holds the stack's .hcl files"),
                );
                return Err(diags);
            }
        };
        if stack_files.is_empty() {
            diags.push(
                Diagnostic::error(format!("`{}` holds no .hcl files", dir.display()))
                    .hint("a stack is a folder of .hcl files with a `stack \"name\" { }` block and envs/<env>.hcl files"),
            );
            return Err(diags);
        }
        let env_dir = dir.join("envs");
        let env_files = if env_dir.is_dir() {
            hcl_files(&env_dir).unwrap_or_else(|e| {
                diags.push(Diagnostic::error(format!(
                    "cannot read `{}`: {e}",
                    env_dir.display()
                )));
                Vec::new()
            })
        } else {
            Vec::new()
        };

        let mut sources = Sources::default();
        let mut bodies: Vec<(FileId, Body, bool)> = Vec::new();
        for (name, is_env) in stack_files
            .iter()
            .map(|n| (n.clone(), false))
            .chain(env_files.iter().map(|n| (format!("envs/{n}"), true)))
        {
            let path = dir.join(&name);
            let text = match std::fs::read(&path).map(String::from_utf8) {
                Ok(Ok(t)) => t,
                Ok(Err(_)) => {
                    diags.push(Diagnostic::error(format!(
                        "`{}` is not UTF-8 text",
                        path.display()
                    )));
                    continue;
                }
                Err(e) => {
                    diags.push(Diagnostic::error(format!(
                        "cannot read `{}`: {e}",
                        path.display()
                    )));
                    continue;
                }
            };
            let parsed = hcl_edit::parser::parse_body(&text);
            let id = sources.add(SourceFile::new(path.clone(), name, text));
            match parsed {
                Ok(body) => bodies.push((id, body, is_env)),
                Err(e) => {
                    let loc = e.location();
                    diags.push(
                        Diagnostic::error(format!("syntax error: {}", e.message()))
                            .at(Some(strata_core::SourceLoc {
                                file: path,
                                line: u32::try_from(loc.line()).unwrap_or(u32::MAX),
                                column: u32::try_from(loc.column()).unwrap_or(u32::MAX),
                            }))
                            .hint(
                                "look for an unclosed string, bracket or brace at or before this point; \
                                 strata files use HCL syntax, like OpenTofu's",
                            ),
                    );
                }
            }
        }

        let mut builder = Builder::default();
        {
            let mut reader = Reader {
                sources: &sources,
                diags: &mut diags,
            };
            for (file, body, is_env) in &bodies {
                if *is_env {
                    builder.env_file(&mut reader, body, *file);
                } else {
                    builder.stack_file(&mut reader, body, *file);
                }
            }
            builder.check_refactors(&mut reader);
        }
        let Some((name, description)) = builder.stack.take() else {
            // The stack block may be in a file that did not parse.
            if builder.stack_blocks == 0 && bodies.len() == stack_files.len() + env_files.len() {
                diags.push(
                    Diagnostic::error(format!("the stack in `{}` has no `stack` block", dir.display()))
                        .hint("add `stack \"<name>\" { description = \"…\" }` to strata.hcl"),
                );
            }
            return Err(diags);
        };
        if diags.has_errors() {
            return Err(diags);
        }
        let digest = digest(&sources);
        Ok(Stack {
            dir: dir.to_path_buf(),
            name,
            description,
            sources,
            variables: builder.variables,
            locals: builder.locals,
            modules: builder.modules,
            resources: builder.resources,
            outputs: builder.outputs,
            envs: builder.envs,
            backend: builder.backend.unwrap_or_default(),
            moved: builder.moved,
            imports: builder.imports,
            digest,
        })
    }

    /// The stack-level state backend (`backend "…" { … }`), local when none is declared.
    pub fn backend(&self) -> &backend::Backend {
        &self.backend
    }

    /// The stack's name (the label of its `stack` block).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The `description` of the `stack` block, if any.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The environments (`envs/<name>.hcl`), sorted.
    pub fn environment_names(&self) -> Vec<String> {
        self.envs.keys().cloned().collect()
    }

    /// sha256 over the stack's files (relative names and contents, sorted by name): the
    /// configuration digest that saved plans carry.
    pub fn digest(&self) -> String {
        self.digest.clone()
    }
}

fn digest(sources: &Sources) -> String {
    let mut files: Vec<&SourceFile> = sources.iter().collect();
    files.sort_by(|a, b| a.rel_name.cmp(&b.rel_name));
    let mut h = Sha256::new();
    for f in files {
        // Lengths make the encoding unambiguous: no two file sets hash the same bytes.
        h.update((f.rel_name.len() as u64).to_le_bytes());
        h.update(f.rel_name.as_bytes());
        h.update((f.text.len() as u64).to_le_bytes());
        h.update(f.text.as_bytes());
    }
    hex(&h.finalize())
}

/// The names of the `*.hcl` files directly in `dir`, sorted.
fn hcl_files(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().to_string();
        if name.ends_with(".hcl") && entry.file_type()?.is_file() {
            out.push(name);
        }
    }
    out.sort();
    Ok(out)
}
