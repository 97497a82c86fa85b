//! The hub: fan-out of committed events to the live connections of this
//! process. The storage layer publishes each write's events after its
//! commit (on PostgreSQL, the listener publishes what other instances
//! committed); every live socket subscribes (`http/live.rs`).

use std::sync::Arc;

use tokio::sync::broadcast;

use super::{Event, Outbox};
use crate::domain::read_model::ReadModels;

/// Fan-out of committed events to live clients in this process.
#[derive(Clone)]
pub struct Hub {
    /// Every committed event. The storage layer sends after each commit;
    /// live connections subscribe. Never closed while the server runs.
    tx: broadcast::Sender<Arc<Event>>,
    /// The branches' read models, fed each event before any live
    /// connection hears of it.
    models: Arc<ReadModels>,
}

impl Hub {
    /// A hub that keeps up to `capacity` events for slow subscribers.
    pub fn new(capacity: usize) -> Hub {
        let (tx, _) = broadcast::channel(capacity);
        Hub {
            tx,
            models: Arc::new(ReadModels::new()),
        }
    }

    /// Publishes a committed write's events, in order.
    pub fn publish(&self, outbox: Outbox) {
        for event in outbox.events {
            self.publish_one(event);
        }
    }

    /// Publishes one committed event.
    pub fn publish_one(&self, event: Event) {
        self.models.apply(&event);
        // No subscribers is fine: nobody is watching.
        let _ = self.tx.send(Arc::new(event));
    }

    /// The branches' read models of this process.
    pub fn models(&self) -> &ReadModels {
        &self.models
    }

    /// Receives every event published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.tx.subscribe()
    }

    /// How many subscribers the hub holds events for.
    pub fn receiver_count(&self) -> usize {
        self.tx.receiver_count()
    }
}
