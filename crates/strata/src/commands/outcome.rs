//! What `plan`, `apply`, `destroy` and `import` share around the engine's run: signals,
//! confirmation, progress between phases, and rendering of problems, failures and results.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Mutex;
use std::time::Duration;

use anyhow::Result;
use strata_config::Environment;
use strata_engine::{ApplyReport, EngineError, Event, Interrupt, Plan, Reporter};

use crate::render::progress::HumanReporter;
use crate::{Exit, render, style};

/// Progress that can be paused (while the plan is shown and the user asked) and resumed.
pub struct Phased {
    current: Mutex<Option<HumanReporter>>,
    /// Where the run goes, as progress lines name it.
    target: String,
}

impl Phased {
    pub fn new(target: String) -> Phased {
        Phased {
            current: Mutex::new(Some(HumanReporter::new(&target))),
            target,
        }
    }

    /// Clears the live line; events are dropped until [`Phased::restart`].
    pub fn finish(&self) {
        if let Ok(mut cur) = self.current.lock()
            && let Some(r) = cur.take()
        {
            r.finish();
        }
    }

    pub fn restart(&self) {
        if let Ok(mut cur) = self.current.lock()
            && cur.is_none()
        {
            *cur = Some(HumanReporter::new(&self.target));
        }
    }
}

impl Reporter for Phased {
    fn event(&self, event: &Event) {
        if let Ok(cur) = self.current.lock()
            && let Some(r) = cur.as_ref()
        {
            r.event(event);
        }
    }
}

/// SIGINT and SIGTERM become interrupts of the run: the first stops scheduling and waits for
/// what is in flight, the second stops waiting. The returned task is aborted when the command
/// ends.
pub fn watch_signals(interrupt: Interrupt) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let (Ok(mut int), Ok(mut term)) =
                (signal(SignalKind::interrupt()), signal(SignalKind::terminate()))
            else {
                return;
            };
            loop {
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                }
                announce(interrupt.signal());
            }
        }
        #[cfg(not(unix))]
        loop {
            if tokio::signal::ctrl_c().await.is_err() {
                return;
            }
            announce(interrupt.signal());
        }
    })
}

fn announce(level: u8) {
    if level == 1 {
        eprintln!(
            "\n{} starting nothing new; waiting for operations in flight to finish and be recorded (interrupt again to stop waiting)",
            style::yellow("Stopping:")
        );
    } else if level == 2 {
        eprintln!(
            "\n{} operations still in flight are recorded as \"outcome unknown\" and read back on the next run",
            style::yellow("Stopping without waiting:")
        );
    }
}

/// Asks before applying: `y` on a terminal, the word `yes` for a prod-profile environment.
/// Refused without a terminal. An interrupt while asking is a no.
pub fn confirm(plan: &Plan, env: &Environment, interrupt: &Interrupt) -> strata_engine::Confirm {
    use strata_engine::Confirm;
    if !std::io::stdin().is_terminal() {
        eprintln!(
            "{} no terminal to confirm on\n  {} pass --auto-approve to apply without confirmation, or apply a saved plan",
            style::error_label(),
            style::hint_label()
        );
        return Confirm::No;
    }
    let strict = env.profile == "prod";
    let question = if plan.destroy {
        "Destroy all these resources?"
    } else {
        "Apply these changes?"
    };
    if strict {
        println!();
        println!(
            "{} environment {} (profile prod), subscription {}",
            style::bold(question),
            style::bold(&env.name),
            env.subscription_id
        );
        print!("  Only 'yes' will be accepted to approve: ");
    } else {
        print!("\n{} [y/N] ", style::bold(question));
    }
    let _ = std::io::stdout().flush();
    // Read on a thread, so that an interrupt while waiting is noticed.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = std::io::stdin().lock().read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = loop {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(line) => break line,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) if interrupt.level() == 0 => {}
            Err(_) => return Confirm::No,
        }
    };
    let answer = line.trim().to_ascii_lowercase();
    let yes = if strict {
        answer == "yes"
    } else {
        matches!(answer.as_str(), "y" | "yes")
    };
    if yes { Confirm::Yes } else { Confirm::No }
}

/// Prints an engine error with its hint and block, and returns the exit to take.
pub fn engine_error(e: &EngineError) -> anyhow::Error {
    eprintln!("{} {e}", style::error_label());
    if let Some(loc) = e.loc() {
        eprintln!("  {} {loc}", style::dim("-->"));
    }
    if let Some(hint) = e.hint() {
        eprintln!("  {} {hint}", style::hint_label());
    }
    Exit(1).into()
}

/// Prints the plan's problems; true when there are any.
pub fn problems(plan: &Plan) -> bool {
    let problems: Vec<_> = plan.problems().collect();
    if problems.is_empty() {
        return false;
    }
    eprintln!();
    for (c, p) in &problems {
        eprintln!("{} {}: {}", style::error_label(), c.addr, p.message());
        eprintln!("  {} {}", style::hint_label(), p.hint());
    }
    eprintln!();
    eprintln!(
        "{} problem{} in the plan: nothing was applied.",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    true
}

/// Renders an apply's result; returns the exit code.
pub fn applied(env: &str, plan: &Plan, report: &ApplyReport, json: bool, destroy: bool) -> Result<u8> {
    let s = plan.summary();
    if report.succeeded() {
        if !json {
            println!();
            let what = if destroy {
                format!("Destroy complete! Resources: {} destroyed.", s.destroy)
            } else {
                let mut what = format!(
                    "Apply complete! Resources: {} added, {} changed, {} destroyed.",
                    s.add, s.change, s.destroy
                );
                if s.import > 0 {
                    what = format!("{what} {} imported.", s.import);
                }
                if s.moved > 0 {
                    what = format!("{what} {} moved.", s.moved);
                }
                what
            };
            println!("{}", style::green(&style::bold(&what)));
            if let Some(st) = &report.state
                && !destroy
                && !st.outputs.is_empty()
            {
                println!();
                println!("Outputs:");
                println!();
                for (name, o) in &st.outputs {
                    println!("{}", render::value::output_line(name, o, false));
                }
            }
        }
        return Ok(0);
    }
    eprintln!();
    for f in &report.failed {
        eprintln!("{} {} of {} failed", style::error_label(), f.action, f.addr);
        // Where the resource is declared, so the fix starts in the right file.
        if let Some(loc) = &f.loc {
            eprintln!("  {} {loc}", style::dim("-->"));
        }
        eprintln!("  {}", f.error);
    }
    eprintln!();
    let total = report.completed.len() + report.failed.len() + report.skipped.len() + report.not_started;
    eprintln!(
        "{} of {} operations completed and are saved in state; {} skipped because something they depend on failed{}.",
        report.completed.len(),
        total,
        report.skipped.len(),
        if report.not_started > 0 {
            format!(", {} not started because of the interrupt", report.not_started)
        } else {
            String::new()
        }
    );
    if !report.unknown.is_empty() {
        eprintln!(
            "{} with an unknown outcome recorded in state; the next run reads them back first.",
            report.unknown.len()
        );
    }
    if report.interrupted {
        return Ok(130);
    }
    eprintln!(
        "  {} fix the cause and run `strata {} -e {env}` again to finish the job",
        style::hint_label(),
        if destroy { "destroy" } else { "apply" }
    );
    Err(Exit(1).into())
}
