//! The inbox's state rules, free of the browser so they are unit tested on the host:
//! list ordering and unread counts, a conversation's messages deduplicated by `seq`
//! with gap detection, optimistic replies keyed by `client_msg_id`, and the
//! connection's reconnect policy.

use natter_client::backoff::Backoff;
use natter_client::log::Log;
use natter_protocol::{
    ConvId, ConversationStatus, ConversationSummary, Direction, Message, Note, Side, close_code,
};

/// Every conversation the inbox knows, of any status, latest activity first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConvList {
    items: Vec<ConversationSummary>,
}

/// Whose conversations the list shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum View {
    #[default]
    All,
    /// Assigned to the signed-in member.
    Mine,
    /// Assigned to nobody.
    Unassigned,
}

impl View {
    fn shows(self, assignee: Option<&str>, me: &str) -> bool {
        match self {
            Self::All => true,
            Self::Mine => assignee == Some(me),
            Self::Unassigned => assignee.is_none(),
        }
    }
}

/// What a live message did to the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListUpdate {
    /// The conversation's row now reflects the message.
    Applied,
    /// Already reflected (a replay or a duplicate).
    Stale,
    /// The conversation is not in the list: fetch its summary.
    Unknown,
}

impl ConvList {
    pub fn new(items: Vec<ConversationSummary>) -> Self {
        let mut list = Self { items };
        list.sort();
        list
    }

    /// The conversations with `status` in `view` (`me`: the signed-in member's id),
    /// latest activity first.
    /// The conversations of `status` the `view` shows, with `label` if given.
    pub fn visible(
        &self,
        status: ConversationStatus,
        view: View,
        me: &str,
        label: Option<&str>,
    ) -> Vec<ConversationSummary> {
        self.items
            .iter()
            .filter(|c| c.status == status && view.shows(c.assignee_id.as_deref(), me))
            .filter(|c| label.is_none_or(|l| c.labels.iter().any(|x| x == l)))
            .cloned()
            .collect()
    }

    /// A conversation was erased.
    pub fn remove(&mut self, conv_id: &ConvId) {
        self.items.retain(|c| &c.conv_id != conv_id);
    }

    /// A conversation's labels changed.
    pub fn apply_labels(&mut self, conv_id: &ConvId, labels: &[String]) {
        if let Some(row) = self.items.iter_mut().find(|c| &c.conv_id == conv_id) {
            row.labels = labels.to_vec();
        }
    }

    pub fn get(&self, conv_id: &ConvId) -> Option<&ConversationSummary> {
        self.items.iter().find(|c| &c.conv_id == conv_id)
    }

    /// Total unread visitor messages in open conversations (the title badge).
    pub fn unread_total(&self) -> u64 {
        self.items
            .iter()
            .filter(|c| c.status == ConversationStatus::Open)
            .map(|c| c.unread_count)
            .sum()
    }

    /// Replaces every conversation of `status` with a fresh server listing (after
    /// a reconnect or a filter change); rows of other statuses are kept.
    pub fn replace_status(&mut self, status: ConversationStatus, fresh: Vec<ConversationSummary>) {
        self.items
            .retain(|c| c.status != status && !fresh.iter().any(|f| f.conv_id == c.conv_id));
        self.items.extend(fresh);
        self.sort();
    }

    /// Inserts or replaces one conversation's row (a new conversation, or a fetched summary).
    pub fn upsert(&mut self, summary: ConversationSummary) {
        match self.items.iter_mut().find(|c| c.conv_id == summary.conv_id) {
            Some(row) => *row = summary,
            None => self.items.push(summary),
        }
        self.sort();
    }

    /// A message was deleted: a row that previews it previews the tombstone.
    pub fn apply_deleted(&mut self, tombstone: &Message) {
        let row = self
            .items
            .iter_mut()
            .find(|c| c.conv_id == tombstone.conv_id);
        if let Some(last) = row.and_then(|r| r.last_message.as_mut())
            && last.seq == tombstone.seq
        {
            *last = tombstone.clone();
        }
    }

