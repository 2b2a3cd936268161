//! Organizations, website accounts, staff members, sessions and visitor identities.

use super::{Lookup, Store, StoreError, StoreResult, now_ms, on_unique};
use natter_protocol::{RefusedOrigin, StaffMember, TeamMember};

/// Refused origins listed per account, so made-up origins cannot fill the table.
pub const MAX_REFUSED_ORIGINS: i64 = 50;

/// A website account: the widget's channel into an organization.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Account {
    pub org_id: String,
    pub id: String,
    pub name: String,
    pub greeting: String,
    pub theme_color: String,
    /// `auto`, `light` or `dark` ([`natter_protocol::WidgetTheme`]).
    pub theme: String,
    /// One origin pattern per line, e.g. `https://shop.example` or `http://localhost:*`.
    pub allowed_origins: String,
    /// The launcher's side: `right` or `left` ([`natter_protocol::WidgetPosition`]).
    pub position: String,
    /// Shown in the widget while no staff member is online; empty: none.
    pub away_message: String,
    /// 1: only verified visitors ([`crate::chat::identity`]) may start conversations
    /// (an integer: sqlx's Any driver reads no SQLite BOOLEAN).
    pub require_identity: i64,
    /// The key a website's server signs its user ids with; `None` until made.
    pub identity_secret: Option<String>,
    /// When the team answers, as JSON ([`natter_protocol::BusinessHours`]); `None`: always.
    pub business_hours: Option<String>,
    /// 1: the launcher is hidden outside business hours.
    pub hide_when_closed: i64,
    /// 1: new conversations are assigned in turn to the members online.
    pub auto_assign: i64,
}

impl Account {
    pub fn requires_identity(&self) -> bool {
        self.require_identity != 0
    }

    pub fn origin_patterns(&self) -> impl Iterator<Item = &str> {
        self.allowed_origins
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
    }
}

/// Who answers an organization's widgets, for the header: its first staff members'
/// names, and the median time to the first staff reply over its recent conversations.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Team {
    pub names: Vec<String>,
    pub reply_secs: Option<u64>,
}

/// Staff members named in the widget's header.
pub const TEAM_NAMES: i64 = 3;
/// Recent conversations the typical reply time is measured over.
pub const REPLY_SAMPLE: i64 = 50;
/// Answered conversations needed before a reply time is shown at all.
pub const REPLY_MIN_SAMPLE: usize = 3;

pub struct NewAccount<'a> {
    pub org_id: &'a str,
    pub id: &'a str,
    pub name: &'a str,
    pub greeting: &'a str,
    pub theme_color: &'a str,
    pub allowed_origins: &'a [String],
}

pub struct NewStaff<'a> {
    pub org_id: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    pub password_hash: &'a str,
}

/// A signed-in staff member's session.
#[derive(Clone, Debug)]
pub struct StaffSession {
    pub staff: StaffMember,
    /// Milliseconds since the epoch.
    pub expires_at: i64,
}

/// What login needs: the member and their password hash.
#[derive(Clone, Debug)]
pub struct StaffCredentials {
    pub staff: StaffMember,
    pub password_hash: String,
}

/// The visitor a visitor token belongs to.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct VisitorIdentity {
    pub id: String,
    pub org_id: String,
    pub account_id: String,
    pub name: String,
    /// The website's own id of this contact when the website vouched for them.
    pub external_id: Option<String>,
}

#[derive(sqlx::FromRow)]
struct VisitorRow {
    #[sqlx(flatten)]
    visitor: VisitorIdentity,
    last_seen_at: i64,
}

#[derive(sqlx::FromRow)]
struct StaffRow {
    id: String,
    org_id: String,
    name: String,
    email: String,
    role: String,
    password_hash: String,
}

