//! What virtual machines and scale sets share: the OS profile (user, password, SSH keys),
//! images and zones, checked as the compute provider checks them.

use serde_json::{Map, Value, json};

use super::invalid_parameter;
use crate::protocol::ArmError;

/// Whether the machine runs Windows: said by its OS disk, its Windows configuration or its
/// image's publisher.
pub(crate) fn is_windows(storage: Option<&Map<String, Value>>, os: Option<&Map<String, Value>>) -> bool {
    let disk = storage
        .and_then(|s| s.get("osDisk"))
        .and_then(|d| d.get("osType"))
        .and_then(Value::as_str)
        .map(|t| t.eq_ignore_ascii_case("Windows"));
    if let Some(w) = disk {
        return w;
    }
    if os.is_some_and(|o| o.contains_key("windowsConfiguration")) {
        return true;
    }
    storage
        .and_then(|s| s.get("imageReference"))
        .and_then(|i| i.get("publisher"))
        .and_then(Value::as_str)
        .is_some_and(|p| p.to_ascii_lowercase().contains("windows"))
}

/// An image reference is a marketplace image (publisher, offer, sku) or an image id.
pub(crate) fn check_image(storage: &Map<String, Value>) -> Result<(), ArmError> {
    let Some(image) = storage.get("imageReference").and_then(Value::as_object) else {
        return Err(invalid_parameter(
            "imageReference",
            "Required parameter 'imageReference' is missing (null).",
        ));
    };
    let marketplace = ["publisher", "offer", "sku"].iter().all(|k| {
        image
            .get(*k)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
    });
    let by_id = image
        .get("id")
        .and_then(Value::as_str)
        .is_some_and(|s| s.starts_with('/'));
    if marketplace || by_id {
        Ok(())
    } else {
        Err(invalid_parameter(
            "imageReference",
            "The value of parameter imageReference is invalid: give publisher, offer and sku, or the id of an image.",
        ))
    }
}

