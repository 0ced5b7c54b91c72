//! Progress of one source of pages read in descending `last_edited_time` order.
//!
//! Pages are processed concurrently and finish out of order. The tracker keeps the pages in the
//! order the source returned them and advances a *floor* over the prefix that is finished: every
//! page edited after the floor is done, and so are the listed pages edited exactly at it. A sync
//! resumed from a checkpoint skips what the floor covers.

use std::collections::{HashSet, VecDeque};

use chrono::{DateTime, Utc};

use crate::state::SourceProgress;

/// The position of a page within its source.
pub(crate) type Seq = u64;

#[derive(Debug)]
struct Slot {
    seq: Seq,
    ts: DateTime<Utc>,
    ts_text: String,
    id: String,
    done: bool,
}

/// What a resumed source skips.
#[derive(Debug, Clone, Default)]
pub(crate) struct Resume {
    floor: Option<DateTime<Utc>>,
    floor_text: String,
    done_ids: HashSet<String>,
}

impl Resume {
    /// From a checkpointed progress (`None` or `Done` mean nothing to skip or everything).
    pub(crate) fn from_progress(p: Option<&SourceProgress>) -> Self {
        match p {
            Some(SourceProgress::Partial { floor, done_ids }) => Resume {
                floor: crate::state::parse_time(floor),
                floor_text: floor.clone(),
                done_ids: done_ids.iter().cloned().collect(),
            },
            _ => Resume::default(),
        }
    }

    /// Whether a page was finished before the checkpoint.
    pub(crate) fn skips(&self, id: &str, ts: DateTime<Utc>) -> bool {
        match self.floor {
            Some(f) => ts > f || (ts == f && self.done_ids.contains(id)),
            None => false,
        }
    }
}

/// Tracks the finished prefix of a source.
#[derive(Debug)]
pub(crate) struct Tracker {
    slots: VecDeque<Slot>,
    next_seq: Seq,
    floor: Option<(DateTime<Utc>, String)>,
    done_at_floor: Vec<String>,
    finished: bool,
}

impl Tracker {
    pub(crate) fn new(resume: &Resume) -> Self {
        Tracker {
            slots: VecDeque::new(),
            next_seq: 0,
            floor: resume.floor.map(|f| (f, resume.floor_text.clone())),
            done_at_floor: resume.done_ids.iter().cloned().collect(),
            finished: false,
        }
    }

    /// Registers a page about to be processed.
    pub(crate) fn start(&mut self, id: &str, ts: DateTime<Utc>, ts_text: &str) -> Seq {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.slots.push_back(Slot {
            seq,
            ts,
            ts_text: ts_text.to_owned(),
            id: id.to_owned(),
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
                Some((f, _)) if *f == slot.ts => self.done_at_floor.push(slot.id),
                _ => {
                    self.floor = Some((slot.ts, slot.ts_text));
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
        self.floor
            .as_ref()
            .map(|(_, text)| SourceProgress::Partial {
                floor: text.clone(),
                done_ids: self.done_at_floor.clone(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::parse_time;

    fn t(m: u32) -> (DateTime<Utc>, String) {
        let s = format!("2026-01-01T00:{m:02}:00.000Z");
        (parse_time(&s).unwrap(), s)
    }

    #[test]
    fn floor_advances_over_the_finished_prefix_only() {
        let mut tr = Tracker::new(&Resume::default());
        let (t5, s5) = t(5);
        let (t4, s4) = t(4);
        let a = tr.start("a", t5, &s5);
        let b = tr.start("b", t4, &s4);
        let c = tr.start("c", t4, &s4);
        assert_eq!(tr.progress(), None);
        tr.finish(b);
        assert_eq!(tr.progress(), None, "a is not finished");
        tr.finish(a);
        assert_eq!(
            tr.progress(),
            Some(SourceProgress::Partial {
                floor: s4.clone(),
                done_ids: vec!["b".into()]
            })
        );
        tr.finish(c);
        tr.set_finished();
        assert_eq!(tr.progress(), Some(SourceProgress::Done));
    }

    #[test]
    fn resume_skips_the_covered_pages_and_keeps_floor_ids() {
        let (t4, s4) = t(4);
        let p = SourceProgress::Partial {
            floor: s4.clone(),
            done_ids: vec!["b".into()],
        };
        let r = Resume::from_progress(Some(&p));
        assert!(r.skips("x", t(5).0));
        assert!(r.skips("b", t4));
        assert!(!r.skips("c", t4));
        assert!(!r.skips("d", t(3).0));
        let mut tr = Tracker::new(&r);
        let c = tr.start("c", t4, &s4);
        tr.finish(c);
        match tr.progress() {
            Some(SourceProgress::Partial {
                floor,
                mut done_ids,
            }) => {
                done_ids.sort();
                assert_eq!(floor, s4);
                assert_eq!(done_ids, vec!["b".to_string(), "c".to_string()]);
            }
            other => panic!("{other:?}"),
        }
    }
}
