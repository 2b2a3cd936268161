//! Webhook endpoints (issue 20): owners and admins add them, choose their events,
//! rotate their secrets, read their deliveries and send one again. Events themselves
//! are written by the store with each change; `crate::webhooks` sends them.

use crate::auth::{Permission, StaffAuth};
use crate::http::error::{ApiError, ApiResult};
use crate::mail::{Email, html_escape};
use crate::state::AppState;
use crate::store::{DeliveryRow, WebhookChanges, WebhookRow, events_column};
use base64::Engine;
use natter_protocol::{
    DeliveryStatus, NewWebhook, UpdateWebhook, Webhook, WebhookDelivery, WebhookEvent,
};
use rand::RngCore;

/// Endpoints per organization.
const MAX_ENDPOINTS: usize = 20;
/// Deliveries a log shows.
const LOG_LENGTH: u32 = 50;

/// A new signing secret: `whsec_` and 32 random bytes, base64url.
fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!(
        "whsec_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

fn invalid(code: &str, message: &str) -> ApiError {
    ApiError::Invalid {
        code: code.to_owned(),
        message: message.to_owned(),
    }
}

fn url(state: &AppState, url: &str) -> ApiResult<String> {
    let url = url.trim();
    state
        .webhooks
        .policy()
        .check(url)
        .map_err(|message| invalid("invalid_url", message))?;
    Ok(url.to_owned())
}

fn events(events: &[WebhookEvent]) -> ApiResult<String> {
    if events.is_empty() {
        return Err(invalid("invalid_events", "Choose at least one event."));
    }
    Ok(events_column(events))
}

fn to_api(row: WebhookRow, secret: Option<String>) -> Webhook {
    Webhook {
        events: row.events(),
        id: row.id,
        url: row.url,
        include_notes: row.include_notes != 0,
        enabled: row.enabled != 0,
        failing_since: row.failing_since,
        created_at: row.created_at,
        secret,
    }
}

fn delivery_to_api(row: DeliveryRow) -> WebhookDelivery {
    let status = match row.status.as_str() {
        "delivered" => DeliveryStatus::Delivered,
        "failed" => DeliveryStatus::Failed,
        _ => DeliveryStatus::Pending,
    };
    WebhookDelivery {
        id: row.id.to_string(),
        event_id: row.event_id,
        event_type: row.event_type,
        status,
        attempts: u32::try_from(row.attempts).unwrap_or(u32::MAX),
        response_status: row.response_status.and_then(|s| u16::try_from(s).ok()),
        response_ms: row.response_ms.and_then(|s| u64::try_from(s).ok()),
        response_excerpt: row.response_excerpt,
        error: row.last_error,
        created_at: row.created_at,
        done_at: row.done_at,
        next_attempt_at: (status == DeliveryStatus::Pending).then_some(row.run_at),
    }
}

pub async fn list(state: &AppState, auth: &StaffAuth) -> ApiResult<Vec<Webhook>> {
    auth.require(Permission::ManageIntegrations)?;
    let rows = state.store.webhooks(&auth.staff.org_id).await?;
    Ok(rows.into_iter().map(|r| to_api(r, None)).collect())
}

/// Adds an endpoint; its secret is in this answer only.
pub async fn create(state: &AppState, auth: &StaffAuth, new: NewWebhook) -> ApiResult<Webhook> {
    auth.require(Permission::ManageIntegrations)?;
    let url = url(state, &new.url)?;
    let events = events(&new.events)?;
    let org_id = &auth.staff.org_id;
    if state.store.webhooks(org_id).await?.len() >= MAX_ENDPOINTS {
        return Err(invalid(
            "too_many_webhooks",
            "An organization has at most 20 webhook endpoints.",
        ));
    }
    let secret = new_secret();
    let row = state
        .store
        .create_webhook(org_id, &url, &events, new.include_notes, &secret)
        .await?;
    Ok(to_api(row, Some(secret)))
}

/// Changes what is given; `rotate_secret` answers the new secret (the old one stops
/// signing at once).
pub async fn update(
    state: &AppState,
    auth: &StaffAuth,
    id: &str,
    change: UpdateWebhook,
) -> ApiResult<Webhook> {
    auth.require(Permission::ManageIntegrations)?;
    let secret = (change.rotate_secret == Some(true)).then(new_secret);
    let changes = WebhookChanges {
        url: change.url.as_deref().map(|u| url(state, u)).transpose()?,
        events: change.events.as_deref().map(events).transpose()?,
        include_notes: change.include_notes,
        enabled: change.enabled,
        secret: secret.clone(),
    };
    let row = state
        .store
        .update_webhook(&auth.staff.org_id, id, changes)
        .await?
        .ok_or(ApiError::NotFound("webhook"))?;
    Ok(to_api(row, secret))
}

pub async fn delete(state: &AppState, auth: &StaffAuth, id: &str) -> ApiResult<()> {
    auth.require(Permission::ManageIntegrations)?;
    if state.store.delete_webhook(&auth.staff.org_id, id).await? {
        Ok(())
    } else {
        Err(ApiError::NotFound("webhook"))
    }
}

/// The endpoint of the caller's organization, or 404.
async fn own(state: &AppState, auth: &StaffAuth, id: &str) -> ApiResult<WebhookRow> {
    auth.require(Permission::ManageIntegrations)?;
    state
        .store
        .webhook(&auth.staff.org_id, id)
        .await?
        .ok_or(ApiError::NotFound("webhook"))
}

/// The endpoint's most recent deliveries, newest first.
pub async fn deliveries(
    state: &AppState,
    auth: &StaffAuth,
    id: &str,
) -> ApiResult<Vec<WebhookDelivery>> {
    let webhook = own(state, auth, id).await?;
    let rows = state
        .store
        .webhook_deliveries(&webhook.id, LOG_LENGTH)
        .await?;
    Ok(rows.into_iter().map(delivery_to_api).collect())
}

/// Sends a delivery's event again (same event id), as a new delivery.
pub async fn redeliver(
    state: &AppState,
    auth: &StaffAuth,
    id: &str,
    delivery_id: &str,
) -> ApiResult<WebhookDelivery> {
    let webhook = own(state, auth, id).await?;
    let delivery_id: i64 = delivery_id
        .parse()
        .map_err(|_| ApiError::NotFound("delivery"))?;
    let row = state
        .store
        .redeliver(&webhook.id, delivery_id)
        .await?
        .ok_or(ApiError::NotFound("delivery"))?;
    Ok(delivery_to_api(row))
}

/// Sends a `webhook.test` event to the endpoint.
pub async fn test(state: &AppState, auth: &StaffAuth, id: &str) -> ApiResult<WebhookDelivery> {
    let webhook = own(state, auth, id).await?;
    let row = state
        .store
        .test_webhook(&auth.staff.org_id, &webhook.id)
        .await?;
    Ok(delivery_to_api(row))
}

/// Emails the organization's owners and admins that an endpoint is failing (a job,
/// written when a delivery to it was given up).
pub async fn failing_alert(state: &AppState, webhook_id: &str) -> Result<(), String> {
    let Some(mailer) = &state.mailer else {
        return Ok(());
    };
    let err = |e: crate::store::StoreError| e.to_string();
    let Some((org_id, url)) = state.store.webhook_org(webhook_id).await.map_err(err)? else {
        return Ok(());
    };
    let to = state.store.admin_emails(&org_id).await.map_err(err)?;
    if to.is_empty() {
        return Ok(());
    }
    let link = format!(
        "{}/inbox/settings/integrations",
        super::continuity::link_base(state)
    );
    let lead = format!(
        "Natter gave up delivering an event to your webhook endpoint {url} after retrying for about a day. Later events are still sent; its delivery log says what it answered."
    );
    mailer
        .send(Email {
            to,
            subject: "A webhook endpoint is failing".to_owned(),
            text: format!("{lead}\n\nSee the deliveries: {link}\n"),
            html: format!(
                "<p>{}</p><p><a href=\"{}\">See the deliveries</a></p>",
                html_escape(&lead),
                html_escape(&link)
            ),
            ..Email::default()
        })
        .await
}
