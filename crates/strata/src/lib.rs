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
pub mod preflight;
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
    "target",
    "replace",
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
        .event_format(Labelled(tracing_subscriber::fmt::format().with_target(false)))
        .try_init();
}

/// Log lines of errors and warnings start like every other message (`error:`, `warning:`);
/// the rest keep tracing's format.
struct Labelled<F>(F);

impl<S, N, F> tracing_subscriber::fmt::FormatEvent<S, N> for Labelled<F>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    N: for<'a> tracing_subscriber::fmt::FormatFields<'a> + 'static,
    F: tracing_subscriber::fmt::FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &tracing_subscriber::fmt::FmtContext<'_, S, N>,
        mut writer: tracing_subscriber::fmt::format::Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        let label = match *event.metadata().level() {
            tracing::Level::ERROR => style::error_label(),
            tracing::Level::WARN => style::warning_label(),
            _ => return self.0.format_event(ctx, writer, event),
        };
        write!(writer, "{label} ")?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);

    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn log_errors_and_warnings_use_the_cli_labels() {
        let buf = Buf::default();
        let writer = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .event_format(super::Labelled(tracing_subscriber::fmt::format()))
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::error!(error = "disk full", "cannot write the emulator estate");
            tracing::warn!("state lock lost");
        });
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "error: cannot write the emulator estate error=\"disk full\"",
                "warning: state lock lost"
            ],
            "{text}"
        );
    }
}
