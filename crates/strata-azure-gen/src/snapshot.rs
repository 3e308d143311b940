//! Reads a bicep-types-az snapshot: a checked-out directory (has `generated/`) or a git
//! directory (bare or not), whose HEAD is read with `git ls-tree` and `git cat-file --batch`.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, anyhow, bail};

pub struct Snapshot {
    kind: Kind,
}

enum Kind {
    Dir(PathBuf),
    Git(PathBuf),
}

/// Upstream identity of the snapshot (`None` for a plain directory).
pub struct Revision {
    pub commit: String,
    pub date: String,
}

impl Snapshot {
    pub fn open(path: &Path) -> Result<Snapshot> {
        if path.join("generated").is_dir() && !path.join("objects").is_dir() {
            return Ok(Snapshot {
                kind: Kind::Dir(path.to_path_buf()),
            });
        }
        let ok = Command::new("git")
            .arg("-C")
            .arg(path)
            .args(["rev-parse", "HEAD"])
            .output()
            .with_context(|| "running git")?;
        if !ok.status.success() {
            bail!(
                "{} is neither a bicep-types-az checkout (no generated/) nor a git directory",
                path.display()
            );
        }
        Ok(Snapshot {
            kind: Kind::Git(path.to_path_buf()),
        })
    }

    pub fn revision(&self) -> Result<Option<Revision>> {
        let dir = match &self.kind {
            Kind::Dir(d) if d.join(".git").exists() => d,
            Kind::Dir(_) => return Ok(None),
            Kind::Git(d) => d,
        };
        let out = git(dir, &["log", "-1", "--format=%H %cI", "HEAD"])?;
        let text = String::from_utf8_lossy(&out);
        let mut it = text.split_whitespace();
        let (Some(commit), Some(date)) = (it.next(), it.next()) else {
            bail!("unexpected git log output: {text}");
        };
        Ok(Some(Revision {
            commit: commit.to_string(),
            date: date.to_string(),
        }))
    }

    /// Paths (relative, `/`-separated) of every `generated/**/types.json`, sorted.
    pub fn types_files(&self) -> Result<Vec<String>> {
        let mut out = match &self.kind {
            Kind::Git(d) => {
                let raw = git(d, &["ls-tree", "-r", "--name-only", "HEAD", "generated"])?;
                String::from_utf8(raw)?
                    .lines()
                    .filter(|l| l.ends_with("/types.json"))
                    .map(str::to_string)
                    .collect()
            }
            Kind::Dir(d) => {
                let mut acc = Vec::new();
                walk(d, &d.join("generated"), &mut acc)?;
                acc
            }
        };
        out.sort();
        Ok(out)
    }

    /// The contents of `paths`, in the same order.
    pub fn read_all(&self, paths: &[String]) -> Result<Vec<Vec<u8>>> {
        match &self.kind {
            Kind::Dir(d) => paths
                .iter()
                .map(|p| std::fs::read(d.join(p)).with_context(|| p.clone()))
                .collect(),
            Kind::Git(d) => cat_file_batch(d, paths),
        }
    }

    pub fn read(&self, path: &str) -> Result<Vec<u8>> {
        self.read_all(&[path.to_string()])?
            .pop()
            .ok_or_else(|| anyhow!("{path}: not read"))
    }
}

fn walk(root: &Path, dir: &Path, acc: &mut Vec<String>) -> Result<()> {
    for e in std::fs::read_dir(dir).with_context(|| dir.display().to_string())? {
        let p = e?.path();
        if p.is_dir() {
            walk(root, &p, acc)?;
        } else if p.file_name().is_some_and(|n| n == "types.json") {
            let rel = p.strip_prefix(root)?;
            let parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            acc.push(parts.join("/"));
        }
    }
    Ok(())
}

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .with_context(|| format!("git {}", args.join(" ")))?;
    if !out.status.success() {
        bail!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(out.stdout)
}

fn cat_file_batch(dir: &Path, paths: &[String]) -> Result<Vec<Vec<u8>>> {
    let mut child = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("git cat-file --batch")?;
    let mut stdin = child.stdin.take().context("git stdin")?;
    let requests: Vec<String> = paths.iter().map(|p| format!("HEAD:{p}\n")).collect();
    let writer = std::thread::spawn(move || -> std::io::Result<()> {
        for r in requests {
            stdin.write_all(r.as_bytes())?;
        }
        Ok(())
    });
    let mut reader = BufReader::new(child.stdout.take().context("git stdout")?);
    let mut out = Vec::with_capacity(paths.len());
    for p in paths {
        let mut header = String::new();
        reader.read_line(&mut header)?;
        let size: usize = header
            .split_whitespace()
            .nth(2)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| anyhow!("{p}: git cat-file answered `{}`", header.trim()))?;
        let mut buf = vec![0; size + 1];
        reader.read_exact(&mut buf)?;
        buf.pop();
        out.push(buf);
    }
    writer
        .join()
        .map_err(|_| anyhow!("git writer thread panicked"))??;
    child.wait()?;
    Ok(out)
}

impl Snapshot {
    /// The upstream LICENSE file.
    pub fn read_license(&self) -> Result<Vec<u8>> {
        self.read("LICENSE")
    }
}
