//! The value language shared by configuration and engine, with no HCL in it.
//!
//! - [`ops`]: operators ([`ops::BinOp`], [`ops::binary`], [`ops::unary`]), indexing, templates
//!   and conditionals over [`Value`]s, deferring on unknowns and keeping sensitive marks.
//! - [`funcs`]: the function library (`cidrsubnet`, `merge`, `format`, …); [`funcs::call`]
//!   runs one by name ([`funcs::CallError`] when it cannot).
//! - [`types`]: type constraints ([`types::Type`], [`types::ObjAttr`]) and converting values to
//!   them ([`types::convert`], [`types::to_set`], [`types::ConvError`]). Parsing type
//!   expressions from HCL is strata-config's.
//! - [`resolve`]: finishes "known after apply" values ([`Deferred`]) once the attributes they
//!   wait for exist; the engine calls it at plan and apply time.
//! - [`similar`]: "did you mean …?" hints.
//!
//! strata-config evaluates HCL expressions onto these operations; the engine only resolves.
//! This crate depends on strata-core alone.
//!
//! ```
//! use strata_core::{Deferred, ResourceAddr, Value};
//!
//! let ip = Value::attr(&ResourceAddr::resource("ip"), "properties.ipAddress");
//! let url = Value::unknown(Deferred::Template { parts: vec!["http://".into(), ip] });
//! let known = strata_expr::resolve(&url, &|_, _| Some(Value::from("10.0.0.4")))?;
//! assert_eq!(known, Value::from("http://10.0.0.4"));
//! # Ok::<(), String>(())
//! ```
//!
//! [`Value`]: strata_core::Value
//! [`Deferred`]: strata_core::Deferred

pub mod funcs;
pub mod ops;
mod resolve;
pub mod similar;
pub mod types;

pub use resolve::resolve;
