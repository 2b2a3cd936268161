//! The team: who works in an organization, in which role, and each member's own
//! profile and password. Removing a member, or changing a password, ends sessions,
//! and their sockets close at once ([`super::commit`]).

use super::{Committed, commit};
use crate::auth::{
    Permission, Role, StaffAuth, hash_password, new_invitation_code, token_digest, verify_password,
};
use crate::http::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::StaffCredentials;
use natter_protocol::validate::{self, Invalid};
use natter_protocol::{
    AcceptInvitation, Availability, ChangePassword, CreateInvitation, Invitation, LoginResponse,
    NotificationSettings, StaffMember, StaffRole, TeamMember, error_code,
};

/// How long an invitation link works.
const INVITATION_TTL_MS: i64 = 7 * 24 * 3600 * 1000;

/// Every member of the caller's organization (any role may see who works there).
pub async fn list(state: &AppState, auth: &StaffAuth) -> ApiResult<Vec<TeamMember>> {
    Ok(state.store.staff_of(&auth.staff.org_id).await?)
}

/// The caller, as stored now.
pub async fn me(state: &AppState, auth: &StaffAuth) -> ApiResult<StaffMember> {
    Ok(find(state, auth, &auth.staff.id).await?.staff)
}

/// Renames the caller.
pub async fn rename_me(state: &AppState, auth: &StaffAuth, name: &str) -> ApiResult<StaffMember> {
    let name = validate::name(name)?;
    state.store.rename_staff(&auth.staff.id, &name).await?;
    me(state, auth).await
}

/// Changes the caller's password (the current one required); their other sessions end.
pub async fn change_password(
    state: &AppState,
    auth: &StaffAuth,
    request: ChangePassword,
) -> ApiResult<()> {
    let new = validate::password(&request.new_password).map_err(|e| Invalid {
        field: "new_password",
        message: e.message.replace("password", "new_password"),
    })?;
    let current = find(state, auth, &auth.staff.id).await?;
    let hash = current.password_hash;
    let given = request.current_password;
    // argon2 is slow and large: the few password threads verify and hash.
    let new_hash = state
        .passwords
        .run(move || verify_password(&given, Some(&hash)).then(|| hash_password(&new)))
        .await?
        .ok_or(ApiError::Forbidden("the current password is not right"))?
        .map_err(ApiError::Internal)?;
    end_other_sessions_after(state, auth, Some(new_hash)).await
}

/// Notes that a member's inbox is open; a failure only costs the team page accuracy.
pub async fn seen(state: &AppState, staff_id: &str) {
    if let Err(e) = state.store.staff_seen(staff_id).await {
        tracing::debug!(error = %e, "could not note a member as seen");
    }
}

/// Whether the caller set themselves away.
pub async fn availability(state: &AppState, auth: &StaffAuth) -> ApiResult<Availability> {
    Ok(Availability {
        away: state.store.staff_away(&auth.staff.id).await?,
    })
}

/// Sets the caller away (their open inboxes stop counting as online: visitors see the
/// team away, email alerts go out) or back.
pub async fn set_availability(
    state: &AppState,
    auth: &StaffAuth,
    wanted: Availability,
) -> ApiResult<Availability> {
    state
        .store
        .set_staff_away(&auth.staff.id, wanted.away)
        .await?;
    state
        .hub
        .set_away(&auth.staff.org_id, &auth.staff.id, wanted.away);
    Ok(wanted)
}

/// Which alerts reach the caller.
pub async fn notifications(state: &AppState, auth: &StaffAuth) -> ApiResult<NotificationSettings> {
    Ok(state.store.notification_settings(&auth.staff.id).await?)
}

/// Sets which alerts reach the caller.
pub async fn set_notifications(
    state: &AppState,
    auth: &StaffAuth,
    wanted: NotificationSettings,
) -> ApiResult<NotificationSettings> {
    state
        .store
        .set_notification_settings(&auth.staff.id, &wanted)
        .await?;
    Ok(wanted)
}

/// Whether a member is away, for their socket as it signs in (a failure: not away).
pub async fn is_away(state: &AppState, staff_id: &str) -> bool {
    state.store.staff_away(staff_id).await.unwrap_or(false)
}

/// Ends every session of the caller but the one they call with ("sign out everywhere").
pub async fn end_other_sessions(state: &AppState, auth: &StaffAuth) -> ApiResult<()> {
    end_other_sessions_after(state, auth, None).await
}

/// Stores the caller's new password hash, if any, and ends their other sessions, in one
/// commit that closes those sessions' sockets.
async fn end_other_sessions_after(
    state: &AppState,
    auth: &StaffAuth,
    new_password_hash: Option<String>,
) -> ApiResult<()> {
    let store = state.store.clone();
    let staff_id = auth.staff.id.clone();
    let keep = auth.token_digest.clone();
    commit(state, async move {
        if let Some(hash) = new_password_hash {
            store.set_password_hash(&staff_id, &hash).await?;
        }
        let ended_sessions = store.end_sessions(&staff_id, &keep).await?;
        Ok(Committed {
            value: (),
            events: Vec::new(),
            ended_sessions,
        })
    })
    .await
}

