//! A conversation's messages as both UIs hold them: ordered by `seq`, each once, and
//! the gaps that a lost or reordered push leaves found as messages arrive.

use natter_protocol::Message;
use std::collections::BTreeMap;
use std::ops::RangeBounds;

/// What inserting a message found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inserted {
    /// Its `seq` was held already (a replay, or the echo of an HTTP answer).
    Duplicate,
    Added,
    /// Added, but messages `after < seq < before` are missing: fetch them.
    Gap {
        after: u64,
        before: u64,
    },
}

/// Messages by `seq`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Log {
    messages: BTreeMap<u64, Message>,
    /// Every seq in `1..=contiguous` is held.
    contiguous: u64,
}

impl Log {
    /// Adds a message unless its `seq` is held (or 0). One past the newest held
    /// message with seqs missing in between reports that gap. A deleted message's
    /// tombstone replaces the message held at its `seq` (and is no news).
    pub fn insert(&mut self, message: Message) -> Inserted {
        let seq = message.seq;
        if let Some(held) = self.messages.get_mut(&seq) {
            if message.deleted_at.is_some() && held.deleted_at.is_none() {
                *held = message;
            }
            return Inserted::Duplicate;
        }
        if seq == 0 {
            return Inserted::Duplicate;
        }
        let newest = self.newest_seq();
        self.messages.insert(seq, message);
        while self.messages.contains_key(&(self.contiguous + 1)) {
            self.contiguous += 1;
        }
        if newest > 0 && seq > newest + 1 {
            Inserted::Gap {
                after: newest,
                before: seq,
            }
        } else {
            Inserted::Added
        }
    }

    /// The highest `seq` below which nothing is missing (from 1): where a client that
    /// holds a conversation from its start resumes.
    pub fn contiguous(&self) -> u64 {
        self.contiguous
    }

    /// The highest `seq` held, 0 when empty.
    pub fn newest_seq(&self) -> u64 {
        self.messages.keys().next_back().copied().unwrap_or(0)
    }

    /// The lowest `seq` held.
    pub fn oldest_seq(&self) -> Option<u64> {
        self.messages.keys().next().copied()
    }

    /// Messages in `seq` order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Message> {
        self.messages.values()
    }

    /// Messages whose `seq` is in `seqs`, in order.
    pub fn range(&self, seqs: impl RangeBounds<u64>) -> impl DoubleEndedIterator<Item = &Message> {
        self.messages.range(seqs).map(|(_, m)| m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use natter_protocol::{Direction, Sender, SenderKind};

    fn message(seq: u64) -> Message {
        Message {
            id: format!("m{seq}"),
            conv_id: "c".into(),
            seq,
            direction: Direction::In,
            sender: Sender {
                kind: SenderKind::Visitor,
                id: "v".into(),
                name: "V".into(),
            },
            text: "hi".into(),
            client_msg_id: format!("k{seq}"),
            created_at: 0,
            deleted_at: None,
            attachments: Vec::new(),
        }
    }

    #[test]
    fn a_tombstone_replaces_the_message_held_and_nothing_else() {
        let mut log = Log::default();
        log.insert(message(1));
        let tombstone = Message {
            text: String::new(),
            deleted_at: Some(5),
            ..message(1)
        };
        assert_eq!(log.insert(tombstone.clone()), Inserted::Duplicate);
        assert_eq!(log.iter().next(), Some(&tombstone));
        // A stale copy (a replay) never brings the text back.
        assert_eq!(log.insert(message(1)), Inserted::Duplicate);
        assert_eq!(log.iter().next(), Some(&tombstone));
        assert_eq!(log.contiguous(), 1);
    }

    #[test]
    fn messages_are_held_once_in_order_and_gaps_are_found() {
        let mut log = Log::default();
        // (seq inserted, what it found, contiguous after, newest after)
        let cases = [
            (1, Inserted::Added, 1, 1),
            (1, Inserted::Duplicate, 1, 1),
            (0, Inserted::Duplicate, 1, 1),
            (2, Inserted::Added, 2, 2),
            (
                5,
                Inserted::Gap {
                    after: 2,
                    before: 5,
                },
                2,
                5,
            ),
            (4, Inserted::Added, 2, 5),
            (3, Inserted::Added, 5, 5),
            (6, Inserted::Added, 6, 6),
        ];
        for (seq, found, contiguous, newest) in cases {
            assert_eq!(log.insert(message(seq)), found, "insert {seq}");
            assert_eq!(
                (log.contiguous(), log.newest_seq()),
                (contiguous, newest),
                "after {seq}"
            );
        }
        let seqs: Vec<u64> = log.iter().map(|m| m.seq).collect();
        assert_eq!(seqs, [1, 2, 3, 4, 5, 6]);
        assert_eq!(log.range(3..=4).map(|m| m.seq).collect::<Vec<_>>(), [3, 4]);
        assert_eq!(log.oldest_seq(), Some(1));
    }

    #[test]
    fn a_window_that_starts_late_is_not_a_gap() {
        let mut log = Log::default();
        assert_eq!(
            log.insert(message(40)),
            Inserted::Added,
            "the newest page, first"
        );
        assert_eq!(log.insert(message(39)), Inserted::Added, "an older page");
        assert_eq!(log.contiguous(), 0, "nothing from 1 is held");
        assert_eq!(
            log.insert(message(42)),
            Inserted::Gap {
                after: 40,
                before: 42
            }
        );
    }
}
