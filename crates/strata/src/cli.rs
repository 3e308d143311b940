//! Command-line arguments (clap definitions only; no logic).

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

/// Layered Azure infrastructure as code.
#[derive(Debug, Parser)]
#[command(name = "strata", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Run as if started in DIR (the stack folder).
    #[arg(short = 'C', long = "chdir", global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Disable colour (also: the NO_COLOR environment variable).
    #[arg(long, global = true)]
    pub no_color: bool,
    /// More logging (-v debug, -vv trace); STRATA_LOG takes a tracing filter.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Set up an environment's state backend (and, with --bootstrap, create its storage).
    Init(InitArgs),
    /// Check the stack (syntax, references, types, names, networks) without calling Azure.
    Validate(ValidateArgs),
    /// Show what apply would change.
    Plan(PlanArgs),
    /// What changed outside strata since the last apply, and who changed it (exit 2 on drift).
    Drift(DriftArgs),
    /// The estate's architecture as a picture (SVG, Mermaid or DOT), from the configuration;
    /// with --plan, coloured by what a saved plan changes. Sends nothing to Azure.
    Graph(GraphArgs),
    /// Create or update the environment to match the configuration (or apply a saved plan).
    Apply(ApplyArgs),
    /// Delete everything the environment's state holds, in reverse dependency order.
    Destroy(DestroyArgs),
    /// Show the outputs recorded in state.
    Output(OutputArgs),
    /// Inspect the state.
    #[command(subcommand)]
    State(StateCommand),
    /// Which Azure credential strata picks, for which tenant and subscription (no secrets).
    #[command(subcommand)]
    Auth(AuthCommand),
    /// Adopt an existing Azure resource: record it in state at ADDR, then show what the
    /// configuration would change about it.
    Import(ImportArgs),
    /// Release a lock left by a run that died.
    ForceUnlock(ForceUnlockArgs),
    /// Show saved plans: as text, in OpenTofu's plan JSON (-json), or as one PR report.
    Show(ShowArgs),
    /// Generate CI/CD pipelines for the stack.
    #[command(subcommand)]
    Ci(CiCommand),
    /// Show what one environment would change to match what another runs.
    Promote(PromoteArgs),
    /// Run the local Azure Resource Manager emulator.
    Emulator(EmulatorArgs),
    /// Disaster recovery: what protects the estate against the loss of its region.
    #[command(subcommand)]
    Dr(DrCommand),
}

#[derive(Debug, Subcommand)]
pub enum DrCommand {
    /// Per stateful resource: what protects it, the replication figures Azure reports, the data
    /// a loss of the region would lose now against the RPO target, and what is missing. Exits 2
    /// when a target is not met.
    Status {
        /// The environment (a file envs/ENV.hcl).
        #[arg(short = 'e', long = "env", value_name = "ENV")]
        env: String,
        /// The environment's rehearsal on the emulator (.strata/rehearsal/ENV).
        #[arg(long)]
        emulator: bool,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// A rehearsal of the loss of the primary region. On the emulator: the region is taken out,
    /// the failover runbook runs for real and the app is checked through Front Door. Against
    /// Azure (or with --copies) it changes nothing the environment runs on: with a warm standby
    /// the databases are geo-restored as copies into a resource group of the drill's own in the
    /// secondary region, checked and deleted; with a cold one the standby estate is built from
    /// code, checked and removed. A report (markdown and JSON, kept in .strata/dr/ENV) gives the
    /// achieved RPO and RTO, each step's documented duration on Azure and the verdict against
    /// the targets. Exits 2 when a target is missed.
    Drill(DrArgs),
    /// Move the environment to its standby: promote the database replicas, fail storage over,
    /// give the standby's origins Front Door's first priority, record that the standby serves,
    /// apply the standby estate. Asks for the environment and region typed out; an interrupted
    /// failover resumes where it stopped when run again.
    Failover(DrArgs),
    /// Move the environment back to its primary region once it answers: the primary database is
    /// re-seeded from the serving one and switched over, storage regains its geo-redundancy and
    /// fails back, Front Door's priorities go back, both estates are applied.
    Failback(DrArgs),
    /// The drills, failovers and failbacks of an environment, oldest first.
    History {
        /// The environment (a file envs/ENV.hcl).
        #[arg(short = 'e', long = "env", value_name = "ENV")]
        env: String,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// What `dr drill`, `dr failover` and `dr failback` take.
#[derive(Debug, Args)]
pub struct DrArgs {
    /// The environment (a file envs/ENV.hcl).
    #[arg(short = 'e', long = "env", value_name = "ENV")]
    pub env: String,
    /// The environment's rehearsal on the emulator (.strata/rehearsal/ENV).
    #[arg(long)]
    pub emulator: bool,
    /// The confirmation, typed out: `ENV to REGION` (the region that will serve), for runs
    /// without a terminal.
    #[arg(long, value_name = "TEXT")]
    pub confirm: Option<String>,
    /// Set a variable: NAME=VALUE (repeatable), as for apply.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Wait up to this long for the state locks (e.g. 30s, 2m).
    #[arg(long, value_parser = humantime::parse_duration, default_value = "0s")]
    pub lock_timeout: Duration,
    /// Drill only: restore copies in a resource group of the drill's own and delete them,
    /// changing nothing the environment runs on (what a drill against Azure always does).
    #[arg(long)]
    pub copies: bool,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }

    /// Every flag and argument of every command says what it does.
    #[test]
    fn every_argument_has_help() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if matches!(id, "help" | "version") {
                    continue;
                }
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path} {id}"));
                }
            }
            for sub in cmd.get_subcommands() {
                if sub.get_about().is_none() && sub.get_name() != "help" {
                    missing.push(format!("{path} {} (the command)", sub.get_name()));
                }
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut cmd = super::Cli::command();
        cmd.build();
        let mut missing = Vec::new();
        walk(&cmd, "strata", &mut missing);
        assert!(missing.is_empty(), "arguments without help: {missing:#?}");
    }
}

