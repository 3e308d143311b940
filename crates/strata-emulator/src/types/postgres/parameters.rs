//! The server parameters a flexible server offers, with their defaults, data types and allowed
//! values as the service reports them (taken from the published `ConfigurationListByServer`
//! example of the 2024-08-01 API), and the checks of a new value.

/// One server parameter.
pub(super) struct Parameter {
    pub name: &'static str,
    pub default: &'static str,
    pub data_type: &'static str,
    pub allowed: &'static str,
    pub dynamic: bool,
    pub read_only: bool,
    pub unit: Option<&'static str>,
}

const fn p(
    name: &'static str,
    default: &'static str,
    data_type: &'static str,
    allowed: &'static str,
    dynamic: bool,
    read_only: bool,
    unit: Option<&'static str>,
) -> Parameter {
    Parameter {
        name,
        default,
        data_type,
        allowed,
        dynamic,
        read_only,
        unit,
    }
}

const B: &str = "Boolean";
const I: &str = "Integer";
const N: &str = "Numeric";
const E: &str = "Enumeration";
const S: &str = "String";
const SET: &str = "Set";
const ON_OFF: &str = "on,off";
const SEC: Option<&str> = Some("seconds");
const MS: Option<&str> = Some("milliseconds");
const KB: Option<&str> = Some("KB");
const PAGES: Option<&str> = Some("8KB");

pub(super) const PARAMETERS: &[Parameter] = &[
    p("allow_system_table_mods", "off", B, ON_OFF, true, true, None),
    p("application_name", "", S, "[A-Za-z0-9._-]*", true, false, None),
    p("archive_timeout", "300", I, "0-1073741823", true, true, SEC),
    p("array_nulls", "on", B, ON_OFF, true, false, None),
    p("authentication_timeout", "60", I, "1-600", true, true, SEC),
    p("auto_explain.log_analyze", "off", B, ON_OFF, true, false, None),
    p(
        "auto_explain.log_format",
        "text",
        E,
        "text,xml,json,yaml",
        true,
        false,
        None,
    ),
    p(
        "auto_explain.log_min_duration",
        "-1",
        I,
        "-1-2147483647",
        true,
        false,
        MS,
    ),
    p("autovacuum", "on", B, ON_OFF, true, false, None),
    p(
        "autovacuum_analyze_scale_factor",
        "0.1",
        N,
        "0-100",
        true,
        false,
        None,
    ),
    p(
        "autovacuum_analyze_threshold",
        "50",
        I,
        "0-2147483647",
        true,
        false,
        None,
    ),
    p(
        "autovacuum_freeze_max_age",
        "200000000",
        I,
        "100000-2000000000",
        false,
        false,
        None,
    ),
    p("autovacuum_max_workers", "3", I, "1-262143", false, false, None),
    p("autovacuum_naptime", "60", I, "1-2147483", true, false, SEC),
    p("autovacuum_vacuum_cost_delay", "2", I, "-1-100", true, false, MS),
    p(
        "autovacuum_vacuum_cost_limit",
        "-1",
        I,
        "-1-10000",
        true,
        false,
        None,
    ),
    p(
        "autovacuum_vacuum_scale_factor",
        "0.2",
        N,
        "0-100",
        true,
        false,
        None,
    ),
    p(
        "autovacuum_vacuum_threshold",
        "50",
        I,
        "0-2147483647",
        true,
        false,
        None,
    ),
    p("autovacuum_work_mem", "-1", I, "-1-2097151", true, false, KB),
    p(
        "azure.accepted_password_auth_method",
        "md5",
        SET,
        "md5,scram-sha-256",
        true,
        false,
        None,
    ),
    p(
        "azure.enable_temp_tablespaces_on_local_ssd",
        "on",
        B,
        ON_OFF,
        true,
        false,
        None,
    ),
    p("log_statement", "none", E, "none,ddl,mod,all", true, false, None),
    p("log_statement_sample_rate", "1", N, "0-1", true, false, None),
    p("log_temp_files", "-1", I, "-1-2147483647", true, false, KB),
    p("logfiles.download_enable", "off", B, ON_OFF, true, false, None),
    p("logfiles.retention_days", "3", I, "1-7", true, false, None),
    p(
        "logical_decoding_work_mem",
        "65536",
        I,
        "64-2147483647",
        true,
        false,
        KB,
    ),
    p(
        "maintenance_work_mem",
        "274432",
        I,
        "1024-2097151",
        true,
        false,
        KB,
    ),
    p("max_connections", "1718", I, "25-5000", false, false, None),
    p(
        "max_files_per_process",
        "1000",
        I,
        "64-2147483647",
        false,
        true,
        None,
    ),
    p("max_identifier_length", "63", I, "63-63", true, true, None),
    p("seq_page_cost", "1", N, "0-1.79769e+308", true, false, None),
    p(
        "session_replication_role",
        "origin",
        E,
        "origin,replica,local",
        true,
        false,
        None,
    ),
    p(
        "shared_buffers",
        "524288",
        I,
        "16-1073741823",
        false,
        false,
        PAGES,
    ),
    p(
        "shared_preload_libraries",
        "pg_cron,pg_stat_statements",
        SET,
        ",age,anon,auto_explain,azure_storage,pg_cron,pg_failover_slots,pg_hint_plan,pg_partman_bgw,pg_prewarm,\
         pg_squeeze,pg_stat_statements,pgaudit,pglogical,timescaledb,wal2json",
        false,
        false,
        None,
    ),
    p("tcp_keepalives_count", "9", I, "0-2147483647", true, false, None),
    p("tcp_keepalives_idle", "120", I, "0-2147483647", true, false, SEC),
    p(
        "tcp_keepalives_interval",
        "30",
        I,
        "0-2147483647",
        true,
        false,
        SEC,
    ),
    p("temp_buffers", "1024", I, "100-1073741823", true, false, PAGES),
    p("temp_file_limit", "-1", I, "-1-2147483647", true, false, KB),
    p("TimeZone", "UTC", S, "[A-Za-z0-9/+_-]+", true, false, None),
    p("track_activities", "on", B, ON_OFF, true, false, None),
];

