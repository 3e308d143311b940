//! `strata emulator`: serve the ARM emulator until interrupted.

use anyhow::{Context, Result, anyhow, bail};
use strata_emulator::{
    AuthConfig, EmulatorConfig, FaultConfig, FaultSpec, Latency, TestClient, ThrottleConfig, TlsConfig,
};

use crate::cli::EmulatorArgs;
use crate::style;

pub async fn run(args: EmulatorArgs) -> Result<u8> {
    let latency = match &args.latency {
        Some(spec) => Latency::parse(spec).map_err(|e| anyhow!("--latency: {e}"))?,
        None => Latency::default(),
    };
    if let Some(d) = &args.data {
        std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
    }
    let auth = if args.auth {
        Some(auth_config(&args)?)
    } else {
        None
    };
    let throttle = match &args.throttle {
        Some(spec) => Some(ThrottleConfig::parse(spec).map_err(|e| anyhow!("--throttle: {e}"))?),
        None => None,
    };
    let faults = match &args.faults {
        Some(spec) => {
            let spec = FaultSpec::parse(spec).map_err(|e| anyhow!("--faults: {e}"))?;
            let seed = args.seed.unwrap_or_else(FaultConfig::random_seed);
            Some(FaultConfig { spec, seed })
        }
        None => None,
    };
    let tls = args.tls.then(|| TlsConfig {
        cert_file: cert_file(&args),
    });
    if let Some(parent) = tls
        .as_ref()
        .and_then(|t| t.cert_file.parent())
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    for region in &args.region_outages {
        let name: String = region.chars().filter(|c| !c.is_whitespace()).collect();
        if name.is_empty()
            || name.eq_ignore_ascii_case("global")
            || !name.chars().all(|c| c.is_ascii_alphanumeric())
        {
            bail!("--region-outage: '{region}' is not a region name; use an Azure region such as westeurope");
        }
    }
    let config = EmulatorConfig {
        listen: args.listen,
        data_dir: args.data.clone(),
        latency,
        auth: auth.clone(),
        throttle: throttle.clone(),
        faults: faults.clone(),
        tls: tls.clone(),
        strict_api_versions: args.strict_api_versions,
        strict_bodies: args.strict_bodies,
        region_outages: args.region_outages.clone(),
        graph_lag: args.graph_lag,
    };
    let handle = strata_emulator::start(config)
        .await
        .context("cannot start the emulator")?;
    let endpoint = handle.endpoint();
    println!(
        "{}",
        style::bold(&format!(
            "strata emulator listening on {endpoint} — an Azure Resource Manager emulator, NOT Azure"
        ))
    );
    if let Some(tls) = &tls {
        let file = tls.cert_file.display();
        println!("https with a certificate made for localhost and 127.0.0.1; its authority is in {file}");
        println!("  trust it with: export SSL_CERT_FILE={file} REQUESTS_CA_BUNDLE={file}");
    }
    match &args.data {
        Some(d) => println!("estate kept in {}", d.display()),
        None => println!("estate kept in memory (use --data DIR to keep it)"),
    }
    match &auth {
        Some(auth) => {
            println!(
                "authentication required: tenant {}, {} registered credential(s), tokens valid {}",
                auth.tenant_id,
                auth.clients.len(),
                humantime::format_duration(auth.token_lifetime)
            );
            println!(
                "  token endpoint {endpoint}/{}/oauth2/v2.0/token (authority host {endpoint})",
                auth.tenant_id
            );
            println!("  managed identity {endpoint}/metadata/identity/oauth2/token");
            println!("  federated test tokens: POST {endpoint}/_emulator/oidc/token {{\"subject\": \"…\"}}");
        }
        None => println!("authentication off (use --auth to require tokens)"),
    }
    if let Some(t) = &throttle {
        let network = t.network_writes.map_or_else(
            || "none".to_string(),
            |n| {
                format!(
                    "{} per {:.0}s",
                    n.capacity,
                    f64::from(n.capacity) / n.refill_per_second
                )
            },
        );
        println!(
            "throttling like ARM: reads {}/{}/s, writes {}/{}/s, deletes {}/{}/s, subscription-wide ×{}, \
             Microsoft.Network writes {network}",
            t.reads.capacity,
            t.reads.refill_per_second,
            t.writes.capacity,
            t.writes.refill_per_second,
            t.deletes.capacity,
            t.deletes.refill_per_second,
            t.global_factor
        );
    }
    if let Some(f) = &faults {
        println!(
            "{}",
            style::bold(&format!(
                "injecting faults (seed {}; rerun with --seed {} to reproduce): {}",
                f.seed,
                f.seed,
                describe_faults(&f.spec)
            ))
        );
    }
    if !args.graph_lag.is_zero() {
        println!(
            "Resource Graph trails the estate by {}",
            humantime::format_duration(args.graph_lag)
        );
    }
    println!("counters at {endpoint}/_emulator/stats");
    match &tls {
        Some(tls) => println!(
            "point strata at it with: export STRATA_ARM_ENDPOINT={endpoint} SSL_CERT_FILE={}",
            tls.cert_file.display()
        ),
        None => println!("point strata at it with: export STRATA_ARM_ENDPOINT={endpoint}"),
    }
    tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
    println!("stopping");
    handle.shutdown().await;
    Ok(0)
}

