//! What git knows about the stack folder: the commit it is at and its path in the repository.

use std::path::Path;
use std::process::Command;

/// `(commit, path in repository)` when `dir` is in a git work tree whose stack folder has no
/// uncommitted changes; `None` otherwise (not a repository, no git, local edits).
pub fn clean_commit(dir: &Path) -> Option<(String, String)> {
    let git = |args: &[&str]| -> Option<String> {
        let out = Command::new("git").arg("-C").arg(dir).args(args).output().ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let commit = git(&["rev-parse", "HEAD"])?;
    let prefix = git(&["rev-parse", "--show-prefix"])?;
    let dirty = git(&["status", "--porcelain", "--untracked-files=no", "--", "."])?;
    if !dirty.is_empty() {
        return None;
    }
    Some((commit, prefix.trim_end_matches('/').to_string()))
}

/// The repository root of `dir`, if it is in one.
pub fn toplevel(dir: &Path) -> Option<std::path::PathBuf> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "--show-toplevel"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().into())
}

/// Writes the stack folder `path` as it was at `commit` into `into`.
pub fn export(repo_dir: &Path, commit: &str, path: &str, into: &Path) -> Result<(), String> {
    let archive = Command::new("git")
        .arg("-C")
        .arg(repo_dir)
        .args([
            "archive",
            "--format=tar",
            commit,
            "--",
            if path.is_empty() { "." } else { path },
        ])
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !archive.status.success() {
        return Err(format!(
            "git archive {commit} {path}: {}",
            String::from_utf8_lossy(&archive.stderr).trim()
        ));
    }
    let mut tar = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(into)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run tar: {e}"))?;
    if let Some(stdin) = tar.stdin.as_mut() {
        use std::io::Write;
        stdin
            .write_all(&archive.stdout)
            .map_err(|e| format!("tar: {e}"))?;
    }
    let status = tar.wait().map_err(|e| format!("tar: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err("tar could not unpack the stack".into())
    }
}
