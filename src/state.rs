//! The chat's state as plain data: ordering and dedupe by `seq`, optimistic sends keyed by
//! `client_msg_id`, gap detection, the subscription over the one socket, and reconnect
//! backoff. No browser APIs here, so all of it is unit tested on the host.

use natter_client::backoff::Backoff;
use natter_client::groups;
use natter_client::log::{Inserted, Log};
use natter_protocol::{Attachment, ClientFrame, ConvId, Direction, Message};

/// Where an outgoing message is on its way to the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SendState {
    /// Shown at once; the server has not acknowledged it yet.
    Pending,
    /// The last attempt could not reach the server: it is sent again, under the same
    /// `client_msg_id`, as soon as the connection is back (no action needed).
    Queued,
    /// The server refused it: it is not retried by itself; the visitor may retry.
    Failed,
    /// Stored by the server (it has a `seq`).
    Sent,
}

/// A message the visitor wrote that the server has not stored yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    pub client_msg_id: String,
    pub text: String,
    pub state: SendState,
    /// Unix ms when the visitor sent it, for the timestamp shown until the server's replaces it.
    pub created_at: i64,
    /// Files uploaded for it (their URLs come with the server's copy).
    pub attachments: Vec<Attachment>,
}

/// What applying a server message did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Applied {
    /// False when the `seq` was already known (a replay or the echo of an HTTP answer).
    pub fresh: bool,
}

/// One conversation as the widget knows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Conversation {
    messages: Log,
    outbox: Vec<Outgoing>,
    /// How far staff have read (their read position's `seq`).
    staff_read: u64,
}

impl Conversation {
    /// Adds a stored message unless its `seq` is known, and settles the pending message with
    /// the same `client_msg_id`, so the optimistic copy and the server's echo show once.
    pub fn apply(&mut self, message: Message) -> Applied {
        self.outbox
            .retain(|o| o.client_msg_id != message.client_msg_id);
        let fresh = self.messages.insert(message) != Inserted::Duplicate;
        Applied { fresh }
    }

    /// The highest `seq` below which nothing is missing; subscribe and fetch after it.
    pub fn resume_seq(&self) -> u64 {
        self.messages.contiguous()
    }

    /// The highest `seq` seen.
    pub fn last_seq(&self) -> u64 {
        self.messages.newest_seq()
    }

    /// True when a later message arrived before an earlier one (7 after 5): the missing
    /// range must be fetched over HTTP, after [`Self::resume_seq`].
    pub fn has_gap(&self) -> bool {
        self.last_seq() > self.resume_seq()
    }

    /// Staff messages after `read_seq`: the launcher's unread count.
    pub fn unread_after(&self, read_seq: u64) -> usize {
        self.messages
            .range(read_seq + 1..)
            .filter(|m| m.direction == Direction::Out)
            .count()
    }

    /// Shows a message the visitor just wrote, before the server has it.
    pub fn add_pending(&mut self, client_msg_id: String, text: String, created_at: i64) {
        self.add_pending_with(client_msg_id, text, created_at, Vec::new());
    }

    /// Shows a message with files the visitor just sent, before the server has it.
    pub fn add_pending_with(
        &mut self,
        client_msg_id: String,
        text: String,
        created_at: i64,
        attachments: Vec<Attachment>,
    ) {
        self.outbox.push(Outgoing {
            client_msg_id,
            text,
            state: SendState::Pending,
            created_at,
            attachments,
        });
    }

    /// The ids of the files an unsent message carries.
    pub fn attachment_ids(&self, client_msg_id: &str) -> Vec<String> {
        self.outbox
            .iter()
            .filter(|o| o.client_msg_id == client_msg_id)
            .flat_map(|o| o.attachments.iter().map(|a| a.id.clone()))
            .collect()
    }

    /// Of another tab's saved outbox, what this conversation shows neither as pending nor
    /// as stored: that tab sends it, and the server's echo settles the copy shown here
    /// ([`Self::apply`]) as it does there.
    pub fn unknown_outgoing(&self, outbox: &[(String, String)]) -> Vec<(String, String)> {
        outbox
            .iter()
            .filter(|(id, _)| {
                !self.outbox.iter().any(|o| o.client_msg_id == *id)
                    && !self.messages().any(|m| m.client_msg_id == *id)
            })
            .cloned()
            .collect()
    }

