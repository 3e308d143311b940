//! The server's settings and authentication, read and checked before any call.

use strata_core::{Deferred, Value};

use crate::common;
use crate::inputs::{Errors, Fields};
use crate::key_vault::is_guid;
use crate::profiles::Profile;

const VERSIONS: &[&str] = &["13", "14", "15", "16", "17"];
const STORAGE_SIZES: &[i64] = &[32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767];
const HIGH_AVAILABILITY: &[&str] = &["Disabled", "SameZone", "ZoneRedundant"];
/// Logins PostgreSQL flexible server keeps for itself.
const RESERVED_LOGINS: &[&str] = &[
    "azure_superuser",
    "azure_pg_admin",
    "admin",
    "administrator",
    "root",
    "guest",
    "public",
];
const PRINCIPAL_TYPES: &[&str] = &["Group", "User", "ServicePrincipal"];
const ENTRA_FIELDS: &[&str] = &["object_id", "principal_name", "principal_type"];
const DATABASE_TYPE: &str = "Microsoft.DBforPostgreSQL/flexibleServers/databases";

/// Compute, storage, backup and availability.
pub(super) struct Settings {
    pub version: String,
    pub sku: String,
    pub tier: &'static str,
    pub storage_gb: i64,
    pub backup_days: i64,
    pub geo_backup: bool,
    pub high_availability: String,
}

/// The tier a sku name belongs to: B-series are Burstable, D General Purpose, E Memory
/// Optimized.
fn tier_of(sku: &str) -> Option<&'static str> {
    match sku.strip_prefix("Standard_")?.chars().next()? {
        'B' => Some("Burstable"),
        'D' => Some("GeneralPurpose"),
        'E' => Some("MemoryOptimized"),
        _ => None,
    }
}