#[derive(Debug, Args, Clone)]
pub struct EnvArgs {
    /// The environment (a file envs/ENV.hcl).
    #[arg(short = 'e', long = "env", value_name = "ENV")]
    pub env: String,
    /// Rehearse on the local emulator whatever the environment targets. A rehearsal of an
    /// environment that targets Azure keeps its own state in .strata/rehearsal/ENV and never
    /// reads, locks or writes the real one.
    #[arg(long)]
    pub emulator: bool,
    /// With --emulator: start the rehearsal from a copy of the environment's real state (read
    /// without locking), so it shows what the next real apply would do. Replaces the
    /// rehearsal's state and estate.
    #[arg(long, requires = "emulator")]
    pub from_state: bool,
    /// Set a variable: NAME=VALUE (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Wait up to this long for the state lock (e.g. 30s, 2m).
    #[arg(long, value_parser = humantime::parse_duration, default_value = "0s")]
    pub lock_timeout: Duration,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The environment (a file envs/ENV.hcl).
    #[arg(short = 'e', long = "env", value_name = "ENV")]
    pub env: String,
    /// Backend settings: KEY=VALUE (type=azurerm, storage_account_name=…, container_name=…,
    /// key=…, endpoint=…, resource_group_name=…) or a file of `key = "value"` lines.
    /// Repeatable; saved for later runs, except secrets (access_key, sas_token).
    #[arg(long = "backend-config", value_name = "KEY=VALUE|FILE")]
    pub backend_config: Vec<String>,
    /// Create the resource group, the hardened storage account and the container through ARM.
    #[arg(long)]
    pub bootstrap: bool,
    /// Bootstrap against the local emulator whatever the environment targets.
    #[arg(long)]
    pub emulator: bool,
}

/// What a plan covers and what it recreates.
#[derive(Debug, Args, Clone, Default)]
pub struct ScopeArgs {
    /// Plan only ADDR and what it depends on (repeatable; a module `module.NAME`, a resource or
    /// one instance). The run is partial: use it to recover, not as a habit.
    #[arg(long = "target", value_name = "ADDR")]
    pub target: Vec<String>,
    /// Recreate ADDR (delete, then create) even though nothing forces it (repeatable).
    #[arg(long = "replace", value_name = "ADDR")]
    pub replace: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Validate one environment (default: all of them).
    #[arg(short = 'e', long = "env", value_name = "ENV")]
    pub env: Option<String>,
    /// Print diagnostics as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub env: EnvArgs,
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// Save the plan to FILE, to apply exactly it later.
    #[arg(long = "out", short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit 0 when there are no changes, 2 when there are, 1 on error.
    #[arg(long = "detailed-exitcode")]
    pub detailed_exitcode: bool,
    /// Plan the destruction of everything in state.
    #[arg(long)]
    pub destroy: bool,
    /// Print the plan as JSON.
    #[arg(long)]
    pub json: bool,
    /// Print a pull-request report instead of the plan (format: markdown).
    #[arg(long, value_name = "FORMAT", value_parser = ["markdown"])]
    pub report: Option<String>,
    #[command(flatten)]
    pub refresh: RefreshArgs,
    /// How many reads to run at once.
    #[arg(long, default_value_t = crate::DEFAULT_PARALLELISM)]
    pub parallelism: usize,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// The environment (a file envs/ENV.hcl).
    #[arg(short = 'e', long = "env", value_name = "ENV")]
    pub env: String,
    /// svg (the default), mermaid or dot.
    #[arg(long, value_name = "FORMAT", default_value = "svg", value_parser = ["svg", "mermaid", "dot"])]
    pub format: String,
    /// A plan saved with `plan -out FILE`: colour what it creates, changes, replaces, deletes.
    #[arg(long = "plan", value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// Write the picture to FILE instead of stdout.
    #[arg(long = "out", short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Set a variable: NAME=VALUE (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
}