    /// Marks an unacknowledged message failed (no-op if the echo already settled it).
    pub fn mark_failed(&mut self, client_msg_id: &str) {
        self.set_state(client_msg_id, SendState::Failed);
    }

    /// Marks an unacknowledged message as waiting for the connection.
    pub fn mark_queued(&mut self, client_msg_id: &str) {
        self.set_state(client_msg_id, SendState::Queued);
    }

    /// Staff read up to `seq` (read positions only move forward).
    pub fn staff_read(&mut self, seq: u64) {
        self.staff_read = self.staff_read.max(seq);
    }

    /// Puts a failed message back to pending and returns its text to send again, under the
    /// same `client_msg_id` so the server stores it at most once.
    pub fn retry(&mut self, client_msg_id: &str) -> Option<String> {
        self.set_state(client_msg_id, SendState::Pending);
        self.outbox
            .iter()
            .find(|o| o.client_msg_id == client_msg_id)
            .map(|o| o.text.clone())
    }

    fn set_state(&mut self, client_msg_id: &str, state: SendState) {
        if let Some(o) = self
            .outbox
            .iter_mut()
            .find(|o| o.client_msg_id == client_msg_id)
        {
            o.state = state;
        }
    }

    /// Messages not yet stored by the server, oldest first.
    pub fn outbox(&self) -> &[Outgoing] {
        &self.outbox
    }

    /// Stored messages in `seq` order.
    pub fn messages(&self) -> impl Iterator<Item = &Message> {
        self.messages.iter()
    }

    /// What the log shows: stored messages by `seq`, then the visitor's unsent ones, with
    /// where a day begins (by `day_of`, the local calendar day of a Unix ms time), where a
    /// group of one sender's messages begins, and "Seen" on the visitor's last message staff
    /// have read.
    pub fn rows(&self, day_of: impl Fn(i64) -> i64) -> Vec<Row> {
        let seen = self
            .messages
            .range(..=self.staff_read)
            .rev()
            .find(|m| m.direction == Direction::In)
            .map(|m| m.seq);
        let sent = self.messages.iter().map(|m| Row {
            client_msg_id: m.client_msg_id.clone(),
            seq: m.seq,
            mine: m.direction == Direction::In,
            sender: m.sender.name.clone(),
            sender_id: m.sender.id.clone(),
            text: m.text.clone(),
            attachments: m.attachments.clone(),
            deleted: m.deleted_at.is_some(),
            created_at: m.created_at,
            state: SendState::Sent,
            seen: Some(m.seq) == seen,
            day_start: false,
            group_start: false,
        });
        let unsent = self.outbox.iter().map(|o| Row {
            client_msg_id: o.client_msg_id.clone(),
            seq: 0,
            mine: true,
            sender: String::new(),
            sender_id: String::new(),
            text: o.text.clone(),
            attachments: o.attachments.clone(),
            deleted: false,
            created_at: o.created_at,
            state: o.state,
            seen: false,
            day_start: false,
            group_start: false,
        });
        let mut rows: Vec<Row> = sent.chain(unsent).collect();
        let senders = rows
            .iter()
            .map(|r| (if r.mine { "" } else { r.sender_id.as_str() }, r.created_at));
        let places = groups::place(senders, day_of);
        for (row, place) in rows.iter_mut().zip(places) {
            row.day_start = place.day_start;
            row.group_start = place.group_start;
        }
        rows
    }
}

/// One line of the message log. The whole row is the render key, so a change of state
/// re-renders exactly that row.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Row {
    pub client_msg_id: String,
    /// 0 until the server stores it.
    pub seq: u64,
    /// The visitor's own message (direction `in`): drawn on the right.
    pub mine: bool,
    pub sender: String,
    pub sender_id: String,
    pub text: String,
    /// Its files: with URLs once stored, names only while pending.
    pub attachments: Vec<Attachment>,
    /// The message was deleted: "Message deleted" shows instead of its text.
    pub deleted: bool,
    pub created_at: i64,
    pub state: SendState,
    /// The visitor's last message that staff have read: "Seen" under it.
    pub seen: bool,
    /// The first message of its (local) day: a day separator above it.
    pub day_start: bool,
    /// The first of consecutive messages from one sender: the name and time show on it.
    pub group_start: bool,
}

