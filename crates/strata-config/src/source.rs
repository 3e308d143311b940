//! Source files of a stack and the mapping from byte spans to file, line and column.

use std::ops::Range;
use std::path::{Path, PathBuf};

use hcl_edit::Span;
use strata_core::SourceLoc;

/// Index of a file in a [`Sources`] table.
pub(crate) type FileId = usize;

/// One `.hcl` file: its path as the user wrote it and its text.
#[derive(Debug, Clone)]
pub(crate) struct SourceFile {
    pub path: PathBuf,
    /// The name used for the digest: relative to the stack directory, `/`-separated.
    pub rel_name: String,
    pub text: String,
    /// Byte offsets at which each line starts.
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(path: PathBuf, rel_name: String, text: String) -> SourceFile {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            path,
            rel_name,
            text,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count())
            + 1;
        (to_u32(line + 1), to_u32(column))
    }

    pub fn loc(&self, offset: usize) -> SourceLoc {
        let (line, column) = self.line_col(offset);
        SourceLoc {
            file: self.path.clone(),
            line,
            column,
        }
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Every file of a stack, addressed by [`FileId`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        self.files.len() - 1
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.iter()
    }

    pub fn path(&self, id: FileId) -> &Path {
        self.files.get(id).map_or(Path::new(""), |f| f.path.as_path())
    }

    /// The location of the start of `span` in file `id`; the file's start if the span is unknown.
    pub fn loc(&self, id: FileId, span: Option<Range<usize>>) -> Option<SourceLoc> {
        let file = self.files.get(id)?;
        Some(file.loc(span.map_or(0, |s| s.start)))
    }
}

/// A place in the sources: a file and a byte span within it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Place {
    pub file: FileId,
    pub span: Option<Range<usize>>,
}

impl Place {
    pub fn of(file: FileId, node: &dyn Span) -> Place {
        Place {
            file,
            span: node.span(),
        }
    }

    pub fn with_span(&self, span: Option<Range<usize>>) -> Place {
        Place {
            file: self.file,
            span: span.or_else(|| self.span.clone()),
        }
    }

    pub fn loc(&self, sources: &Sources) -> Option<SourceLoc> {
        sources.loc(self.file, self.span.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns() {
        let f = SourceFile::new("a.hcl".into(), "a.hcl".into(), "ab\ncdé\nx".into());
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(1), (1, 2));
        assert_eq!(f.line_col(3), (2, 1));
        // `x` follows a two-byte character: columns count characters.
        assert_eq!(f.line_col(8), (3, 1));
        assert_eq!(f.line_col(7), (2, 4));
        assert_eq!(f.line_col(1000), (3, 2));
    }
}
