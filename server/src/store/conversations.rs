//! Conversations: access checks, the inbox list, status and read positions.

use super::rows::{LastMessageRow, MESSAGE_COLUMNS, VISITOR_COLUMNS, VisitorRow, to_i64, to_u64};
use super::{Store, StoreResult};
use natter_protocol::{ConvId, ConversationDetail, ConversationStatus, ConversationSummary, Side};
use sqlx::Row;
use sqlx::any::AnyRow;

/// Who a conversation belongs to: what every access check needs. It never changes
/// after the conversation is created, so it is cached.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ConversationOwner {
    pub id: String,
    pub org_id: String,
    pub account_id: String,
    pub visitor_id: String,
}

impl ConversationOwner {
    pub fn conv_id(&self) -> ConvId {
        ConvId(self.id.clone())
    }
}

/// The owner, the current last `seq` and how far staff have read, read fresh.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ConversationRow {
    #[sqlx(flatten)]
    pub owner: ConversationOwner,
    pub last_seq: i64,
    pub staff_read_seq: i64,
}

impl ConversationRow {
    pub fn last_seq(&self) -> u64 {
        to_u64(self.last_seq)
    }

    pub fn staff_read_seq(&self) -> u64 {
        to_u64(self.staff_read_seq)
    }
}

/// Keyset position in the inbox list: (last_activity_at, id) of the last row shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListCursor {
    pub last_activity_at: i64,
    pub id: String,
}

impl ListCursor {
    pub fn encode(&self) -> String {
        format!("{}_{}", self.last_activity_at, self.id)
    }

    pub fn parse(raw: &str) -> Option<Self> {
        let (at, id) = raw.split_once('_')?;
        let ok_id = !id.is_empty()
            && id.len() <= 64
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        ok_id.then_some(Self {
            last_activity_at: at.parse().ok()?,
            id: id.to_owned(),
        })
    }
}

const SUMMARY_SELECT: &str = "SELECT c.id, c.account_id, c.status, c.assignee_id, c.last_seq, c.created_at, \
     c.last_activity_at, c.visitor_read_seq, c.staff_read_seq, \
     (SELECT COUNT(*) FROM messages u WHERE u.conv_id = c.id AND u.direction = 'in' AND u.seq > c.staff_read_seq) \
     AS unread_count, \
     (SELECT string_agg(cl.label, ',') FROM conversation_labels cl WHERE cl.conv_id = c.id) AS labels";

pub(super) const CONVERSATION_SQL: &str = "SELECT id, org_id, account_id, visitor_id, last_seq, staff_read_seq FROM conversations WHERE id = $1";
pub(super) const SET_STATUS_SQL: &str = "UPDATE conversations SET status = $2 WHERE id = $1";
pub(super) const SET_ASSIGNEE_SQL: &str = "UPDATE conversations SET assignee_id = $2 WHERE id = $1";

/// Whose conversations a list holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Assignee {
    Anyone,
    /// Conversations nobody is assigned.
    Nobody,
    /// One member's.
    Staff(String),
}

