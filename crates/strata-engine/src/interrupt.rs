//! Graceful interrupts: the first signal stops scheduling and lets in-flight writes finish;
//! the second stops waiting and records what was in flight as "outcome unknown".

use std::sync::Arc;

use tokio::sync::watch;

/// Shared by whoever receives signals (the CLI) and the run that honours them.
#[derive(Clone, Debug)]
pub struct Interrupt(Arc<watch::Sender<u8>>);

impl Default for Interrupt {
    fn default() -> Self {
        Interrupt::new()
    }
}

impl Interrupt {
    pub fn new() -> Interrupt {
        Interrupt(Arc::new(watch::channel(0).0))
    }

    /// One more signal; returns how many there have been.
    pub fn signal(&self) -> u8 {
        let mut level = 0;
        self.0.send_modify(|l| {
            *l = l.saturating_add(1);
            level = *l;
        });
        level
    }

    /// Signals so far: 0 running, 1 stopping, 2 or more stop waiting.
    pub fn level(&self) -> u8 {
        *self.0.borrow()
    }

    /// Resolves once `level` signals have arrived.
    pub async fn reached(&self, level: u8) {
        let mut rx = self.0.subscribe();
        // The sender lives as long as `self`: the wait cannot fail while we hold it.
        let _ = rx.wait_for(|l| *l >= level).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn levels() {
        let i = Interrupt::new();
        assert_eq!(i.level(), 0);
        let waiter = {
            let i = i.clone();
            tokio::spawn(async move { i.reached(2).await })
        };
        assert_eq!(i.signal(), 1);
        assert!(!waiter.is_finished());
        assert_eq!(i.signal(), 2);
        waiter.await.unwrap();
        i.reached(1).await;
    }
}