#[derive(Debug, Args)]
pub struct DriftArgs {
    #[command(flatten)]
    pub env: EnvArgs,
    #[command(flatten)]
    pub refresh: RefreshArgs,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Print the report for an issue or a pipeline summary (format: markdown).
    #[arg(long, value_name = "FORMAT", value_parser = ["markdown"])]
    pub report: Option<String>,
    /// How many reads to run at once.
    #[arg(long, default_value_t = crate::DEFAULT_PARALLELISM)]
    pub parallelism: usize,
}

/// How a run reads what exists before planning.
#[derive(Debug, Args, Clone)]
pub struct RefreshArgs {
    /// Read the current state of every resource in state before planning (the default);
    /// --refresh=false skips those reads and plans from the state alone. --refresh=bulk reads
    /// through Azure Resource Graph (with a GET for what it cannot vouch for), --refresh=full
    /// with a GET per resource; the default reads in bulk from 100 resources up.
    #[arg(long = "refresh", default_value = "true", value_name = "true|false|bulk|full",
          num_args = 0..=1, default_missing_value = "true", value_parser = parse_refresh)]
    pub refresh: Refresh,
    /// Resources strata wrote more recently than this are read with a GET in a bulk refresh:
    /// Resource Graph may not have indexed the write yet.
    #[arg(long = "graph-staleness", value_name = "DURATION", default_value = "5m",
          value_parser = humantime::parse_duration)]
    pub graph_staleness: std::time::Duration,
}

/// `--refresh`: off, or on in a mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    Off,
    On(strata_engine::RefreshMode),
}

fn parse_refresh(s: &str) -> Result<Refresh, String> {
    use strata_engine::RefreshMode;
    match s.to_ascii_lowercase().as_str() {
        "true" | "auto" => Ok(Refresh::On(RefreshMode::Auto)),
        "false" => Ok(Refresh::Off),
        "bulk" => Ok(Refresh::On(RefreshMode::Bulk)),
        "full" => Ok(Refresh::On(RefreshMode::Full)),
        other => Err(format!("`{other}` is not one of true, false, bulk, full")),
    }
}

impl RefreshArgs {
    pub fn enabled(&self) -> bool {
        self.refresh != Refresh::Off
    }

    pub fn options(&self) -> strata_engine::RefreshOptions {
        strata_engine::RefreshOptions {
            mode: match self.refresh {
                Refresh::On(m) => m,
                Refresh::Off => strata_engine::RefreshMode::Auto,
            },
            staleness: self.graph_staleness,
            ..Default::default()
        }
    }
}