fn password_ok(p: &str, windows: bool) -> bool {
    let (min, max) = if windows { (8, 123) } else { (6, 72) };
    let len = p.chars().count();
    let classes = [
        p.chars().any(|c| c.is_ascii_uppercase()),
        p.chars().any(|c| c.is_ascii_lowercase()),
        p.chars().any(|c| c.is_ascii_digit()),
        p.chars().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    (min..=max).contains(&len) && classes >= 3 && !p.chars().any(char::is_control)
}

fn key_ok(k: &str) -> bool {
    let k = k.trim();
    ["ssh-rsa ", "ssh-ed25519 ", "ecdsa-sha2-"]
        .iter()
        .any(|p| k.starts_with(p))
}

/// What the OS profile keeps out of the document.
#[derive(Debug)]
pub(crate) struct Secrets {
    pub admin_password: Option<Value>,
    pub custom_data: Option<Value>,
}

/// Checks an OS profile (`name_field` is `computerName` for a VM, `computerNamePrefix` for a
/// scale set) and completes it; the password and custom data come out of it. `previous` are
/// the secrets of the existing resource, kept when an update does not send them again.
pub(crate) fn check_os_profile(
    os: &mut Map<String, Value>,
    windows: bool,
    name_field: &str,
    default_name: &str,
    previous: Option<&Map<String, Value>>,
) -> Result<Secrets, ArmError> {
    let computer = os
        .get(name_field)
        .and_then(Value::as_str)
        .unwrap_or(default_name)
        .to_string();
    let max = match (windows, name_field) {
        (true, "computerName") => 15,
        (true, _) => 9,
        (false, "computerName") => 64,
        (false, _) => 58,
    };
    if computer.is_empty() || computer.chars().count() > max || computer.chars().all(|c| c.is_ascii_digit()) {
        return Err(invalid_parameter(
            name_field,
            format!(
                "The value '{computer}' of {name_field} is invalid: it must be 1-{max} characters long and not only digits."
            ),
        ));
    }
    os.insert(name_field.into(), json!(computer));
    let Some(user) = os
        .get("adminUsername")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return Err(invalid_parameter(
            "adminUsername",
            "Required parameter 'adminUsername' is missing (null).",
        ));
    };
    if strata_azure::naming::RESERVED_VM_ADMIN_NAMES.contains(&user.to_ascii_lowercase().as_str())
        || user.ends_with('.')
    {
        return Err(invalid_parameter(
            "adminUsername",
            "The Admin Username specified is not allowed.",
        ));
    }
    let password = match os.remove("adminPassword") {
        Some(Value::String(p)) => {
            if !password_ok(&p, windows) {
                let range = if windows { "8-123" } else { "6-72" };
                return Err(invalid_parameter(
                    "adminPassword",
                    format!(
                        "The supplied password must be between {range} characters long and must satisfy at least 3 of \
                         password complexity requirements from the following: 1) Contains an uppercase character \
                         2) Contains a lowercase character 3) Contains a numeric digit 4) Contains a special character \
                         5) Control characters are not allowed"
                    ),
                ));
            }
            Some(Value::String(p))
        }
        _ => previous.and_then(|p| p.get("adminPassword")).cloned(),
    };
    let custom_data = os
        .remove("customData")
        .filter(|v| !v.is_null())
        .or_else(|| previous.and_then(|p| p.get("customData")).cloned());
    if windows {
        if password.is_none() {
            return Err(invalid_parameter(
                "adminPassword",
                "Required parameter 'adminPassword' is missing (null).",
            ));
        }
        let mut config = os
            .get("windowsConfiguration")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        config.entry("provisionVMAgent").or_insert_with(|| json!(true));
        config
            .entry("enableAutomaticUpdates")
            .or_insert_with(|| json!(true));
        os.insert("windowsConfiguration".into(), Value::Object(config));
    } else {
        let mut config = os
            .get("linuxConfiguration")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let keys: Vec<Value> = config
            .get("ssh")
            .and_then(|s| s.get("publicKeys"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for k in &keys {
            let data = k.get("keyData").and_then(Value::as_str).unwrap_or_default();
            if !key_ok(data) {
                return Err(invalid_parameter(
                    "linuxConfiguration.ssh.publicKeys.keyData",
                    "The value of parameter linuxConfiguration.ssh.publicKeys.keyData is invalid.",
                ));
            }
        }
        let no_password = config
            .get("disablePasswordAuthentication")
            .and_then(Value::as_bool)
            == Some(true);
        if no_password && keys.is_empty() {
            return Err(invalid_parameter(
                "linuxConfiguration.ssh.publicKeys",
                "Authentication using either SSH or by user name and password must be enabled in Linux profile.",
            ));
        }
        if !no_password && password.is_none() && keys.is_empty() {
            return Err(invalid_parameter(
                "adminPassword",
                "Required parameter 'adminPassword' is missing (null).",
            ));
        }
        config
            .entry("disablePasswordAuthentication")
            .or_insert_with(|| json!(password.is_none()));
        config.entry("provisionVMAgent").or_insert_with(|| json!(true));
        config
            .entry("patchSettings")
            .or_insert_with(|| json!({"patchMode": "ImageDefault", "assessmentMode": "ImageDefault"}));
        config
            .entry("enableVMAgentPlatformUpdates")
            .or_insert_with(|| json!(false));
        os.insert("linuxConfiguration".into(), Value::Object(config));
    }
    os.entry("secrets").or_insert_with(|| json!([]));
    os.entry("allowExtensionOperations")
        .or_insert_with(|| json!(true));
    os.entry("requireGuestProvisionSignal")
        .or_insert_with(|| json!(true));
    Ok(Secrets {
        admin_password: password,
        custom_data,
    })
}

/// The availability zones of a body: strings `1`, `2` or `3`.
pub(crate) fn read_zones(body: &Map<String, Value>) -> Result<Vec<String>, ArmError> {
    let Some(list) = body.get("zones").filter(|v| !v.is_null()) else {
        return Ok(Vec::new());
    };
    let Some(items) = list.as_array() else {
        return Err(invalid_parameter(
            "zones",
            "The value of parameter zones is invalid: it must be a list.",
        ));
    };
    let mut zones = Vec::new();
    for z in items {
        let s = z.as_str().map_or_else(|| z.to_string(), str::to_string);
        if !["1", "2", "3"].contains(&s.as_str()) {
            return Err(invalid_parameter(
                "zones",
                format!(
                    "The value '{s}' of parameter zones is invalid: availability zones are '1', '2' and '3'."
                ),
            ));
        }
        if !zones.contains(&s) {
            zones.push(s);
        }
    }
    Ok(zones)
}

/// The secrets as stored privately.
pub(crate) fn private_of(secrets: Secrets) -> Map<String, Value> {
    let mut out = Map::new();
    if let Some(p) = secrets.admin_password {
        out.insert("adminPassword".into(), p);
    }
    if let Some(c) = secrets.custom_data {
        out.insert("customData".into(), c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn passwords_and_users() {
        assert!(password_ok("Str0ng!pass", false));
        assert!(!password_ok("weak", false));
        assert!(!password_ok("alllowercase1", false), "two classes only");
        let mut p = os(json!({"adminUsername": "admin", "adminPassword": "Str0ng!pass"}));
        assert_eq!(
            check_os_profile(&mut p, false, "computerName", "vm1", None)
                .unwrap_err()
                .code(),
            "InvalidParameter"
        );
        let mut p = os(json!({"adminUsername": "azureuser", "adminPassword": "Str0ng!pass"}));
        let s = check_os_profile(&mut p, false, "computerName", "vm1", None).unwrap();
        assert!(s.admin_password.is_some());
        assert!(p.get("adminPassword").is_none());
        assert_eq!(p["computerName"], "vm1");
    }

    #[test]
    fn linux_needs_a_way_in() {
        let mut p = os(
            json!({"adminUsername": "azureuser", "linuxConfiguration": {"disablePasswordAuthentication": true}}),
        );
        assert!(check_os_profile(&mut p, false, "computerName", "vm1", None).is_err());
        let mut p = os(json!({"adminUsername": "azureuser", "linuxConfiguration": {
            "disablePasswordAuthentication": true,
            "ssh": {"publicKeys": [{"path": "/home/azureuser/.ssh/authorized_keys", "keyData": "ssh-ed25519 AAAA"}]}}}));
        assert!(check_os_profile(&mut p, false, "computerName", "vm1", None).is_ok());
        let mut p = os(
            json!({"adminUsername": "azureuser", "adminPassword": "Str0ng!pass", "computerName": "a-very-long-name"}),
        );
        assert!(
            check_os_profile(&mut p, true, "computerName", "vm1", None).is_err(),
            "Windows names are short"
        );
    }

    #[test]
    fn zones() {
        let b = json!({"zones": ["1", "3"]});
        assert_eq!(read_zones(b.as_object().unwrap()).unwrap(), ["1", "3"]);
        let b = json!({"zones": ["4"]});
        assert!(read_zones(b.as_object().unwrap()).is_err());
    }
}
