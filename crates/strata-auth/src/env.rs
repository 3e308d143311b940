//! Reading the environment through a lookup function, so that tests (and callers with their
//! own configuration) need not touch the process environment.

use crate::error::AuthError;

/// The variables a credential reads, through the caller's lookup function.
pub(crate) struct Env<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
}

impl<'a> Env<'a> {
    pub(crate) fn new(lookup: &'a dyn Fn(&str) -> Option<String>) -> Env<'a> {
        Env { lookup }
    }

    /// The value of `name`, trimmed; unset and blank are the same.
    pub(crate) fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    /// The first of `names` that is set, with its name. `ARM_*` names come first, as in the
    /// azurerm provider, then the Azure SDKs' `AZURE_*`.
    pub(crate) fn first(&self, names: &[&'static str]) -> Option<Setting> {
        names
            .iter()
            .find_map(|&name| self.get(name).map(|value| Setting { name, value }))
    }

    /// A boolean switch such as `ARM_USE_OIDC`: `None` when unset.
    pub(crate) fn flag(&self, name: &str) -> Result<Option<bool>, AuthError> {
        let Some(value) = self.get(name) else {
            return Ok(None);
        };
        match value.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(Some(true)),
            "false" | "0" | "no" | "off" => Ok(Some(false)),
            _ => Err(AuthError::invalid(
                name,
                format!("`{value}` is neither true nor false"),
            )),
        }
    }
}

/// A variable that is set, and its value.
#[derive(Clone, Debug)]
pub(crate) struct Setting {
    pub(crate) name: &'static str,
    pub(crate) value: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_rules() {
        let vars = |k: &str| match k {
            "A" => Some("  x ".to_string()),
            "BLANK" => Some("  ".to_string()),
            "YES" => Some("True".to_string()),
            "NO" => Some("0".to_string()),
            "BAD" => Some("maybe".to_string()),
            _ => None,
        };
        let env = Env::new(&vars);
        assert_eq!(env.get("A").as_deref(), Some("x"));
        assert_eq!(env.get("BLANK"), None);
        let s = env.first(&["BLANK", "MISSING", "A"]).unwrap();
        assert_eq!((s.name, s.value.as_str()), ("A", "x"));
        assert_eq!(env.flag("YES").unwrap(), Some(true));
        assert_eq!(env.flag("NO").unwrap(), Some(false));
        assert_eq!(env.flag("MISSING").unwrap(), None);
        let err = env.flag("BAD").unwrap_err().to_string();
        assert_eq!(
            err,
            "BAD is set to an unusable value: `maybe` is neither true nor false"
        );
    }
}