    /// A message of any conversation arrived. `viewing` is true when staff are
    /// looking at that conversation right now, so it does not count as unread.
    pub fn apply_message(&mut self, message: &Message, viewing: bool) -> ListUpdate {
        let Some(row) = self.items.iter_mut().find(|c| c.conv_id == message.conv_id) else {
            return ListUpdate::Unknown;
        };
        if message.seq <= row.last_seq {
            return ListUpdate::Stale;
        }
        row.last_seq = message.seq;
        row.last_activity_at = row.last_activity_at.max(message.created_at);
        row.last_message = Some(message.clone());
        match message.direction {
            Direction::In if !viewing => row.unread_count += 1,
            Direction::In => row.unread_count = 0,
            // Staff answered: whoever answered has seen the conversation.
            Direction::Out => {}
        }
        // A visitor writing into a resolved conversation reopens it (the server says so too).
        if message.direction == Direction::In {
            row.status = ConversationStatus::Open;
        }
        self.sort();
        ListUpdate::Applied
    }

    /// Someone moved a read position. Only the staff side's position counts.
    pub fn apply_read(&mut self, conv_id: &ConvId, side: Side, seq: u64) {
        if side != Side::Staff {
            return;
        }
        if let Some(row) = self.items.iter_mut().find(|c| &c.conv_id == conv_id) {
            // At most every message after `seq` is an unread visitor message.
            row.unread_count = row.unread_count.min(row.last_seq.saturating_sub(seq));
        }
    }

    pub fn apply_assignee(&mut self, conv_id: &ConvId, assignee_id: Option<String>) {
        if let Some(row) = self.items.iter_mut().find(|c| &c.conv_id == conv_id) {
            row.assignee_id = assignee_id;
        }
    }

    pub fn apply_status(&mut self, conv_id: &ConvId, status: ConversationStatus) {
        if let Some(row) = self.items.iter_mut().find(|c| &c.conv_id == conv_id) {
            row.status = status;
        }
    }

    fn sort(&mut self) {
        // Ties broken by id so the order is stable across re-renders.
        self.items.sort_by(|a, b| {
            b.last_activity_at
                .cmp(&a.last_activity_at)
                .then_with(|| a.conv_id.cmp(&b.conv_id))
        });
    }
}

/// An optimistic reply's state, keyed by its `client_msg_id`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Delivery {
    Pending,
    Failed(String),
}

/// A reply typed by staff that the server has not confirmed yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    pub client_msg_id: String,
    pub text: String,
    pub created_at: i64,
    pub delivery: Delivery,
    /// Files uploaded for it (their URLs come with the server's copy).
    pub attachments: Vec<natter_protocol::Attachment>,
}

pub use natter_client::log::Inserted;

/// The open conversation's messages, deduplicated and ordered by `seq`, plus
/// replies still on their way.
#[derive(Clone, Debug, PartialEq)]
pub struct Thread {
    pub conv_id: ConvId,
    messages: Log,
    pending: Vec<Outgoing>,
    /// Internal notes, by where they sit (`after_seq`) then when written.
    notes: Vec<Note>,
}