/// `recovery`: the environment declares disaster recovery, so geo-redundant backup is on by
/// default.
pub(super) fn read(f: &Fields<'_>, profile: Profile, recovery: bool, errs: &mut Errors) -> Option<Settings> {
    let d = profile.defaults();
    let version = errs.take(common::choice(f, "version", VERSIONS, "16"));
    let sku = errs.take(f.known_string_or("sku", d.database_sku, "it decides the server's tier"));
    let tier = sku.as_deref().and_then(|s| match tier_of(s) {
        Some(t) => Some(t),
        None => {
            errs.push(
                f.error("sku", format!("`{s}` is not a PostgreSQL flexible server sku"))
                    .hint(format!(
                        "skus are named like Standard_B1ms (Burstable), Standard_D2ds_v5 (General Purpose) or \
                         Standard_E4ds_v5 (Memory Optimized); the {profile} profile's default is {}",
                        d.database_sku
                    )),
            );
            None
        }
    });
    let storage_gb = errs.take(f.known_int_or("storage_gb", d.database_storage_gb, "it sizes the server"));
    if let Some(gb) = storage_gb
        && !STORAGE_SIZES.contains(&gb)
    {
        errs.push(
            f.error(
                "storage_gb",
                format!("{gb} GiB is not a storage size PostgreSQL offers"),
            )
            .hint(format!(
                "use one of {}",
                STORAGE_SIZES
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        );
    }
    let backup_days = errs.take(
        common::int_in(
            f,
            "backup_retention_days",
            7..=35,
            d.database_backup_retention_days,
            "PostgreSQL keeps backups for 7 to 35 days",
        )
        .and_then(|i| {
            i.known
                .ok_or_else(|| f.error("backup_retention_days", "must be known at plan time"))
        }),
    );
    let geo_backup = errs.take(f.known_bool_or(
        "geo_redundant_backup",
        d.database_geo_redundant_backup || recovery,
        "it is fixed when the server is created",
    ));
    let ha = errs.take(common::choice(
        f,
        "high_availability",
        HIGH_AVAILABILITY,
        d.database_high_availability,
    ));
    if let (Some(ha), Some("Burstable"), Some(sku)) = (&ha, tier, &sku)
        && ha != "Disabled"
    {
        errs.push(
            f.error(
                "high_availability",
                format!("{ha} high availability is not available on the Burstable sku {sku}"),
            )
            .hint("use a General Purpose sku such as Standard_D2ds_v5, or high_availability = \"Disabled\""),
        );
    }
    Some(Settings {
        version: version?,
        sku: sku?,
        tier: tier?,
        storage_gb: storage_gb.filter(|gb| STORAGE_SIZES.contains(gb))?,
        backup_days: backup_days?,
        geo_backup: geo_backup?,
        high_availability: ha?,
    })
}

/// How clients sign in.
pub(super) struct Auth {
    pub login: String,
    /// The password as given (sensitive), if any.
    pub password: Option<Value>,
    pub tenant: Option<Value>,
    pub entra_admin: Option<EntraAdmin>,
}

pub(super) struct EntraAdmin {
    pub object_id: String,
    pub principal_name: Value,
    pub principal_type: String,
}

impl Auth {
    /// `authConfig`: password authentication with a password, Entra ID without (or with a
    /// tenant as well).
    pub fn auth_config(&self) -> Value {
        let enabled = |b: bool| Value::from(if b { "Enabled" } else { "Disabled" });
        let mut fields = vec![
            ("passwordAuth", enabled(self.password.is_some())),
            ("activeDirectoryAuth", enabled(self.tenant.is_some())),
        ];
        if let Some(t) = &self.tenant {
            fields.push(("tenantId", t.clone()));
        }
        Value::object(fields)
    }
}

pub(super) fn read_auth(f: &Fields<'_>, errs: &mut Errors) -> Option<Auth> {
    let login =
        errs.take(f.known_string_or("administrator_login", "strata_admin", "it is fixed at creation"));
    if let Some(l) = &login {
        let lower = l.to_ascii_lowercase();
        let well_formed = l.chars().count() <= 63
            && l.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if RESERVED_LOGINS.contains(&lower.as_str()) || lower.starts_with("pg_") {
            errs.push(
                f.error(
                    "administrator_login",
                    format!("`{l}` is reserved by PostgreSQL flexible server"),
                )
                .hint("pick another name, e.g. `strata_admin`"),
            );
        } else if !well_formed {
            errs.push(
                f.error("administrator_login", format!("`{l}` is not a valid login"))
                    .hint("use up to 63 letters, digits and `_`, starting with a letter or `_`"),
            );
        }
    }
    let password = match errs.take(f.opt_string("administrator_password")).flatten() {
        None => None,
        Some(p) => {
            if !p.value.is_sensitive() {
                errs.push(
                    f.error("administrator_password", "the password is not marked sensitive")
                        .hint("pass it from a variable declared with `sensitive = true`, set outside the repository (e.g. `--var db_admin_password=…` from your pipeline's secret store)"),
                );
            } else if let Some(text) = &p.known {
                // Never echo the password: say only what rule it breaks.
                let classes = [
                    text.chars().any(|c| c.is_ascii_uppercase()),
                    text.chars().any(|c| c.is_ascii_lowercase()),
                    text.chars().any(|c| c.is_ascii_digit()),
                    text.chars().any(|c| !c.is_ascii_alphanumeric()),
                ]
                .iter()
                .filter(|b| **b)
                .count();
                let len = text.chars().count();
                if !(8..=128).contains(&len) || classes < 3 {
                    errs.push(
                        f.error("administrator_password", "the password does not meet PostgreSQL's complexity rules")
                            .hint("use 8-128 characters from at least three of: uppercase, lowercase, digits, symbols"),
                    );
                } else if login
                    .as_deref()
                    .is_some_and(|l| text.to_ascii_lowercase().contains(&l.to_ascii_lowercase()))
                {
                    errs.push(
                        f.error("administrator_password", "the password contains the login name")
                            .hint("choose a password that does not contain the administrator's login"),
                    );
                }
            }
            Some(p.value)
        }
    };
    let tenant = match errs.take(f.opt_string("tenant_id")).flatten() {
        Some(t) => {
            if let Some(s) = &t.known
                && !is_guid(s)
            {
                errs.push(
                    f.error("tenant_id", format!("`{s}` is not a tenant id"))
                        .hint("a tenant id is a GUID; `az account show --query tenantId` prints yours"),
                );
            }
            Some(t.value)
        }
        None => None,
    };
    if password.is_none() && tenant.is_none() {
        errs.push(
            f.error("administrator_password", "the server needs a way to sign in: a password or Microsoft Entra ID")
                .hint("set `tenant_id` to use Entra ID authentication only (no password anywhere), or pass `administrator_password` from a sensitive variable"),
        );
    }
    let entra_admin = read_entra_admin(f, tenant.is_some(), errs);
    Some(Auth {
        login: login?,
        password,
        tenant,
        entra_admin: entra_admin?,
    })
}

fn read_entra_admin(f: &Fields<'_>, has_tenant: bool, errs: &mut Errors) -> Option<Option<EntraAdmin>> {
    let Some(o) = errs.take(f.opt_object("entra_admin", "it names the administrator"))? else {
        return Some(None);
    };
    errs.extend(o.unknown_fields(ENTRA_FIELDS));
    if !has_tenant {
        errs.push(
            f.error("entra_admin", "an Entra administrator needs `tenant_id`")
                .hint("set tenant_id to the tenant the administrator belongs to"),
        );
    }
    let object_id = errs.take(o.req_known_string("object_id", "it is part of the administrator's id"));
    if let Some(id) = &object_id
        && !is_guid(id)
    {
        errs.push(
            o.error("object_id", format!("`{id}` is not an object id")).hint(
                "an Entra object id is a GUID; `az ad group show --group <name> --query id` prints one",
            ),
        );
    }
    let principal_name = errs.take(o.req_string("principal_name"));
    let principal_type = errs.take(common::choice(&o, "principal_type", PRINCIPAL_TYPES, "Group"));
    Some(Some(EntraAdmin {
        object_id: object_id.filter(|id| is_guid(id))?,
        principal_name: principal_name?.value,
        principal_type: principal_type?,
    }))
}

pub(super) fn read_databases(f: &Fields<'_>, errs: &mut Errors) -> Option<Vec<String>> {
    let names = errs
        .take(f.opt_known_list_string("databases", "each database is a resource"))?
        .unwrap_or_else(|| vec!["app".to_string()]);
    let mut out: Vec<String> = Vec::with_capacity(names.len());
    for (i, n) in names.into_iter().enumerate() {
        let path = crate::inputs::join(&f.path_to("databases"), &[strata_core::PathStep::Index(i)]);
        let valid = !n.is_empty()
            && n.chars().count() <= 63
            && n.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid || strata_azure::naming::rule_for(DATABASE_TYPE).check(&n).is_err() {
            errs.push(
                crate::inputs::error_at(path, format!("`{n}` is not a valid database name"))
                    .hint("use up to 63 letters, digits, `_` and `-`, starting with a letter or `_`"),
            );
        } else if [
            "postgres",
            "azure_maintenance",
            "azure_sys",
            "template0",
            "template1",
        ]
        .contains(&n.as_str())
        {
            errs.push(
                crate::inputs::error_at(path, format!("`{n}` is a system database"))
                    .hint("name your database otherwise, e.g. `app`"),
            );
        } else if out.contains(&n) {
            errs.push(crate::inputs::error_at(
                path,
                format!("database `{n}` is listed twice"),
            ));
        } else {
            out.push(n);
        }
    }
    Some(out)
}

/// A libpq value in single quotes, `'` and `\` escaped; computed once the password is known.
pub(super) fn quoted(password: &Value) -> Value {
    match password.as_str() {
        Some(p) => {
            let escaped = p.replace('\\', "\\\\").replace('\'', "\\'");
            Value::from(format!("'{escaped}'")).sensitive()
        }
        None => Value::unknown(Deferred::Template {
            parts: vec![Value::from("'"), password.clone(), Value::from("'")],
        })
        .sensitive(),
    }
}
