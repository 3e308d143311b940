//! Microsoft.RecoveryServices/vaults/backupPolicies: virtual machine (`AzureIaasVM`) policies.
//!
//! A policy needs a `SimpleSchedulePolicy` (or the enhanced `SimpleSchedulePolicyV2`) running
//! `Daily` or `Weekly` at one time of day (weekly: on named days), and a
//! `LongTermRetentionPolicy` keeping each backup the schedule takes: daily points 7–9999 days,
//! weekly points 1–5163 weeks (docs "Azure Backup support matrix for Azure VM backup"), with
//! retention times equal to the schedule's. Instant restore snapshots stay 1–5 days (V1
//! policies). PUT answers 202 + `Location` + `Retry-After`; the policy is 404 until the operation
//! ends. A policy protecting items cannot be deleted.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::super::common::{at, render_doc, str_of, take_properties};
use super::super::longrun::{NewOp, schedule};
use super::super::{Ctx, Target, TypeRules};
use super::{NAMESPACE, items, refuse, vault_key};
use crate::protocol::{self, ArmError, Reply};
use crate::store::{OpAction, Resource, State};

pub(crate) const TYPE: &str = "Microsoft.RecoveryServices/vaults/backupPolicies";

const DAYS: &[&str] = &[
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

fn invalid(message: String) -> ArmError {
    refuse("BMSUserErrorInvalidPolicyInput", message)
}

fn count_of(map: &Map<String, Value>, pointer: &str) -> Option<i64> {
    at(map, pointer).and_then(Value::as_i64)
}

/// Checks the schedule and retention of a VM policy.
fn check(props: &Map<String, Value>) -> Result<(), ArmError> {
    let kind = str_of(props, "backupManagementType").unwrap_or("");
    if !kind.eq_ignore_ascii_case("AzureIaasVM") {
        return Err(invalid(format!(
            "backupManagementType '{kind}' is not supported here: the emulator models virtual machine policies \
             (AzureIaasVM)."
        )));
    }
    let Some(schedule) = props.get("schedulePolicy").and_then(Value::as_object) else {
        return Err(invalid("A policy needs a schedulePolicy.".into()));
    };
    let stype = str_of(schedule, "schedulePolicyType").unwrap_or("");
    if !["SimpleSchedulePolicy", "SimpleSchedulePolicyV2"]
        .iter()
        .any(|t| t.eq_ignore_ascii_case(stype))
    {
        return Err(invalid(format!(
            "schedulePolicyType '{stype}' is not valid for a virtual machine policy: use SimpleSchedulePolicy."
        )));
    }
    let frequency = str_of(schedule, "scheduleRunFrequency").unwrap_or("");
    let daily = frequency.eq_ignore_ascii_case("Daily");
    let weekly = frequency.eq_ignore_ascii_case("Weekly");
    if !daily && !weekly {
        return Err(invalid(format!(
            "scheduleRunFrequency '{frequency}' is not valid: a virtual machine policy runs Daily or Weekly."
        )));
    }
    let times: Vec<&str> = schedule
        .get("scheduleRunTimes")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if times.len() != 1 || chrono::DateTime::parse_from_rfc3339(times[0]).is_err() {
        return Err(invalid(
            "scheduleRunTimes must hold exactly one date and time (its time of day is when the backup runs)."
                .into(),
        ));
    }
    if weekly {
        let days: Vec<&str> = schedule
            .get("scheduleRunDays")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if days.is_empty()
            || days
                .iter()
                .any(|d| !DAYS.iter().any(|k| k.eq_ignore_ascii_case(d)))
        {
            return Err(invalid(
                "A weekly schedule needs scheduleRunDays naming days of the week.".into(),
            ));
        }
    }
    let Some(retention) = props.get("retentionPolicy").and_then(Value::as_object) else {
        return Err(invalid("A policy needs a retentionPolicy.".into()));
    };
    let rtype = str_of(retention, "retentionPolicyType").unwrap_or("");
    if !rtype.eq_ignore_ascii_case("LongTermRetentionPolicy") {
        return Err(invalid(format!(
            "retentionPolicyType '{rtype}' is not valid for a virtual machine policy: use LongTermRetentionPolicy."
        )));
    }
    let (field, unit, min, max) = if daily {
        ("dailySchedule", "Days", 7, 9999)
    } else {
        ("weeklySchedule", "Weeks", 1, 5163)
    };
    let Some(kept) = retention.get(field).and_then(Value::as_object) else {
        return Err(invalid(format!(
            "A {frequency} schedule needs retentionPolicy.{field} to keep its backups."
        )));
    };
    let count = count_of(kept, "/retentionDuration/count").unwrap_or(0);
    let duration_type = at(kept, "/retentionDuration/durationType")
        .and_then(Value::as_str)
        .unwrap_or("");
    if !duration_type.eq_ignore_ascii_case(unit) || !(min..=max).contains(&count) {
        return Err(invalid(format!(
            "retentionPolicy.{field}.retentionDuration must be {min}-{max} {unit}, not {count} {duration_type}."
        )));
    }
    let kept_times: Vec<&str> = kept
        .get("retentionTimes")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if kept_times != times {
        return Err(invalid(format!(
            "retentionPolicy.{field}.retentionTimes must be the schedule's run times ({}).",
            times.join(", ")
        )));
    }
    if let Some(days) = props.get("instantRpRetentionRangeInDays").and_then(Value::as_i64)
        && !(1..=5).contains(&days)
        && stype.eq_ignore_ascii_case("SimpleSchedulePolicy")
    {
        return Err(invalid(format!(
            "instantRpRetentionRangeInDays must be 1-5 days, not {days}."
        )));
    }
    Ok(())
}

pub(crate) struct Policies;

impl TypeRules for Policies {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(TYPE)
    }

    fn put(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        let mut props = take_properties(&mut body)?;
        check(&props)?;
        props.remove("protectedItemsCount");
        props.insert("backupManagementType".into(), json!("AzureIaasVM"));
        props.entry("timeZone").or_insert_with(|| json!("UTC"));
        props
            .entry("instantRpRetentionRangeInDays")
            .or_insert_with(|| json!(2));
        props.insert("provisioningState".into(), json!("Updating"));
        let location = ctx
            .state
            .resource(&vault_key(t))
            .and_then(Resource::location)
            .unwrap_or(&t.group_location)
            .to_string();
        let existing = ctx.state.resource(&t.key).cloned();
        let created = existing.is_none();
        let order = existing
            .as_ref()
            .map_or_else(|| ctx.state.next_order(), |e| e.order);
        let mut doc = Map::new();
        doc.insert("properties".into(), Value::Object(props));
        ctx.state.put_resource(Resource {
            id: t.id.clone(),
            resource_type: TYPE.into(),
            body: doc,
            order,
            ..Resource::default()
        });
        let targets = vec![t.key.clone()];
        let action = if created {
            OpAction::Create { targets }
        } else {
            OpAction::Provision { targets }
        };
        let op = schedule(ctx, NewOp::on(t, NAMESPACE, &location, action).locking(&t.key));
        Ok(protocol::accepted(ctx.base_url, &op, ctx.now, false))
    }

    fn patch(&self, ctx: &mut Ctx<'_>, t: &Target, body: Map<String, Value>) -> Result<Reply, ArmError> {
        super::super::web::patch(ctx, t, body, self)
    }

    fn delete(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        if ctx.state.resource(&t.key).is_none() {
            return Ok(Reply::empty(StatusCode::NO_CONTENT));
        }
        let users = items::using_policy(ctx.state, &vault_key(t), &t.id);
        if users > 0 {
            return Err(refuse(
                "BMSUserErrorPolicyInUse",
                format!(
                    "Policy '{}' protects {users} item(s): move them to another policy or stop their protection first.",
                    t.name
                ),
            ));
        }
        let location = ctx
            .state
            .resource(&vault_key(t))
            .and_then(Resource::location)
            .unwrap_or(&t.group_location)
            .to_string();
        let action = OpAction::Delete {
            target: t.key.clone(),
            settle: Vec::new(),
            also: Vec::new(),
        };
        let op = schedule(ctx, NewOp::on(t, NAMESPACE, &location, action));
        Ok(protocol::accepted(ctx.base_url, &op, ctx.now, false))
    }

    fn render(&self, state: &State, res: &Resource) -> Value {
        let mut out = render_doc(res);
        let key = res.key();
        let vault = key
            .split("/backuppolicies/")
            .next()
            .unwrap_or_default()
            .to_string();
        if let Some(Value::Object(props)) = out.get_mut("properties") {
            props.remove("provisioningState");
            props.insert(
                "protectedItemsCount".into(),
                json!(items::using_policy(state, &vault, &res.id)),
            );
        }
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(frequency: &str, count: i64) -> Map<String, Value> {
        json!({
            "backupManagementType": "AzureIaasVM",
            "schedulePolicy": {"schedulePolicyType": "SimpleSchedulePolicy", "scheduleRunFrequency": frequency,
                "scheduleRunTimes": ["2025-01-01T02:00:00Z"], "scheduleRunDays": ["Sunday"]},
            "retentionPolicy": {"retentionPolicyType": "LongTermRetentionPolicy",
                "dailySchedule": {"retentionTimes": ["2025-01-01T02:00:00Z"],
                    "retentionDuration": {"count": count, "durationType": "Days"}},
                "weeklySchedule": {"daysOfTheWeek": ["Sunday"], "retentionTimes": ["2025-01-01T02:00:00Z"],
                    "retentionDuration": {"count": count, "durationType": "Weeks"}}}
        })
        .as_object()
        .cloned()
        .unwrap_or_default()
    }

    #[test]
    fn retention_follows_the_schedule() {
        assert!(check(&policy("Daily", 30)).is_ok());
        assert!(check(&policy("Daily", 6)).is_err());
        assert!(check(&policy("Weekly", 12)).is_ok());
        assert!(check(&policy("Weekly", 6000)).is_err());
        assert!(check(&policy("Hourly", 30)).is_err());
    }
}
