//! Colour that respects `NO_COLOR`, `--no-color` and whether stdout is a terminal.

use std::io::IsTerminal;
use std::sync::OnceLock;

use owo_colors::OwoColorize;

static COLOR: OnceLock<bool> = OnceLock::new();

pub fn init(no_color: bool) {
    let env_off = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let _ = COLOR.set(!no_color && !env_off && std::io::stderr().is_terminal());
}

pub fn enabled() -> bool {
    COLOR.get().copied().unwrap_or(false)
}

fn paint(s: &str, f: impl Fn(&str) -> String) -> String {
    if enabled() { f(s) } else { s.to_string() }
}

pub fn green(s: &str) -> String {
    paint(s, |s| s.green().to_string())
}
pub fn yellow(s: &str) -> String {
    paint(s, |s| s.yellow().to_string())
}
pub fn red(s: &str) -> String {
    paint(s, |s| s.red().to_string())
}
pub fn bold(s: &str) -> String {
    paint(s, |s| s.bold().to_string())
}
pub fn dim(s: &str) -> String {
    paint(s, |s| s.dimmed().to_string())
}
pub fn cyan(s: &str) -> String {
    paint(s, |s| s.cyan().to_string())
}

pub fn error_label() -> String {
    paint("error:", |s| s.red().bold().to_string())
}

pub fn warning_label() -> String {
    paint("warning:", |s| s.yellow().bold().to_string())
}

pub fn hint_label() -> String {
    paint("hint:", |s| s.cyan().bold().to_string())
}
