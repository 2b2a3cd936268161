//! `auth`: the staff socket's first frame.

use super::{Actor, Identity, StaffSocketSession, Stop, error_frame};
use crate::auth::token_digest;
use crate::chat;
use crate::store::{StaffSession, now_ms};
use natter_protocol::{ClientFrame, ServerFrame, close_code, error_code};
use std::time::Duration;
use tokio::time::Instant;

impl Actor {
    pub(super) async fn authenticate(&mut self, frame: ClientFrame) -> Result<(), Stop> {
        let ClientFrame::Auth { token } = frame else {
            return Err(Stop::Close(
                close_code::UNAUTHORIZED,
                "the first frame must be auth",
            ));
        };
        match chat::sessions::for_socket(&self.state, &token).await {
            Ok(Some(StaffSession { staff, expires_at })) => {
                let digest = token_digest(&token);
                let away = chat::team::is_away(&self.state, &staff.id).await;
                self.hub
                    .subscribe_org(&staff.org_id, &digest, &staff.id, away);
                let frame = ServerFrame::Authenticated {
                    staff: staff.clone(),
                };
                let left = u64::try_from(expires_at.saturating_sub(now_ms())).unwrap_or(0);
                let session = StaffSocketSession {
                    digest,
                    ends: Instant::now() + Duration::from_millis(left),
                };
                crate::chat::team::seen(&self.state, &staff.id).await;
                self.identity = Identity::Staff(staff, session);
                self.send_frame(&frame).await
            }
            Ok(_) => {
                let frame = error_frame(
                    error_code::UNAUTHORIZED,
                    "the token is invalid or has expired; sign in again",
                    None,
                );
                self.send_frame(&frame).await?;
                Err(Stop::Close(close_code::UNAUTHORIZED, "invalid token"))
            }
            Err(e) => {
                tracing::error!(error = %e, "store error while authenticating a socket");
                Err(Stop::Close(
                    close_code::GOING_AWAY,
                    "temporary error; reconnect",
                ))
            }
        }
    }
}
