//! The query plans of every statement the inbox, the widget and the API run per
//! request, read from the database itself (`EXPLAIN QUERY PLAN` on SQLite,
//! `EXPLAIN` on Postgres). Tests fail on a full scan or a sort of a whole table;
//! `natter admin explain` prints them for an operator or a benchmark.

use super::api_tokens::TOKEN_SQL;
use super::attachments::{
    CANCEL_DELETION_SQL, DELETE_OF_MESSAGE_SQL, FILE_DELETIONS_SQL, FILE_SQL, claim_sql, unsent_sql,
};
use super::canned::CANNED_OF_SQL;
use super::conversations::{
    Assignee, CONVERSATION_SQL, SET_ASSIGNEE_SQL, SET_STATUS_SQL, list_sql, mark_read_sql,
    summary_sql,
};
use super::directory::{
    ACCOUNT_SQL, DELETE_SESSION_SQL, FIRST_REPLIES_SQL, SESSIONS_OF_SQL, TEAM_SQL,
    VISITOR_BY_TOKEN_SQL, VISITOR_SEEN_SQL, staff_by_email_sql, staff_by_session_sql, staff_of_sql,
};
use super::identity::{VISITOR_BY_EXTERNAL_ID_SQL, visitor_conversations_sql};
use super::jobs::{FAILED_JOBS_SQL, JOBS_DUE_SQL};
use super::labels::LABELS_OF_SQL;
use super::messages::{history_after_sql, history_before_sql, message_by_client_id_sql};
use super::notes::notes_of_sql;
use super::push::ENQUEUE_PUSH_SQL;
use super::webhooks::{CLAIM_SQL, DUE_SQL, RECORD_SQL, WANTED_SQL, deliveries_of_sql};
use super::{Backend, Store, StoreResult};
use natter_protocol::Side;
use sqlx::{Executor, Row};

/// One statement and the plan the database chose for it.
#[derive(Clone, Debug)]
pub struct QueryPlan {
    pub name: &'static str,
    pub sql: String,
    pub plan: Vec<String>,
}

impl QueryPlan {
    /// The first line of the plan that reads a whole table or sorts rows, if any.
    pub fn problem(&self) -> Option<&str> {
        self.plan.iter().map(String::as_str).find(|line| {
            let line = line.trim_start();
            // SQLite: a table scan, or a sort in a temporary b-tree.
            line.starts_with("SCAN ")
                || line.contains("TEMP B-TREE")
                // Postgres: a sequential scan, or any sort node.
                || line.contains("Seq Scan")
                || line.contains("Sort")
        })
    }
}

#[derive(Clone)]
enum Arg {
    Text(String),
    Int(i64),
}