pub(super) fn summary_sql(filter: &str) -> String {
    let last = MESSAGE_COLUMNS
        .split(", ")
        .map(|c| format!("lm.{c} AS lm_{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "{SUMMARY_SELECT}, {VISITOR_COLUMNS}, {last} FROM conversations c \
         JOIN visitors v ON v.id = c.visitor_id \
         LEFT JOIN messages lm ON lm.conv_id = c.id AND lm.seq = c.last_seq \
         WHERE {filter}"
    )
}

/// The inbox list, one statement per combination of filters, so that each is one
/// range of one index walked backwards (no `$n = '' OR …` the planner cannot
/// index). Parameters in order: org, [status], [assignee], [label], [cursor time,
/// cursor id], limit.
pub(super) fn list_sql(
    by_status: bool,
    assignee: &Assignee,
    by_label: bool,
    after_cursor: bool,
) -> String {
    let mut filter = String::from("c.org_id = $1");
    let mut n = 1;
    if by_status {
        n += 1;
        filter.push_str(&format!(" AND c.status = ${n}"));
    }
    match assignee {
        Assignee::Anyone => {}
        Assignee::Nobody => filter.push_str(" AND c.assignee_id IS NULL"),
        Assignee::Staff(_) => {
            n += 1;
            filter.push_str(&format!(" AND c.assignee_id = ${n}"));
        }
    }
    if by_label {
        n += 1;
        filter.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM conversation_labels cl WHERE cl.conv_id = c.id AND cl.label = ${n})"
        ));
    }
    if after_cursor {
        // A row value is one index range on both SQLite and Postgres.
        filter.push_str(&format!(
            " AND (c.last_activity_at, c.id) < (${}, ${})",
            n + 1,
            n + 2
        ));
        n += 2;
    }
    format!(
        "{} ORDER BY c.last_activity_at DESC, c.id DESC LIMIT ${}",
        summary_sql(&filter),
        n + 1
    )
}

/// `mark_read`'s statement for one side's read position.
pub(super) fn mark_read_sql(side: Side) -> String {
    let column = match side {
        Side::Visitor => "visitor_read_seq",
        Side::Staff => "staff_read_seq",
    };
    format!(
        "UPDATE conversations SET {column} = CASE \
         WHEN $2 <= {column} THEN {column} WHEN $2 > last_seq THEN last_seq ELSE $2 END \
         WHERE id = $1 RETURNING {column}"
    )
}

/// A conversation's labels as aggregated (comma-separated; no name holds a comma), by name.
fn labels_of(joined: Option<String>) -> Vec<String> {
    let mut labels: Vec<String> = joined
        .iter()
        .flat_map(|j| j.split(','))
        .map(str::to_owned)
        .collect();
    labels.sort();
    labels
}

pub(super) fn detail_from_row(
    row: &AnyRow,
    signer: &crate::files::Signer,
) -> Result<ConversationDetail, sqlx::Error> {
    use sqlx::FromRow;
    let status: String = row.try_get("status")?;
    let summary = ConversationSummary {
        conv_id: ConvId(row.try_get("id")?),
        account_id: row.try_get("account_id")?,
        status: ConversationStatus::parse(&status).unwrap_or(ConversationStatus::Open),
        assignee_id: row.try_get("assignee_id")?,
        visitor: VisitorRow::from_row(row)?.into(),
        last_message: LastMessageRow::from_row(row)?.into_message(signer),
        last_seq: to_u64(row.try_get("last_seq")?),
        unread_count: to_u64(row.try_get("unread_count")?),
        last_activity_at: row.try_get("last_activity_at")?,
        created_at: row.try_get("created_at")?,
        labels: labels_of(row.try_get("labels")?),
    };
    Ok(ConversationDetail {
        summary,
        visitor_read_seq: to_u64(row.try_get("visitor_read_seq")?),
        staff_read_seq: to_u64(row.try_get("staff_read_seq")?),
    })
}

