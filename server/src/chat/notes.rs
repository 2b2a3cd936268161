//! Internal notes: staff talk about a conversation where its visitor cannot see.
//! They live apart from messages (`store::notes`), reach only staff sockets, and
//! `@name` mentions email the member named (when email is on).

use super::{Committed, access, commit};
use crate::auth::Principal;
use crate::http::error::ApiResult;
use crate::hub::{Audience, Event};
use crate::mail::Email;
use crate::state::AppState;
use crate::store::NewNote;
use natter_protocol::{Note, PostMessage, ServerFrame, StaffMember, validate};

/// A note written, and whether this call wrote it (`false`: the same `client_msg_id`
/// was used before and this is that note).
pub struct Written {
    pub note: Note,
    pub created: bool,
}

/// `staff` writes a note into a conversation of their organization.
pub async fn post(
    state: &AppState,
    staff: &StaffMember,
    conv_id: &str,
    body: PostMessage,
) -> ApiResult<Written> {
    let principal = Principal::Staff(staff.clone());
    let conversation = access::conversation(state, &principal, conv_id).await?;
    let text = validate::text(&body.text)?;
    let client_msg_id = validate::client_msg_id(&body.client_msg_id)?;
    // The team is read only when a name could be mentioned.
    let mentioned = if text.contains('@') {
        let team: Vec<StaffMember> = state
            .store
            .staff_of(&conversation.org_id)
            .await?
            .into_iter()
            .map(|m| m.member)
            .collect();
        mentions(&text, &team)
    } else {
        Vec::new()
    };
    let alert = state.mailer.is_some();
    let store = state.store.clone();
    let author = staff.clone();
    commit(state, async move {
        let conv_id = conversation.conv_id();
        let (note, created) = store
            .add_note(
                &conv_id,
                NewNote {
                    author: &author,
                    text: &text,
                    client_msg_id: &client_msg_id,
                    mentions: &mentioned,
                    alert,
                },
            )
            .await?;
        let events = if created {
            vec![Event {
                org_id: conversation.org_id.clone(),
                conv_id,
                audience: Audience::Staff,
                frame: ServerFrame::Note { note: note.clone() },
            }]
        } else {
            Vec::new()
        };
        Ok(Committed {
            value: Written { note, created },
            events,
            ended_sessions: Vec::new(),
        })
    })
    .await
}

/// A conversation's notes, oldest first, for staff of its organization.
pub async fn list(state: &AppState, staff: &StaffMember, conv_id: &str) -> ApiResult<Vec<Note>> {
    let principal = Principal::Staff(staff.clone());
    let conversation = access::conversation(state, &principal, conv_id).await?;
    Ok(state.store.notes(&conversation.conv_id()).await?)
}

/// The members `text` mentions: `@` then a member's full name or first name,
/// whatever the case, not followed by a letter or digit. Each member once, in team order.
pub fn mentions(text: &str, team: &[StaffMember]) -> Vec<String> {
    let lower = text.to_lowercase();
    let mentioned = |name: &str| {
        let wanted = format!("@{}", name.to_lowercase());
        lower.match_indices(&wanted).any(|(at, m)| {
            lower[at + m.len()..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphanumeric())
        })
    };
    team.iter()
        .filter(|member| {
            let name = member.name.trim();
            let first = name.split_whitespace().next().unwrap_or_default();
            !first.is_empty() && (mentioned(name) || mentioned(first))
        })
        .map(|member| member.id.clone())
        .collect()
}

/// The job: emails a member that a note mentions them, with the note.
pub async fn mention_alert(
    state: &AppState,
    conv_id: &str,
    note_id: &str,
    staff_id: &str,
) -> Result<(), String> {
    let Some(mailer) = &state.mailer else {
        return Ok(());
    };
    let err = |e: crate::store::StoreError| e.to_string();
    let Some(note) = state.store.note(conv_id, note_id).await.map_err(err)? else {
        return Ok(());
    };
    let Some((to, detail)) =
        super::alerts::member_and_conversation(state, conv_id, staff_id).await?
    else {
        return Ok(());
    };
    let visitor = detail.summary.visitor.name;
    let author = note.author.name;
    let lead = format!("{author} mentioned you in a note on the conversation with {visitor}:");
    let email =
        super::alerts::quoting(state, conv_id, &lead, &[&note.text], "Open it in the inbox");
    mailer
        .send(Email {
            to: vec![to],
            subject: format!("{author} mentioned you: {visitor}"),
            ..email
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str, name: &str) -> StaffMember {
        StaffMember {
            id: id.into(),
            org_id: "o".into(),
            name: name.into(),
            email: format!("{id}@example.com"),
            role: "agent".into(),
        }
    }

    #[test]
    fn mentions_are_names_after_an_at_sign() {
        let team = [
            member("a", "Ann Lee"),
            member("b", "Bo"),
            member("c", "Annette"),
        ];
        let cases: &[(&str, &[&str])] = &[
            ("@Bo can you check?", &["b"]),
            ("@bo, and @ANN LEE too", &["a", "b"]),
            ("ask @Ann.", &["a"]),
            ("@Annette knows", &["c"]),
            ("email bo@example.com", &[]),
            ("@Bob is not Bo", &[]),
            ("no mention of Bo", &[]),
            ("@Bo @Bo @bo", &["b"]),
        ];
        for (text, want) in cases {
            assert_eq!(mentions(text, &team), *want, "{text}");
        }
    }
}