impl Store {
    /// The plan of every per-request statement, for values of a real conversation
    /// when there is one. `strict` (Postgres) forbids sequential scans, sorts and
    /// bitmap scans wherever an index could serve instead, so a small test
    /// database shows whether the index exists, not what is cheapest on few rows.
    pub async fn query_plans(&self, strict: bool) -> StoreResult<Vec<QueryPlan>> {
        let sample: Option<(String, String, i64)> =
            sqlx::query_as("SELECT id, org_id, last_activity_at FROM conversations LIMIT 1")
                .fetch_optional(&self.pool)
                .await?;
        let (conv, org, at) = sample.unwrap_or(("c".into(), "o".into(), 0));
        let text = |s: &str| Arg::Text(s.to_owned());
        let (conv, org) = (text(&conv), text(&org));
        let (at, limit, seq) = (Arg::Int(at), Arg::Int(51), Arg::Int(10));
        let status = text("open");
        let staff = text("s");
        let statements: Vec<(&'static str, String, Vec<Arg>)> = vec![
            (
                "canned replies of an organization",
                CANNED_OF_SQL.to_owned(),
                vec![org.clone()],
            ),
            (
                "push jobs for a visitor message",
                ENQUEUE_PUSH_SQL.to_owned(),
                vec![
                    text("j:"),
                    text("{"),
                    conv.clone(),
                    text("staff_push"),
                    at.clone(),
                ],
            ),
            (
                "failed emails of an organization",
                FAILED_JOBS_SQL.to_owned(),
                vec![org.clone(), limit.clone()],
            ),
            (
                "inbox list, first page",
                list_sql(false, &Assignee::Anyone, false, false),
                vec![org.clone(), limit.clone()],
            ),
            (
                "inbox list, next page",
                list_sql(false, &Assignee::Anyone, false, true),
                vec![org.clone(), at.clone(), conv.clone(), limit.clone()],
            ),
            (
                "inbox list by status, first page",
                list_sql(true, &Assignee::Anyone, false, false),
                vec![org.clone(), status.clone(), limit.clone()],
            ),
            (
                "inbox list by status, next page",
                list_sql(true, &Assignee::Anyone, false, true),
                vec![
                    org.clone(),
                    status.clone(),
                    at.clone(),
                    conv.clone(),
                    limit.clone(),
                ],
            ),
            (
                "inbox list of one member's, next page",
                list_sql(false, &Assignee::Staff(String::new()), false, true),
                vec![
                    org.clone(),
                    staff.clone(),
                    at.clone(),
                    conv.clone(),
                    limit.clone(),
                ],
            ),
            (
                "inbox list of one member's by status, next page",
                list_sql(true, &Assignee::Staff(String::new()), false, true),
                vec![
                    org.clone(),
                    status.clone(),
                    staff.clone(),
                    at.clone(),
                    conv.clone(),
                    limit.clone(),
                ],
            ),
            (
                "inbox list by label, next page",
                list_sql(false, &Assignee::Anyone, true, true),
                vec![
                    org.clone(),
                    text("billing"),
                    at.clone(),
                    conv.clone(),
                    limit.clone(),
                ],
            ),
            (
                "inbox list of the unassigned, first page",
                list_sql(false, &Assignee::Nobody, false, false),
                vec![org.clone(), limit.clone()],
            ),
            (
                "inbox list of the unassigned by status, next page",
                list_sql(true, &Assignee::Nobody, false, true),
                vec![org.clone(), status.clone(), at, conv.clone(), limit.clone()],
            ),
            (
                "assign a conversation",
                SET_ASSIGNEE_SQL.to_owned(),
                vec![conv.clone(), staff.clone()],
            ),
            (
                "conversation detail",
                summary_sql("c.id = $1"),
                vec![conv.clone()],
            ),
            (
                "conversation owner",
                CONVERSATION_SQL.to_owned(),
                vec![conv.clone()],
            ),
            (
                "history forward",
                history_after_sql(),
                vec![conv.clone(), seq.clone(), limit.clone()],
            ),
            (
                "history backward",
                history_before_sql(),
                vec![conv.clone(), Arg::Int(0), seq.clone(), limit],
            ),
            (
                "labels of an organization",
                LABELS_OF_SQL.to_owned(),
                vec![org.clone()],
            ),
            (
                "notes of a conversation",
                notes_of_sql(),
                vec![conv.clone()],
            ),
            (
                "message by client_msg_id",
                message_by_client_id_sql(),
                vec![conv.clone(), text("k")],
            ),
            (
                "staff read position",
                mark_read_sql(Side::Staff),
                vec![conv.clone(), seq.clone()],
            ),
            (
                "visitor read position",
                mark_read_sql(Side::Visitor),
                vec![conv.clone(), seq],
            ),
            (
                "status change",
                SET_STATUS_SQL.to_owned(),
                vec![conv.clone(), status],
            ),
            (
                "account",
                ACCOUNT_SQL.to_owned(),
                vec![text("o"), text("a")],
            ),
            (
                "visitor by token",
                VISITOR_BY_TOKEN_SQL.to_owned(),
                vec![text("t")],
            ),
            (
                "verified contact by the website's user id",
                VISITOR_BY_EXTERNAL_ID_SQL.to_owned(),
                vec![org.clone(), text("a"), text("u")],
            ),
            (
                "a verified contact's conversations",
                visitor_conversations_sql(),
                vec![text("v"), Arg::Int(20)],
            ),
            (
                "visitor seen",
                VISITOR_SEEN_SQL.to_owned(),
                vec![Arg::Int(0), text("v")],
            ),
            ("staff by email", staff_by_email_sql(), vec![text("e")]),
            (
                "staff by session",
                staff_by_session_sql(),
                vec![text("t"), Arg::Int(0)],
            ),
            ("sign out", DELETE_SESSION_SQL.to_owned(), vec![text("t")]),
            ("the team", staff_of_sql(), vec![org.clone()]),
            (
                "a member's sessions",
                SESSIONS_OF_SQL.to_owned(),
                vec![text("s")],
            ),
            (
                "widget header: who answers",
                TEAM_SQL.to_owned(),
                vec![org.clone(), Arg::Int(3)],
            ),
            ("API token", TOKEN_SQL.to_owned(), vec![text("t")]),
            (
                "an upload retried",
                unsent_sql(),
                vec![conv.clone(), text("v"), text("h"), text("a.png")],
            ),
            (
                "attachments sent with a message",
                claim_sql(2),
                vec![text("m"), conv.clone(), text("v"), text("a"), text("b")],
            ),
            ("an attachment served", FILE_SQL.to_owned(), vec![text("a")]),
            (
                "a deleted message's attachments",
                DELETE_OF_MESSAGE_SQL.to_owned(),
                vec![text("m")],
            ),
            (
                "files to delete",
                FILE_DELETIONS_SQL.to_owned(),
                vec![Arg::Int(0), Arg::Int(100)],
            ),
            (
                "a file's deletion cancelled by its row",
                CANCEL_DELETION_SQL.to_owned(),
                vec![text("k")],
            ),
            ("webhooks wanted", WANTED_SQL.to_owned(), vec![org.clone()]),
            (
                "webhook deliveries due",
                DUE_SQL.to_owned(),
                vec![Arg::Int(0)],
            ),
            ("jobs due", JOBS_DUE_SQL.to_owned(), vec![Arg::Int(0)]),
            (
                "webhook event recorded",
                RECORD_SQL.to_owned(),
                vec![
                    text("e"),
                    text("message.created"),
                    text("c"),
                    text("{}"),
                    Arg::Int(0),
                    org.clone(),
                    text("%,message.created,%"),
                ],
            ),
            (
                "webhook deliveries claimed",
                CLAIM_SQL.to_owned(),
                vec![Arg::Int(0), Arg::Int(20_000), Arg::Int(32)],
            ),
            (
                "an endpoint's deliveries",
                deliveries_of_sql(),
                vec![text("w"), Arg::Int(50)],
            ),
            (
                "widget header: reply time",
                FIRST_REPLIES_SQL.to_owned(),
                vec![org, Arg::Int(50)],
            ),
        ];

        let mut conn = self.pool.begin().await?;
        if strict && self.backend == Backend::Postgres {
            for setting in ["enable_seqscan", "enable_sort", "enable_bitmapscan"] {
                conn.execute(format!("SET LOCAL {setting} = off").as_str())
                    .await?;
            }
        }
        let mut plans = Vec::with_capacity(statements.len());
        for (name, sql, args) in statements {
            let explain = match self.backend {
                Backend::Sqlite => format!("EXPLAIN QUERY PLAN {sql}"),
                Backend::Postgres => format!("EXPLAIN {sql}"),
            };
            let mut query = sqlx::query(&explain).persistent(false);
            for arg in args {
                query = match arg {
                    Arg::Text(s) => query.bind(s),
                    Arg::Int(i) => query.bind(i),
                };
            }
            let rows = query.fetch_all(&mut *conn).await?;
            let plan = rows
                .iter()
                .map(|row| match self.backend {
                    Backend::Sqlite => row.try_get::<String, _>("detail"),
                    Backend::Postgres => row.try_get::<String, _>(0),
                })
                .collect::<Result<Vec<_>, _>>()?;
            plans.push(QueryPlan { name, sql, plan });
        }
        // Nothing was written; the SET LOCALs end with the transaction.
        conn.rollback().await?;
        Ok(plans)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_and_sorts_are_problems_index_searches_are_not() {
        let cases = [
            (
                "SEARCH c USING INDEX conversations_recent (org_id=?)",
                false,
            ),
            ("SEARCH m USING COVERING INDEX x (conv_id=?)", false),
            ("SCAN c", true),
            ("USE TEMP B-TREE FOR ORDER BY", true),
            (
                "  ->  Index Scan Backward using conversations_recent on conversations c",
                false,
            ),
            ("  ->  Seq Scan on conversations c", true),
            ("  ->  Sort  (cost=34.24..34.25 rows=2 width=640)", true),
            ("  ->  Incremental Sort  (cost=1..2 rows=2 width=8)", true),
        ];
        for (line, problem) in cases {
            let plan = QueryPlan {
                name: "case",
                sql: String::new(),
                plan: vec![line.to_owned()],
            };
            assert_eq!(plan.problem().is_some(), problem, "{line}");
        }
    }
}