/// The parameter called `name` (case-insensitive, as the service matches them).
pub(super) fn find(name: &str) -> Option<&'static Parameter> {
    PARAMETERS.iter().find(|p| p.name.eq_ignore_ascii_case(name))
}

/// `min-max` (either may be negative): the bounds.
fn range(allowed: &str) -> Option<(f64, f64)> {
    let bytes = allowed.as_bytes();
    let at = (1..bytes.len()).find(|&i| bytes[i] == b'-' && bytes[i - 1].is_ascii_digit())?;
    Some((allowed[..at].parse().ok()?, allowed[at + 1..].parse().ok()?))
}

/// Whether `value` matches a `[class]*` or `[class]+` pattern (or `.*`).
fn matches_class(pattern: &str, value: &str) -> bool {
    if pattern == ".*" {
        return true;
    }
    let (class, at_least_one) = match pattern.strip_prefix('[').and_then(|r| {
        r.strip_suffix("]*")
            .map(|c| (c, false))
            .or_else(|| r.strip_suffix("]+").map(|c| (c, true)))
    }) {
        Some(x) => x,
        None => return true,
    };
    let chars: Vec<char> = class.chars().collect();
    let allowed = |c: char| {
        let mut i = 0;
        while i < chars.len() {
            if i + 2 < chars.len() && chars[i + 1] == '-' {
                if (chars[i]..=chars[i + 2]).contains(&c) {
                    return true;
                }
                i += 3;
            } else {
                if chars[i] == c {
                    return true;
                }
                i += 1;
            }
        }
        false
    };
    (!at_least_one || !value.is_empty()) && value.chars().all(allowed)
}

/// The value as the service stores it, or `None` if it is not allowed.
pub(super) fn normalize(param: &Parameter, value: &str) -> Option<String> {
    let v = value.trim();
    match param.data_type {
        "Boolean" | "Enumeration" => param
            .allowed
            .split(',')
            .find(|a| a.eq_ignore_ascii_case(v))
            .map(str::to_string),
        "Integer" => {
            let n: i64 = v.parse().ok()?;
            let (min, max) = range(param.allowed)?;
            ((n as f64) >= min && (n as f64) <= max).then(|| n.to_string())
        }
        "Numeric" => {
            let n: f64 = v.parse().ok()?;
            let (min, max) = range(param.allowed)?;
            (n.is_finite() && n >= min && n <= max).then(|| v.to_string())
        }
        "Set" => {
            let allowed: Vec<&str> = param.allowed.split(',').filter(|a| !a.is_empty()).collect();
            let mut out = Vec::new();
            for item in v.split(',').map(str::trim).filter(|i| !i.is_empty()) {
                out.push(*allowed.iter().find(|a| a.eq_ignore_ascii_case(item))?);
            }
            Some(out.join(","))
        }
        _ => matches_class(param.allowed, v).then(|| v.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_checked_by_type() {
        let get = |n| find(n).unwrap();
        assert_eq!(normalize(get("autovacuum"), "OFF").as_deref(), Some("off"));
        assert_eq!(normalize(get("autovacuum"), "maybe"), None);
        assert_eq!(
            normalize(get("auto_explain.log_min_duration"), "-1").as_deref(),
            Some("-1")
        );
        assert_eq!(normalize(get("auto_explain.log_min_duration"), "-2"), None);
        assert_eq!(normalize(get("max_connections"), "5001"), None);
        assert_eq!(normalize(get("max_connections"), "abc"), None);
        assert_eq!(
            normalize(get("log_statement_sample_rate"), "0.5").as_deref(),
            Some("0.5")
        );
        assert_eq!(
            normalize(get("shared_preload_libraries"), "pg_cron, PGAUDIT").as_deref(),
            Some("pg_cron,pgaudit")
        );
        assert_eq!(normalize(get("shared_preload_libraries"), "nope"), None);
        assert_eq!(
            normalize(get("TimeZone"), "Europe/Paris").as_deref(),
            Some("Europe/Paris")
        );
        assert_eq!(normalize(get("TimeZone"), ""), None);
        assert_eq!(normalize(get("application_name"), "a b"), None);
        assert!(find("timezone").is_some());
    }
}