/// Gives a member of the caller's organization another role. Admins manage agents and
/// admins; only an owner makes, changes or removes an owner; one owner always remains.
pub async fn set_role(
    state: &AppState,
    auth: &StaffAuth,
    staff_id: &str,
    role: StaffRole,
) -> ApiResult<StaffMember> {
    let target = find(state, auth, staff_id).await?.staff;
    auth.require(Permission::ManageTeam)?;
    if Role::of(&target.role) == Role::Owner || role == StaffRole::Owner {
        auth.require(Permission::ManageOwners)?;
    }
    let org_id = &auth.staff.org_id;
    if !state
        .store
        .set_staff_role(org_id, staff_id, role.as_str())
        .await?
    {
        return Err(last_owner());
    }
    Ok(find(state, auth, staff_id).await?.staff)
}

/// Removes a member of the caller's organization: their sessions end and their open
/// inboxes close at once, on every instance.
pub async fn remove(state: &AppState, auth: &StaffAuth, staff_id: &str) -> ApiResult<()> {
    let target = find(state, auth, staff_id).await?.staff;
    auth.require(Permission::ManageTeam)?;
    if Role::of(&target.role) == Role::Owner {
        auth.require(Permission::ManageOwners)?;
    }
    let store = state.store.clone();
    let org_id = auth.staff.org_id.clone();
    let staff_id = staff_id.to_owned();
    commit(state, async move {
        let ended_sessions = store
            .delete_staff(&org_id, &staff_id)
            .await?
            .ok_or_else(last_owner)?;
        Ok(Committed {
            value: (),
            events: Vec::new(),
            ended_sessions,
        })
    })
    .await
}

/// Invites someone to the caller's organization with `role`: a one-time link, valid
/// for 7 days. `base`: the server's public address. Only an owner invites an owner.
pub async fn invite(
    state: &AppState,
    auth: &StaffAuth,
    request: CreateInvitation,
    base: &str,
) -> ApiResult<Invitation> {
    auth.require(Permission::ManageTeam)?;
    if request.role == StaffRole::Owner {
        auth.require(Permission::ManageOwners)?;
    }
    let email = validate::email(&request.email)?.to_lowercase();
    if state.store.staff_by_email(&email).await?.is_some() {
        return Err(ApiError::Conflict {
            code: error_code::ALREADY_EXISTS,
            message: format!("{email} already has a Natter account"),
        });
    }
    let code = new_invitation_code();
    let expires_at = crate::store::now_ms().saturating_add(INVITATION_TTL_MS);
    state
        .store
        .create_invitation(
            &token_digest(&code),
            &auth.staff.org_id,
            &email,
            request.role.as_str(),
            expires_at,
        )
        .await?;
    let invitation_url = format!("{base}/inbox/#/invite/{code}");
    // Emailed when email is on; the link is shown either way, so a refusal is reported,
    // not an error.
    let (emailed, email_error) = if state.mailer.is_some() {
        let email = super::email::invitation(
            &email,
            &auth.staff.name,
            request.role.as_str(),
            &invitation_url,
        );
        match super::email::send(state, email).await {
            Ok(()) => (true, None),
            Err(e) => (false, Some(e.to_string())),
        }
    } else {
        (false, None)
    };
    Ok(Invitation {
        invitation_url,
        expires_at,
        emailed,
        email_error,
    })
}

/// The holder of an invitation's code joins the team with a name and password, and
/// is signed in. A code works once, within its 7 days; else 404.
pub async fn accept(
    state: &AppState,
    code: &str,
    request: AcceptInvitation,
) -> ApiResult<LoginResponse> {
    let name = validate::name(&request.name)?;
    let password = validate::password(&request.password)?;
    let hash = state
        .passwords
        .run(move || hash_password(&password))
        .await?
        .map_err(ApiError::Internal)?;
    let staff = state
        .store
        .accept_invitation(&token_digest(code), &name, &hash)
        .await?
        .ok_or(ApiError::NotFound(
            "invitation (it may have been used or expired)",
        ))?;
    super::sessions::open_session(state, staff).await
}

/// A member of the caller's organization, else 404 (another organization's looks the
/// same as none).
async fn find(state: &AppState, auth: &StaffAuth, staff_id: &str) -> ApiResult<StaffCredentials> {
    state
        .store
        .staff_member(&auth.staff.org_id, staff_id)
        .await?
        .ok_or(ApiError::NotFound("staff member"))
}

fn last_owner() -> ApiError {
    ApiError::Conflict {
        code: error_code::LAST_OWNER,
        message: "an organization keeps at least one owner: make someone else an owner first"
            .into(),
    }
}
