//! Coalescing: the events about one object within a short window become one read.
//!
//! A burst of edits to a page sends many events (Notion aggregates some, not all); reading the
//! page once after the burst costs one read instead of one per event. The window starts at the
//! first event of an object and does not slide, so a read is never put off by more than the
//! window however many events follow.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::target::{Key, Target};

/// A read that is due, and the tags (event ids) it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch<T> {
    /// What to read.
    pub target: Target,
    /// The tags of every event merged into it, in arrival order.
    pub tags: Vec<T>,
}

#[derive(Debug)]
struct Entry<T> {
    target: Target,
    tags: Vec<T>,
    due: Instant,
}

/// Targets waiting for their window to pass, merged per object.
#[derive(Debug)]
pub struct Coalescer<T> {
    window: Duration,
    pending: HashMap<Key, Entry<T>>,
}

impl<T> Coalescer<T> {
    /// An empty coalescer with this window (zero: every target is due at once).
    pub fn new(window: Duration) -> Self {
        Coalescer {
            window,
            pending: HashMap::new(),
        }
    }

    /// The window.
    pub fn window(&self) -> Duration {
        self.window
    }

    /// Adds a target seen at `now`, due one window after the first pending target of its object.
    pub fn push(&mut self, target: Target, tag: T, now: Instant) {
        let due = now + self.window;
        self.push_due(target, vec![tag], due);
    }

    /// Adds a target due at `due` (or earlier, when its object already has an earlier one
    /// pending): to retry a failed read later, or to read at once.
    pub fn push_due(&mut self, target: Target, tags: Vec<T>, due: Instant) {
        match self.pending.get_mut(&target.key()) {
            Some(entry) => {
                entry.target.merge(target);
                entry.tags.extend(tags);
                entry.due = entry.due.min(due);
            }
            None => {
                self.pending
                    .insert(target.key(), Entry { target, tags, due });
            }
        }
    }

    /// When the next target is due.
    pub fn next_due(&self) -> Option<Instant> {
        self.pending.values().map(|e| e.due).min()
    }

    /// Takes the targets due at `now`, earliest first.
    pub fn take_due(&mut self, now: Instant) -> Vec<Batch<T>> {
        let mut keys: Vec<(Instant, Key)> = self
            .pending
            .iter()
            .filter(|(_, e)| e.due <= now)
            .map(|(k, e)| (e.due, *k))
            .collect();
        keys.sort();
        keys.into_iter()
            .filter_map(|(_, k)| self.pending.remove(&k))
            .map(|e| Batch {
                target: e.target,
                tags: e.tags,
            })
            .collect()
    }

    /// Takes every target, due or not, earliest first.
    pub fn drain(&mut self) -> Vec<Batch<T>> {
        let mut all: Vec<Entry<T>> = self.pending.drain().map(|(_, e)| e).collect();
        all.sort_by_key(|e| e.due);
        all.into_iter()
            .map(|e| Batch {
                target: e.target,
                tags: e.tags,
            })
            .collect()
    }

    /// How many objects have a target pending.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// Whether none has.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::PageReads;
    use notion_model::Id;

    fn page(n: u128, reads: PageReads) -> Target {
        Target::Page {
            id: Id::from_u128(n),
            reads,
        }
    }

    #[test]
    fn events_of_one_object_within_the_window_are_one_read() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut c = Coalescer::new(ms(1000));
        c.push(page(1, PageReads::page()), "e1", t0);
        c.push(page(2, PageReads::page()), "e2", t0 + ms(100));
        c.push(page(1, PageReads::content()), "e3", t0 + ms(900));
        assert_eq!(c.next_due(), Some(t0 + ms(1000)));
        assert!(c.take_due(t0 + ms(999)).is_empty());
        let due = c.take_due(t0 + ms(1000));
        assert_eq!(
            due,
            vec![Batch {
                target: page(1, PageReads::content()),
                tags: vec!["e1", "e3"],
            }]
        );
        // The window does not slide: a later event does not put the read off.
        c.push(page(2, PageReads::page()), "e4", t0 + ms(1050));
        let due = c.take_due(t0 + ms(1100));
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].tags, ["e2", "e4"]);
        assert!(c.is_empty());
    }

    #[test]
    fn an_earlier_due_time_wins_and_drain_takes_everything() {
        let t0 = Instant::now();
        let mut c = Coalescer::new(Duration::from_secs(5));
        c.push(page(1, PageReads::page()), 1, t0);
        c.push_due(page(1, PageReads::page()), vec![2], t0);
        c.push(page(3, PageReads::page()), 3, t0);
        assert_eq!(c.next_due(), Some(t0));
        assert_eq!(c.take_due(t0).len(), 1);
        assert_eq!(c.drain().len(), 1);
        assert!(c.is_empty());
        assert_eq!(c.next_due(), None);
    }
}