impl From<StaffRow> for StaffCredentials {
    fn from(row: StaffRow) -> Self {
        StaffCredentials {
            staff: StaffMember {
                id: row.id,
                org_id: row.org_id,
                name: row.name,
                email: row.email,
                role: row.role,
            },
            password_hash: row.password_hash,
        }
    }
}

#[derive(sqlx::FromRow)]
struct TeamRow {
    #[sqlx(flatten)]
    staff: StaffRow,
    last_seen_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    #[sqlx(flatten)]
    staff: StaffRow,
    expires_at: i64,
}

const STAFF_COLUMNS: &str = "s.id, s.org_id, s.name, s.email, s.role, s.password_hash";
const INSERT_STAFF_SQL: &str = "INSERT INTO staff (id, org_id, email, name, role, password_hash, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";
/// A change to the member `$2` of organization `$3` leaves it an owner when the new
/// role `$1` is owner, the member is not one, or another owner remains.
const KEEPS_AN_OWNER: &str = "($1 = 'owner' OR role <> 'owner' OR \
     (SELECT COUNT(*) FROM staff o WHERE o.org_id = $3 AND o.role = 'owner') > 1)";

pub(super) const ACCOUNT_SQL: &str = "SELECT org_id, id, name, greeting, theme_color, theme, \
     allowed_origins, position, away_message, require_identity, identity_secret, business_hours, \
     hide_when_closed, auto_assign FROM accounts \
     WHERE org_id = $1 AND id = $2";
/// A visitor's first token is on its row; a verified contact's other browsers' tokens
/// are in `visitor_tokens`.
pub(super) const VISITOR_BY_TOKEN_SQL: &str = "SELECT id, org_id, account_id, name, external_id, last_seen_at \
     FROM visitors WHERE token_hash = $1 UNION ALL \
     SELECT v.id, v.org_id, v.account_id, v.name, v.external_id, v.last_seen_at \
     FROM visitor_tokens t JOIN visitors v ON v.id = t.visitor_id WHERE t.token_hash = $1";
pub(super) const VISITOR_SEEN_SQL: &str = "UPDATE visitors SET last_seen_at = $1 WHERE id = $2";
/// Visitors not seen since `$1` whose conversations hold no message, a batch at a time.
const ABANDONED_LEADS_SQL: &str = "DELETE FROM visitors WHERE id IN (\
     SELECT v.id FROM visitors v WHERE v.last_seen_at < $1 AND NOT EXISTS (\
     SELECT 1 FROM conversations c WHERE c.visitor_id = v.id AND c.last_seq > 0) LIMIT $2)";
/// Visitors deleted per statement, so the sweep never holds the write lock for long.
const ABANDONED_BATCH: i64 = 500;
/// A visitor's `last_seen_at` is rewritten at most this often (ms).
const SEEN_EVERY_MS: i64 = 24 * 3600 * 1000;
pub(super) const DELETE_SESSION_SQL: &str = "DELETE FROM staff_sessions WHERE token_hash = $1";
pub(super) const TEAM_SQL: &str =
    "SELECT name FROM staff WHERE org_id = $1 ORDER BY created_at, id LIMIT $2";
/// Each recent conversation's start and its first staff reply (NULL if none yet).
pub(super) const FIRST_REPLIES_SQL: &str = "SELECT c.created_at, \
     (SELECT MIN(m.created_at) FROM messages m WHERE m.conv_id = c.id AND m.sender_kind = 'staff') AS replied_at \
     FROM conversations c WHERE c.org_id = $1 ORDER BY c.last_activity_at DESC, c.id DESC LIMIT $2";

pub(super) fn staff_by_email_sql() -> String {
    format!("SELECT {STAFF_COLUMNS} FROM staff s WHERE s.email = $1")
}

pub(super) fn staff_of_sql() -> String {
    format!(
        "SELECT {STAFF_COLUMNS}, s.last_seen_at FROM staff s WHERE s.org_id = $1 \
         ORDER BY s.created_at, s.id"
    )
}

