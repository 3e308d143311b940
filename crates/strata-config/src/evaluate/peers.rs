//! The two estates of an environment with disaster recovery: what each module block took and
//! gave in one estate, handed to the same block in the other ([`strata_core::Peer`]).
//!
//! Values that wait on one estate's resources are rewritten to peer addresses
//! (`module.storage@prod.account`) before the other estate sees them: the engine resolves
//! those from the other estate's state, never from its own.

use std::collections::BTreeMap;

use strata_core::{DesiredResource, Diagnostics, EstateRole, Peer, Value};

use crate::load::env::Environment;

/// One module block's inputs, resources and outputs.
#[derive(Debug, Clone, Default)]
pub(super) struct Block {
    inputs: BTreeMap<String, Value>,
    resources: Vec<DesiredResource>,
    outputs: BTreeMap<String, Value>,
}

/// Every module block of one evaluation, by label.
#[derive(Debug, Clone, Default)]
pub(super) struct Blocks(BTreeMap<String, Block>);

impl Blocks {
    pub fn record(
        &mut self,
        label: &str,
        inputs: BTreeMap<String, Value>,
        resources: &[DesiredResource],
        outputs: BTreeMap<String, Value>,
    ) {
        self.0.insert(
            label.to_string(),
            Block {
                inputs,
                resources: resources.to_vec(),
                outputs,
            },
        );
    }
}

/// The other estate, as one estate's module blocks see it.
#[derive(Debug)]
pub(super) struct Peers {
    environment: String,
    location: String,
    role: EstateRole,
    blocks: BTreeMap<String, Block>,
}

impl Peers {
    /// `env`'s blocks, with their deferred values pointing at `env`'s state.
    pub fn new(env: &Environment, blocks: Blocks) -> Peers {
        let name = env.name.clone();
        let f = move |a: &strata_core::ResourceAddr| a.peer(&name);
        let map = |m: BTreeMap<String, Value>| m.into_iter().map(|(k, v)| (k, v.map_addrs(&f))).collect();
        let blocks = blocks
            .0
            .into_iter()
            .map(|(label, b)| {
                let resources = b
                    .resources
                    .into_iter()
                    .map(|mut r| {
                        r.body = r.body.map_addrs(&f);
                        r
                    })
                    .collect();
                let block = Block {
                    inputs: map(b.inputs),
                    resources,
                    outputs: map(b.outputs),
                };
                (label, block)
            })
            .collect();
        Peers {
            environment: env.name.clone(),
            location: env.location.clone(),
            role: env.role(),
            blocks,
        }
    }

    /// The block `label` of the other estate, if it has one.
    pub fn block(&self, label: &str) -> Option<Peer<'_>> {
        let b = self.blocks.get(label)?;
        Some(Peer {
            environment: &self.environment,
            location: &self.location,
            role: self.role,
            inputs: &b.inputs,
            resources: &b.resources,
            outputs: &b.outputs,
        })
    }
}

/// Problems of the standby's evaluation, reported while evaluating its primary: each says
/// which estate it is in.
pub(super) fn in_standby(mut diags: Diagnostics, standby: &Environment) -> Diagnostics {
    for d in &mut diags.0 {
        let note = format!(
            "in the standby estate `{}` ({}), which the primary's plans include",
            standby.name, standby.location
        );
        d.detail = Some(match d.detail.take() {
            Some(detail) => format!("{detail}; {note}"),
            None => note,
        });
    }
    diags
}
