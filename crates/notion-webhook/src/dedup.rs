//! De-duplication of deliveries by event id. Notion delivers an event again until it gets a
//! 2xx (and may deliver it twice anyway); every attempt carries the same `id`.

use std::collections::{HashSet, VecDeque};

/// The ids of the most recent events, at most `capacity` of them; the oldest is forgotten
/// first. Persist [`Dedup::ids`] (or the events themselves) and [`Dedup::restore`] them at
/// start, so that a restart does not apply an event again.
#[derive(Debug, Clone)]
pub struct Dedup {
    capacity: usize,
    order: VecDeque<String>,
    seen: HashSet<String>,
}

impl Dedup {
    /// An empty set remembering up to `capacity` ids (at least one).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Dedup {
            capacity,
            order: VecDeque::new(),
            seen: HashSet::new(),
        }
    }

    /// Remembers `ids`, oldest first (as persisted).
    pub fn restore<I: IntoIterator<Item = String>>(&mut self, ids: I) {
        for id in ids {
            self.insert(&id);
        }
    }

    /// Remembers `id`; `true` when it is new, `false` for a duplicate.
    pub fn insert(&mut self, id: &str) -> bool {
        if self.seen.contains(id) {
            return false;
        }
        if self.order.len() == self.capacity
            && let Some(oldest) = self.order.pop_front()
        {
            self.seen.remove(&oldest);
        }
        self.order.push_back(id.to_owned());
        self.seen.insert(id.to_owned());
        true
    }

    /// Whether `id` is remembered.
    pub fn contains(&self, id: &str) -> bool {
        self.seen.contains(id)
    }

    /// Forgets `id` (an event that could not be stored, so that its retry is not refused).
    pub fn forget(&mut self, id: &str) {
        if self.seen.remove(id) {
            self.order.retain(|x| x != id);
        }
    }

    /// The ids remembered, oldest first.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.order.iter().map(String::as_str)
    }

    /// How many ids are remembered.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_refused_and_the_oldest_forgotten_first() {
        let mut d = Dedup::new(2);
        assert!(d.insert("a"));
        assert!(!d.insert("a"));
        assert!(d.insert("b"));
        assert!(d.insert("c"));
        assert!(!d.contains("a"));
        assert!(d.insert("a"));
        assert_eq!(d.ids().collect::<Vec<_>>(), ["c", "a"]);
        d.forget("c");
        assert_eq!((d.len(), d.contains("c")), (1, false));
    }

    #[test]
    fn restore_keeps_the_most_recent() {
        let mut d = Dedup::new(3);
        d.restore((0..10).map(|i| i.to_string()));
        assert_eq!(d.ids().collect::<Vec<_>>(), ["7", "8", "9"]);
        assert!(!Dedup::new(0).is_empty() || Dedup::new(0).capacity == 1);
    }
}