impl Default for RefreshArgs {
    fn default() -> Self {
        RefreshArgs {
            refresh: Refresh::On(strata_engine::RefreshMode::Auto),
            graph_staleness: strata_engine::refresh::DEFAULT_STALENESS,
        }
    }
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub env: EnvArgs,
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// A plan saved with `plan -out FILE`.
    #[arg(value_name = "PLAN")]
    pub plan_file: Option<PathBuf>,
    /// Do not ask for confirmation.
    #[arg(long = "auto-approve")]
    pub auto_approve: bool,
    #[command(flatten)]
    pub refresh: RefreshArgs,
    /// How many operations to run at once.
    #[arg(long, default_value_t = crate::DEFAULT_PARALLELISM)]
    pub parallelism: usize,
    /// Print events as JSON lines.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DestroyArgs {
    #[command(flatten)]
    pub env: EnvArgs,
    /// Destroy only ADDR and what depends on it (repeatable).
    #[arg(long = "target", value_name = "ADDR")]
    pub target: Vec<String>,
    /// Do not ask for confirmation.
    #[arg(long = "auto-approve")]
    pub auto_approve: bool,
    #[command(flatten)]
    pub refresh: RefreshArgs,
    /// How many operations to run at once.
    #[arg(long, default_value_t = crate::DEFAULT_PARALLELISM)]
    pub parallelism: usize,
    /// Print events as JSON lines.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// The environment (a file envs/ENV.hcl).
    #[arg(short = 'e', long = "env", value_name = "ENV")]
    pub env: String,
    /// The outputs of the environment's rehearsal on the emulator (.strata/rehearsal/ENV).
    #[arg(long)]
    pub emulator: bool,
    /// One output only.
    pub name: Option<String>,
    /// JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Print sensitive values instead of <sensitive>.
    #[arg(long)]
    pub show_sensitive: bool,
}