/// A conversation the visitor may read: its id and the visitor token that opens it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Session {
    pub conv_id: ConvId,
    pub token: String,
}

/// Which conversation the one socket is subscribed to. The socket outlives conversations:
/// changing the conversation yields frames for the same socket, never a new socket.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subscription {
    current: Option<Session>,
    connected: bool,
}

impl Subscription {
    /// The conversation changed (or appeared, or was forgotten): the frames to send now.
    pub fn switch(&mut self, next: Option<Session>, after_seq: u64) -> Vec<ClientFrame> {
        if next == self.current {
            return Vec::new();
        }
        let mut frames = Vec::new();
        if self.connected {
            if let Some(old) = &self.current {
                frames.push(ClientFrame::Unsubscribe {
                    conv_id: old.conv_id.clone(),
                });
            }
            if let Some(new) = &next {
                frames.push(subscribe(new, after_seq));
            }
        }
        self.current = next;
        frames
    }

    /// The socket (re)opened: resubscribe from the last contiguous `seq`.
    pub fn opened(&mut self, after_seq: u64) -> Vec<ClientFrame> {
        self.connected = true;
        self.current
            .iter()
            .map(|s| subscribe(s, after_seq))
            .collect()
    }

    pub fn closed(&mut self) {
        self.connected = false;
    }

    /// The server paused a long replay after `after_seq`: the frame asking for the next page,
    /// if that conversation is still the current one.
    pub fn more(&self, conv_id: &ConvId, after_seq: u64) -> Option<ClientFrame> {
        self.current
            .as_ref()
            .filter(|s| self.connected && &s.conv_id == conv_id)
            .map(|s| subscribe(s, after_seq))
    }

    pub fn current(&self) -> Option<&Session> {
        self.current.as_ref()
    }
}

fn subscribe(session: &Session, after_seq: u64) -> ClientFrame {
    ClientFrame::Subscribe {
        conv_id: session.conv_id.clone(),
        token: Some(session.token.clone()),
        after_seq,
    }
}

/// Widgets: thousands may be cut off together, so half of each delay is random ("equal
/// jitter"): 0.5–1 s at first, doubling to 15–30 s.
const RECONNECT: Backoff = Backoff {
    first_ms: 500,
    max_ms: 15_000,
    spread: 1.0,
};
/// Longest reconnect delay, in ms.
pub const BACKOFF_MAX_MS: u32 = RECONNECT.longest_ms();

