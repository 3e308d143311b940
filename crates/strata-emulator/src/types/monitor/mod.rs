//! Azure Monitor: Log Analytics workspaces, Application Insights components and diagnostic
//! settings.
//!
//! - Workspaces: PUT 200/201 long-running (the document shows `Creating` until done), a
//!   `customerId` GUID, retention 30-730 days on PerGB2018; DELETE soft-deletes for 14 days
//!   (re-creating the name in the same group and location recovers it, `force=true` purges)
//!   [V LAW].
//! - Components: PUT **synchronous 200**, `kind` and `Application_Type` required, the
//!   instrumentation key and connection string are read-only, a linked workspace must exist
//!   [V AI].
//! - Diagnostic settings: an extension resource on any resource id, synchronous, at most five
//!   per resource, at least one destination that exists; they go with their resource [V DS].

pub(crate) mod components;
pub(crate) mod diagnostics;
pub(crate) mod workspaces;

use super::TypeRules;

pub(crate) fn rules_for(t: &str) -> Option<&'static dyn TypeRules> {
    Some(match t {
        "microsoft.operationalinsights/workspaces" => &workspaces::Workspaces,
        "microsoft.insights/components" => &components::Components,
        "microsoft.insights/diagnosticsettings" => &diagnostics::DiagnosticSettings,
        _ => return None,
    })
}
