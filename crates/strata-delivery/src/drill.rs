//! Disaster recovery reports: what a drill, a failover or a failback did, step by step, with
//! the recovery point and time it achieved against the environment's targets and the time the
//! same steps are documented to take on Azure. Kept as JSON and markdown side by side in
//! `.strata/dr/<env>/` (`strata dr history` lists them).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use strata_engine::runbook::Documented;

/// How a step ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepOutcome {
    Done,
    Failed,
}

/// One step as it ran.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    pub id: String,
    pub title: String,
    /// RFC 3339, from the clock of the target (the emulator's in a drill on it).
    pub started_at: String,
    pub ended_at: String,
    pub seconds: f64,
    pub outcome: StepOutcome,
    pub detail: String,
    /// What Azure documents for this step, with the source.
    pub documented: Option<Documented>,
}

/// A recovery objective: the target and what was achieved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Objective {
    pub target_seconds: u64,
    /// `None` when it could not be measured (the runbook did not finish).
    pub achieved_seconds: Option<f64>,
    /// How it was measured.
    pub basis: String,
}

impl Objective {
    pub fn met(&self) -> Option<bool> {
        self.achieved_seconds.map(|a| a <= self.target_seconds as f64)
    }
}

/// The data one stateful resource could lose, measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Exposure {
    pub resource: String,
    pub seconds: Option<f64>,
    pub basis: String,
}

/// A drill, failover or failback.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecoveryReport {
    /// `drill`, `failover` or `failback`.
    pub kind: String,
    pub environment: String,
    pub standby: String,
    pub strategy: String,
    pub primary_location: String,
    pub secondary_location: String,
    /// `emulator` or `azure`.
    pub target: String,
    pub started_at: String,
    pub finished_at: String,
    /// When the primary region was lost (a drill on the emulator: the emulator's outage start).
    pub outage_at: Option<String>,
    /// When the app answered through Front Door from the serving region.
    pub healthy_at: Option<String>,
    pub steps: Vec<StepRecord>,
    pub exposures: Vec<Exposure>,
    pub rpo: Objective,
    pub rto: Objective,
    /// The same steps on Azure, by the durations Azure documents: the steps of one mechanism
    /// side by side (their longest), the mechanisms one after the other (their sum), as the
    /// runbook runs them.
    pub projected_rto_seconds: u64,
    pub passed: bool,
}

impl RecoveryReport {
    /// The file name the report is kept under (without extension): `<kind>-<started>`.
    pub fn stem(&self) -> String {
        let ts: String = self
            .started_at
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        format!("{}-{ts}", self.kind)
    }

    /// Writes `<dir>/<stem>.json` and `<dir>/<stem>.md`; returns the markdown's path.
    pub fn save(&self, dir: &Path) -> std::io::Result<PathBuf> {
        std::fs::create_dir_all(dir)?;
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(dir.join(format!("{}.json", self.stem())), json + "\n")?;
        let md = dir.join(format!("{}.md", self.stem()));
        std::fs::write(&md, markdown(self))?;
        Ok(md)
    }
}

/// Every report kept in `dir`, oldest first (unreadable files are skipped and named).
pub fn history(dir: &Path) -> (Vec<RecoveryReport>, Vec<String>) {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return (out, bad);
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    for p in paths {
        match std::fs::read(&p)
            .ok()
            .and_then(|b| serde_json::from_slice::<RecoveryReport>(&b).ok())
        {
            Some(r) => out.push(r),
            None => bad.push(p.display().to_string()),
        }
    }
    out.sort_by(|a, b| a.started_at.cmp(&b.started_at));
    (out, bad)
}

/// Seconds as `1h 2m 3s`, `4.2s`.
pub fn duration(seconds: f64) -> String {
    if seconds < 60.0 {
        return format!("{seconds:.1}s");
    }
    let total = seconds.round() as u64;
    let (h, m, s) = (total / 3600, (total % 3600) / 60, total % 60);
    let mut out = String::new();
    if h > 0 {
        let _ = write!(out, "{h}h ");
    }
    if h > 0 || m > 0 {
        let _ = write!(out, "{m}m ");
    }
    let _ = write!(out, "{s}s");
    out
}

fn verdict(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "met",
        Some(false) => "**missed**",
        None => "not measured",
    }
}