/// Delay before reconnect attempt `attempt` (0-based), with `jitter` in `[0, 1)`.
pub fn backoff_ms(attempt: u32, jitter: f64) -> u32 {
    RECONNECT.delay_ms(attempt, jitter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use natter_protocol::{Sender, SenderKind};

    fn utc_day(ms: i64) -> i64 {
        ms.div_euclid(86_400_000)
    }

    fn msg(seq: u64, direction: Direction, client_msg_id: &str) -> Message {
        let (kind, name) = match direction {
            Direction::In => (SenderKind::Visitor, "Ana"),
            Direction::Out => (SenderKind::Staff, "Bob"),
        };
        Message {
            id: format!("m{seq}"),
            conv_id: "c1".into(),
            seq,
            direction,
            sender: Sender {
                kind,
                id: "x".into(),
                name: name.into(),
            },
            text: format!("text {seq}"),
            client_msg_id: client_msg_id.into(),
            created_at: 1_700_000_000_000 + seq as i64,
            deleted_at: None,
            attachments: Vec::new(),
        }
    }

    #[test]
    fn orders_by_seq_whatever_the_arrival_order() {
        let mut c = Conversation::default();
        for seq in [3, 1, 2] {
            c.apply(msg(seq, Direction::Out, &format!("k{seq}")));
        }
        let seqs: Vec<u64> = c.messages().map(|m| m.seq).collect();
        assert_eq!(seqs, [1, 2, 3]);
        assert_eq!(c.resume_seq(), 3);
    }

    #[test]
    fn another_tab_s_outgoing_shows_once_and_its_echo_settles_it() {
        let mut c = Conversation::default();
        c.apply(msg(1, Direction::In, "sent-before"));
        c.add_pending("mine".into(), "mine".into(), 0);
        let theirs = [
            ("sent-before".to_owned(), "text 1".to_owned()),
            ("mine".to_owned(), "mine".to_owned()),
            ("theirs".to_owned(), "from the other tab".to_owned()),
        ];
        let unknown = c.unknown_outgoing(&theirs);
        assert_eq!(
            unknown,
            [("theirs".to_owned(), "from the other tab".to_owned())]
        );
        for (id, text) in unknown {
            c.add_pending(id, text, 0);
        }
        assert!(c.unknown_outgoing(&theirs).is_empty(), "adopted once");
        c.apply(msg(2, Direction::In, "theirs"));
        assert_eq!(c.outbox().len(), 1, "the echo settled the adopted copy");
        assert_eq!(c.rows(utc_day).len(), 3);
    }

    #[test]
    fn drops_duplicates_by_seq() {
        let mut c = Conversation::default();
        assert!(c.apply(msg(1, Direction::Out, "k1")).fresh);
        assert!(!c.apply(msg(1, Direction::Out, "k1")).fresh);
        assert_eq!(c.rows(utc_day).len(), 1);
    }

    #[test]
    fn detects_a_gap_and_closes_it() {
        let mut c = Conversation::default();
        for seq in [1, 2, 3, 4, 5] {
            c.apply(msg(seq, Direction::Out, &format!("k{seq}")));
        }
        c.apply(msg(7, Direction::Out, "k7"));
        assert!(c.has_gap());
        assert_eq!(c.resume_seq(), 5, "fetch after 5");
        c.apply(msg(6, Direction::Out, "k6"));
        assert!(!c.has_gap());
        assert_eq!(c.resume_seq(), 7);
    }

    #[test]
    fn pending_then_sent_shows_once() {
        let mut c = Conversation::default();
        c.add_pending("w1".into(), "hello".into(), 5);
        assert_eq!(c.rows(utc_day)[0].state, SendState::Pending);
        assert!(c.rows(utc_day)[0].mine);
        // The socket echo and the HTTP answer both carry the message: one row.
        c.apply(msg(1, Direction::In, "w1"));
        c.apply(msg(1, Direction::In, "w1"));
        let rows = c.rows(utc_day);
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].seq, rows[0].state), (1, SendState::Sent));
        assert!(c.outbox().is_empty());
    }

    #[test]
    fn failed_then_retried_keeps_the_client_msg_id() {
        let mut c = Conversation::default();
        c.add_pending("w1".into(), "hello".into(), 5);
        c.mark_failed("w1");
        assert_eq!(c.rows(utc_day)[0].state, SendState::Failed);
        assert_eq!(c.retry("w1").as_deref(), Some("hello"));
        assert_eq!(c.rows(utc_day)[0].state, SendState::Pending);
        assert_eq!(c.rows(utc_day)[0].client_msg_id, "w1");
        assert_eq!(c.retry("nope"), None);
    }

    #[test]
    fn unsent_rows_follow_stored_ones() {
        let mut c = Conversation::default();
        c.apply(msg(1, Direction::Out, "k1"));
        c.add_pending("w2".into(), "later".into(), 9);
        let rows = c.rows(utc_day);
        assert_eq!(
            rows.iter().map(|r| (r.mine, r.state)).collect::<Vec<_>>(),
            [(false, SendState::Sent), (true, SendState::Pending)]
        );
        assert_eq!(rows[0].sender, "Bob");
    }

    #[test]
    fn groups_by_sender_gap_and_day() {
        const MIN: i64 = 60_000;
        let day = 86_400_000 * 20_000;
        // (direction, sender id, minutes after the day began) → (day starts, group starts)
        let cases = [
            (Direction::In, "v", 10, (true, true)),
            (Direction::In, "v", 11, (false, false)),
            (Direction::Out, "s1", 12, (false, true)),
            (Direction::Out, "s1", 13, (false, false)),
            (Direction::Out, "s2", 14, (false, true)),
            (Direction::Out, "s2", 14 + 6, (false, true)),
            (Direction::In, "v", 24 * 60 + 1, (true, true)),
        ];
        let mut c = Conversation::default();
        for (i, (direction, sender, minutes, _)) in cases.iter().enumerate() {
            let mut m = msg(i as u64 + 1, *direction, &format!("k{i}"));
            m.sender.id = (*sender).into();
            m.created_at = day + minutes * MIN;
            c.apply(m);
        }
        let got: Vec<_> = c
            .rows(utc_day)
            .iter()
            .map(|r| (r.day_start, r.group_start))
            .collect();
        let want: Vec<_> = cases.iter().map(|c| c.3).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn seen_marks_the_visitors_last_message_staff_read() {
        let mut c = Conversation::default();
        for (seq, direction) in [
            (1, Direction::In),
            (2, Direction::In),
            (3, Direction::Out),
            (4, Direction::In),
        ] {
            c.apply(msg(seq, direction, &format!("k{seq}")));
        }
        let seen = |c: &Conversation| {
            c.rows(utc_day)
                .iter()
                .filter(|r| r.seen)
                .map(|r| r.seq)
                .collect::<Vec<_>>()
        };
        assert_eq!(seen(&c), Vec::<u64>::new());
        c.staff_read(3);
        assert_eq!(seen(&c), [2]);
        c.staff_read(1);
        assert_eq!(seen(&c), [2], "a read position never moves back");
        c.staff_read(4);
        assert_eq!(seen(&c), [4]);
    }

    #[test]
    fn a_queued_message_goes_again_under_its_id() {
        let mut c = Conversation::default();
        c.add_pending("w1".into(), "hi".into(), 1);
        c.mark_queued("w1");
        assert_eq!(c.rows(utc_day)[0].state, SendState::Queued);
        assert_eq!(c.retry("w1").as_deref(), Some("hi"));
        assert_eq!(c.rows(utc_day)[0].state, SendState::Pending);
    }

    #[test]
    fn counts_unread_staff_messages_only() {
        let mut c = Conversation::default();
        c.apply(msg(1, Direction::In, "a"));
        c.apply(msg(2, Direction::Out, "b"));
        c.apply(msg(3, Direction::Out, "c"));
        assert_eq!(c.unread_after(0), 2);
        assert_eq!(c.unread_after(2), 1);
        assert_eq!(c.unread_after(3), 0);
    }

    fn session(id: &str) -> Session {
        Session {
            conv_id: id.into(),
            token: "t".into(),
        }
    }

    #[test]
    fn switching_conversation_reuses_the_socket() {
        let mut s = Subscription::default();
        // Not connected yet: remember, send nothing.
        assert!(s.switch(Some(session("a")), 0).is_empty());
        assert_eq!(
            s.opened(4),
            [ClientFrame::Subscribe {
                conv_id: "a".into(),
                token: Some("t".into()),
                after_seq: 4
            }]
        );
        assert_eq!(
            s.switch(Some(session("b")), 0),
            [
                ClientFrame::Unsubscribe {
                    conv_id: "a".into()
                },
                ClientFrame::Subscribe {
                    conv_id: "b".into(),
                    token: Some("t".into()),
                    after_seq: 0
                },
            ]
        );
        assert!(
            s.switch(Some(session("b")), 0).is_empty(),
            "same conversation: nothing"
        );
        assert_eq!(
            s.switch(None, 0),
            [ClientFrame::Unsubscribe {
                conv_id: "b".into()
            }]
        );
        s.closed();
        assert!(s.opened(0).is_empty());
    }

    #[test]
    fn a_paused_replay_asks_for_more_only_for_the_current_conversation() {
        let mut s = Subscription::default();
        s.switch(Some(session("a")), 0);
        assert_eq!(s.more(&"a".into(), 200), None, "not connected");
        s.opened(0);
        assert_eq!(
            s.more(&"a".into(), 200),
            Some(ClientFrame::Subscribe {
                conv_id: "a".into(),
                token: Some("t".into()),
                after_seq: 200
            })
        );
        assert_eq!(s.more(&"b".into(), 200), None, "an old conversation's page");
    }

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        assert_eq!(backoff_ms(0, 0.0), 500);
        assert_eq!(backoff_ms(0, 0.999_999), 999);
        assert_eq!(backoff_ms(1, 0.0), 1_000);
        assert_eq!(backoff_ms(3, 0.0), 4_000);
        assert_eq!(backoff_ms(10, 0.0), 15_000);
        assert_eq!(backoff_ms(u32::MAX, 1.0), 30_000);
        for attempt in 0..20 {
            assert!(backoff_ms(attempt, 0.5) <= BACKOFF_MAX_MS);
        }
    }
}
