//! Lines of a rendered plan, and how each flavour prints them.
//!
//! A [`Line`] is an indentation, a marker (`+ ~ - -/+ !`), and text in parts that carry a
//! [`Role`]. The terminal flavours put the marker right-aligned at the indentation, like
//! OpenTofu (`-/+` reaches left so its `+` lines up with the others); [`Flavor::Ansi`] colours
//! markers and roles. [`Flavor::Markdown`] is for a ```` ```diff ```` block: the marker moves to
//! the first column, where GitHub colours it (`+` green, `-` red, `!` orange, so `~` is written
//! `!`), and continuation lines repeat their marker to keep the colour.

/// How to print lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// Plain text: saved-plan text, logs, a terminal without colour.
    Plain,
    /// A terminal with ANSI colours.
    Ansi,
    /// Inside a markdown ```` ```diff ```` block.
    Markdown,
}

/// A line's marker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    None,
    Create,
    Update,
    Delete,
    Replace,
    /// A problem that stops the plan from being applied.
    Problem,
    /// Changed outside strata.
    Drift,
    /// `#`: a comment line.
    Comment,
}

impl Mark {
    fn text(self, flavor: Flavor) -> &'static str {
        match (self, flavor) {
            (Mark::None, _) => "",
            (Mark::Create, _) => "+",
            (Mark::Update, Flavor::Markdown) => "!",
            (Mark::Update, _) => "~",
            (Mark::Delete, _) => "-",
            (Mark::Replace, _) => "-/+",
            (Mark::Problem | Mark::Drift, _) => "!",
            (Mark::Comment, _) => "#",
        }
    }

    fn colour(self) -> &'static str {
        match self {
            Mark::None => "",
            Mark::Comment => DIM,
            Mark::Create => GREEN,
            Mark::Update | Mark::Drift => YELLOW,
            Mark::Delete | Mark::Replace | Mark::Problem => RED,
        }
    }
}

/// What a part of a line is, for colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Plain,
    /// `# …` comments.
    Comment,
    /// Addresses and headings.
    Strong,
    /// `# forces replacement`, errors.
    Danger,
    /// Warnings.
    Warn,
}

const GREEN: &str = "\u{1b}[32m";
const YELLOW: &str = "\u{1b}[33m";
const RED: &str = "\u{1b}[31m";
const BOLD: &str = "\u{1b}[1m";
const DIM: &str = "\u{1b}[2m";
const RESET: &str = "\u{1b}[0m";

/// One printed line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// Column of the marker's last character; text starts two columns later.
    pub indent: usize,
    pub mark: Mark,
    /// Continues the line above: no marker on a terminal, the same marker in markdown.
    pub cont: bool,
    /// Starts at the first column, with no marker: headings and prose around the changes.
    pub flush: bool,
    pub parts: Vec<(Role, String)>,
}

impl Line {
    pub(crate) fn new(indent: usize, mark: Mark, text: impl Into<String>) -> Line {
        Line::with_role(indent, mark, Role::Plain, text)
    }

    pub(crate) fn with_role(indent: usize, mark: Mark, role: Role, text: impl Into<String>) -> Line {
        Line {
            indent,
            mark,
            cont: false,
            flush: false,
            parts: vec![(role, text.into())],
        }
    }

    /// A line at the first column.
    pub(crate) fn flush(role: Role, text: impl Into<String>) -> Line {
        Line {
            flush: true,
            ..Line::with_role(0, Mark::None, role, text)
        }
    }

    pub(crate) fn blank() -> Line {
        Line::flush(Role::Plain, "")
    }

    pub(crate) fn cont(mut self) -> Line {
        self.cont = true;
        self
    }

    pub(crate) fn push(mut self, role: Role, text: impl Into<String>) -> Line {
        self.parts.push((role, text.into()));
        self
    }

    /// The text, without marker or indentation.
    pub fn text(&self) -> String {
        self.parts.iter().map(|(_, t)| t.as_str()).collect()
    }

