//! What staff and the server do to the inbox: sign-in and out, loading and
//! selecting conversations, replying, and every socket frame.

use crate::model::{Connection, ConvList, Delivery, Inserted, ListUpdate, Outgoing, Thread};
use crate::net::{self, ApiError, call};
use crate::store::{Inbox, Page};
use crate::{push, socket};
use leptos::prelude::*;
use leptos::task::spawn_local;
use natter_protocol::{
    AcceptInvitation, AccountList, AccountSettings, ApiToken, ApiTokens, Availability,
    CannedResponse, CannedResponses, ChangePassword, ClientFrame, ConvId, ConversationDetail,
    ConversationList, ConversationStatus, CreateAccount, CreateInvitation, Direction,
    IdentitySecret, Invitation, LabelList, LoginRequest, LoginResponse, MailFailures, MailStatus,
    Message, MessageEnvelope, MessageList, NewApiToken, NewCannedResponse, NewWebhook, Note,
    NoteList, NotificationSettings, PostMessage, PushEndpoint, ReadRequest, Retention,
    SearchResults, ServerFrame, Side, StaffList, StaffMember, StaffRole, UpdateAccount,
    UpdateCannedResponse, UpdateConversation, UpdateMe, UpdateStaff, UpdateWebhook, VapidPublicKey,
    Webhook, WebhookDeliveries, WebhookDelivery, Webhooks, WidgetTheme, error_code, validate,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// Messages fetched per history page.
const PAGE: u64 = 50;
/// Messages shown before a search result's message.
const JUMP_CONTEXT: u64 = 10;
/// A typing indicator not refreshed for this long is stale.
const TYPING_TTL: Duration = Duration::from_secs(8);
const NO_BODY: Option<&()> = None;

/// Shown on the sign-in page when a token is refused or runs out.
pub const EXPIRED: &str = "Your session has expired; please sign in again.";

/// Restores the session saved by an earlier visit, unless it has run out.
pub fn restore(inbox: Inbox) {
    match net::load_session() {
        Some(session) if session.expires_at > net::now_ms() => start(inbox, session),
        Some(_) => expire(inbox),
        None => {}
    }
}

/// Signs in; the error is a sentence for the form.
pub async fn sign_in(inbox: Inbox, email: String, password: String) -> Result<(), String> {
    let body = LoginRequest {
        email: email.trim().to_owned(),
        password,
    };
    match call::<LoginResponse>("POST", "/auth/login", None, Some(&body)).await {
        Ok(session) => {
            net::save_session(&session);
            inbox.notice.set(None);
            start(inbox, session);
            Ok(())
        }
        Err(ApiError::Unauthorized) => Err("Wrong email or password.".to_owned()),
        Err(e) => Err(e.message()),
    }
}

/// Joins the team with an invitation's code, and signs in.
pub async fn accept_invitation(
    inbox: Inbox,
    code: String,
    name: String,
    password: String,
) -> Result<(), String> {
    let body = AcceptInvitation { name, password };
    let path = format!("/invitations/{code}/accept");
    match call::<LoginResponse>("POST", &path, None, Some(&body)).await {
        Ok(session) => {
            net::save_session(&session);
            net::set_route(None);
            inbox.notice.set(None);
            start(inbox, session);
            Ok(())
        }
        Err(ApiError::Status(404, _)) => Err(
            "This invitation was already used or has expired. Ask for a new one, or sign in."
                .to_owned(),
        ),
        Err(e) => Err(e.message()),
    }
}

fn start(inbox: Inbox, session: LoginResponse) {
    let token = session.token.clone();
    // Expire on time even if nothing is sent (setTimeout takes at most ~24 days).
    let left = (session.expires_at - net::now_ms()).clamp(0, i64::from(i32::MAX)) as u64;
    set_timeout(
        move || {
            if inbox.token().as_deref() == Some(&token) {
                expire(inbox);
            }
        },
        Duration::from_millis(left),
    );
    inbox.session.set(Some(session));
    socket::start(inbox);
    load_list(inbox);
    load_websites(inbox);
    load_availability(inbox);
    // Members' names, for assignees; canned replies, for the composer.
    load_team(inbox);
    load_canned(inbox);
    load_labels(inbox);
    renew_push(inbox);
    follow_route(inbox);
    follow_page(inbox);
}

/// Shows `page` and puts it in the address.
pub fn open_page(inbox: Inbox, page: Page) {
    net::set_page(page);
    follow_page(inbox);
}

/// Shows the page the address names (on start, and on back and forward); an agent
/// asking for websites or the team gets their profile.
pub fn follow_page(inbox: Inbox) {
    let mut page = net::page();
    if matches!(page, Page::Websites | Page::Team | Page::Integrations) && !inbox.manages_websites()
    {
        page = Page::Profile;
        net::set_page(page);
    }
    match page {
        Page::Websites => load_websites(inbox),
        Page::Team => load_team(inbox),
        Page::Conversations | Page::Integrations | Page::Profile => {}
    }
    inbox.page.set(page);
}

/// Calls the API as the signed-in member; the error is a sentence for the page (a 401
/// ends the session).
async fn request<T: DeserializeOwned>(
    inbox: Inbox,
    method: &str,
    path: &str,
    body: Option<&impl Serialize>,
) -> Result<T, String> {
    let Some(token) = inbox.token() else {
        return Err(EXPIRED.to_owned());
    };
    match call::<T>(method, path, Some(&token), body).await {
        Ok(value) => Ok(value),
        Err(ApiError::Unauthorized) => {
            expire(inbox);
            Err(EXPIRED.to_owned())
        }
        Err(e) => Err(e.message()),
    }
}

fn account_path(account_id: &str) -> String {
    format!("/accounts/{}", js_sys::encode_uri_component(account_id))
}

/// Adds a website, allowed on one origin.
pub async fn create_website(inbox: Inbox, name: String, origin: String) -> Result<(), String> {
    let body = CreateAccount {
        name,
        allowed_origins: vec![origin],
        ..CreateAccount::default()
    };
    let created: AccountSettings = request(inbox, "POST", "/accounts", Some(&body)).await?;
    inbox
        .websites
        .update(|w| w.get_or_insert_with(Vec::new).push(created));
    Ok(())
}

/// Deletes a website with its visitors and conversations.
pub async fn delete_website(inbox: Inbox, account_id: String) -> Result<(), String> {
    request::<()>(inbox, "DELETE", &account_path(&account_id), NO_BODY).await?;
    inbox.websites.update(|w| {
        if let Some(w) = w {
            w.retain(|a| a.id != account_id);
        }
    });
    Ok(())
}

/// Makes a website a new identity secret; hashes made with the old one stop working.
pub async fn rotate_identity_secret(inbox: Inbox, account_id: String) -> Result<(), String> {
    let path = format!("{}/identity-secret", account_path(&account_id));
    let made: IdentitySecret = request(inbox, "POST", &path, NO_BODY).await?;
    inbox.websites.update(|w| {
        if let Some(slot) = w.iter_mut().flatten().find(|a| a.id == account_id) {
            slot.identity_secret = Some(made.secret);
        }
    });
    Ok(())
}

/// Loads the organization's members.
pub fn load_team(inbox: Inbox) {
    spawn_local(async move {
        match request::<StaffList>(inbox, "GET", "/staff", NO_BODY).await {
            Ok(list) => inbox.team.set(Some(list.staff)),
            Err(message) => inbox.banner.set(Some(message)),
        }
    });
}

/// Loads the organization's canned replies.
pub fn load_canned(inbox: Inbox) {
    spawn_local(async move {
        match request::<CannedResponses>(inbox, "GET", "/canned-responses", NO_BODY).await {
            Ok(list) => inbox.canned.set(Some(list.canned_responses)),
            Err(message) => inbox.banner.set(Some(message)),
        }
    });
}

/// Loads the organization's labels.
pub fn load_labels(inbox: Inbox) {
    spawn_local(async move {
        match request::<LabelList>(inbox, "GET", "/labels", NO_BODY).await {
            Ok(list) => inbox.labels.set(Some(list.labels)),
            Err(message) => inbox.banner.set(Some(message)),
        }
    });
}

/// Sets the open conversation's labels; a new name joins the organization's list.
pub async fn set_labels(inbox: Inbox, labels: Vec<String>) -> Result<(), String> {
    let conv_id = inbox
        .selected
        .get_untracked()
        .ok_or("Select a conversation first.")?;
    let path = format!("/conversations/{conv_id}/labels");
    let detail = request::<ConversationDetail>(inbox, "PUT", &path, Some(&labels)).await?;
    let known = inbox.labels.with_untracked(|all| {
        all.as_ref().is_some_and(|all| {
            detail
                .summary
                .labels
                .iter()
                .all(|l| all.iter().any(|k| &k.name == l))
        })
    });
    if !known {
        load_labels(inbox);
    }
    on_labels(inbox, &conv_id, &detail.summary.labels);
    Ok(())
}

fn on_labels(inbox: Inbox, conv_id: &ConvId, labels: &[String]) {
    inbox.list.update(|l| l.apply_labels(conv_id, labels));
    inbox.detail.update(|d| {
        if let Some(d) = d.as_mut().filter(|d| &d.summary.conv_id == conv_id) {
            d.summary.labels = labels.to_vec();
        }
    });
}

/// Searches the organization's conversations.
pub async fn search(inbox: Inbox, query: &str) -> Result<SearchResults, String> {
    let path = format!("/search?q={}&limit=30", net::encode(query));
    request::<SearchResults>(inbox, "GET", &path, NO_BODY).await
}

/// Opens a search result's conversation at its message (`seq` 0: at its end).
pub fn open_result(inbox: Inbox, conv_id: ConvId, seq: u64) {
    inbox.jump.set((seq > 0).then(|| (conv_id.clone(), seq)));
    if inbox.is_selected(&conv_id) {
        load_around(inbox, conv_id, seq);
    } else {
        select(inbox, conv_id);
    }
}

/// Fetches the messages from a little before `seq` if the thread does not hold it.
fn load_around(inbox: Inbox, conv_id: ConvId, seq: u64) {
    let held = inbox.thread.with_untracked(|t| {
        t.as_ref()
            .is_some_and(|t| t.conv_id == conv_id && t.oldest_seq().is_some_and(|o| o <= seq))
    });
    if seq == 0 || held {
        return;
    }
    spawn_local(async move {
        let after = seq.saturating_sub(JUMP_CONTEXT + 1);
        let path = format!("/conversations/{conv_id}/messages?after_seq={after}&limit=500");
        match request::<MessageList>(inbox, "GET", &path, NO_BODY).await {
            Ok(page) => extend(inbox, &conv_id, page.messages),
            Err(message) => inbox.banner.set(Some(message)),
        }
    });
}

/// Adds a canned reply (owners and admins).
pub async fn add_canned(inbox: Inbox, new: NewCannedResponse) -> Result<(), String> {
    request::<CannedResponse>(inbox, "POST", "/canned-responses", Some(&new)).await?;
    load_canned(inbox);
    Ok(())
}

/// Saves new fields for a canned reply (owners and admins).
pub async fn update_canned(
    inbox: Inbox,
    id: String,
    fields: NewCannedResponse,
) -> Result<(), String> {
    let path = format!("/canned-responses/{}", js_sys::encode_uri_component(&id));
    let change = UpdateCannedResponse {
        shortcut: Some(fields.shortcut),
        title: Some(fields.title),
        text: Some(fields.text),
    };
    request::<CannedResponse>(inbox, "PATCH", &path, Some(&change)).await?;
    load_canned(inbox);
    Ok(())
}

/// Deletes a canned reply (owners and admins).
pub async fn delete_canned(inbox: Inbox, id: String) -> Result<(), String> {
    let path = format!("/canned-responses/{}", js_sys::encode_uri_component(&id));
    request::<()>(inbox, "DELETE", &path, NO_BODY).await?;
    load_canned(inbox);
    Ok(())
}

/// Invites `email` with `role`: the link to send them.
pub async fn invite(inbox: Inbox, email: String, role: StaffRole) -> Result<Invitation, String> {
    let body = CreateInvitation {
        email: email.trim().to_owned(),
        role,
    };
    request(inbox, "POST", "/invitations", Some(&body)).await
}

/// Gives a member another role.
pub async fn set_role(inbox: Inbox, staff_id: String, role: StaffRole) -> Result<(), String> {
    let path = format!("/staff/{}", js_sys::encode_uri_component(&staff_id));
    let member: StaffMember = request(inbox, "PATCH", &path, Some(&UpdateStaff { role })).await?;
    inbox.team.update(|t| {
        if let Some(slot) = t.iter_mut().flatten().find(|m| m.member.id == member.id) {
            slot.member = member;
        }
    });
    Ok(())
}

/// Removes a member: their sessions end and their inbox closes at once.
pub async fn remove_member(inbox: Inbox, staff_id: String) -> Result<(), String> {
    let path = format!("/staff/{}", js_sys::encode_uri_component(&staff_id));
    request::<()>(inbox, "DELETE", &path, NO_BODY).await?;
    inbox.team.update(|t| {
        if let Some(t) = t {
            t.retain(|m| m.member.id != staff_id);
        }
    });
    Ok(())
}

/// Whether the server sends email, and as whom.
pub async fn mail_status(inbox: Inbox) -> Result<MailStatus, String> {
    request(inbox, "GET", "/mail", NO_BODY).await
}

/// Which alert emails reach the signed-in member.
pub async fn notifications(inbox: Inbox) -> Result<NotificationSettings, String> {
    request(inbox, "GET", "/me/notifications", NO_BODY).await
}

/// How long the organization keeps an inactive conversation.
pub async fn retention(inbox: Inbox) -> Result<Retention, String> {
    request(inbox, "GET", "/retention", NO_BODY).await
}

/// Sets it (owners and admins).
pub async fn set_retention(inbox: Inbox, wanted: Retention) -> Result<Retention, String> {
    request(inbox, "PUT", "/retention", Some(&wanted)).await
}

/// Chooses which alert emails reach the signed-in member.
pub async fn set_notifications(inbox: Inbox, wanted: NotificationSettings) -> Result<(), String> {
    request::<NotificationSettings>(inbox, "PUT", "/me/notifications", Some(&wanted))
        .await
        .map(drop)
}

/// Turns browser notifications on in this browser for the signed-in member: asks the
/// browser's permission if need be, subscribes, and tells the server.
pub async fn enable_push(inbox: Inbox) -> Result<(), String> {
    let key: VapidPublicKey = request(inbox, "GET", "/push/vapid-public-key", NO_BODY).await?;
    let subscription = push::subscribe(&key.key).await?;
    request::<()>(inbox, "POST", "/push/subscriptions", Some(&subscription)).await
}

/// Turns browser notifications off in this browser.
pub async fn disable_push(inbox: Inbox) -> Result<(), String> {
    if let Some(endpoint) = push::unsubscribe().await {
        request::<()>(
            inbox,
            "DELETE",
            "/push/subscriptions",
            Some(&PushEndpoint { endpoint }),
        )
        .await?;
    }
    Ok(())
}

/// At each sign-in, a browser with notifications on subscribes again: it becomes the
/// signed-in member's, with the server's current key.
fn renew_push(inbox: Inbox) {
    spawn_local(async move {
        // A failure leaves it as it was; My profile shows where this browser stands.
        if push::current().await.is_some() {
            let _ = enable_push(inbox).await;
        }
    });
}

/// The organization's emails that could not be sent, newest first.
pub async fn mail_failures(inbox: Inbox) -> Result<MailFailures, String> {
    request(inbox, "GET", "/mail/failures", NO_BODY).await
}

/// Sends a test email to the signed-in member; the error is the SMTP server's answer.
pub async fn send_test_email(inbox: Inbox) -> Result<(), String> {
    request::<()>(inbox, "POST", "/mail/test", NO_BODY).await
}

/// Renames the signed-in member.
pub async fn rename_me(inbox: Inbox, name: String) -> Result<(), String> {
    let me: StaffMember = request(inbox, "PATCH", "/me", Some(&UpdateMe { name })).await?;
    inbox.session.update(|s| {
        if let Some(s) = s {
            s.staff = me;
            net::save_session(s);
        }
    });
    Ok(())
}

/// Changes the signed-in member's password; their other sessions end.
pub async fn change_password(inbox: Inbox, current: String, new: String) -> Result<(), String> {
    let body = ChangePassword {
        current_password: current,
        new_password: new,
    };
    request::<()>(inbox, "POST", "/me/password", Some(&body)).await
}

/// Ends every session of the signed-in member, this one last.
pub async fn sign_out_everywhere(inbox: Inbox) -> Result<(), String> {
    request::<()>(inbox, "DELETE", "/me/sessions", NO_BODY).await?;
    sign_out(inbox);
    Ok(())
}

/// Signs out on the server (best effort) and here.
pub fn sign_out(inbox: Inbox) {
    if let Some(token) = inbox.token() {
        spawn_local(async move {
            // This browser stops hearing about the member's chats; it keeps its own
            // subscription for whoever signs in next.
            if let Some(subscription) = push::current().await {
                let forget = PushEndpoint {
                    endpoint: subscription.endpoint,
                };
                let _ =
                    call::<()>("DELETE", "/push/subscriptions", Some(&token), Some(&forget)).await;
            }
            let _ = call::<()>("POST", "/auth/logout", Some(&token), NO_BODY).await;
        });
    }
    reset(inbox);
}

/// The token was refused: back to sign-in, saying why.
pub fn expire(inbox: Inbox) {
    reset(inbox);
    inbox.notice.set(Some(EXPIRED.to_owned()));
}

fn reset(inbox: Inbox) {
    socket::stop();
    net::clear_session();
    inbox.session.set(None);
    inbox.list.set(ConvList::default());
    inbox.selected.set(None);
    inbox.detail.set(None);
    inbox.thread.set(None);
    inbox.typing.set(None);
    inbox.banner.set(None);
    inbox.websites.set(None);
    inbox.team.set(None);
    inbox.away.set(None);
    inbox.labels.set(None);
    inbox.label_filter.set(None);
    inbox.jump.set(None);
    inbox.page.set(Page::Conversations);
    inbox.connection.set(Connection::Connecting);
}

/// Loads whether the signed-in member is away.
fn load_availability(inbox: Inbox) {
    spawn_local(async move {
        match request::<Availability>(inbox, "GET", "/me/availability", NO_BODY).await {
            Ok(a) => inbox.away.set(Some(a.away)),
            Err(e) => inbox.banner.set(Some(e)),
        }
    });
}

/// Sets the signed-in member away (visitors see nobody online, alerts go out) or back.
pub async fn set_away(inbox: Inbox, away: bool) -> Result<(), String> {
    let a: Availability = request(
        inbox,
        "PUT",
        "/me/availability",
        Some(&Availability { away }),
    )
    .await?;
    inbox.away.set(Some(a.away));
    Ok(())
}

/// Loads the organization's websites (with the origins they refused).
pub fn load_websites(inbox: Inbox) {
    let Some(token) = inbox.token() else { return };
    spawn_local(async move {
        match call::<AccountList>("GET", "/accounts", Some(&token), NO_BODY).await {
            Ok(list) => inbox.websites.set(Some(list.accounts)),
            Err(e) => failed(inbox, e),
        }
    });
}

/// Adds a refused origin to its website's allowed origins.
pub async fn allow_origin(inbox: Inbox, account_id: String, origin: String) -> Result<(), String> {
    let Some(mut origins) = inbox.websites.with_untracked(|w| {
        w.as_ref()?
            .iter()
            .find(|a| a.id == account_id)
            .map(|a| a.allowed_origins.clone())
    }) else {
        return Err("This website is no longer listed; reload the page.".to_owned());
    };
    origins.push(origin);
    let body = UpdateAccount {
        allowed_origins: Some(origins),
        ..UpdateAccount::default()
    };
    update_website(inbox, &account_id, &body).await
}

/// Sets a website's widget look: light, dark, or the visitor's system setting.
pub async fn set_widget_theme(
    inbox: Inbox,
    account_id: String,
    theme: WidgetTheme,
) -> Result<(), String> {
    let body = UpdateAccount {
        theme: Some(theme),
        ..UpdateAccount::default()
    };
    update_website(inbox, &account_id, &body).await
}

/// Changes a website's settings and shows what the server kept.
pub async fn update_website(
    inbox: Inbox,
    account_id: &str,
    body: &UpdateAccount,
) -> Result<(), String> {
    let Some(token) = inbox.token() else {
        return Err(EXPIRED.to_owned());
    };
    let path = format!("/accounts/{}", js_sys::encode_uri_component(account_id));
    match call::<AccountSettings>("PATCH", &path, Some(&token), Some(body)).await {
        Ok(updated) => {
            inbox.websites.update(|w| {
                if let Some(slot) = w.iter_mut().flatten().find(|a| a.id == updated.id) {
                    *slot = updated;
                }
            });
            Ok(())
        }
        Err(ApiError::Unauthorized) => {
            expire(inbox);
            Err(EXPIRED.to_owned())
        }
        Err(e) => Err(e.message()),
    }
}

/// Reports a failed call: a 401 ends the session, anything else shows a banner.
fn failed(inbox: Inbox, error: ApiError) {
    match error {
        ApiError::Unauthorized => expire(inbox),
        other => inbox.banner.set(Some(other.message())),
    }
}

/// Loads the list for the current filter. A frame that arrives while the request is on
/// its way (an assignment, a message) is newer than the answer: the answer is then not
/// shown, and the socket is asked for the list instead (`resync`), which comes after
/// those frames.
pub fn load_list(inbox: Inbox) {
    let Some(token) = inbox.token() else { return };
    let status = inbox.filter.get_untracked();
    inbox.list_loading.set(true);
    let frames_before = inbox.frames_seen.get_value();
    spawn_local(async move {
        let path = format!("/conversations?status={}&limit=100", status.as_str());
        let loaded = call::<ConversationList>("GET", &path, Some(&token), NO_BODY).await;
        inbox.list_loading.set(false);
        match loaded {
            Ok(list) => {
                let stale = inbox.frames_seen.get_value() != frames_before;
                if !(stale && resync(inbox, status)) {
                    inbox
                        .list
                        .update(|l| l.replace_status(status, list.conversations));
                }
            }
            Err(e) => failed(inbox, e),
        }
    });
}

/// Asks the socket for the list of `status` (answered by a `conversations` frame);
/// `false` when the socket is not open.
fn resync(inbox: Inbox, status: ConversationStatus) -> bool {
    let sent = socket::send(&ClientFrame::Resync {
        status: Some(status),
    });
    if sent {
        inbox.resyncs.update_value(|q| q.push_back(status));
    }
    sent
}

pub fn set_filter(inbox: Inbox, status: ConversationStatus) {
    inbox.filter.set(status);
    load_list(inbox);
}

/// Opens a conversation: its details, its latest page of history, then a
/// subscription that replays anything newer, then marks it read.
pub fn select(inbox: Inbox, conv_id: ConvId) {
    if inbox.is_selected(&conv_id) {
        return;
    }
    net::set_route(Some(&conv_id));
    stop_typing(inbox);
    if let Some(previous) = inbox.selected.get_untracked() {
        socket::send(&ClientFrame::Unsubscribe { conv_id: previous });
    }
    inbox.selected.set(Some(conv_id.clone()));
    inbox.early_status.set_value(None);
    inbox.thread.set(Some(Thread::new(conv_id.clone())));
    inbox.detail.set(None);
    inbox.typing.set(None);
    let Some(token) = inbox.token() else { return };
    spawn_local(async move {
        let detail = match call::<ConversationDetail>(
            "GET",
            &format!("/conversations/{conv_id}"),
            Some(&token),
            NO_BODY,
        )
        .await
        {
            Ok(detail) => detail,
            Err(e) => return failed(inbox, e),
        };
        let before = detail.summary.last_seq + 1;
        let path = format!("/conversations/{conv_id}/messages?before_seq={before}&limit={PAGE}");
        let page = match call::<MessageList>("GET", &path, Some(&token), NO_BODY).await {
            Ok(page) => page,
            Err(e) => return failed(inbox, e),
        };
        let path = format!("/conversations/{conv_id}/notes");
        let notes = match call::<NoteList>("GET", &path, Some(&token), NO_BODY).await {
            Ok(list) => list.notes,
            Err(e) => return failed(inbox, e),
        };
        if !inbox.is_selected(&conv_id) {
            return;
        }
        // A status change that came while loading is newer than what was read (no
        // await from here on, so none can come between this and setting the detail).
        let mut detail = detail;
        if let Some((_, status)) = inbox
            .early_status
            .try_update_value(Option::take)
            .flatten()
            .filter(|(c, _)| c == &conv_id)
        {
            detail.summary.status = status;
        }
        // The detail marks the thread loaded: set it with its page, then subscribe.
        extend(inbox, &conv_id, page.messages);
        add_notes(inbox, &conv_id, notes);
        if let Some((_, seq)) = inbox.jump.get_untracked().filter(|(c, _)| c == &conv_id) {
            load_around(inbox, conv_id.clone(), seq);
        }
        inbox.list.update(|l| l.upsert(detail.summary.clone()));
        inbox.detail.set(Some(detail));
        subscribe(inbox);
        mark_read(inbox);
    });
}

/// Subscribes to the selected conversation after the newest message held, once
/// its latest page is loaded (before that, `after_seq` 0 would replay it all).
fn subscribe(inbox: Inbox) {
    let loaded = inbox
        .detail
        .with_untracked(|d| d.as_ref().map(|d| d.summary.conv_id.clone()));
    let held = inbox
        .thread
        .with_untracked(|t| t.as_ref().map(|t| (t.conv_id.clone(), t.newest_seq())));
    if let (Some(loaded), Some((conv_id, after_seq))) = (loaded, held)
        && loaded == conv_id
    {
        socket::send(&ClientFrame::Subscribe {
            conv_id,
            token: None,
            after_seq,
        });
        if inbox.typing_held.try_update_value(std::mem::take) == Some(true) {
            staff_typing(inbox);
        }
    }
}

fn extend(inbox: Inbox, conv_id: &ConvId, messages: Vec<Message>) {
    inbox.thread.update(|t| {
        if let Some(t) = t.as_mut().filter(|t| &t.conv_id == conv_id) {
            t.extend(messages);
        }
    });
}

/// Back to the list (phone widths show one pane at a time).
pub fn deselect(inbox: Inbox) {
    net::set_route(None);
    stop_typing(inbox);
    if let Some(conv_id) = inbox.selected.get_untracked() {
        socket::send(&ClientFrame::Unsubscribe { conv_id });
    }
    inbox.selected.set(None);
    inbox.thread.set(None);
    inbox.detail.set(None);
}

/// Fetches the page of history before the oldest message held.
pub fn load_older(inbox: Inbox) {
    let Some(token) = inbox.token() else { return };
    let Some((conv_id, Some(before))) = inbox
        .thread
        .with_untracked(|t| t.as_ref().map(|t| (t.conv_id.clone(), t.oldest_seq())))
    else {
        return;
    };
    spawn_local(async move {
        let path = format!("/conversations/{conv_id}/messages?before_seq={before}&limit={PAGE}");
        match call::<MessageList>("GET", &path, Some(&token), NO_BODY).await {
            Ok(page) => extend(inbox, &conv_id, page.messages),
            Err(e) => failed(inbox, e),
        }
    });
}

/// Marks the selected conversation read up to its newest message, if staff can see it.
pub fn mark_read(inbox: Inbox) {
    if !net::page_visible() {
        return;
    }
    let Some(token) = inbox.token() else { return };
    let newest = inbox
        .thread
        .with_untracked(|t| t.as_ref().map(|t| (t.conv_id.clone(), t.newest_seq())));
    let read = inbox.detail.with_untracked(|d| {
        d.as_ref()
            .map(|d| (d.summary.conv_id.clone(), d.staff_read_seq))
    });
    let (Some((conv_id, seq)), Some((detail_id, read_seq))) = (newest, read) else {
        return;
    };
    if conv_id != detail_id || seq <= read_seq {
        return;
    }
    inbox.detail.update(|d| {
        if let Some(d) = d {
            d.staff_read_seq = seq;
        }
    });
    inbox
        .list
        .update(|l| l.apply_read(&conv_id, Side::Staff, seq));
    spawn_local(async move {
        let path = format!("/conversations/{conv_id}/read");
        if let Err(e) = call::<()>("POST", &path, Some(&token), Some(&ReadRequest { seq })).await {
            failed(inbox, e);
        }
    });
}

/// Sends a reply: shown at once as pending, then sent or failed. The error is
/// for the composer (the text stays there).
pub fn send_reply(
    inbox: Inbox,
    text: &str,
    attachments: Vec<natter_protocol::Attachment>,
) -> Result<(), String> {
    let text = validate::text_with(text, attachments.len()).map_err(|e| e.message)?;
    let conv_id = inbox
        .selected
        .get_untracked()
        .ok_or("Select a conversation first.")?;
    let client_msg_id = net::new_client_msg_id();
    let outgoing = Outgoing {
        client_msg_id: client_msg_id.clone(),
        text: text.clone(),
        created_at: net::now_ms(),
        delivery: Delivery::Pending,
        attachments,
    };
    let ids = outgoing.attachments.iter().map(|a| a.id.clone()).collect();
    inbox.thread.update(|t| {
        if let Some(t) = t {
            t.push_pending(outgoing);
        }
    });
    stop_typing(inbox);
    // Answering a resolved conversation reopens it (the pane says so above the box).
    if inbox.detail.with_untracked(|d| {
        d.as_ref().is_some_and(|d| {
            d.summary.conv_id == conv_id && d.summary.status == ConversationStatus::Resolved
        })
    }) {
        set_status(inbox, ConversationStatus::Open);
    }
    post_reply(inbox, conv_id, client_msg_id, text, ids);
    Ok(())
}

/// Sends a failed reply again with the same `client_msg_id`, so it is stored once.
pub fn retry(inbox: Inbox, client_msg_id: String) {
    let Some((conv_id, text, ids)) = inbox.thread.with_untracked(|t| {
        t.as_ref().and_then(|t| {
            t.outgoing(&client_msg_id).map(|o| {
                let ids = o.attachments.iter().map(|a| a.id.clone()).collect();
                (t.conv_id.clone(), o.text.clone(), ids)
            })
        })
    }) else {
        return;
    };
    set_delivery(inbox, &client_msg_id, Delivery::Pending);
    post_reply(inbox, conv_id, client_msg_id, text, ids);
}

fn set_delivery(inbox: Inbox, client_msg_id: &str, delivery: Delivery) {
    inbox.thread.update(|t| {
        if let Some(t) = t {
            t.set_delivery(client_msg_id, delivery);
        }
    });
}

fn post_reply(
    inbox: Inbox,
    conv_id: ConvId,
    client_msg_id: String,
    text: String,
    attachment_ids: Vec<String>,
) {
    let Some(token) = inbox.token() else { return };
    spawn_local(async move {
        let path = format!("/conversations/{conv_id}/replies");
        let body = PostMessage {
            text,
            client_msg_id: client_msg_id.clone(),
            attachment_ids,
        };
        match call::<MessageEnvelope>("POST", &path, Some(&token), Some(&body)).await {
            Ok(envelope) => on_message(inbox, envelope.message),
            Err(ApiError::Unauthorized) => expire(inbox),
            Err(e) => set_delivery(inbox, &client_msg_id, Delivery::Failed(e.message())),
        }
    });
}

/// Tells the visitor that staff are typing (at most every 3 s while typing goes on; the
/// widget forgets an indicator that is not repeated).
pub fn staff_typing(inbox: Inbox) {
    let now = net::now_ms();
    if now - inbox.typing_sent.get_value() < 3_000 {
        return;
    }
    let Some(conv_id) = inbox.selected.get_untracked() else {
        return;
    };
    // Until the conversation is subscribed the server refuses the frame: `subscribe`
    // says it once it is, or the visitor would not hear of it before the next 3 s.
    let subscribed = inbox
        .detail
        .with_untracked(|d| d.as_ref().is_some_and(|d| d.summary.conv_id == conv_id));
    if !subscribed {
        inbox.typing_held.set_value(true);
        return;
    }
    if socket::send(&ClientFrame::Typing {
        conv_id,
        typing: true,
    }) {
        inbox.typing_sent.set_value(now);
    }
}

/// Tells the visitor that staff stopped typing (the box was emptied or sent, or staff
/// left the conversation), if they were told otherwise.
pub fn stop_typing(inbox: Inbox) {
    inbox.typing_held.set_value(false);
    if inbox.typing_sent.get_value() == 0 {
        return;
    }
    inbox.typing_sent.set_value(0);
    if let Some(conv_id) = inbox.selected.get_untracked() {
        socket::send(&ClientFrame::Typing {
            conv_id,
            typing: false,
        });
    }
}

/// Opens what the address names (`#/c/<conv_id>`), or the list when it names nothing: on
/// start, and when the back and forward buttons change it.
pub fn follow_route(inbox: Inbox) {
    match net::route() {
        Some(conv_id) => select(inbox, conv_id),
        None if inbox.selected.with_untracked(Option::is_some) => deselect(inbox),
        None => {}
    }
}

/// Downloads the selected conversation's transcript as text.
pub fn download_transcript(inbox: Inbox) {
    let (Some(token), Some(conv_id)) = (inbox.token(), inbox.selected.get_untracked()) else {
        return;
    };
    spawn_local(async move {
        let path = format!("/conversations/{conv_id}/transcript?format=text");
        let name = format!("conversation-{conv_id}.txt");
        if let Err(e) = net::download(&path, &token, &name).await {
            failed(inbox, e);
        }
    });
}

/// Saves everything stored about a visitor as a JSON file (owners and admins).
pub fn export_visitor(inbox: Inbox, visitor_id: String) {
    let Some(token) = inbox.token() else { return };
    spawn_local(async move {
        let path = format!("/visitors/{visitor_id}/export");
        if let Err(e) = net::download(&path, &token, &format!("visitor-{visitor_id}.json")).await {
            failed(inbox, e);
        }
    });
}

/// Erases a visitor and all of theirs, once staff confirm it (owners and admins).
pub fn erase_visitor(inbox: Inbox, visitor_id: String, name: String) {
    let question = format!(
        "Erase {name} and everything of theirs — every conversation and message, for good? This cannot be undone."
    );
    if !net::confirm(&question) {
        return;
    }
    spawn_local(async move {
        let path = format!("/visitors/{visitor_id}");
        match request::<()>(inbox, "DELETE", &path, NO_BODY).await {
            Ok(()) => {
                if let Some(conv_id) = inbox.selected.get_untracked() {
                    on_conversation_deleted(inbox, &conv_id);
                }
                inbox
                    .banner
                    .set(Some(format!("{name} and their conversations were erased.")));
            }
            Err(message) => inbox.banner.set(Some(message)),
        }
    });
}

/// A conversation is gone (its visitor was erased): off the list, and closed if open.
fn on_conversation_deleted(inbox: Inbox, conv_id: &ConvId) {
    inbox.list.update(|l| l.remove(conv_id));
    if inbox.is_selected(conv_id) {
        deselect(inbox);
    }
}

/// Resolves or reopens the selected conversation.
pub fn set_status(inbox: Inbox, status: ConversationStatus) {
    update_selected(
        inbox,
        UpdateConversation {
            status: Some(status),
            ..UpdateConversation::default()
        },
    );
}

/// Assigns the selected conversation to a member (`None`: to nobody).
pub fn assign(inbox: Inbox, assignee_id: Option<String>) {
    update_selected(
        inbox,
        UpdateConversation {
            assignee_id: Some(assignee_id),
            ..UpdateConversation::default()
        },
    );
}

fn update_selected(inbox: Inbox, change: UpdateConversation) {
    let (Some(token), Some(conv_id)) = (inbox.token(), inbox.selected.get_untracked()) else {
        return;
    };
    spawn_local(async move {
        let path = format!("/conversations/{conv_id}");
        match call::<ConversationDetail>("PATCH", &path, Some(&token), Some(&change)).await {
            Ok(detail) => {
                inbox.list.update(|l| l.upsert(detail.summary.clone()));
                if inbox.is_selected(&conv_id) {
                    inbox.detail.set(Some(detail));
                }
            }
            Err(e) => failed(inbox, e),
        }
    });
}

/// Fetches a conversation the list does not know yet (e.g. one reopened while filtered out).
fn fetch_summary(inbox: Inbox, conv_id: ConvId) {
    let Some(token) = inbox.token() else { return };
    spawn_local(async move {
        if let Ok(detail) = call::<ConversationDetail>(
            "GET",
            &format!("/conversations/{conv_id}"),
            Some(&token),
            NO_BODY,
        )
        .await
        {
            inbox.list.update(|l| l.upsert(detail.summary));
        }
    });
}

/// Every frame from the staff socket.
pub fn on_frame(inbox: Inbox, frame: ServerFrame) {
    inbox.frames_seen.update_value(|n| *n += 1);
    match frame {
        ServerFrame::Authenticated { .. } => {
            socket::authenticated();
            inbox.connection.set(Connection::Online);
            // Resume: refresh the list and replay what the open conversation missed.
            resync(inbox, inbox.filter.get_untracked());
            subscribe(inbox);
        }
        ServerFrame::Message { message } => on_message(inbox, message),
        ServerFrame::MessageDeleted { message } => on_deleted(inbox, message),
        ServerFrame::Note { note } => add_notes(inbox, &note.conv_id.clone(), vec![note]),
        ServerFrame::Labeled { conv_id, labels } => on_labels(inbox, &conv_id, &labels),
        ServerFrame::ConversationDeleted { conv_id } => on_conversation_deleted(inbox, &conv_id),
        ServerFrame::Typing {
            conv_id,
            side: Side::Visitor,
            typing,
            name,
        } if inbox.is_selected(&conv_id) => {
            on_typing(
                inbox,
                typing.then(|| name.unwrap_or_else(|| "The visitor".to_owned())),
            );
        }
        ServerFrame::Read { conv_id, side, seq } => {
            inbox.list.update(|l| l.apply_read(&conv_id, side, seq));
            if side == Side::Visitor {
                inbox.detail.update(|d| {
                    if let Some(d) = d.as_mut().filter(|d| d.summary.conv_id == conv_id) {
                        d.visitor_read_seq = d.visitor_read_seq.max(seq);
                    }
                });
            }
        }
        ServerFrame::Assigned {
            conv_id,
            assignee_id,
        } => {
            // Someone who joined since the team was loaded: load it again for the name.
            let known = assignee_id.as_ref().is_none_or(|id| {
                inbox.team.with_untracked(|team| {
                    team.as_ref()
                        .is_some_and(|team| team.iter().any(|m| &m.member.id == id))
                })
            });
            if !known {
                load_team(inbox);
            }
            inbox
                .list
                .update(|l| l.apply_assignee(&conv_id, assignee_id.clone()));
            inbox.detail.update(|d| {
                if let Some(d) = d.as_mut().filter(|d| d.summary.conv_id == conv_id) {
                    d.summary.assignee_id = assignee_id;
                }
            });
        }
        ServerFrame::Conversation {
            conv_id, status, ..
        } => {
            inbox.list.update(|l| l.apply_status(&conv_id, status));
            let loaded = inbox.detail.try_update(|d| {
                d.as_mut()
                    .filter(|d| d.summary.conv_id == conv_id)
                    .map(|d| d.summary.status = status)
                    .is_some()
            });
            if loaded != Some(true) && inbox.is_selected(&conv_id) {
                inbox.early_status.set_value(Some((conv_id, status)));
            }
        }
        ServerFrame::ConversationCreated { conversation } => {
            if let Some(message) = &conversation.last_message {
                notify(message, &conversation.visitor.name);
            }
            inbox.list.update(|l| l.upsert(*conversation));
        }
        ServerFrame::Conversations { conversations } => {
            let status = inbox.resyncs.try_update_value(|q| q.pop_front()).flatten();
            let status = status.unwrap_or_else(|| inbox.filter.get_untracked());
            inbox
                .list
                .update(|l| l.replace_status(status, conversations));
        }
        ServerFrame::Error { code, message, .. } => {
            if code == error_code::UNAUTHORIZED {
                expire(inbox);
            } else {
                inbox.banner.set(Some(message));
            }
        }
        // A long replay paused: ask for the next page while the conversation is open.
        ServerFrame::More { conv_id, after_seq } => {
            if inbox.is_selected(&conv_id) {
                socket::send(&ClientFrame::Subscribe {
                    conv_id,
                    token: None,
                    after_seq,
                });
            }
        }
        ServerFrame::Typing { .. }
        | ServerFrame::Presence { .. }
        | ServerFrame::Subscribed { .. }
        | ServerFrame::Unsubscribed { .. }
        | ServerFrame::Pong => {}
    }
}

/// A message's tombstone (from the socket or a delete's answer) replaces it.
fn on_deleted(inbox: Inbox, tombstone: Message) {
    inbox.list.update(|l| l.apply_deleted(&tombstone));
    inbox.thread.update(|t| {
        if let Some(t) = t {
            t.insert(tombstone);
        }
    });
}

/// Deletes a message of the open conversation for everyone, once staff confirm it.
pub fn delete_message(inbox: Inbox, message: &Message) {
    if !net::confirm("Delete this message? Its text is erased for you and the visitor.") {
        return;
    }
    let Some(token) = inbox.token() else { return };
    let path = format!("/conversations/{}/messages/{}", message.conv_id, message.id);
    spawn_local(async move {
        match call::<MessageEnvelope>("DELETE", &path, Some(&token), NO_BODY).await {
            Ok(envelope) => on_deleted(inbox, envelope.message),
            Err(e) => failed(inbox, e),
        }
    });
}

fn add_notes(inbox: Inbox, conv_id: &ConvId, notes: Vec<Note>) {
    inbox.thread.update(|t| {
        if let Some(t) = t.as_mut().filter(|t| &t.conv_id == conv_id) {
            t.add_notes(notes);
        }
    });
}

/// Writes an internal note on the open conversation; the error is for the composer.
pub async fn send_note(inbox: Inbox, text: &str) -> Result<(), String> {
    let text = validate::text(text).map_err(|e| e.message)?;
    let conv_id = inbox
        .selected
        .get_untracked()
        .ok_or("Select a conversation first.")?;
    let token = inbox.token().ok_or("Sign in again.")?;
    let body = PostMessage {
        text,
        client_msg_id: net::new_client_msg_id(),
        attachment_ids: Vec::new(),
    };
    let path = format!("/conversations/{conv_id}/notes");
    match call::<Note>("POST", &path, Some(&token), Some(&body)).await {
        Ok(note) => {
            add_notes(inbox, &conv_id, vec![note]);
            Ok(())
        }
        Err(ApiError::Unauthorized) => {
            expire(inbox);
            Err("Sign in again.".to_owned())
        }
        Err(e) => Err(e.message()),
    }
}

/// A message of any conversation, from the socket or a reply's answer.
pub fn on_message(inbox: Inbox, message: Message) {
    let conv_id = message.conv_id.clone();
    let selected = inbox.is_selected(&conv_id);
    let viewing = selected && net::page_visible();
    let update = inbox
        .list
        .try_update(|l| l.apply_message(&message, viewing));
    if update == Some(ListUpdate::Unknown) {
        fetch_summary(inbox, conv_id.clone());
    }
    if message.direction == Direction::In
        && update != Some(ListUpdate::Stale)
        && !net::page_visible()
    {
        notify(&message, &message.sender.name);
    }
    if !selected {
        return;
    }
    let is_in = message.direction == Direction::In;
    let inserted = inbox
        .thread
        .try_update(|t| t.as_mut().map(|t| t.insert(message)))
        .flatten();
    if let Some(Inserted::Gap { after, before }) = inserted {
        fill_gap(inbox, conv_id, after, before);
    }
    if is_in {
        inbox.typing.set(None);
        mark_read(inbox);
    }
}

/// Fetches the messages between `after` and `before` that the thread is missing.
fn fill_gap(inbox: Inbox, conv_id: ConvId, after: u64, before: u64) {
    let Some(token) = inbox.token() else { return };
    spawn_local(async move {
        let limit = (before - after - 1).min(500);
        let path = format!("/conversations/{conv_id}/messages?after_seq={after}&limit={limit}");
        match call::<MessageList>("GET", &path, Some(&token), NO_BODY).await {
            Ok(page) => extend(inbox, &conv_id, page.messages),
            Err(e) => failed(inbox, e),
        }
    });
}

fn on_typing(inbox: Inbox, name: Option<String>) {
    let stamp = net::now_ms();
    inbox.typing.set(name.map(|n| (n, stamp)));
    // Clear a "typing" that is never followed by its "stopped typing".
    set_timeout(
        move || {
            if inbox
                .typing
                .with_untracked(|t| t.as_ref().is_some_and(|(_, s)| *s == stamp))
            {
                inbox.typing.set(None);
            }
        },
        TYPING_TTL,
    );
}

/// For a visitor message while the tab is in the background: a chime (unless muted
/// in this browser) and a browser notification if staff allowed them (the title
/// badge shows the count regardless).
fn notify(message: &Message, name: &str) {
    if net::page_visible() {
        return;
    }
    if net::sound_on() {
        net::chime();
    }
    if !net::notifications_allowed() {
        return;
    }
    let options = web_sys::NotificationOptions::new();
    options.set_body(&message.text);
    options.set_tag(&message.conv_id.0);
    let _ = web_sys::Notification::new_with_options(name, &options);
}

/// The organization's webhook endpoints.
pub async fn webhooks(inbox: Inbox) -> Result<Vec<Webhook>, String> {
    request::<Webhooks>(inbox, "GET", "/webhooks", NO_BODY)
        .await
        .map(|w| w.webhooks)
}

/// Adds an endpoint; the answer holds its secret, this once.
pub async fn add_webhook(inbox: Inbox, new: NewWebhook) -> Result<Webhook, String> {
    request(inbox, "POST", "/webhooks", Some(&new)).await
}

fn webhook_path(id: &str) -> String {
    format!("/webhooks/{}", js_sys::encode_uri_component(id))
}

/// Changes an endpoint (a rotation answers the new secret).
pub async fn update_webhook(
    inbox: Inbox,
    id: &str,
    change: UpdateWebhook,
) -> Result<Webhook, String> {
    request(inbox, "PATCH", &webhook_path(id), Some(&change)).await
}

pub async fn delete_webhook(inbox: Inbox, id: &str) -> Result<(), String> {
    request(inbox, "DELETE", &webhook_path(id), NO_BODY).await
}

/// An endpoint's recent deliveries, newest first.
pub async fn webhook_deliveries(inbox: Inbox, id: &str) -> Result<Vec<WebhookDelivery>, String> {
    let path = format!("{}/deliveries", webhook_path(id));
    request::<WebhookDeliveries>(inbox, "GET", &path, NO_BODY)
        .await
        .map(|d| d.deliveries)
}

/// Sends the endpoint a test event.
pub async fn test_webhook(inbox: Inbox, id: &str) -> Result<WebhookDelivery, String> {
    let path = format!("{}/test", webhook_path(id));
    request(inbox, "POST", &path, NO_BODY).await
}

/// Sends a delivery's event again.
pub async fn redeliver(inbox: Inbox, id: &str, delivery: &str) -> Result<WebhookDelivery, String> {
    let path = format!(
        "{}/deliveries/{}/redeliver",
        webhook_path(id),
        js_sys::encode_uri_component(delivery)
    );
    request(inbox, "POST", &path, NO_BODY).await
}

/// The organization's API tokens.
pub async fn api_tokens(inbox: Inbox) -> Result<Vec<ApiToken>, String> {
    request::<ApiTokens>(inbox, "GET", "/api-tokens", NO_BODY)
        .await
        .map(|t| t.api_tokens)
}

/// Makes a token; the answer holds it, this once.
pub async fn add_api_token(inbox: Inbox, new: NewApiToken) -> Result<ApiToken, String> {
    request(inbox, "POST", "/api-tokens", Some(&new)).await
}

pub async fn revoke_api_token(inbox: Inbox, id: &str) -> Result<(), String> {
    let path = format!("/api-tokens/{}", js_sys::encode_uri_component(id));
    request(inbox, "DELETE", &path, NO_BODY).await
}