impl Thread {
    pub fn new(conv_id: ConvId) -> Self {
        Self {
            conv_id,
            messages: Log::default(),
            pending: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Internal notes in the order they show.
    pub fn notes(&self) -> &[Note] {
        &self.notes
    }

    /// Adds notes of this conversation (from the API or the socket), each once.
    pub fn add_notes(&mut self, notes: Vec<Note>) {
        for note in notes {
            if note.conv_id == self.conv_id && !self.notes.iter().any(|n| n.id == note.id) {
                self.notes.push(note);
            }
        }
        self.notes.sort_by_key(|n| (n.after_seq, n.created_at));
    }

    /// Messages in `seq` order.
    pub fn messages(&self) -> impl Iterator<Item = &Message> {
        self.messages.iter()
    }

    pub fn pending(&self) -> &[Outgoing] {
        &self.pending
    }

    /// The highest `seq` held, 0 when empty.
    pub fn newest_seq(&self) -> u64 {
        self.messages.newest_seq()
    }

    /// True when messages older than the first one held exist on the server.
    pub fn has_older(&self) -> bool {
        self.messages.oldest_seq().is_some_and(|first| first > 1)
    }

    /// The lowest `seq` held, the `before_seq` for the next older page.
    pub fn oldest_seq(&self) -> Option<u64> {
        self.messages.oldest_seq()
    }

    /// Adds a message from the API or the socket. A confirmed reply replaces its
    /// pending copy. A message past the newest held one reports the gap between.
    pub fn insert(&mut self, message: Message) -> Inserted {
        if message.conv_id != self.conv_id {
            return Inserted::Duplicate;
        }
        let key = message.client_msg_id.clone();
        let inserted = self.messages.insert(message);
        if inserted != Inserted::Duplicate {
            self.pending.retain(|p| p.client_msg_id != key);
        }
        inserted
    }

    /// Adds a page of history (older or newer) without gap reports.
    pub fn extend(&mut self, messages: Vec<Message>) {
        for message in messages {
            self.insert(message);
        }
    }

    /// Queues a reply typed by staff, shown at once as pending.
    pub fn push_pending(&mut self, outgoing: Outgoing) {
        self.pending.push(outgoing);
    }

    /// Marks a reply pending again before a retry with the same `client_msg_id`.
    pub fn set_delivery(&mut self, client_msg_id: &str, delivery: Delivery) {
        if let Some(p) = self
            .pending
            .iter_mut()
            .find(|p| p.client_msg_id == client_msg_id)
        {
            p.delivery = delivery;
        }
    }

    pub fn outgoing(&self, client_msg_id: &str) -> Option<&Outgoing> {
        self.pending
            .iter()
            .find(|p| p.client_msg_id == client_msg_id)
    }
}

/// The staff socket's state, shown in the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connection {
    Connecting,
    Online,
    /// Lost; the next attempt starts in `retry_in_ms`.
    Reconnecting {
        attempt: u32,
        retry_in_ms: u32,
    },
}

impl Connection {
    pub fn label(self) -> String {
        match self {
            Self::Connecting => "Connecting…".to_owned(),
            Self::Online => "Live".to_owned(),
            Self::Reconnecting { retry_in_ms, .. } => {
                format!("Offline — reconnecting in {}s", retry_in_ms.div_ceil(1000))
            }
        }
    }

    /// A CSS class for the badge.
    pub fn class(self) -> &'static str {
        match self {
            Self::Connecting => "conn conn-connecting",
            Self::Online => "conn conn-online",
            Self::Reconnecting { .. } => "conn conn-offline",
        }
    }
}

/// What to do after the socket closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterClose {
    /// The token was refused: back to sign-in.
    SignIn,
    Reconnect {
        attempt: u32,
        delay_ms: u32,
    },
}

/// Staff are few and want their inbox back fast: 0.5 s doubling to 15 s, plus up to a
/// quarter more so a restarted server is not hit by everyone at once.
const RECONNECT: Backoff = Backoff {
    first_ms: 500,
    max_ms: 15_000,
    spread: 0.25,
};

/// Delay before reconnect attempt `attempt` (0-based), with `jitter` in `[0, 1)`.
pub fn backoff_ms(attempt: u32, jitter: f64) -> u32 {
    RECONNECT.delay_ms(attempt, jitter)
}

/// The reconnect policy for a close `code` after `attempt` failed attempts in a row.
pub fn after_close(code: u16, attempt: u32, jitter: f64) -> AfterClose {
    if code == close_code::UNAUTHORIZED {
        return AfterClose::SignIn;
    }
    // Overflow, restart, idle or network loss: all resume the same way.
    AfterClose::Reconnect {
        attempt: attempt + 1,
        delay_ms: backoff_ms(attempt, jitter),
    }
}