pub(super) const SESSIONS_OF_SQL: &str =
    "SELECT token_hash FROM staff_sessions WHERE staff_id = $1";

pub(super) fn staff_by_session_sql() -> String {
    format!(
        "SELECT {STAFF_COLUMNS}, t.expires_at FROM staff_sessions t JOIN staff s ON s.id = t.staff_id \
         WHERE t.token_hash = $1 AND t.expires_at > $2"
    )
}

impl Store {
    pub async fn create_org(&self, id: &str, name: &str) -> StoreResult<()> {
        sqlx::query("INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(name)
            .bind(now_ms())
            .execute(&self.pool)
            .await
            .map_err(|e| on_unique(e, "organization"))?;
        Ok(())
    }

    /// Every organization: (id, name), by id.
    pub async fn orgs(&self) -> StoreResult<Vec<(String, String)>> {
        Ok(
            sqlx::query_as("SELECT id, name FROM organizations ORDER BY id")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Renames an organization; whether there was one.
    pub async fn rename_org(&self, id: &str, name: &str) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE organizations SET name = $1 WHERE id = $2")
            .bind(name)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes an organization and everything of it; whether there was one.
    pub async fn delete_org(&self, id: &str) -> StoreResult<bool> {
        // Conversations and visitors hang off the accounts; staff off the organization.
        let done = sqlx::query("DELETE FROM organizations WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn org_exists(&self, id: &str) -> StoreResult<bool> {
        let found: Option<(String,)> = sqlx::query_as("SELECT id FROM organizations WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(found.is_some())
    }

    pub async fn create_account(&self, account: NewAccount<'_>) -> StoreResult<()> {
        if !self.org_exists(account.org_id).await? {
            return Err(StoreError::NotFound);
        }
        sqlx::query(
            "INSERT INTO accounts (org_id, id, name, greeting, theme_color, allowed_origins, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(account.org_id)
        .bind(account.id)
        .bind(account.name)
        .bind(account.greeting)
        .bind(account.theme_color)
        .bind(account.allowed_origins.join("\n"))
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(|e| on_unique(e, "account"))?;
        Ok(())
    }

    /// An account's settings (cached briefly: changes apply within seconds).
    pub async fn account(&self, org_id: &str, account_id: &str) -> StoreResult<Option<Account>> {
        let key = (org_id.to_owned(), account_id.to_owned());
        if let Some(account) = self.caches.accounts.get(&key) {
            return Ok(Some(account));
        }
        let account: Option<Account> = sqlx::query_as(ACCOUNT_SQL)
            .bind(org_id)
            .bind(account_id)
            .fetch_optional(&self.pool)
            .await?;
        if let Some(account) = &account {
            self.caches.accounts.insert(key, account.clone());
        }
        Ok(account)
    }

    /// An organization's website accounts, by name.
    pub async fn accounts(&self, org_id: &str) -> StoreResult<Vec<Account>> {
        Ok(sqlx::query_as(
            "SELECT org_id, id, name, greeting, theme_color, theme, allowed_origins, position, \
             away_message, require_identity, identity_secret, business_hours, hide_when_closed, \
             auto_assign FROM accounts \
             WHERE org_id = $1 ORDER BY name, id",
        )
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Who answers the organization's widgets, and how fast (cached for a few minutes).
    pub async fn team(&self, org_id: &str) -> StoreResult<Team> {
        if let Some(team) = self.caches.teams.get(org_id) {
            return Ok(team);
        }
        let names: Vec<(String,)> = sqlx::query_as(TEAM_SQL)
            .bind(org_id)
            .bind(TEAM_NAMES)
            .fetch_all(&self.pool)
            .await?;
        let starts: Vec<(i64, Option<i64>)> = sqlx::query_as(FIRST_REPLIES_SQL)
            .bind(org_id)
            .bind(REPLY_SAMPLE)
            .fetch_all(&self.pool)
            .await?;
        let team = Team {
            names: names.into_iter().map(|(n,)| n).collect(),
            reply_secs: median_reply_secs(&starts),
        };
        self.caches.teams.insert(org_id.to_owned(), team.clone());
        Ok(team)
    }

    /// Deletes a website account and everything of it (visitors, conversations,
    /// messages); whether there was one.
    pub async fn delete_account(&self, org_id: &str, account_id: &str) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM accounts WHERE org_id = $1 AND id = $2")
            .bind(org_id)
            .bind(account_id)
            .execute(&self.pool)
            .await?;
        self.caches
            .accounts
            .invalidate(&(org_id.to_owned(), account_id.to_owned()));
        // Its visitors and conversations are gone: none may be answered from memory.
        // (Rare enough to forget every cached one rather than look for them.)
        self.caches.visitors.invalidate_all();
        self.caches.owners.invalidate_all();
        Ok(done.rows_affected() == 1)
    }

    /// Writes an account's settings; this instance sees them at once, others within
    /// the account cache's lifetime.
    pub async fn update_account(&self, account: &Account) -> StoreResult<()> {
        sqlx::query(
            "UPDATE accounts SET name = $3, greeting = $4, theme_color = $5, allowed_origins = $6, \
             theme = $7, position = $8, away_message = $9, require_identity = $10, \
             identity_secret = $11, business_hours = $12, hide_when_closed = $13, auto_assign = $14 \
             WHERE org_id = $1 AND id = $2",
        )
        .bind(&account.org_id)
        .bind(&account.id)
        .bind(&account.name)
        .bind(&account.greeting)
        .bind(&account.theme_color)
        .bind(&account.allowed_origins)
        .bind(&account.theme)
        .bind(&account.position)
        .bind(&account.away_message)
        .bind(account.require_identity)
        .bind(&account.identity_secret)
        .bind(&account.business_hours)
        .bind(account.hide_when_closed)
        .bind(account.auto_assign)
        .execute(&self.pool)
        .await?;
        self.caches
            .accounts
            .invalidate(&(account.org_id.clone(), account.id.clone()));
        Ok(())
    }

    /// Takes an origin off an account's refused list (it was allowed).
    pub async fn forget_refused_origin(
        &self,
        org_id: &str,
        account_id: &str,
        origin: &str,
    ) -> StoreResult<()> {
        sqlx::query(
            "DELETE FROM refused_origins WHERE org_id = $1 AND account_id = $2 AND origin = $3",
        )
        .bind(org_id)
        .bind(account_id)
        .bind(origin)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Adds `count` refusals of `origin` to the account's list, which keeps at most
    /// [`MAX_REFUSED_ORIGINS`] origins (later new ones are not listed).
    pub async fn record_refused_origin(
        &self,
        org_id: &str,
        account_id: &str,
        origin: &str,
        count: u64,
        last_seen_at: i64,
    ) -> StoreResult<()> {
        let count = i64::try_from(count).unwrap_or(i64::MAX);
        // A listed origin is counted; a new one only while the list has room. A refusal
        // of an account deleted meanwhile inserts nothing (the join finds no row).
        sqlx::query(
            "INSERT INTO refused_origins (org_id, account_id, origin, count, last_seen_at) \
             SELECT a.org_id, a.id, $3, $4, $5 FROM accounts a \
             WHERE a.org_id = $1 AND a.id = $2 \
             AND ((SELECT COUNT(*) FROM refused_origins r WHERE r.org_id = $1 AND r.account_id = $2) < $6 \
                  OR EXISTS (SELECT 1 FROM refused_origins r \
                             WHERE r.org_id = $1 AND r.account_id = $2 AND r.origin = $3)) \
             ON CONFLICT (org_id, account_id, origin) DO UPDATE \
             SET count = refused_origins.count + excluded.count, last_seen_at = excluded.last_seen_at",
        )
        .bind(org_id)
        .bind(account_id)
        .bind(origin)
        .bind(count)
        .bind(last_seen_at)
        .bind(MAX_REFUSED_ORIGINS)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The origins an account refused, most recent first.
    pub async fn refused_origins(
        &self,
        org_id: &str,
        account_id: &str,
    ) -> StoreResult<Vec<RefusedOrigin>> {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT origin, count, last_seen_at FROM refused_origins \
             WHERE org_id = $1 AND account_id = $2 ORDER BY last_seen_at DESC, origin",
        )
        .bind(org_id)
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(origin, count, last_seen_at)| RefusedOrigin {
                origin,
                count: u64::try_from(count).unwrap_or(0),
                last_seen_at,
            })
            .collect())
    }

    pub async fn create_staff(&self, staff: NewStaff<'_>) -> StoreResult<StaffMember> {
        if !self.org_exists(staff.org_id).await? {
            return Err(StoreError::NotFound);
        }
        let id = uuid::Uuid::new_v4().to_string();
        sqlx::query(INSERT_STAFF_SQL)
            .bind(&id)
            .bind(staff.org_id)
            .bind(staff.email)
            .bind(staff.name)
            .bind(staff.role)
            .bind(staff.password_hash)
            .bind(now_ms())
            .execute(&self.pool)
            .await
            .map_err(|e| on_unique(e, "staff member"))?;
        Ok(StaffMember {
            id,
            org_id: staff.org_id.to_owned(),
            name: staff.name.to_owned(),
            email: staff.email.to_owned(),
            role: staff.role.to_owned(),
        })
    }

    /// Whether anyone can sign in yet: a new install has nobody until its first run.
    pub async fn has_staff(&self) -> StoreResult<bool> {
        let found: Option<(String,)> = sqlx::query_as("SELECT id FROM staff LIMIT 1")
            .fetch_optional(&self.pool)
            .await?;
        Ok(found.is_some())
    }

    /// The first run: an organization, its first website and its owner, all or nothing.
    pub async fn create_first_owner(
        &self,
        org_name: &str,
        account: NewAccount<'_>,
        owner: NewStaff<'_>,
    ) -> StoreResult<StaffMember> {
        let now = now_ms();
        let id = uuid::Uuid::new_v4().to_string();
        let mut tx = self
            .pool
            .begin_with(super::begin_write(self.backend))
            .await?;
        sqlx::query("INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(account.org_id)
            .bind(org_name)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| on_unique(e, "organization"))?;
        sqlx::query(
            "INSERT INTO accounts (org_id, id, name, greeting, theme_color, allowed_origins, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(account.org_id)
        .bind(account.id)
        .bind(account.name)
        .bind(account.greeting)
        .bind(account.theme_color)
        .bind(account.allowed_origins.join("\n"))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(INSERT_STAFF_SQL)
            .bind(&id)
            .bind(owner.org_id)
            .bind(owner.email)
            .bind(owner.name)
            .bind(owner.role)
            .bind(owner.password_hash)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(StaffMember {
            id,
            org_id: owner.org_id.to_owned(),
            name: owner.name.to_owned(),
            email: owner.email.to_owned(),
            role: owner.role.to_owned(),
        })
    }

    pub async fn staff_by_email(&self, email: &str) -> StoreResult<Option<StaffCredentials>> {
        let row: Option<StaffRow> = sqlx::query_as(&staff_by_email_sql())
            .bind(email)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(Into::into))
    }

    pub async fn create_session(
        &self,
        token_hash: &str,
        staff_id: &str,
        expires_at: i64,
    ) -> StoreResult<()> {
        sqlx::query("INSERT INTO staff_sessions (token_hash, staff_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash)
            .bind(staff_id)
            .bind(now_ms())
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The staff member behind an unexpired session token, and when it expires.
    pub async fn staff_by_session(
        &self,
        token_hash: &str,
        lookup: Lookup,
    ) -> StoreResult<Option<StaffSession>> {
        let now = now_ms();
        let cached = lookup == Lookup::Cached;
        if cached && let Some((staff, expires_at)) = self.caches.sessions.get(token_hash) {
            return Ok((expires_at > now).then_some(StaffSession { staff, expires_at }));
        }
        let row: Option<SessionRow> = sqlx::query_as(&staff_by_session_sql())
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|row| {
            let staff = StaffCredentials::from(row.staff).staff;
            if cached {
                self.caches
                    .sessions
                    .insert(token_hash.to_owned(), (staff.clone(), row.expires_at));
            }
            StaffSession {
                staff,
                expires_at: row.expires_at,
            }
        }))
    }

    /// The organization's staff, oldest first.
    /// An organization's members, oldest first, with when each was last seen.
    pub async fn staff_of(&self, org_id: &str) -> StoreResult<Vec<TeamMember>> {
        let rows: Vec<TeamRow> = sqlx::query_as(&staff_of_sql())
            .bind(org_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| TeamMember {
                member: StaffCredentials::from(row.staff).staff,
                last_seen_at: row.last_seen_at,
            })
            .collect())
    }

    /// Notes that a member's inbox is open now.
    pub async fn staff_seen(&self, staff_id: &str) -> StoreResult<()> {
        sqlx::query("UPDATE staff SET last_seen_at = $2 WHERE id = $1")
            .bind(staff_id)
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Whether a member set themselves away.
    pub async fn staff_away(&self, staff_id: &str) -> StoreResult<bool> {
        let away: Option<(i64,)> = sqlx::query_as("SELECT away FROM staff WHERE id = $1")
            .bind(staff_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(away.is_some_and(|(a,)| a != 0))
    }

    /// Sets a member away, or back.
    pub async fn set_staff_away(&self, staff_id: &str, away: bool) -> StoreResult<()> {
        sqlx::query("UPDATE staff SET away = $2 WHERE id = $1")
            .bind(staff_id)
            .bind(i64::from(away))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// One member of an organization, with their password's hash.
    pub async fn staff_member(
        &self,
        org_id: &str,
        staff_id: &str,
    ) -> StoreResult<Option<StaffCredentials>> {
        let row: Option<StaffRow> = sqlx::query_as(&format!(
            "SELECT {STAFF_COLUMNS} FROM staff s WHERE s.id = $1 AND s.org_id = $2"
        ))
        .bind(staff_id)
        .bind(org_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(Into::into))
    }

    /// Gives a member `role`, unless that would leave the organization without an
    /// owner: then nothing changes and the answer is `false`.
    pub async fn set_staff_role(
        &self,
        org_id: &str,
        staff_id: &str,
        role: &str,
    ) -> StoreResult<bool> {
        let done = sqlx::query(&format!(
            "UPDATE staff SET role = $1 WHERE id = $2 AND org_id = $3 AND {KEEPS_AN_OWNER}"
        ))
        .bind(role)
        .bind(staff_id)
        .bind(org_id)
        .execute(&self.pool)
        .await?;
        self.forget_cached_sessions(staff_id).await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn rename_staff(&self, staff_id: &str, name: &str) -> StoreResult<()> {
        sqlx::query("UPDATE staff SET name = $1 WHERE id = $2")
            .bind(name)
            .bind(staff_id)
            .execute(&self.pool)
            .await?;
        self.forget_cached_sessions(staff_id).await
    }

    pub async fn set_password_hash(&self, staff_id: &str, hash: &str) -> StoreResult<()> {
        sqlx::query("UPDATE staff SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(staff_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Removes a member (and with them their sessions), unless they are the
    /// organization's last owner (`None`). The digests of the sessions that ended.
    pub async fn delete_staff(
        &self,
        org_id: &str,
        staff_id: &str,
    ) -> StoreResult<Option<Vec<String>>> {
        let sessions = self.session_digests(staff_id).await?;
        let done = sqlx::query(
            "DELETE FROM staff WHERE id = $1 AND org_id = $2 AND (role <> 'owner' OR \
             (SELECT COUNT(*) FROM staff o WHERE o.org_id = $2 AND o.role = 'owner') > 1)",
        )
        .bind(staff_id)
        .bind(org_id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        for digest in &sessions {
            self.caches.sessions.invalidate(digest);
        }
        Ok(Some(sessions))
    }

    /// Ends a member's sessions except `keep` (a token digest); the digests ended.
    pub async fn end_sessions(&self, staff_id: &str, keep: &str) -> StoreResult<Vec<String>> {
        let mut ended = Vec::new();
        for digest in self.session_digests(staff_id).await? {
            if digest != keep {
                self.delete_session(&digest).await?;
                ended.push(digest);
            }
        }
        Ok(ended)
    }

    async fn session_digests(&self, staff_id: &str) -> StoreResult<Vec<String>> {
        let rows: Vec<(String,)> = sqlx::query_as(SESSIONS_OF_SQL)
            .bind(staff_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|(digest,)| digest).collect())
    }

    /// A member's name or role changed: this instance's cached sessions must not
    /// answer with the old one (other instances' expire within seconds).
    async fn forget_cached_sessions(&self, staff_id: &str) -> StoreResult<()> {
        for digest in self.session_digests(staff_id).await? {
            self.caches.sessions.invalidate(&digest);
        }
        Ok(())
    }

    /// Records an invitation to `org_id`'s team (its code's digest).
    pub async fn create_invitation(
        &self,
        code_hash: &str,
        org_id: &str,
        email: &str,
        role: &str,
        expires_at: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO invitations (code_hash, org_id, email, role, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(code_hash)
        .bind(org_id)
        .bind(email)
        .bind(role)
        .bind(now_ms())
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Uses an invitation: the new member, with the invited email and role, all or
    /// nothing; `None` when the code is unknown, used or expired.
    pub async fn accept_invitation(
        &self,
        code_hash: &str,
        name: &str,
        password_hash: &str,
    ) -> StoreResult<Option<StaffMember>> {
        let now = now_ms();
        let mut tx = self
            .pool
            .begin_with(super::begin_write(self.backend))
            .await?;
        let found: Option<(String, String, String)> = sqlx::query_as(
            "SELECT org_id, email, role FROM invitations WHERE code_hash = $1 AND expires_at > $2",
        )
        .bind(code_hash)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((org_id, email, role)) = found else {
            return Ok(None);
        };
        // Whoever deletes the row first is the one who accepts it.
        let taken = sqlx::query("DELETE FROM invitations WHERE code_hash = $1")
            .bind(code_hash)
            .execute(&mut *tx)
            .await?;
        if taken.rows_affected() != 1 {
            return Ok(None);
        }
        let id = uuid::Uuid::new_v4().to_string();
        sqlx::query(INSERT_STAFF_SQL)
            .bind(&id)
            .bind(&org_id)
            .bind(&email)
            .bind(name)
            .bind(&role)
            .bind(password_hash)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| on_unique(e, "staff member with this email"))?;
        tx.commit().await?;
        Ok(Some(StaffMember {
            id,
            org_id,
            name: name.to_owned(),
            email,
            role,
        }))
    }

    /// Deletes the sessions and invitations that have expired; how many.
    pub async fn delete_expired_sessions(&self) -> StoreResult<u64> {
        let now = now_ms();
        let sessions = sqlx::query("DELETE FROM staff_sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        let invitations = sqlx::query("DELETE FROM invitations WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(sessions.rows_affected() + invitations.rows_affected())
    }

    pub async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        sqlx::query(DELETE_SESSION_SQL)
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        self.caches.sessions.invalidate(token_hash);
        Ok(())
    }

    /// The visitor a token belongs to, while the token is live: one unused for longer
    /// than [`Store::expire_visitor_tokens_after`] opens nothing. A live token read from
    /// the database marks its visitor seen (rewritten at most daily; the cache holds a
    /// visitor for an hour, so an active one is read again).
    pub async fn visitor_by_token(
        &self,
        token_hash: &str,
        lookup: Lookup,
    ) -> StoreResult<Option<VisitorIdentity>> {
        let cached = lookup == Lookup::Cached;
        if cached && let Some(visitor) = self.caches.visitors.get(token_hash) {
            return Ok(Some(visitor));
        }
        let row: Option<VisitorRow> = sqlx::query_as(VISITOR_BY_TOKEN_SQL)
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?;
        let Some(VisitorRow {
            visitor,
            last_seen_at,
        }) = row
        else {
            return Ok(None);
        };
        let now = now_ms();
        if self.visitor_token_ttl_ms > 0 && last_seen_at < now - self.visitor_token_ttl_ms {
            return Ok(None);
        }
        if last_seen_at < now - SEEN_EVERY_MS {
            sqlx::query(VISITOR_SEEN_SQL)
                .bind(now)
                .bind(&visitor.id)
                .execute(&self.pool)
                .await?;
        }
        if cached {
            self.caches
                .visitors
                .insert(token_hash.to_owned(), visitor.clone());
        }
        Ok(Some(visitor))
    }

    /// Deletes the leads not seen since `before` (ms) that never held a message:
    /// visitors with their empty conversations. Returns how many visitors went.
    pub async fn delete_abandoned_leads(&self, before: i64) -> StoreResult<u64> {
        let mut deleted = 0;
        loop {
            let done = sqlx::query(ABANDONED_LEADS_SQL)
                .bind(before)
                .bind(ABANDONED_BATCH)
                .execute(&self.pool)
                .await?
                .rows_affected();
            deleted += done;
            if done < ABANDONED_BATCH as u64 {
                break;
            }
        }
        if deleted > 0 {
            // Cached owners of the deleted conversations must not outlive them.
            self.caches.owners.invalidate_all();
            self.caches.visitors.invalidate_all();
        }
        Ok(deleted)
    }
}

/// The median seconds from a conversation's start to its first staff reply, over the
/// answered ones; none when too few were answered to say.
fn median_reply_secs(starts: &[(i64, Option<i64>)]) -> Option<u64> {
    let mut waits: Vec<u64> = starts
        .iter()
        .filter_map(|(started, replied)| {
            replied.map(|r| u64::try_from(r.saturating_sub(*started)).unwrap_or(0) / 1000)
        })
        .collect();
    if waits.len() < REPLY_MIN_SAMPLE {
        return None;
    }
    waits.sort_unstable();
    Some(waits[waits.len() / 2])
}

#[cfg(test)]
mod team_tests {
    use super::median_reply_secs;

    /// Conversations as (started, first staff reply) in ms.
    type Starts = &'static [(i64, Option<i64>)];

    #[test]
    fn the_reply_time_is_the_median_of_answered_conversations() {
        let cases: &[(Starts, Option<u64>)] = &[
            (&[], None),
            (&[(0, Some(60_000)), (0, Some(120_000))], None),
            (
                &[(0, Some(60_000)), (0, None), (0, Some(120_000)), (0, None)],
                None,
            ),
            (
                &[(0, Some(60_000)), (0, Some(600_000)), (0, Some(120_000))],
                Some(120),
            ),
            (
                &[
                    (1_000, Some(61_000)),
                    (0, Some(3_600_000)),
                    (0, Some(30_000)),
                    (5, None),
                ],
                Some(60),
            ),
            // A reply stamped before the start (clock skew) counts as immediate.
            (&[(10_000, Some(0)), (0, Some(0)), (0, Some(0))], Some(0)),
        ];
        for (starts, want) in cases {
            assert_eq!(median_reply_secs(starts), *want, "{starts:?}");
        }
    }
}
