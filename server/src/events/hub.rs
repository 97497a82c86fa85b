//! The hub: fan-out of committed events to the live connections of this
//! process. The storage layer publishes each write's events after its
//! commit (on PostgreSQL, the listener publishes what other instances
//! committed); every live socket subscribes (`http/live.rs`).
//!
//! Publishing hands the events to the hub's own task, in order: it applies
//! each to its branch's read model, then broadcasts it. So the SQLite
//! writer's thread only writes, and a connection woken by an event reads a
//! model that already holds it.

use std::sync::Arc;

use tokio::sync::{broadcast, mpsc};

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
    /// Committed events on their way to the hub's task.
    relay: mpsc::UnboundedSender<Vec<Event>>,
}

impl Hub {
    /// A hub that keeps up to `capacity` events for slow subscribers. Its
    /// task runs on the current tokio runtime until every clone is dropped.
    pub fn new(capacity: usize) -> Hub {
        let (tx, _) = broadcast::channel(capacity);
        let models = Arc::new(ReadModels::new());
        let (relay, mut committed) = mpsc::unbounded_channel::<Vec<Event>>();
        let (fan_out, feed) = (tx.clone(), models.clone());
        tokio::spawn(async move {
            while let Some(events) = committed.recv().await {
                for event in events {
                    feed.apply(&event);
                    // No subscribers is fine: nobody is watching.
                    let _ = fan_out.send(Arc::new(event));
                }
            }
        });
        Hub { tx, models, relay }
    }

    /// Publishes a committed write's events, in order.
    pub fn publish(&self, outbox: Outbox) {
        if !outbox.events.is_empty() {
            let _ = self.relay.send(outbox.events);
        }
    }

    /// Publishes one committed event.
    pub fn publish_one(&self, event: Event) {
        let _ = self.relay.send(vec![event]);
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
