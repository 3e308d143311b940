//! The `strata` command line: argument parsing ([`cli`]), the commands ([`commands`]), the
//! connection to Azure or the emulator ([`session`]), rehearsals that never touch real state
//! ([`rehearsal`]), and everything that prints
//! ([`render`], [`style`]). Libraries below never print; this crate renders their events,
//! plans and diagnostics.

#![allow(clippy::print_stdout, clippy::print_stderr)]

pub mod backend;
pub mod cli;
pub mod commands;
pub mod gitinfo;
pub mod rehearsal;
pub mod render;
pub mod session;
pub mod style;

use std::process::ExitCode;

use clap::Parser;

/// Operations at once when `--parallelism` is not given. ARM's token buckets, not this
/// number, are the real limit; ten matches OpenTofu's habit.
pub const DEFAULT_PARALLELISM: usize = 10;

/// A failure already explained to the user: exit with this code.
#[derive(Debug)]
pub struct Exit(pub u8);

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {}", self.0)
    }
}

impl std::error::Error for Exit {}

/// OpenTofu's flags take one dash (`-out=FILE`, `-detailed-exitcode`); clap wants two.
/// Single-dash spellings of these long flags are accepted and rewritten.
const SINGLE_DASH_FLAGS: &[&str] = &[
    "out",
    "detailed-exitcode",
    "auto-approve",
    "lock-timeout",
    "var",
    "json",
    "destroy",
    "parallelism",
    "refresh",
    "no-color",
    "force",
    "chdir",
    "backend-config",
];

fn normalise_args(args: impl Iterator<Item = std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    args.map(|a| {
        let Some(s) = a.to_str() else { return a };
        let Some(rest) = s.strip_prefix('-').filter(|r| !r.starts_with('-')) else {
            return a;
        };
        let name = rest.split('=').next().unwrap_or(rest);
        if SINGLE_DASH_FLAGS.contains(&name) {
            format!("-{s}").into()
        } else {
            a
        }
    })
    .collect()
}

pub fn main() -> ExitCode {
    let cli = cli::Cli::parse_from(normalise_args(std::env::args_os()));
    style::init(cli.no_color);
    init_tracing(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{} cannot start the async runtime: {e}", style::error_label());
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if let Some(exit) = e.downcast_ref::<Exit>() {
                return ExitCode::from(exit.0);
            }
            eprintln!("{} {e:#}", style::error_label());
            ExitCode::from(1)
        }
    }
}

fn init_tracing(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let default = match verbose {
        0 => "warn",
        1 => "strata=debug,strata_arm=debug,strata_engine=debug",
        _ => "trace",
    };
    let filter = std::env::var("STRATA_LOG")
        .ok()
        .and_then(|f| EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}
