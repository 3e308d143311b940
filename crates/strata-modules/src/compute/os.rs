//! What VMs and scale sets share: size (checked against the profile), image, administrator
//! and SSH key, OS disk, zones. Linux only, SSH keys only: no password ever goes to Azure.

use strata_core::Value;

use super::Common;
use crate::common;
use crate::inputs::{Errors, Input};
use crate::profiles;

const DISK_TYPES: &[&str] = &[
    "Standard_LRS",
    "StandardSSD_LRS",
    "StandardSSD_ZRS",
    "Premium_LRS",
    "Premium_ZRS",
];

const IMAGE_FIELDS: &[&str] = &["publisher", "offer", "sku", "version"];

/// The machine definition shared by VMs and scale sets.
pub(super) struct Machine {
    pub size: String,
    pub image: Value,
    pub admin_username: String,
    pub ssh_public_key: Input<String>,
    pub os_disk_type: String,
    pub zones: Vec<String>,
}

impl Machine {
    /// `osProfile.linuxConfiguration`: SSH keys only.
    pub fn linux_configuration(&self) -> Value {
        Value::object([
            ("disablePasswordAuthentication", Value::from(true)),
            (
                "ssh",
                Value::object([(
                    "publicKeys",
                    Value::List(vec![Value::object([
                        (
                            "path",
                            Value::from(format!("/home/{}/.ssh/authorized_keys", self.admin_username)),
                        ),
                        ("keyData", self.ssh_public_key.value.clone()),
                    ])]),
                )]),
            ),
        ])
    }

    /// `storageProfile` with the OS disk.
    pub fn storage_profile(&self, delete_with_vm: bool) -> Value {
        let mut disk = vec![
            ("createOption", Value::from("FromImage")),
            ("caching", Value::from("ReadWrite")),
            (
                "managedDisk",
                Value::object([("storageAccountType", Value::from(self.os_disk_type.as_str()))]),
            ),
        ];
        if delete_with_vm {
            disk.push(("deleteOption", Value::from("Delete")));
        }
        Value::object([
            ("imageReference", self.image.clone()),
            ("osDisk", Value::object(disk)),
        ])
    }
}

/// Reads the machine inputs; `None` after recording errors.
pub(super) fn read(c: &Common<'_>, errs: &mut Errors) -> Option<Machine> {
    let f = &c.fields;
    let defaults = c.profile.defaults();
    let size = errs
        .take(f.known_string_or("size", defaults.vm_size, "it is checked against the profile"))
        .and_then(|size| match profiles::check_vm_size(c.profile, &size) {
            Ok(()) => Some(size),
            Err((message, hint)) => {
                errs.push(f.error("size", message).hint(hint));
                None
            }
        });
    let image = read_image(c, errs);
    let admin = errs
        .take(f.known_string_or(
            "admin_username",
            "azureuser",
            "it is part of the machine's definition",
        ))
        .and_then(|u| {
            let bad_chars = u.is_empty()
                || u.chars().count() > 64
                || !u
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-' || ch == '.')
                || u.starts_with(['-', '.'])
                || u.ends_with('.');
            if strata_azure::naming::RESERVED_VM_ADMIN_NAMES.contains(&u.to_ascii_lowercase().as_str()) {
                errs.push(
                    f.error(
                        "admin_username",
                        format!("Azure does not allow `{u}` as the administrator"),
                    )
                    .hint("pick a personal or team name such as `azureuser` or `ops`"),
                );
                None
            } else if bad_chars {
                errs.push(
                    f.error("admin_username", format!("`{u}` is not a valid Linux user name"))
                        .hint("use 1-64 letters, digits, `_`, `-` and `.`, not starting with `-` or `.`"),
                );
                None
            } else {
                Some(u)
            }
        });
    let key = match errs.take(f.opt_string("ssh_public_key")).flatten() {
        None => {
            errs.push(
                f.error("ssh_public_key", "`ssh_public_key` is required for VMs and scale sets")
                    .hint("pass the administrator's public key, e.g. `file(\"~/.ssh/id_ed25519.pub\")` or a variable; password login is never enabled"),
            );
            None
        }
        Some(k) => match &k.known {
            Some(text) if !is_ssh_public_key(text) => {
                errs.push(
                    f.error("ssh_public_key", "this is not an SSH public key")
                        .hint("a public key starts with `ssh-ed25519 `, `ssh-rsa ` or `ecdsa-sha2-`; never pass the private key"),
                );
                None
            }
            _ => Some(k),
        },
    };
    let disk = errs.take(common::choice(
        f,
        "os_disk_type",
        DISK_TYPES,
        defaults.os_disk_type,
    ));
    let zones = common::zones(f, "zones", defaults.zones, errs);
    Some(Machine {
        size: size?,
        image: image?,
        admin_username: admin?,
        ssh_public_key: key?,
        os_disk_type: disk?,
        zones,
    })
}

fn is_ssh_public_key(k: &str) -> bool {
    let k = k.trim();
    ["ssh-ed25519 ", "ssh-rsa ", "ecdsa-sha2-"]
        .iter()
        .any(|p| k.starts_with(p))
        && !k.contains("PRIVATE KEY")
}

/// `image`, or Ubuntu 22.04 LTS.
fn read_image(c: &Common<'_>, errs: &mut Errors) -> Option<Value> {
    let f = &c.fields;
    let Some(image) = errs.take(f.opt_object("image", "it is part of the machine's definition"))? else {
        return Some(Value::object([
            ("publisher", Value::from("Canonical")),
            ("offer", Value::from("0001-com-ubuntu-server-jammy")),
            ("sku", Value::from("22_04-lts-gen2")),
            ("version", Value::from("latest")),
        ]));
    };
    let unknown = image.unknown_fields(IMAGE_FIELDS);
    let had_unknown = !unknown.is_empty();
    errs.extend(unknown);
    let mut parts = Vec::with_capacity(4);
    for field in ["publisher", "offer", "sku"] {
        match errs.take(image.req_string(field)) {
            Some(v) => parts.push((field, v.value)),
            None => return None,
        }
    }
    let version = errs.take(image.string_or("version", "latest"))?;
    parts.push(("version", version.value));
    (!had_unknown).then(|| Value::object(parts))
}