/// The report as markdown.
pub fn markdown(r: &RecoveryReport) -> String {
    let mut s = String::new();
    let title = match r.kind.as_str() {
        "drill" => "Disaster recovery drill",
        "failback" => "Failback",
        _ => "Failover",
    };
    let _ = writeln!(
        s,
        "# {title}: {} ({} → {})\n",
        r.environment, r.primary_location, r.secondary_location
    );
    let _ = writeln!(
        s,
        "**{}** — strategy {}, standby `{}`, on {}. Started {}, finished {}.\n",
        if r.passed { "PASSED" } else { "FAILED" },
        r.strategy,
        r.standby,
        r.target,
        r.started_at,
        r.finished_at
    );
    let _ = writeln!(s, "| objective | target | achieved | verdict | measured from |");
    let _ = writeln!(s, "|---|---|---|---|---|");
    for (name, o) in [("RPO", &r.rpo), ("RTO", &r.rto)] {
        let _ = writeln!(
            s,
            "| {name} | {} | {} | {} | {} |",
            duration(o.target_seconds as f64),
            o.achieved_seconds.map_or("—".to_string(), duration),
            verdict(o.met()),
            o.basis
        );
    }
    let _ = writeln!(
        s,
        "| RTO on Azure (projected) | {} | {} | {} | the durations Azure documents for these steps |",
        duration(r.rto.target_seconds as f64),
        duration(r.projected_rto_seconds as f64),
        verdict(Some(r.projected_rto_seconds <= r.rto.target_seconds))
    );
    if let Some(t) = &r.outage_at {
        let _ = writeln!(s, "\nPrimary region lost at {t}.");
    }
    if let Some(t) = &r.healthy_at {
        let _ = writeln!(
            s,
            "App healthy through Front Door from {} at {t}.",
            r.secondary_location
        );
    }
    if !r.exposures.is_empty() {
        let _ = writeln!(s, "\n## Data at risk\n");
        let _ = writeln!(s, "| resource | could lose | how we know |");
        let _ = writeln!(s, "|---|---|---|");
        for e in &r.exposures {
            let _ = writeln!(
                s,
                "| `{}` | {} | {} |",
                e.resource,
                e.seconds.map_or("unknown".to_string(), duration),
                e.basis
            );
        }
    }
    let _ = writeln!(s, "\n## Steps\n");
    let _ = writeln!(
        s,
        "| # | step | started | took | outcome | on Azure (documented) |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|");
    for (i, st) in r.steps.iter().enumerate() {
        let doc = st.documented.as_ref().map_or("—".to_string(), |d| {
            format!("{} ({}; {})", duration(d.seconds as f64), d.mechanism, d.source)
        });
        let outcome = match st.outcome {
            StepOutcome::Done => format!("done: {}", st.detail),
            StepOutcome::Failed => format!("**failed**: {}", st.detail),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            i + 1,
            st.title.replace('|', "\\|"),
            st.started_at,
            duration(st.seconds),
            outcome.replace('|', "\\|").replace('\n', " "),
            doc.replace('|', "\\|")
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> RecoveryReport {
        RecoveryReport {
            kind: "drill".into(),
            environment: "prod".into(),
            standby: "prod-dr".into(),
            strategy: "warm".into(),
            primary_location: "westeurope".into(),
            secondary_location: "northeurope".into(),
            target: "emulator".into(),
            started_at: "2026-12-07T02:00:00Z".into(),
            finished_at: "2026-12-07T02:00:09Z".into(),
            outage_at: Some("2026-12-07T02:00:01Z".into()),
            healthy_at: Some("2026-12-07T02:00:08Z".into()),
            steps: vec![StepRecord {
                id: "promote module.database.server".into(),
                title: "promote | the replica".into(),
                started_at: "2026-12-07T02:00:02Z".into(),
                ended_at: "2026-12-07T02:00:04Z".into(),
                seconds: 2.0,
                outcome: StepOutcome::Done,
                detail: "provisioning state Succeeded".into(),
                documented: Some(Documented {
                    mechanism: "replica promote".into(),
                    seconds: 600,
                    source: "Learn".into(),
                }),
            }],
            exposures: vec![Exposure {
                resource: "module.storage.account".into(),
                seconds: Some(300.0),
                basis: "lastSyncTime".into(),
            }],
            rpo: Objective {
                target_seconds: 900,
                achieved_seconds: Some(300.0),
                basis: "lastSyncTime".into(),
            },
            rto: Objective {
                target_seconds: 3600,
                achieved_seconds: Some(7.0),
                basis: "outage to healthy".into(),
            },
            projected_rto_seconds: 4200,
            passed: true,
        }
    }

    #[test]
    fn markdown_shows_verdicts_steps_and_sources() {
        let md = markdown(&report());
        assert!(md.contains("| RPO | 15m 0s | 5m 0s | met |"), "{md}");
        assert!(
            md.contains("| RTO on Azure (projected) | 1h 0m 0s | 1h 10m 0s | **missed** |"),
            "{md}"
        );
        assert!(md.contains("promote \\| the replica"), "{md}");
        assert!(md.contains("10m 0s (replica promote; Learn)"), "{md}");
    }

    #[test]
    fn reports_are_kept_and_listed_oldest_first() {
        let dir = tempfile::tempdir().unwrap();
        let mut later = report();
        later.started_at = "2026-12-08T00:00:00Z".into();
        later.save(dir.path()).unwrap();
        report().save(dir.path()).unwrap();
        std::fs::write(dir.path().join("broken.json"), "{").unwrap();
        let (all, bad) = history(dir.path());
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].started_at, "2026-12-07T02:00:00Z");
        assert_eq!(bad.len(), 1);
        assert!(dir.path().join(format!("{}.md", later.stem())).exists());
    }
}
