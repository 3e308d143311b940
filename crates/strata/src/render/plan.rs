//! Plans as the terminal shows them: strata-delivery's renderer (the same lines as the saved
//! plan's text and the pull-request report), in colour when the terminal takes it.

use strata_delivery::render::{Flavor, plan_text};
use strata_engine::Plan;

use crate::style;

/// The flavour for stdout: ANSI colour unless colour is off.
pub fn flavor() -> Flavor {
    if style::enabled() {
        Flavor::Ansi
    } else {
        Flavor::Plain
    }
}

/// A whole plan: warnings, drift, the changes nested at the level that changed, OpenTofu's
/// summary line, outputs, and the problems that stop it.
pub fn render(plan: &Plan) -> String {
    plan_text(plan, flavor())
}
