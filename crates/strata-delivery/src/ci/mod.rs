//! Generated CI pipelines for a stack: GitHub Actions ([`github_workflows`]) and Azure
//! Pipelines ([`azure_devops_pipeline`]).
//!
//! Both follow one design. On a pull request: validate, plan every environment, publish the
//! plan report. On the main branch, for each environment in promotion order: plan in one job
//! (the report on the run's summary, the saved plan kept as an artifact), then, only when the
//! plan has changes, apply exactly that saved plan in a job gated by the CI system's
//! environment approvals, so reviewers approve a plan they can read. One run at a time per
//! environment; Azure sign-in by OpenID Connect workload identity federation (no stored
//! secret). strata itself is installed from the [`Install`] source the user named, once per
//! source and cached.
//!
//! Everything in a [`CiSpec`] ends up inside YAML and shell, so [`CiSpec::validate`] admits
//! only names that are safe in both.

mod azure_devops;
mod azure_devops_drift;
mod github;
mod github_drift;
mod install;

use thiserror::Error;

pub use azure_devops::azure_devops_pipeline;
pub use github::github_workflows;
pub use install::{INSTALL_HELP, Install};

/// What the pipelines are generated for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CiSpec {
    /// The stack's folder, relative to the repository root (`.` for the root itself).
    pub stack_dir: String,
    pub stack_name: String,
    /// In promotion order: `dev`, `staging`, `prod`.
    pub environments: Vec<String>,
    /// Where the pipelines install strata from.
    pub install: Install,
    /// The branch whose commits are applied (`main`).
    pub main_branch: String,
}

/// A file to write, relative to the repository root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: String,
    pub contents: String,
}

/// A [`CiSpec`] that cannot be turned into a pipeline safely.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum CiSpecError {
    #[error("the {field} `{value}` is not allowed: {rule}")]
    Invalid {
        field: &'static str,
        value: String,
        rule: &'static str,
    },
    #[error("the stack has no environments: add `envs/<name>.hcl` files first")]
    NoEnvironments,
    #[error("the environment `{0}` is listed twice")]
    DuplicateEnvironment(String),
    #[error("`{0}` is not a source to install strata from: {INSTALL_HELP}")]
    UnknownInstall(String),
}

const NAME_RULE: &str =
    "use letters, digits, `-` and `_`, starting with a letter or digit, at most 64 characters";

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn invalid(field: &'static str, value: &str, rule: &'static str) -> CiSpecError {
    CiSpecError::Invalid {
        field,
        value: value.to_string(),
        rule,
    }
}

impl CiSpec {
    /// Checks every field against what YAML, shell and the CI systems accept.
    pub fn validate(&self) -> Result<(), CiSpecError> {
        if !is_name(&self.stack_name) {
            return Err(invalid("stack name", &self.stack_name, NAME_RULE));
        }
        if self.environments.is_empty() {
            return Err(CiSpecError::NoEnvironments);
        }
        for (i, env) in self.environments.iter().enumerate() {
            if !is_name(env) {
                return Err(invalid("environment name", env, NAME_RULE));
            }
            if self.environments[..i].iter().any(|e| e.eq_ignore_ascii_case(env)) {
                return Err(CiSpecError::DuplicateEnvironment(env.clone()));
            }
        }
        // A trailing `/` is harmless; any other empty segment is a typo.
        let dir = self.dir();
        let dir_ok = !dir.is_empty()
            && !dir.starts_with('/')
            && dir
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._/-".contains(&b))
            && !dir.split('/').any(|seg| seg == ".." || seg.is_empty())
            && !dir.starts_with('-');
        if !dir_ok {
            return Err(invalid(
                "stack directory",
                dir,
                "give a path relative to the repository root, without `..`, made of letters, digits, `.`, `_`, `-` and `/`",
            ));
        }
        self.install.validate()?;
        let branch = self.main_branch.as_str();
        let branch_ok = !branch.is_empty()
            && branch.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
            && branch
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._/-".contains(&b))
            && !branch.contains("..")
            && !branch.ends_with('/');
        if !branch_ok {
            return Err(invalid(
                "main branch",
                branch,
                "give a branch name such as `main`",
            ));
        }
        Ok(())
    }

    /// The stack folder without a trailing `/` (`.` for the repository root).
    fn dir(&self) -> &str {
        self.stack_dir.strip_suffix('/').unwrap_or(&self.stack_dir)
    }

    /// A glob for every file of the stack.
    fn dir_glob(&self) -> String {
        match self.dir() {
            "." => "**".to_string(),
            dir => format!("{dir}/**"),
        }
    }
}

/// Fills `@NAME@` placeholders. Templates keep the generated files readable in source, and
/// `${{ … }}` expressions need no escaping.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (name, value) in values {
        out = out.replace(&format!("@{name}@"), value);
    }
    out
}

/// Indents every non-empty line of `block` by `spaces`.
fn indent(block: &str, spaces: usize) -> String {
    let pad = " ".repeat(spaces);
    block
        .lines()
        .map(|line| {
            if line.is_empty() {
                String::new()
            } else {
                format!("{pad}{line}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> CiSpec {
        CiSpec {
            stack_dir: "infra/shop".into(),
            stack_name: "shop".into(),
            environments: vec!["dev".into(), "staging".into(), "prod".into()],
            install: Install::Crate {
                version: "0.1.0".into(),
            },
            main_branch: "main".into(),
        }
    }

    #[test]
    fn accepts_a_plain_spec() {
        assert_eq!(spec().validate(), Ok(()));
        let root = CiSpec {
            stack_dir: ".".into(),
            ..spec()
        };
        assert_eq!(root.validate(), Ok(()));
        assert_eq!(root.dir_glob(), "**");
    }

    #[test]
    fn rejects_what_could_escape_yaml_or_shell() {
        let bad = [
            CiSpec {
                stack_name: "shop'; rm -rf /".into(),
                ..spec()
            },
            CiSpec {
                environments: vec!["$(id)".into()],
                ..spec()
            },
            CiSpec {
                stack_dir: "../elsewhere".into(),
                ..spec()
            },
            CiSpec {
                stack_dir: "/abs".into(),
                ..spec()
            },
            CiSpec {
                install: Install::Crate {
                    version: "latest".into(),
                },
                ..spec()
            },
            CiSpec {
                main_branch: "main\n  evil: true".into(),
                ..spec()
            },
        ];
        for spec in bad {
            assert!(spec.validate().is_err(), "{spec:?}");
        }
        let dup = CiSpec {
            environments: vec!["dev".into(), "DEV".into()],
            ..spec()
        };
        assert_eq!(
            dup.validate(),
            Err(CiSpecError::DuplicateEnvironment("DEV".into()))
        );
        let none = CiSpec {
            environments: vec![],
            ..spec()
        };
        assert_eq!(none.validate(), Err(CiSpecError::NoEnvironments));
    }

    #[test]
    fn fill_and_indent() {
        assert_eq!(fill("a @X@ ${{ y }}", &[("X", "1")]), "a 1 ${{ y }}");
        assert_eq!(indent("a\n\n b", 2), "  a\n\n   b");
    }
}