#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// List the resources in state.
    List {
        /// The environment (a file envs/ENV.hcl).
        #[arg(short = 'e', long = "env", value_name = "ENV")]
        env: String,
        /// The environment's rehearsal on the emulator (.strata/rehearsal/ENV).
        #[arg(long)]
        emulator: bool,
    },
    /// List earlier versions of the state (blob versions and snapshots).
    History {
        /// The environment (a file envs/ENV.hcl).
        #[arg(short = 'e', long = "env", value_name = "ENV")]
        env: String,
    },
    /// Put an earlier version back as the newest state, after showing what changes.
    Restore {
        /// The environment (a file envs/ENV.hcl).
        #[arg(short = 'e', long = "env", value_name = "ENV")]
        env: String,
        /// A version id from `state history`.
        #[arg(value_name = "VERSION")]
        version_id: String,
        /// Do not ask for confirmation.
        #[arg(long = "auto-approve")]
        auto_approve: bool,
    },
    /// Print the state as JSON (to move it to another backend with `state push`).
    Pull {
        /// The environment (a file envs/ENV.hcl).
        #[arg(short = 'e', long = "env", value_name = "ENV")]
        env: String,
        /// The environment's rehearsal on the emulator (.strata/rehearsal/ENV).
        #[arg(long)]
        emulator: bool,
    },
    /// Write a state file into the environment's backend, with lineage and serial checks.
    Push {
        /// The environment (a file envs/ENV.hcl).
        #[arg(short = 'e', long = "env", value_name = "ENV")]
        env: String,
        /// The state file (from `state pull`, or a local state file).
        file: PathBuf,
        /// Overwrite even a state of another lineage or a higher serial.
        #[arg(long)]
        force: bool,
    },
    /// Move resources to another address in state (a renamed block), without touching Azure.
    Mv {
        #[command(flatten)]
        env: EnvArgs,
        /// What to move: module.NAME, a resource, or one instance.
        #[arg(value_name = "FROM")]
        from: String,
        /// Where to: the same kind of address.
        #[arg(value_name = "TO")]
        to: String,
    },
    /// Forget resources (they stay in Azure, no longer managed by this state).
    Rm {
        #[command(flatten)]
        env: EnvArgs,
        /// What to forget: module.NAME, a resource, or one instance (one or more).
        #[arg(value_name = "ADDR", required = true)]
        addresses: Vec<String>,
    },
    /// Show one resource's attributes (secrets masked).
    Show {
        /// The environment (a file envs/ENV.hcl).
        #[arg(short = 'e', long = "env", value_name = "ENV")]
        env: String,
        /// The environment's rehearsal on the emulator (.strata/rehearsal/ENV).
        #[arg(long)]
        emulator: bool,
        /// The resource address, e.g. module.network.subnet["app"].
        address: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Show the credential, tenant and subscription an environment would use.
    Status {
        /// The environment (a file envs/ENV.hcl).
        #[arg(short = 'e', long = "env", value_name = "ENV")]
        env: String,
        /// Also obtain a token, to prove the credential works.
        #[arg(long)]
        check: bool,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Saved plan files (`plan -out FILE`).
    #[arg(required = true, value_name = "PLAN")]
    pub files: Vec<PathBuf>,
    /// Print OpenTofu's plan JSON (one file).
    #[arg(long)]
    pub json: bool,
    /// Print one pull-request report for all the files (format: markdown).
    #[arg(long, value_name = "FORMAT", value_parser = ["markdown"])]
    pub report: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum CiCommand {
    /// Write the pipeline files for a CI system (github or azure-devops).
    Init {
        /// github | azure-devops
        #[arg(value_parser = ["github", "azure-devops"])]
        system: String,
        /// Where the pipelines install strata from: git=URL@TAG (a tag of a git repository),
        /// crate=VERSION (a release on crates.io), or path=DIR (build it from this repository;
        /// `path` alone finds the strata package in it).
        #[arg(long, value_name = "SOURCE")]
        install: Option<String>,
        /// The branch whose merges apply dev, then staging, then prod.
        #[arg(long, default_value = "main")]
        main_branch: String,
        /// Overwrite files that exist.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Args)]
pub struct PromoteArgs {
    /// The environment whose applied configuration is promoted (e.g. staging).
    #[arg(long)]
    pub from: String,
    /// The environment to compare (e.g. prod).
    #[arg(long)]
    pub to: String,
    /// Rehearse on the emulator: both environments' rehearsal states (.strata/rehearsal/ENV)
    /// when they target Azure.
    #[arg(long)]
    pub emulator: bool,
    /// Markdown, for release notes and approvals.
    #[arg(long)]
    pub markdown: bool,
    /// Wait up to this long for the state lock (e.g. 30s, 2m).
    #[arg(long, value_parser = humantime::parse_duration, default_value = "0s")]
    pub lock_timeout: Duration,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub env: EnvArgs,
    /// Where the configuration declares it, e.g. module.storage.account.
    #[arg(value_name = "ADDR")]
    pub address: String,
    /// Its Azure resource id.
    #[arg(value_name = "ID")]
    pub id: String,
    /// How many reads to run at once.
    #[arg(long, default_value_t = crate::DEFAULT_PARALLELISM)]
    pub parallelism: usize,
}

#[derive(Debug, Args)]
pub struct ForceUnlockArgs {
    /// The environment (a file envs/ENV.hcl).
    #[arg(short = 'e', long = "env", value_name = "ENV")]
    pub env: String,
    /// The lock id shown by the error of the blocked run.
    pub lock_id: String,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
#[command(after_long_help = EMULATOR_HELP)]
pub struct EmulatorArgs {
    /// Address to listen on (loopback only by default).
    #[arg(long, default_value = "127.0.0.1:4580")]
    pub listen: std::net::SocketAddr,
    /// Folder to keep the emulated estate in (default: in memory).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Provisioning latency: "200ms", or "default=50ms,Microsoft.Network/virtualNetworks=300ms".
    #[arg(long, value_name = "SPEC")]
    pub latency: Option<String>,
    /// Serve https (ARM and the identity endpoints) with a certificate made at start for
    /// localhost and 127.0.0.1, for clients that refuse http (the Azure SDKs, the az CLI).
    /// Trust it with SSL_CERT_FILE / REQUESTS_CA_BUNDLE pointing at --tls-cert-out.
    #[arg(long)]
    pub tls: bool,
    /// Where to write the PEM certificate clients should trust (default: emulator-ca.pem in
    /// --data, else in the system's temporary folder; printed at startup).
    #[arg(long, value_name = "FILE", requires = "tls")]
    pub tls_cert_out: Option<PathBuf>,
    /// Refuse api-versions newer than the published type definitions the emulator carries
    /// (by default they are served with the newest schema and a `Warning` header).
    #[arg(long)]
    pub strict_api_versions: bool,
    /// Refuse request bodies with properties Azure would ignore (unknown or read-only) or spell
    /// differently, instead of dropping them as ARM does: for testing what a client sends.
    #[arg(long)]
    pub strict_bodies: bool,
    /// Take a region out from the start, for disaster-recovery drills (repeatable): requests
    /// about resources located there answer 503 and their long-running operations stall until
    /// POST /_emulator/regions/{region}/restore. GET /_emulator/regions lists the outages.
    #[arg(long = "region-outage", value_name = "REGION")]
    pub region_outages: Vec<String>,
    /// How far Resource Graph (POST /providers/Microsoft.ResourceGraph/resources) trails the
    /// estate, as Azure's index does (e.g. 5s): its queries see the estate as it was that long
    /// ago. Default 0: they see it as it is.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "0s")]
    pub graph_lag: std::time::Duration,

    /// Require a bearer token on every ARM request, and serve the identity endpoint
    /// (POST /{tenant}/oauth2/v2.0/token, IMDS at /metadata/identity/oauth2/token, federated
    /// test tokens at POST /_emulator/oidc/token).
    #[arg(long, help_heading = "Authentication")]
    pub auth: bool,
    /// Register a client-secret application: ID:SECRET, optionally limited to subscriptions
    /// with ID:SECRET:SUB1,SUB2 (others answer 403). Repeatable.
    #[arg(
        long = "client",
        value_name = "ID:SECRET[:SUBS]",
        requires = "auth",
        help_heading = "Authentication"
    )]
    pub clients: Vec<String>,
    /// Register a certificate application: ID:PEM_FILE[:SUBS], the file holding its certificate
    /// (or public key); client assertions must be RS256-signed with its key. Repeatable.
    #[arg(
        long = "client-cert",
        value_name = "ID:PEM[:SUBS]",
        requires = "auth",
        help_heading = "Authentication"
    )]
    pub client_certs: Vec<String>,
    /// Register a federated credential: ID:SUBJECT[:SUBS]; tokens for that subject from the
    /// emulator's OIDC issuer (POST /_emulator/oidc/token) are accepted as client assertions.
    /// Repeatable.
    #[arg(
        long = "federated",
        value_name = "ID:SUBJECT[:SUBS]",
        requires = "auth",
        help_heading = "Authentication"
    )]
    pub federated: Vec<String>,
    /// Register a managed identity for the metadata endpoint: a user-assigned identity's client
    /// id, or "system", optionally :SUB1,SUB2. Repeatable.
    #[arg(
        long = "managed-identity",
        value_name = "ID|system[:SUBS]",
        requires = "auth",
        help_heading = "Authentication"
    )]
    pub managed_identities: Vec<String>,
    /// The tenant the emulated subscriptions belong to (default: the emulator's tenant).
    #[arg(
        long,
        value_name = "TENANT",
        requires = "auth",
        help_heading = "Authentication"
    )]
    pub tenant: Option<String>,
    /// Another tenant the identity endpoint knows; its tokens are refused by ARM with
    /// InvalidAuthenticationTokenTenant. Repeatable.
    #[arg(
        long = "other-tenant",
        value_name = "TENANT",
        requires = "auth",
        help_heading = "Authentication"
    )]
    pub other_tenants: Vec<String>,
    /// Lifetime of issued access tokens (e.g. 1h, 5m; 0s issues already expired ones).
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "1h",
          help_heading = "Authentication")]
    pub token_lifetime: Duration,

    /// Throttle like ARM: token buckets per subscription, principal and class, with the
    /// x-ms-ratelimit-remaining-* headers and 429 + Retry-After. Without a value, ARM's limits;
    /// or e.g. "reads=250/25,writes=200/10,deletes=200/10,global=15,network-writes=1000/5m".
    #[arg(long, value_name = "SPEC", num_args = 0..=1, default_missing_value = "default",
          help_heading = "Throttling and faults")]
    pub throttle: Option<String>,
    /// Inject faults: "default" (5% transient 500/503, 5% read-after-create 404s for 500ms, 2%
    /// dropped answers, long-running operations twice as slow, 2% conflicts, 2% references
    /// still provisioning), or a list such as "transient=10%,drop=2%,read-after-create=10%/1s"
    /// (the others: slow-lro=[RATE]xFACTOR, conflict=RATE, not-provisioned=RATE).
    #[arg(long, value_name = "SPEC", help_heading = "Throttling and faults")]
    pub faults: Option<String>,
    /// Seed for --faults: the same seed and requests give the same faults (default: random,
    /// printed at startup).
    #[arg(
        long,
        value_name = "N",
        requires = "faults",
        help_heading = "Throttling and faults"
    )]
    pub seed: Option<u64>,
}

const EMULATOR_HELP: &str = "\
Examples:
  strata emulator
  strata emulator --auth --client app:s3cret --managed-identity system
  strata emulator --auth --client ci:pw:11111111-2222-3333-4444-555555555555
  strata emulator --throttle --faults default --seed 7
  strata emulator --throttle reads=50/5,writes=20/2 --faults transient=10%,drop=5%
  strata emulator --tls --tls-cert-out emulator-ca.pem
    (then: export REQUESTS_CA_BUNDLE=$PWD/emulator-ca.pem SSL_CERT_FILE=$PWD/emulator-ca.pem)

Counters (requests by class, 429s, faults injected, creates per resource id) are at
GET /_emulator/stats; DELETE resets them.";
