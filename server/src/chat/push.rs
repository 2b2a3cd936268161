//! Browser notifications to staff: each member's browsers subscribe, and every new
//! conversation and visitor message that nobody of the organization is looking at is
//! pushed to each subscribed browser of a member who wants it (one job per browser,
//! committed with the message).

use super::JobOutcome;
use crate::auth::StaffAuth;
use crate::http::error::{ApiError, ApiResult};
use crate::push::{Delivery, Subscription, topic};
use crate::state::AppState;
use natter_protocol::{ConvId, PushEndpoint, PushNotice, PushSubscription, VapidPublicKey};

/// Characters of the latest message a notification shows.
const PREVIEW_CHARS: usize = 140;

/// The key browsers subscribe with.
pub fn vapid_public_key(state: &AppState) -> VapidPublicKey {
    VapidPublicKey {
        key: state.pusher.public_key().to_owned(),
    }
}

/// Saves the caller's browser subscription (it becomes theirs if another member had it).
pub async fn subscribe(
    state: &AppState,
    auth: &StaffAuth,
    subscription: PushSubscription,
) -> ApiResult<()> {
    let endpoint = subscription.endpoint.trim();
    if endpoint.len() > 2048 {
        return Err(invalid("invalid_endpoint", "The endpoint is too long."));
    }
    state
        .pusher
        .check(&Subscription {
            endpoint,
            p256dh: &subscription.keys.p256dh,
            auth: &subscription.keys.auth,
        })
        .map_err(|why| {
            let code = if why.starts_with("The endpoint") {
                "invalid_endpoint"
            } else {
                "invalid_keys"
            };
            invalid(code, why)
        })?;
    state
        .store
        .save_push_subscription(
            &auth.staff.org_id,
            &auth.staff.id,
            endpoint,
            &subscription.keys.p256dh,
            &subscription.keys.auth,
        )
        .await?;
    Ok(())
}

/// Deletes the caller's subscription of this browser; deleting one that is gone is
/// done already.
pub async fn unsubscribe(state: &AppState, auth: &StaffAuth, which: PushEndpoint) -> ApiResult<()> {
    state
        .store
        .delete_push_subscription(&auth.staff.id, which.endpoint.trim())
        .await?;
    Ok(())
}

fn invalid(code: &str, message: &str) -> ApiError {
    ApiError::Invalid {
        code: code.to_owned(),
        message: message.to_owned(),
    }
}

/// The job: pushes `conv_id`'s news to subscription `subscription_id`, unless someone
/// is looking (online in the inbox), it was answered, or the browser or its member's
/// wish is gone.
pub async fn staff_push(state: &AppState, conv_id: &str, subscription_id: &str) -> JobOutcome {
    match push_once(state, conv_id, subscription_id).await {
        Ok(outcome) => outcome,
        Err(e) => JobOutcome::Retry(e.to_string()),
    }
}

async fn push_once(
    state: &AppState,
    conv_id: &str,
    subscription_id: &str,
) -> Result<JobOutcome, crate::store::StoreError> {
    let Some(target) = state.store.push_target(subscription_id).await? else {
        return Ok(JobOutcome::Done);
    };
    if target.push_enabled == 0 {
        return Ok(JobOutcome::Done);
    }
    let Some(mailing) = state.store.visitor_mailing(conv_id).await? else {
        return Ok(JobOutcome::Done);
    };
    if state.hub.has_staff_online(&mailing.org_id) {
        return Ok(JobOutcome::Done);
    }
    let (waiting, answered_before) = state.store.unanswered(conv_id).await?;
    let preview = match waiting.last() {
        Some(latest) => latest.text.chars().take(PREVIEW_CHARS).collect(),
        // A lead without a first message, or an answered conversation.
        None if !answered_before => String::new(),
        None => return Ok(JobOutcome::Done),
    };
    let notice = PushNotice {
        conv_id: ConvId(conv_id.to_owned()),
        visitor: mailing.visitor_name,
        preview,
        new_conversation: !answered_before,
    };
    let Ok(payload) = serde_json::to_vec(&notice) else {
        return Ok(JobOutcome::GiveUp("the notice cannot be written".into()));
    };
    let subscription = Subscription {
        endpoint: &target.endpoint,
        p256dh: &target.p256dh,
        auth: &target.auth,
    };
    match state
        .pusher
        .send(&subscription, &payload, &topic(conv_id))
        .await
    {
        Delivery::Sent => Ok(JobOutcome::Done),
        Delivery::Gone => {
            state
                .store
                .forget_push_subscription(subscription_id)
                .await?;
            Ok(JobOutcome::Done)
        }
        Delivery::Retry(why) => Ok(JobOutcome::Retry(why)),
        Delivery::Refused(why) => Ok(JobOutcome::GiveUp(why)),
    }
}
