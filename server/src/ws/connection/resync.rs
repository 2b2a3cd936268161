//! `resync`: a staff socket's fresh conversation list, after a gap.

use super::{Actor, Identity, Stop, error_frame};
use crate::chat;
use natter_protocol::{ServerFrame, error_code};

impl Actor {
    pub(super) async fn resync(
        &mut self,
        status: Option<natter_protocol::ConversationStatus>,
    ) -> Result<(), Stop> {
        let Identity::Staff(staff, _) = &self.identity else {
            return self
                .send_frame(&error_frame(
                    error_code::BAD_FRAME,
                    "resync is for staff sockets",
                    None,
                ))
                .await;
        };
        let staff = staff.clone();
        match chat::conversations::list(&self.state, &staff, status, None, None, None, 100).await {
            Ok((conversations, _)) => {
                self.send_frame(&ServerFrame::Conversations { conversations })
                    .await
            }
            Err(e) => {
                tracing::error!(error = %e, "store error on resync");
                self.send_frame(&error_frame(
                    error_code::INTERNAL,
                    "a temporary error; try again",
                    None,
                ))
                .await
            }
        }
    }
}