/// `--tls-cert-out`, else `emulator-ca.pem` in `--data`, else in the temporary folder (named
/// by the port, so that two emulators do not overwrite each other's).
fn cert_file(args: &EmulatorArgs) -> std::path::PathBuf {
    if let Some(file) = &args.tls_cert_out {
        return file.clone();
    }
    match &args.data {
        Some(d) => d.join("emulator-ca.pem"),
        None => std::env::temp_dir().join(format!("strata-emulator-{}-ca.pem", args.listen.port())),
    }
}

/// How one of the registration flags is read.
type ParseClient = fn(&str) -> Result<TestClient, String>;

fn auth_config(args: &EmulatorArgs) -> Result<AuthConfig> {
    let mut auth = AuthConfig {
        other_tenants: args.other_tenants.clone(),
        token_lifetime: args.token_lifetime,
        ..AuthConfig::default()
    };
    if let Some(tenant) = &args.tenant {
        auth.tenant_id = tenant.clone();
    }
    // Tenants are path segments of the token endpoint: GUIDs or domain names.
    for tenant in std::iter::once(&auth.tenant_id).chain(&auth.other_tenants) {
        if tenant.is_empty()
            || !tenant
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            return Err(anyhow!(
                "--tenant/--other-tenant: `{tenant}` is not a tenant (a GUID or a domain name such as contoso.onmicrosoft.com)"
            ));
        }
    }
    let kinds: [(&str, &Vec<String>, ParseClient); 4] = [
        ("--client", &args.clients, TestClient::parse_secret),
        ("--client-cert", &args.client_certs, TestClient::parse_certificate),
        ("--federated", &args.federated, TestClient::parse_federated),
        (
            "--managed-identity",
            &args.managed_identities,
            TestClient::parse_managed_identity,
        ),
    ];
    for (flag, specs, parse) in kinds {
        for spec in specs {
            // A --client spec holds a secret: name the flag and the client, never the value.
            let client = spec
                .split_once(':')
                .map_or(if flag == "--client" { "?" } else { spec.as_str() }, |(id, _)| id);
            let registered = parse(spec).map_err(|e| {
                let e = if flag == "--client" { scrub(&e, spec) } else { e };
                anyhow!("{flag} for client `{client}`: {e}")
            })?;
            auth.clients.push(registered);
        }
    }
    if auth.clients.is_empty() {
        eprintln!(
            "note: no client is registered, so no token can be had; add --client ID:SECRET (or \
             --client-cert, --federated, --managed-identity)"
        );
    }
    Ok(auth)
}

/// An error message without the secret part of a `--client` spec.
fn scrub(message: &str, spec: &str) -> String {
    match spec.split_once(':') {
        Some((_, rest)) if !rest.is_empty() => message.replace(rest, "…"),
        _ => message.to_string(),
    }
}

fn describe_faults(spec: &FaultSpec) -> String {
    let pct = |r: f64| format!("{}%", (r * 1000.0).round() / 10.0);
    let mut parts = Vec::new();
    if spec.transient > 0.0 {
        parts.push(format!("{} transient 500/503", pct(spec.transient)));
    }
    if spec.read_after_create > 0.0 {
        parts.push(format!(
            "{} of creates unreadable for {}",
            pct(spec.read_after_create),
            humantime::format_duration(spec.read_after_create_window)
        ));
    }
    if spec.dropped > 0.0 {
        parts.push(format!("{} dropped answers", pct(spec.dropped)));
    }
    if spec.slow > 0.0 && spec.slow_factor > 1.0 {
        parts.push(format!(
            "{} of long-running operations ×{}",
            pct(spec.slow),
            spec.slow_factor
        ));
    }
    if spec.conflict > 0.0 {
        parts.push(format!(
            "{} conflicts on network child writes",
            pct(spec.conflict)
        ));
    }
    if spec.not_provisioned > 0.0 {
        parts.push(format!(
            "{} references still provisioning",
            pct(spec.not_provisioned)
        ));
    }
    if parts.is_empty() {
        "none".to_string()
    } else {
        parts.join(", ")
    }
}
