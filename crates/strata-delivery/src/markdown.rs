//! Small markdown helpers that keep text from plans (addresses, values, error messages) from
//! breaking the document around it.

/// The longest run of backticks in `text`.
fn longest_backtick_run(text: &str) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for ch in text.chars() {
        if ch == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest
}

/// An inline code span that shows `text` literally, whatever backticks it holds.
pub(crate) fn code(text: &str) -> String {
    let text = text.replace(['\n', '\r'], " ");
    let ticks = "`".repeat(longest_backtick_run(&text) + 1);
    // A span that starts or ends with a backtick needs a space between it and the fence.
    if text.starts_with('`') || text.ends_with('`') {
        format!("{ticks} {text} {ticks}")
    } else {
        format!("{ticks}{text}{ticks}")
    }
}

/// A fenced code block whose fence is longer than any backtick run inside.
pub(crate) fn fence(language: &str, body: &str) -> String {
    let ticks = "`".repeat((longest_backtick_run(body) + 1).max(3));
    let body = body.trim_end_matches('\n');
    format!("{ticks}{language}\n{body}\n{ticks}\n")
}

/// Prose from a plan (reasons): one line, with no HTML that could close our `<details>`.
pub(crate) fn text(prose: &str) -> String {
    prose
        .replace(['\n', '\r'], " ")
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_survive_backticks() {
        assert_eq!(code("module.a.b[\"x\"]"), "`module.a.b[\"x\"]`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x`"), "`` `x` ``");
    }

    #[test]
    fn fences_outgrow_their_content() {
        assert_eq!(fence("text", "plain\n"), "```text\nplain\n```\n");
        assert_eq!(fence("", "has ``` inside"), "````\nhas ``` inside\n````\n");
    }

    #[test]
    fn prose_cannot_open_html() {
        assert_eq!(text("a </details> b\nc"), "a &lt;/details&gt; b c");
    }
}
