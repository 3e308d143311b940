//! What ARM does with a request body before the resource provider sees it, per Microsoft's
//! published type definitions (the `strata-azure` catalogue): properties the type does not
//! publish and read-only ones are dropped silently, and values of the wrong type, outside a
//! closed enum, out of the published bounds or missing where required are refused with the
//! provider's error code. Types without published schemas pass through untouched.
//!
//! With strict bodies (`--strict-bodies`) every finding is refused instead, warnings included:
//! a client's own tests then fail on any property Azure would ignore.

use serde_json::{Map, Value};
use strata_azure::{Catalogue, Severity, Violation, ViolationKind};

use super::reply::ArmError;

/// Whether a body is a full PUT or a PATCH (whose absent properties are not missing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Write {
    Put,
    Patch,
}

/// Checks and prunes `body` for `resource_type` at `api_version` (the newest schema for a
/// version newer than the catalogue).
pub(crate) fn conform(
    resource_type: &str,
    api_version: &str,
    body: Map<String, Value>,
    write: Write,
    strict: bool,
) -> Result<Map<String, Value>, ArmError> {
    let schema = match Catalogue::global().map(|c| c.schema_for(resource_type, api_version)) {
        Ok(Ok(Some(s))) => s,
        _ => return Ok(body),
    };
    let mut value = Value::Object(body);
    let found = schema.prune(&mut value);
    let refusable = |v: &&Violation| {
        if write == Write::Patch && matches!(v.kind, ViolationKind::MissingRequired { .. }) {
            return false;
        }
        (strict && !is_open_enum(v)) || refuses(v)
    };
    // ARM checks the location before the provider sees anything else.
    let refused = found
        .iter()
        .filter(refusable)
        .find(|v| is_missing_location(v))
        .or_else(|| found.iter().find(refusable));
    if let Some(v) = refused {
        return Err(error(resource_type, v));
    }
    match value {
        Value::Object(map) => Ok(map),
        // `prune` only removes properties: an object stays one.
        _ => Ok(Map::new()),
    }
}

/// A value outside an extensible enum: Azure accepts values published after the definitions
/// (new VM sizes, new regions), so even strict bodies let it through.
fn is_open_enum(v: &Violation) -> bool {
    matches!(v.kind, ViolationKind::NotInEnum { open: true, .. })
}

/// What ARM or the provider refuses outright (the rest it ignores or accepts).
fn refuses(v: &Violation) -> bool {
    v.severity == Severity::Error
        && !matches!(
            v.kind,
            ViolationKind::UnknownProperty { .. } | ViolationKind::ReadOnly { .. }
        )
}

fn is_missing_location(v: &Violation) -> bool {
    matches!(&v.kind, ViolationKind::MissingRequired { name } if name == "location") && !v.path.contains('.')
}

/// The refusal in the provider's words: `LocationRequired` from ARM for a missing location;
/// otherwise the code each provider uses for an invalid request body (Compute's
/// `InvalidParameter` with the property as target, Storage's
/// `InvalidValuesForRequestParameters`, Network's `InvalidRequestFormat`), and ARM's
/// `InvalidRequestContent` for the others.
fn error(resource_type: &str, v: &Violation) -> ArmError {
    if is_missing_location(v) {
        return ArmError::location_required();
    }
    let namespace = resource_type.split('/').next().unwrap_or_default();
    let code = match namespace.to_ascii_lowercase().as_str() {
        "microsoft.compute" => "InvalidParameter",
        "microsoft.storage" => "InvalidValuesForRequestParameters",
        "microsoft.network" => "InvalidRequestFormat",
        _ => "InvalidRequestContent",
    };
    let e = ArmError::bad_request(
        code,
        format!("The request content is invalid for {resource_type}: {v}."),
    );
    if v.path.is_empty() {
        e
    } else {
        e.with_target(v.path.clone())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    const VNETS: &str = "Microsoft.Network/virtualNetworks";

    #[test]
    fn drops_what_arm_ignores_and_refuses_the_rest() {
        let body = map(json!({"location": "westeurope",
            "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}, "madeUp": 1,
                           "provisioningState": "Failed"}}));
        let kept = conform(VNETS, "2024-07-01", body.clone(), Write::Put, false).unwrap();
        assert_eq!(
            Value::Object(kept),
            json!({"location": "westeurope",
                   "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}})
        );
        let e = conform(VNETS, "2024-07-01", body, Write::Put, true).unwrap_err();
        assert_eq!(e.code(), "InvalidRequestFormat");
        assert!(e.body.message.contains("madeUp"), "{}", e.body.message);

        let wrong = map(json!({"location": "westeurope",
            "properties": {"addressSpace": {"addressPrefixes": "10.0.0.0/16"}}}));
        let e = conform(VNETS, "2024-07-01", wrong, Write::Put, false).unwrap_err();
        assert_eq!(e.code(), "InvalidRequestFormat");
        assert_eq!(
            e.body.target.as_deref(),
            Some("properties.addressSpace.addressPrefixes")
        );

        let vm = map(json!({"location": "westeurope",
            "properties": {"hardwareProfile": {"vmSize": 5}}}));
        let e = conform(
            "Microsoft.Compute/virtualMachines",
            "2024-07-01",
            vm,
            Write::Put,
            false,
        )
        .unwrap_err();
        assert_eq!(e.code(), "InvalidParameter");
        assert_eq!(
            e.body.target.as_deref(),
            Some("properties.hardwareProfile.vmSize")
        );

        // Types without published schemas pass through.
        let any = map(json!({"whatever": [1, 2]}));
        assert_eq!(
            conform(
                "Contoso.Things/widgets",
                "2024-01-01",
                any.clone(),
                Write::Put,
                true
            )
            .unwrap(),
            any
        );
    }

    #[test]
    fn patches_need_no_required_properties() {
        let tags = map(json!({"tags": {"a": "b"}}));
        let kept = conform(
            "Microsoft.Storage/storageAccounts",
            "2025-01-01",
            tags.clone(),
            Write::Patch,
            true,
        )
        .unwrap();
        assert_eq!(kept, tags);
        let e = conform(
            "Microsoft.Storage/storageAccounts",
            "2025-01-01",
            tags,
            Write::Put,
            false,
        )
        .unwrap_err();
        assert_eq!(e.code(), "LocationRequired");
    }
}
