//! Secrets that cannot be printed by accident.
//!
//! [`Secret`] wraps keys, connection strings and tokens. `Debug` and `Display` print
//! `<redacted>`; the value is reached only through [`Secret::expose`], which makes every use
//! visible in review.
//!
//! ```
//! use strata_core::Secret;
//! let s = Secret::new("hunter2");
//! assert_eq!(format!("{s} {s:?}"), "<redacted> <redacted>");
//! assert_eq!(s.expose(), "hunter2");
//! ```

use std::fmt;

/// A string that must never reach output, logs or plan files.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The secret itself. Use only to send it where it belongs.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}