    /// The line as `flavor` prints it, without a newline.
    pub fn print(&self, flavor: Flavor) -> String {
        if self.flush {
            return self.painted_text(flavor);
        }
        let mark = self.mark.text(flavor);
        let width = self.indent + 1;
        let mut out = String::new();
        match flavor {
            Flavor::Markdown => {
                out.push_str(&format!("{mark:<width$} "));
                out.push_str(&self.text());
            }
            Flavor::Plain | Flavor::Ansi => {
                let shown = if self.cont { "" } else { mark };
                out.push_str(&" ".repeat(width.saturating_sub(shown.chars().count())));
                if flavor == Flavor::Ansi && !shown.is_empty() {
                    out.push_str(&paint(self.mark.colour(), shown));
                } else {
                    out.push_str(shown);
                }
                out.push(' ');
                out.push_str(&self.painted_text(flavor));
            }
        }
        // A line with nothing to show prints empty; otherwise trailing spaces stay, they may
        // belong to a string broken across lines.
        if self.text().is_empty() {
            out.truncate(out.trim_end().len());
        }
        out
    }

    fn painted_text(&self, flavor: Flavor) -> String {
        let mut out = String::new();
        for (role, part) in &self.parts {
            if flavor == Flavor::Ansi {
                out.push_str(&paint(role_colour(*role), part));
            } else {
                out.push_str(part);
            }
        }
        out
    }
}

fn role_colour(role: Role) -> &'static str {
    match role {
        Role::Plain => "",
        Role::Comment => DIM,
        Role::Strong => BOLD,
        Role::Danger => RED,
        Role::Warn => YELLOW,
    }
}

fn paint(code: &str, text: &str) -> String {
    if code.is_empty() || text.is_empty() {
        text.to_string()
    } else {
        format!("{code}{text}{RESET}")
    }
}

/// Lines printed in `flavor`, each ending in a newline.
pub fn print_lines(lines: &[Line], flavor: Flavor) -> String {
    let mut out = String::new();
    for line in lines {
        out.push_str(&line.print(flavor));
        out.push('\n');
    }
    out
}

/// Prose broken at spaces into lines of at most `room` characters; a word longer than that is
/// cut.
pub(crate) fn wrap_prose(text: &str, room: usize) -> Vec<String> {
    let room = room.max(20);
    let mut out = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let mut word = word.to_string();
        loop {
            let need = if cur.is_empty() {
                0
            } else {
                cur.chars().count() + 1
            };
            if need + word.chars().count() <= room {
                if !cur.is_empty() {
                    cur.push(' ');
                }
                cur.push_str(&word);
                break;
            }
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            // A word longer than a line: cut it.
            let head: String = word.chars().take(room).collect();
            word = word.chars().skip(room).collect();
            out.push(head);
            if word.is_empty() {
                break;
            }
        }
    }
    if !cur.is_empty() || out.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_line_up_in_every_flavour() {
        let update = Line::new(2, Mark::Update, "x");
        let replace = Line::new(2, Mark::Replace, "x");
        assert_eq!(update.print(Flavor::Plain), "  ~ x");
        assert_eq!(replace.print(Flavor::Plain), "-/+ x");
        assert_eq!(update.print(Flavor::Markdown), "!   x");
        assert_eq!(replace.print(Flavor::Markdown), "-/+ x");
        let cont = Line::new(6, Mark::Create, "more").cont();
        assert_eq!(cont.print(Flavor::Plain), "        more");
        assert_eq!(cont.print(Flavor::Markdown), "+       more");
        assert_eq!(
            Line::new(2, Mark::Create, "x").print(Flavor::Ansi),
            "  \u{1b}[32m+\u{1b}[0m x"
        );
    }

    #[test]
    fn prose_wraps_at_spaces() {
        assert_eq!(wrap_prose("aa bb cc", 5), ["aa bb cc"]);
        let lines = wrap_prose(&"word ".repeat(30), 22);
        assert!(lines.iter().all(|l| l.len() <= 22));
        assert_eq!(wrap_prose(&"x".repeat(45), 20).len(), 3);
    }
}
