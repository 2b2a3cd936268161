//! Labels: every member labels conversations (a new name joins the organization's
//! list with a colour of its own); owners and admins rename colours and delete labels.

use super::{Committed, access, commit};
use crate::auth::{Permission, Principal, StaffAuth};
use crate::http::error::{ApiError, ApiResult};
use crate::hub::{Audience, Event};
use crate::state::AppState;
use natter_protocol::{
    ConvId, ConversationDetail, Label, NewLabel, ServerFrame, StaffMember, UpdateLabel, validate,
};

/// Colours a label gets when nobody chose one: readable on light and dark, and the
/// same for the same name.
const PALETTE: [&str; 8] = [
    "#2563eb", "#16a34a", "#d97706", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#4b5563",
];

fn palette_color(name: &str) -> String {
    let hash = name.bytes().fold(0_usize, |h, b| {
        h.wrapping_mul(31).wrapping_add(usize::from(b))
    });
    PALETTE[hash % PALETTE.len()].to_owned()
}

fn color(value: &str) -> ApiResult<String> {
    validate::theme_color(value).map_err(|_| ApiError::Invalid {
        code: "invalid_color".to_owned(),
        message: "color must be a colour like #4f46e5".to_owned(),
    })
}

/// The organization's labels, by name.
pub async fn list(state: &AppState, staff: &StaffMember) -> ApiResult<Vec<Label>> {
    Ok(state.store.labels(&staff.org_id).await?)
}

pub async fn create(state: &AppState, auth: &StaffAuth, new: NewLabel) -> ApiResult<Label> {
    auth.require(Permission::ManageWebsites)?;
    let name = validate::label(&new.name).map_err(|mut e| {
        e.field = "name";
        e
    })?;
    let color = match &new.color {
        Some(c) => color(c)?,
        None => palette_color(&name),
    };
    let label = Label { name, color };
    state.store.create_label(&auth.staff.org_id, &label).await?;
    Ok(label)
}

pub async fn update(
    state: &AppState,
    auth: &StaffAuth,
    name: &str,
    change: UpdateLabel,
) -> ApiResult<Label> {
    auth.require(Permission::ManageWebsites)?;
    let label = Label {
        name: name.to_ascii_lowercase(),
        color: color(&change.color)?,
    };
    if state.store.update_label(&auth.staff.org_id, &label).await? {
        Ok(label)
    } else {
        Err(ApiError::NotFound("label"))
    }
}

/// Deletes a label and takes it off every conversation (whose staff are told).
pub async fn delete(state: &AppState, auth: &StaffAuth, name: &str) -> ApiResult<()> {
    auth.require(Permission::ManageWebsites)?;
    let store = state.store.clone();
    let org_id = auth.staff.org_id.clone();
    let name = name.to_ascii_lowercase();
    commit(state, async move {
        let convs = store
            .delete_label(&org_id, &name)
            .await?
            .ok_or(ApiError::NotFound("label"))?;
        let mut events = Vec::new();
        for conv in convs {
            let conv_id = ConvId(conv);
            if let Some(detail) = store.conversation_detail(&conv_id).await? {
                events.push(labeled(&org_id, conv_id, detail.summary.labels));
            }
        }
        Ok(Committed {
            value: (),
            events,
            ended_sessions: Vec::new(),
        })
    })
    .await
}

fn labeled(org_id: &str, conv_id: ConvId, labels: Vec<String>) -> Event {
    Event {
        org_id: org_id.to_owned(),
        conv_id: conv_id.clone(),
        audience: Audience::Staff,
        frame: ServerFrame::Labeled { conv_id, labels },
    }
}

/// Sets a conversation's labels (all of them); every staff socket of the organization
/// is told.
pub async fn set(
    state: &AppState,
    staff: &StaffMember,
    conv_id: &str,
    labels: Vec<String>,
) -> ApiResult<ConversationDetail> {
    let principal = Principal::Staff(staff.clone());
    let conversation = access::conversation(state, &principal, conv_id).await?;
    let labels = validate::labels(&labels)?;
    let store = state.store.clone();
    commit(state, async move {
        let conv_id = conversation.conv_id();
        store
            .set_labels(&conversation.org_id, &conv_id.0, &labels, palette_color)
            .await?;
        let detail = store
            .conversation_detail(&conv_id)
            .await?
            .ok_or(ApiError::NotFound("conversation"))?;
        let event = labeled(&conversation.org_id, conv_id, detail.summary.labels.clone());
        Ok(Committed {
            value: detail,
            events: vec![event],
            ended_sessions: Vec::new(),
        })
    })
    .await
}