/// The document title: the unread count as a badge.
pub fn title(unread: u64) -> String {
    if unread == 0 {
        "Natter inbox".to_owned()
    } else {
        format!("({unread}) Natter inbox")
    }
}

/// A search snippet (HTML-escaped text with matches in `<mark>`) as text runs, each
/// marked or not, for building elements (never parsed as HTML).
pub fn snippet_runs(snippet: &str) -> Vec<(bool, String)> {
    let unescape = |s: &str| {
        s.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    };
    let mut runs = Vec::new();
    for (i, part) in snippet.split("<mark>").enumerate() {
        let (marked, rest) = match part.split_once("</mark>") {
            Some((marked, rest)) if i > 0 => (Some(marked), rest),
            _ => (None, part),
        };
        if let Some(marked) = marked {
            runs.push((true, unescape(marked)));
        }
        if !rest.is_empty() {
            runs.push((false, unescape(rest)));
        }
    }
    runs
}

/// A one-line preview of a message for the list.
pub fn preview(message: &Message) -> String {
    let prefix = if message.direction == Direction::Out {
        "You: "
    } else {
        ""
    };
    if message.deleted_at.is_some() {
        return format!("{prefix}Message deleted");
    }
    let mut text: String = message
        .text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    // A message of files alone is previewed by their names.
    if text.is_empty() {
        text = message
            .attachments
            .iter()
            .map(|a| format!("📎 {}", a.name))
            .collect::<Vec<_>>()
            .join(", ");
    }
    if text.chars().count() > 80 {
        text = text.chars().take(79).collect::<String>() + "…";
    }
    // "You" is the staff side, whoever on the team wrote it.
    format!("{prefix}{text}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use natter_protocol::{Sender, SenderKind, Visitor};

    pub fn msg(conv: &str, seq: u64, direction: Direction, at: i64) -> Message {
        let sender = match direction {
            Direction::In => Sender {
                kind: SenderKind::Visitor,
                id: "v1".into(),
                name: "Ana".into(),
            },
            Direction::Out => Sender {
                kind: SenderKind::Staff,
                id: "s1".into(),
                name: "Sam".into(),
            },
        };
        Message {
            id: format!("m{conv}{seq}"),
            conv_id: conv.into(),
            seq,
            direction,
            sender,
            text: format!("text {seq}"),
            client_msg_id: format!("k{conv}{seq}"),
            created_at: at,
            deleted_at: None,
            attachments: Vec::new(),
        }
    }

    fn conv(id: &str, at: i64, last_seq: u64, unread: u64) -> ConversationSummary {
        ConversationSummary {
            conv_id: id.into(),
            account_id: "demo".into(),
            status: ConversationStatus::Open,
            assignee_id: None,
            visitor: Visitor {
                id: format!("v-{id}"),
                name: format!("Visitor {id}"),
                email: None,
                phone: None,
                page_url: None,
                user_agent: None,
                first_seen_at: 0,
                verified: false,
            },
            last_message: None,
            last_seq,
            unread_count: unread,
            last_activity_at: at,
            created_at: 0,
            labels: Vec::new(),
        }
    }

    #[test]
    fn snippets_become_runs_of_plain_text() {
        let cases: &[(&str, &[(bool, &str)])] = &[
            (
                "my <mark>parcel</mark> &lt;b&gt;",
                &[(false, "my "), (true, "parcel"), (false, " <b>")],
            ),
            ("<mark>a</mark><mark>b</mark>", &[(true, "a"), (true, "b")]),
            ("plain &amp;amp;", &[(false, "plain &amp;")]),
            ("", &[]),
        ];
        for (snippet, want) in cases {
            let want: Vec<(bool, String)> = want.iter().map(|(m, t)| (*m, t.to_string())).collect();
            assert_eq!(snippet_runs(snippet), want, "{snippet}");
        }
    }

    fn ids(list: &ConvList) -> Vec<String> {
        list.visible(ConversationStatus::Open, View::All, "me", None)
            .iter()
            .map(|c| c.conv_id.0.clone())
            .collect()
    }

    #[test]
    fn list_orders_by_latest_activity_and_moves_on_new_messages() {
        let mut list = ConvList::new(vec![
            conv("a", 10, 1, 0),
            conv("b", 30, 1, 0),
            conv("c", 20, 1, 0),
        ]);
        assert_eq!(ids(&list), ["b", "c", "a"]);
        assert_eq!(
            list.apply_message(&msg("a", 2, Direction::In, 40), false),
            ListUpdate::Applied
        );
        assert_eq!(ids(&list), ["a", "b", "c"]);
        assert_eq!(
            list.apply_message(&msg("z", 1, Direction::In, 50), false),
            ListUpdate::Unknown
        );
    }

    #[test]
    fn unread_counts_visitor_messages_not_viewed() {
        let mut list = ConvList::new(vec![conv("a", 10, 1, 1)]);
        list.apply_message(&msg("a", 2, Direction::In, 11), false);
        list.apply_message(&msg("a", 3, Direction::Out, 12), false);
        assert_eq!(list.get(&"a".into()).map(|c| c.unread_count), Some(2));
        // A replay of the same message does not count twice.
        assert_eq!(
            list.apply_message(&msg("a", 2, Direction::In, 11), false),
            ListUpdate::Stale
        );
        assert_eq!(list.unread_total(), 2);
        list.apply_read(&"a".into(), Side::Visitor, 3);
        assert_eq!(list.unread_total(), 2);
        list.apply_read(&"a".into(), Side::Staff, 3);
        assert_eq!(list.unread_total(), 0);
        list.apply_message(&msg("a", 4, Direction::In, 13), true);
        assert_eq!(list.unread_total(), 0);
    }

    #[test]
    fn views_show_mine_the_unassigned_or_all_and_follow_assignment() {
        let mut list = ConvList::new(vec![
            conv("a", 10, 0, 0),
            conv("b", 20, 0, 0),
            conv("c", 30, 0, 0),
        ]);
        list.apply_assignee(&"a".into(), Some("me".into()));
        list.apply_assignee(&"b".into(), Some("ann".into()));
        let shown = |list: &ConvList, view| -> Vec<String> {
            list.visible(ConversationStatus::Open, view, "me", None)
                .iter()
                .map(|c| c.conv_id.0.clone())
                .collect()
        };
        for (view, expected) in [
            (View::All, vec!["c", "b", "a"]),
            (View::Mine, vec!["a"]),
            (View::Unassigned, vec!["c"]),
        ] {
            assert_eq!(shown(&list, view), expected, "{view:?}");
        }
        list.apply_assignee(&"a".into(), None);
        assert_eq!(shown(&list, View::Mine), Vec::<String>::new());
        assert_eq!(shown(&list, View::Unassigned), ["c", "a"]);
    }

    #[test]
    fn replacing_a_status_keeps_the_others_and_status_changes_move_rows() {
        let mut list = ConvList::new(vec![conv("a", 10, 1, 0), conv("b", 20, 1, 0)]);
        list.apply_status(&"a".into(), ConversationStatus::Resolved);
        assert_eq!(ids(&list), ["b"]);
        list.replace_status(ConversationStatus::Open, vec![conv("c", 5, 1, 0)]);
        assert_eq!(ids(&list), ["c"]);
        assert_eq!(
            list.visible(ConversationStatus::Resolved, View::All, "me", None)
                .len(),
            1
        );
        // A visitor writing again reopens it.
        list.apply_message(&msg("a", 2, Direction::In, 30), false);
        assert_eq!(ids(&list), ["a", "c"]);
    }

    #[test]
    fn thread_dedupes_by_seq_and_reports_gaps() {
        let mut thread = Thread::new("a".into());
        assert_eq!(
            thread.insert(msg("a", 1, Direction::In, 1)),
            Inserted::Added
        );
        assert_eq!(
            thread.insert(msg("a", 1, Direction::In, 1)),
            Inserted::Duplicate
        );
        assert_eq!(
            thread.insert(msg("b", 2, Direction::In, 1)),
            Inserted::Duplicate
        );
        assert_eq!(
            thread.insert(msg("a", 4, Direction::In, 1)),
            Inserted::Gap {
                after: 1,
                before: 4
            }
        );
        thread.extend(vec![
            msg("a", 3, Direction::Out, 1),
            msg("a", 2, Direction::In, 1),
        ]);
        let seqs: Vec<u64> = thread.messages().map(|m| m.seq).collect();
        assert_eq!(seqs, [1, 2, 3, 4]);
        assert!(!thread.has_older());
    }

    #[test]
    fn replies_go_pending_failed_and_sent_by_client_msg_id() {
        let mut thread = Thread::new("a".into());
        thread.extend(vec![msg("a", 5, Direction::In, 1)]);
        assert!(thread.has_older());
        assert_eq!(thread.oldest_seq(), Some(5));
        let out = Outgoing {
            client_msg_id: "ka6".into(),
            text: "hi".into(),
            created_at: 2,
            delivery: Delivery::Pending,
            attachments: Vec::new(),
        };
        thread.push_pending(out);
        thread.set_delivery("ka6", Delivery::Failed("offline".into()));
        assert_eq!(
            thread.outgoing("ka6").map(|o| o.delivery.clone()),
            Some(Delivery::Failed("offline".into()))
        );
        thread.set_delivery("ka6", Delivery::Pending);
        // The confirmed message (from the POST answer or the socket) replaces it.
        thread.insert(msg("a", 6, Direction::Out, 3));
        assert!(thread.pending().is_empty());
        assert_eq!(thread.newest_seq(), 6);
    }

    #[test]
    fn reconnect_policy() {
        assert_eq!(
            after_close(close_code::UNAUTHORIZED, 0, 0.0),
            AfterClose::SignIn
        );
        assert_eq!(
            after_close(close_code::QUEUE_OVERFLOW, 0, 0.0),
            AfterClose::Reconnect {
                attempt: 1,
                delay_ms: 500
            }
        );
        assert_eq!(
            after_close(close_code::GOING_AWAY, 2, 0.0),
            AfterClose::Reconnect {
                attempt: 3,
                delay_ms: 2000
            }
        );
        assert_eq!(backoff_ms(30, 0.0), 15_000);
        assert_eq!(backoff_ms(30, 1.0), 18_750);
        assert_eq!(
            Connection::Reconnecting {
                attempt: 1,
                retry_in_ms: 1500
            }
            .label(),
            "Offline — reconnecting in 2s"
        );
    }

    #[test]
    fn titles_and_previews() {
        assert_eq!(title(0), "Natter inbox");
        assert_eq!(title(3), "(3) Natter inbox");
        let mut m = msg("a", 1, Direction::Out, 1);
        m.text = "line one\nline   two".into();
        assert_eq!(preview(&m), "You: line one line two");
        let file = |name: &str| natter_protocol::Attachment {
            id: name.into(),
            name: name.into(),
            content_type: "application/pdf".into(),
            size: 1,
            width: None,
            height: None,
            url: String::new(),
            thumbnail_url: None,
        };
        m.attachments = vec![file("invoice.pdf")];
        assert_eq!(preview(&m), "You: line one line two", "words first");
        m.text.clear();
        m.attachments.push(file("manual.pdf"));
        assert_eq!(preview(&m), "You: 📎 invoice.pdf, 📎 manual.pdf");
    }
}
