//! Progress of one source of pages read in descending `last_edited_time` order.
//!
//! Pages are processed concurrently and finish out of order. The tracker keeps the pages in the
//! order the source returned them and advances a *floor* over the prefix that is finished: every
//! page edited after the floor is done, and so are the listed pages edited exactly at it. A sync
//! resumed from a checkpoint skips what the floor covers.

use std::collections::{HashSet, VecDeque};

use notion_model::{Id, Timestamp};

use crate::state::SourceProgress;

/// The position of a page within its source.
pub(crate) type Seq = u64;

#[derive(Debug)]
struct Slot {
    seq: Seq,
    ts: Timestamp,
    id: Id,
    done: bool,
}

/// What a resumed source skips.
#[derive(Debug, Clone, Default)]
pub(crate) struct Resume {
    floor: Option<Timestamp>,
    done_ids: HashSet<Id>,
}

impl Resume {
    /// From a checkpointed progress (`None` or `Done` mean nothing to skip or everything).
    pub(crate) fn from_progress(p: Option<&SourceProgress>) -> Self {
        match p {
            Some(SourceProgress::Partial { floor, done_ids }) => Resume {
                floor: Some(floor.clone()),
                done_ids: done_ids.iter().copied().collect(),
            },
            _ => Resume::default(),
        }
    }

    /// Whether a page was finished before the checkpoint.
    pub(crate) fn skips(&self, id: Id, ts: &Timestamp) -> bool {
        match &self.floor {
            Some(f) => ts > f || (ts == f && self.done_ids.contains(&id)),
            None => false,
        }
    }

    /// The floor to read down from again (the newest edit not known to be finished).
    pub(crate) fn floor(&self) -> Option<&Timestamp> {
        self.floor.as_ref()
    }
}

/// Tracks the finished prefix of a source.
#[derive(Debug)]
pub(crate) struct Tracker {
    slots: VecDeque<Slot>,
    next_seq: Seq,
    floor: Option<Timestamp>,
    done_at_floor: Vec<Id>,
    finished: bool,
}

impl Tracker {
    pub(crate) fn new(resume: &Resume) -> Self {
        Tracker {
            slots: VecDeque::new(),
            next_seq: 0,
            floor: resume.floor.clone(),
            done_at_floor: resume.done_ids.iter().copied().collect(),
            finished: false,
        }
    }

    /// Registers a page about to be processed.
    pub(crate) fn start(&mut self, id: Id, ts: Timestamp) -> Seq {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.slots.push_back(Slot {
            seq,
            ts,
            id,
            done: false,
        });
        seq
    }

    /// Marks a page finished and advances the floor.
    pub(crate) fn finish(&mut self, seq: Seq) {
        if let Some(slot) = self.slots.iter_mut().find(|s| s.seq == seq) {
            slot.done = true;
        }
        while self.slots.front().is_some_and(|s| s.done) {
            let Some(slot) = self.slots.pop_front() else {
                break;
            };
            match &self.floor {
                Some(f) if *f == slot.ts => self.done_at_floor.push(slot.id),
                _ => {
                    self.floor = Some(slot.ts);
                    self.done_at_floor = vec![slot.id];
                }
            }
        }
    }

    /// Marks the source read completely (every page finished).
    pub(crate) fn set_finished(&mut self) {
        self.finished = true;
    }

    /// Pages started and not finished.
    pub(crate) fn in_flight(&self) -> usize {
        self.slots.iter().filter(|s| !s.done).count()
    }

    /// The progress to checkpoint.
    pub(crate) fn progress(&self) -> Option<SourceProgress> {
        if self.finished && self.slots.is_empty() {
            return Some(SourceProgress::Done);
        }
        self.floor.as_ref().map(|floor| SourceProgress::Partial {
            floor: floor.clone(),
            done_ids: self.done_at_floor.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(m: u32) -> Timestamp {
        Timestamp::parse(&format!("2026-01-01T00:{m:02}:00.000Z")).unwrap()
    }

    fn id(n: u128) -> Id {
        Id::from_u128(n)
    }

    #[test]
    fn floor_advances_over_the_finished_prefix_only() {
        let mut tr = Tracker::new(&Resume::default());
        let a = tr.start(id(1), t(5));
        let b = tr.start(id(2), t(4));
        let c = tr.start(id(3), t(4));
        assert_eq!(tr.progress(), None);
        tr.finish(b);
        assert_eq!(tr.progress(), None, "a is not finished");
        tr.finish(a);
        assert_eq!(
            tr.progress(),
            Some(SourceProgress::Partial {
                floor: t(4),
                done_ids: vec![id(2)]
            })
        );
        tr.finish(c);
        tr.set_finished();
        assert_eq!(tr.progress(), Some(SourceProgress::Done));
    }

    #[test]
    fn resume_skips_the_covered_pages_and_keeps_floor_ids() {
        let p = SourceProgress::Partial {
            floor: t(4),
            done_ids: vec![id(2)],
        };
        let r = Resume::from_progress(Some(&p));
        assert!(r.skips(id(9), &t(5)));
        assert!(r.skips(id(2), &t(4)));
        assert!(!r.skips(id(3), &t(4)));
        assert!(!r.skips(id(4), &t(3)));
        let mut tr = Tracker::new(&r);
        let c = tr.start(id(3), t(4));
        tr.finish(c);
        match tr.progress() {
            Some(SourceProgress::Partial {
                floor,
                mut done_ids,
            }) => {
                done_ids.sort();
                assert_eq!(floor, t(4));
                assert_eq!(done_ids, vec![id(2), id(3)]);
            }
            other => panic!("{other:?}"),
        }
    }
}
