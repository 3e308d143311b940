//! Where the pipelines get strata from: an [`Install`] source the user names when generating
//! them (`--install git=URL@TAG`, `crate=VERSION` or `path=DIR`). Nothing is assumed: a
//! pipeline that installs from an invented place fails on its first run.

use super::{CiSpecError, invalid};

/// How every job of a generated pipeline installs strata (with `cargo install --locked`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Install {
    /// A tag of a git repository: `cargo install --git URL --tag TAG strata`.
    Git { url: String, tag: String },
    /// A release on crates.io: `cargo install --version VERSION strata`.
    Crate { version: String },
    /// The package in this folder of the checked-out repository itself (relative to its
    /// root): `cargo install --path DIR`.
    Path { dir: String },
}

/// What `--install` accepts, for messages.
pub const INSTALL_HELP: &str = "pass --install with where the pipelines get strata from:\n    \
     --install git=https://github.com/OWNER/strata@v0.1.0   (a tag of a git repository)\n    \
     --install crate=0.1.0                                  (a release on crates.io)\n    \
     --install path=crates/strata                           (build it from this repository)";

const URL_RULE: &str = "give an https URL of a git repository, made of letters, digits and `-._~:/%+`, then `@` and a tag: git=https://github.com/OWNER/strata@v0.1.0";
const TAG_RULE: &str =
    "give a tag made of letters, digits and `-._/+`, not starting with `-`: git=URL@v0.1.0";
const VERSION_RULE: &str = "give a release version such as crate=0.1.0";
const PATH_RULE: &str = "give a folder relative to the repository root, without `..`, made of letters, digits and `-._/`: path=crates/strata";

impl Install {
    /// Parses `git=URL@TAG`, `crate=VERSION` or `path=DIR`.
    pub fn parse(text: &str) -> Result<Install, CiSpecError> {
        let install = match text.split_once('=') {
            Some(("git", rest)) => match rest.rsplit_once('@') {
                Some((url, tag)) => Install::Git {
                    url: url.to_string(),
                    tag: tag.to_string(),
                },
                None => return Err(invalid("git source", rest, URL_RULE)),
            },
            Some(("crate", version)) => Install::Crate {
                version: version.to_string(),
            },
            Some(("path", dir)) => Install::Path {
                dir: dir.strip_suffix('/').unwrap_or(dir).to_string(),
            },
            _ => return Err(CiSpecError::UnknownInstall(text.to_string())),
        };
        install.validate()?;
        Ok(install)
    }

    /// Checks that every part is safe inside single quotes in YAML and shell.
    pub fn validate(&self) -> Result<(), CiSpecError> {
        match self {
            Install::Git { url, tag } => {
                let url_ok = url.strip_prefix("https://").is_some_and(|rest| {
                    !rest.is_empty()
                        && rest
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"-._~:/%+".contains(&b))
                });
                if !url_ok {
                    return Err(invalid("git source", url, URL_RULE));
                }
                let tag_ok = !tag.is_empty()
                    && !tag.starts_with('-')
                    && !tag.contains("..")
                    && tag
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-._/+".contains(&b));
                if !tag_ok {
                    return Err(invalid("git tag", tag, TAG_RULE));
                }
            }
            Install::Crate { version } => {
                let ok = version.bytes().next().is_some_and(|b| b.is_ascii_digit())
                    && version
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b".-+".contains(&b));
                if !ok {
                    return Err(invalid("crate version", version, VERSION_RULE));
                }
            }
            Install::Path { dir } => {
                let ok = !dir.is_empty()
                    && !dir.starts_with('/')
                    && !dir.starts_with('-')
                    && dir
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"._/-".contains(&b))
                    && !dir.split('/').any(|seg| seg == ".." || seg.is_empty());
                if !ok {
                    return Err(invalid("install path", dir, PATH_RULE));
                }
            }
        }
        Ok(())
    }

    /// The arguments after `cargo install --locked --root ROOT`.
    pub(crate) fn cargo_args(&self) -> String {
        match self {
            Install::Git { url, tag } => format!("--git '{url}' --tag '{tag}' strata"),
            Install::Crate { version } => format!("--version '{version}' strata"),
            Install::Path { dir } => format!("--path '{dir}'"),
        }
    }

    /// For step names: `git tag v0.1.0 of https://…`, `0.1.0 from crates.io`, `from crates/strata`.
    pub(crate) fn label(&self) -> String {
        match self {
            Install::Git { url, tag } => format!("{tag} from {url}"),
            Install::Crate { version } => format!("{version} from crates.io"),
            Install::Path { dir } => format!("from {dir} in this repository"),
        }
    }

    /// A cache key part made of letters, digits and `-._`. A build from this repository is
    /// cached per commit (`commit` is the CI system's expression for it).
    pub(crate) fn cache_key(&self, commit: &str) -> String {
        let clean = |s: &str| -> String {
            s.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || "-._".contains(c) {
                        c
                    } else {
                        '-'
                    }
                })
                .collect()
        };
        match self {
            Install::Git { url, tag } => format!(
                "git-{}-{}",
                clean(url.strip_prefix("https://").unwrap_or(url)),
                clean(tag)
            ),
            Install::Crate { version } => format!("crate-{}", clean(version)),
            Install::Path { dir } => format!("path-{}-{commit}", clean(dir)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_sources() {
        assert_eq!(
            Install::parse("git=https://github.com/acme/strata@v0.2.0"),
            Ok(Install::Git {
                url: "https://github.com/acme/strata".into(),
                tag: "v0.2.0".into()
            })
        );
        assert_eq!(
            Install::parse("crate=0.2.0"),
            Ok(Install::Crate {
                version: "0.2.0".into()
            })
        );
        assert_eq!(
            Install::parse("path=crates/strata/"),
            Ok(Install::Path {
                dir: "crates/strata".into()
            })
        );
    }

    #[test]
    fn refuses_what_is_not_a_clear_source() {
        for bad in [
            "",
            "latest",
            "git=https://github.com/acme/strata",
            "git=http://github.com/acme/strata@v1",
            "git=https://github.com/acme/strata@",
            "git=https://github.com/a'b/strata@v1",
            "git=https://github.com/acme/strata@$(id)",
            "crate=latest",
            "crate=1.0; rm -rf /",
            "path=../strata",
            "path=/abs",
            "path=",
            "brew=strata",
        ] {
            assert!(Install::parse(bad).is_err(), "{bad}");
        }
        assert!(
            Install::parse("latest")
                .unwrap_err()
                .to_string()
                .contains("--install crate=0.1.0")
        );
    }

    #[test]
    fn cache_keys_are_plain() {
        let git = Install::parse("git=https://github.com/acme/strata@v0.2.0").unwrap();
        assert_eq!(git.cache_key("x"), "git-github.com-acme-strata-v0.2.0");
        let path = Install::parse("path=crates/strata").unwrap();
        assert_eq!(path.cache_key("SHA"), "path-crates-strata-SHA");
    }
}