impl Store {
    pub async fn conversation(&self, conv_id: &str) -> StoreResult<Option<ConversationRow>> {
        Ok(sqlx::query_as(CONVERSATION_SQL)
            .bind(conv_id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Who a conversation belongs to (cached).
    pub async fn conversation_owner(
        &self,
        conv_id: &str,
    ) -> StoreResult<Option<ConversationOwner>> {
        if let Some(owner) = self.caches.owners.get(conv_id) {
            return Ok(Some(owner));
        }
        let owner = self.conversation(conv_id).await?.map(|row| row.owner);
        if let Some(owner) = &owner {
            self.caches.owners.insert(owner.id.clone(), owner.clone());
        }
        Ok(owner)
    }

    pub async fn conversation_detail(
        &self,
        conv_id: &ConvId,
    ) -> StoreResult<Option<ConversationDetail>> {
        let row = sqlx::query(&summary_sql("c.id = $1"))
            .bind(&conv_id.0)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row
            .as_ref()
            .map(|r| detail_from_row(r, &self.signer))
            .transpose()?)
    }

    /// The organization's conversations, latest activity first, `limit` at a time.
    pub async fn list_conversations(
        &self,
        org_id: &str,
        status: Option<ConversationStatus>,
        assignee: &Assignee,
        label: Option<&str>,
        cursor: Option<&ListCursor>,
        limit: u32,
    ) -> StoreResult<(Vec<ConversationSummary>, Option<ListCursor>)> {
        let sql = list_sql(
            status.is_some(),
            assignee,
            label.is_some(),
            cursor.is_some(),
        );
        let mut query = sqlx::query(&sql).bind(org_id);
        if let Some(status) = status {
            query = query.bind(status.as_str());
        }
        if let Assignee::Staff(staff_id) = assignee {
            query = query.bind(staff_id.as_str());
        }
        if let Some(label) = label {
            query = query.bind(label);
        }
        if let Some(cursor) = cursor {
            query = query.bind(cursor.last_activity_at).bind(cursor.id.as_str());
        }
        let rows = query
            .bind(i64::from(limit) + 1)
            .fetch_all(&self.pool)
            .await?;
        let mut list = rows
            .iter()
            .map(|row| detail_from_row(row, &self.signer).map(|d| d.summary))
            .collect::<Result<Vec<_>, _>>()?;
        let next = if list.len() > limit as usize {
            list.truncate(limit as usize);
            list.last().map(|c| ListCursor {
                last_activity_at: c.last_activity_at,
                id: c.conv_id.0.clone(),
            })
        } else {
            None
        };
        Ok((list, next))
    }

    /// Assigns a conversation to a member (`None`: to nobody). With `alert_by` (who
    /// assigned it), an email to the assignee, if they want one, is committed with it.
    pub async fn set_assignee(
        &self,
        org_id: &str,
        conv_id: &ConvId,
        assignee: Option<&str>,
        alert_by: Option<&str>,
    ) -> StoreResult<()> {
        let hooks = self.webhooks_wanted(org_id).await?;
        let mut tx = self
            .pool
            .begin_with(super::begin_write(self.backend))
            .await?;
        if hooks {
            assignee_changed(&mut tx, org_id, &conv_id.0, assignee).await?;
        }
        sqlx::query(SET_ASSIGNEE_SQL)
            .bind(&conv_id.0)
            .bind(assignee)
            .execute(&mut *tx)
            .await?;
        if let (Some(assignee), Some(by)) = (assignee, alert_by) {
            let payload = serde_json::json!({
                "conv_id": conv_id.0,
                "assignee_id": assignee,
                "by": by,
            });
            sqlx::query(
                "INSERT INTO jobs (id, org_id, kind, payload, run_at, created_at) \
                 SELECT $1, s.org_id, $2, $3, $4, $4 FROM staff s \
                 WHERE s.id = $5 AND s.email_assignment = 1",
            )
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(super::jobs::ASSIGNMENT_ALERT)
            .bind(payload.to_string())
            .bind(super::now_ms())
            .bind(assignee)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        if hooks {
            self.wake_webhooks();
        }
        Ok(())
    }

    /// Assigns a new conversation to whichever of `candidates` (members of its
    /// organization) was auto-assigned least recently, and notes the time; `None`
    /// when none of them is a member.
    pub async fn auto_assign(
        &self,
        org_id: &str,
        conv_id: &ConvId,
        candidates: &[String],
    ) -> StoreResult<Option<String>> {
        let hooks = self.webhooks_wanted(org_id).await?;
        let mut tx = self
            .pool
            .begin_with(super::begin_write(self.backend))
            .await?;
        let mut chosen: Option<(Option<i64>, String)> = None;
        for candidate in candidates {
            let row: Option<(Option<i64>, String)> = sqlx::query_as(
                "SELECT s.last_auto_assigned_at, s.id FROM staff s JOIN conversations c ON c.org_id = s.org_id \
                 WHERE s.id = $1 AND c.id = $2",
            )
            .bind(candidate)
            .bind(&conv_id.0)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = row
                && chosen
                    .as_ref()
                    .is_none_or(|c| row.0.unwrap_or(0) < c.0.unwrap_or(0))
            {
                chosen = Some(row);
            }
        }
        let Some((_, staff_id)) = chosen else {
            return Ok(None);
        };
        if hooks {
            assignee_changed(&mut tx, org_id, &conv_id.0, Some(&staff_id)).await?;
        }
        sqlx::query(SET_ASSIGNEE_SQL)
            .bind(&conv_id.0)
            .bind(&staff_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE staff SET last_auto_assigned_at = $2 WHERE id = $1")
            .bind(&staff_id)
            .bind(super::now_ms())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        if hooks {
            self.wake_webhooks();
        }
        Ok(Some(staff_id))
    }

    /// Sets a conversation's status; a change is a `conversation.updated` webhook event.
    pub async fn set_status(
        &self,
        org_id: &str,
        conv_id: &ConvId,
        status: ConversationStatus,
    ) -> StoreResult<()> {
        if !self.webhooks_wanted(org_id).await? {
            sqlx::query(SET_STATUS_SQL)
                .bind(&conv_id.0)
                .bind(status.as_str())
                .execute(&self.pool)
                .await?;
            return Ok(());
        }
        let mut tx = self
            .pool
            .begin_with(super::begin_write(self.backend))
            .await?;
        let before: Option<String> =
            sqlx::query_scalar("SELECT status FROM conversations WHERE id = $1")
                .bind(&conv_id.0)
                .fetch_optional(&mut *tx)
                .await?;
        sqlx::query(SET_STATUS_SQL)
            .bind(&conv_id.0)
            .bind(status.as_str())
            .execute(&mut *tx)
            .await?;
        if before.is_some_and(|b| b != status.as_str()) {
            let changes = serde_json::json!({ "status": status });
            super::webhooks::conversation_updated(&mut tx, org_id, &conv_id.0, changes).await?;
        }
        tx.commit().await?;
        self.wake_webhooks();
        Ok(())
    }

    /// Moves `side`'s read position forward to `seq` (never back, never past the
    /// last message) and returns the position now stored.
    pub async fn mark_read(&self, conv_id: &ConvId, side: Side, seq: u64) -> StoreResult<u64> {
        let (stored,): (i64,) = sqlx::query_as(&mark_read_sql(side))
            .bind(&conv_id.0)
            .bind(to_i64(seq))
            .fetch_one(&self.pool)
            .await?;
        Ok(to_u64(stored))
    }
}

/// Records `conversation.updated` when `assignee` differs from the stored one (called
/// in the assigning transaction, before the update).
async fn assignee_changed(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    org_id: &str,
    conv_id: &str,
    assignee: Option<&str>,
) -> sqlx::Result<()> {
    let before: Option<(Option<String>,)> =
        sqlx::query_as("SELECT assignee_id FROM conversations WHERE id = $1")
            .bind(conv_id)
            .fetch_optional(&mut **tx)
            .await?;
    if let Some((before,)) = before
        && before.as_deref() != assignee
    {
        let changes = serde_json::json!({ "assignee_id": assignee });
        super::webhooks::conversation_updated(tx, org_id, conv_id, changes).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_junk() {
        let c = ListCursor {
            last_activity_at: 1_700_000_000_000,
            id: "a1b2-c3".into(),
        };
        assert_eq!(ListCursor::parse(&c.encode()), Some(c));
        for junk in ["", "x", "12_", "_abc", "12_a'b", "nan_abc"] {
            assert_eq!(ListCursor::parse(junk), None, "{junk}");
        }
    }
}
