//! Attachments: a file uploaded into a conversation by its visitor or its staff,
//! sent by the one message that names it, served by signed URL, with a thumbnail
//! made off the request path (a job). Files go when their rows go (see
//! `store::attachments`); [`sweep`] deletes them from the file store. A file is written
//! before its row, with its deletion queued for an hour later and cancelled by the
//! row's commit, so a process that dies in between leaves no orphan.

use super::{JobOutcome, access};
use crate::auth::Principal;
use crate::files::{self, Refused, Variant};
use crate::http::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::NewAttachment;
use bytes::Bytes;
use natter_protocol::Uploaded;
use sha2::{Digest, Sha256};

/// The types accepted, as a person reads them.
pub const ACCEPTED: &str =
    "images (PNG, JPEG, GIF, WebP), PDF, plain text, CSV, office documents and ZIP";

/// A file written to the file store whose row has not committed this long after is an
/// orphan (its writer died in between) and is deleted; uploads and thumbnails take
/// seconds.
const ORPHAN_AFTER_MS: i64 = 60 * 60 * 1000;

/// Stores an uploaded file for `principal` in a conversation they may open. The same
/// bytes and name uploaded again before being sent answer the first upload (`false`),
/// so a retried upload never leaves two files.
pub async fn upload(
    state: &AppState,
    principal: &Principal,
    conv_id: &str,
    name: &str,
    bytes: Bytes,
) -> ApiResult<(Uploaded, bool)> {
    let conversation = access::conversation(state, principal, conv_id).await?;
    if bytes.is_empty() {
        return Err(ApiError::Invalid {
            code: "empty_file".into(),
            message: "the file is empty".into(),
        });
    }
    let Some(sniffed) = files::sniff(&bytes, name) else {
        return Err(ApiError::UnsupportedMediaType {
            message: format!("This kind of file is not accepted. Send {ACCEPTED}."),
        });
    };
    let name = files::safe_name(name);
    let sha256: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let uploader = principal.id();
    if let Some(earlier) = state
        .store
        .unsent_attachment(conv_id, uploader, &sha256, &name)
        .await?
    {
        return Ok((earlier, false));
    }
    let id = crate::store::new_id();
    let key = format!("{}/{conv_id}/{id}", conversation.org_id);
    let dimensions = if sniffed.image {
        files::dimensions(&bytes)
    } else {
        None
    };
    let size = bytes.len() as u64;
    state
        .store
        .file_pending(&key, crate::store::now_ms() + ORPHAN_AFTER_MS)
        .await?;
    state
        .files
        .put(&key, bytes)
        .await
        .map_err(|e| ApiError::Internal(format!("storing an attachment: {e}")))?;
    let added = state
        .store
        .add_attachment(NewAttachment {
            id: &id,
            org_id: &conversation.org_id,
            conv_id,
            uploader_id: uploader,
            name: &name,
            content_type: sniffed.content_type,
            size,
            dimensions,
            sha256: &sha256,
            storage_key: &key,
            image: sniffed.image,
        })
        .await;
    match added {
        Ok(Some(uploaded)) => Ok((uploaded, true)),
        outcome => {
            // Not recorded (an error, or the same upload recorded meanwhile): the
            // copy just stored must not stay behind.
            if let Err(e) = state.files.delete(&key).await {
                tracing::warn!(error = %e, key, "could not delete an unrecorded upload");
            }
            outcome?;
            let earlier = state
                .store
                .unsent_attachment(conv_id, uploader, &sha256, &name)
                .await?
                .ok_or(ApiError::NotFound("attachment"))?;
            Ok((earlier, false))
        }
    }
}

/// An attachment's bytes, as served.
pub struct Download {
    pub name: String,
    pub content_type: String,
    pub body: object_store::GetResult,
}

/// How long a request waits for a thumbnail being made.
const THUMBNAIL_WAIT: std::time::Duration = std::time::Duration::from_secs(5);
/// How often it reads the row meanwhile, for a thumbnail another instance made (this
/// instance's wake it at once).
const THUMBNAIL_RECHECK: std::time::Duration = std::time::Duration::from_millis(250);

/// The bytes a signed URL names, once its signature and expiry are checked.
pub async fn open(
    state: &AppState,
    id: &str,
    variant: Variant,
    exp: i64,
    sig: &str,
) -> ApiResult<Download> {
    let now = crate::store::now_ms() / 1000;
    match state.store.signer().verify(id, variant, exp, sig, now) {
        Ok(()) => {}
        Err(Refused::Tampered) => return Err(ApiError::Forbidden("this link is not valid")),
        Err(Refused::Expired) => {
            return Err(ApiError::Forbidden(
                "this link has expired; open the conversation again for a new one",
            ));
        }
    }
    let mut file = state
        .store
        .attachment_file(id)
        .await?
        .ok_or(ApiError::NotFound("attachment"))?;
    // A thumbnail is made within moments of the upload (the job is woken by it): one
    // asked for meanwhile waits for it rather than failing the image.
    let deadline = tokio::time::Instant::now() + THUMBNAIL_WAIT;
    let made = state.store.thumbnail_made();
    while variant == Variant::Thumbnail && file.thumbnail_key.is_none() {
        let now = tokio::time::Instant::now();
        if now >= deadline {
            break;
        }
        // Woken by this instance's thumbnail, or after a while for another's.
        let _ = tokio::time::timeout(THUMBNAIL_RECHECK.min(deadline - now), made.notified()).await;
        file = state
            .store
            .attachment_file(id)
            .await?
            .ok_or(ApiError::NotFound("attachment"))?;
    }
    let (key, content_type) = match variant {
        Variant::Original => (file.storage_key, file.content_type),
        Variant::Thumbnail => match file.thumbnail_key.as_deref() {
            Some("") => return Err(ApiError::NotFound("thumbnail")),
            Some(key) => (key.to_owned(), thumbnail_type(key).to_owned()),
            None => {
                return Err(ApiError::Busy {
                    retry_after_secs: 1,
                });
            }
        },
    };
    let body = state
        .files
        .open(&key)
        .await
        .map_err(|e| ApiError::Internal(format!("reading an attachment: {e}")))?
        .ok_or(ApiError::NotFound("attachment"))?;
    Ok(Download {
        name: file.name,
        content_type,
        body,
    })
}

/// A thumbnail's type, from the suffix its key was given.
fn thumbnail_type(key: &str) -> &'static str {
    if key.ends_with(".png") {
        "image/png"
    } else {
        "image/jpeg"
    }
}

/// The job: makes an image's thumbnail once. An image that cannot be decoded gets
/// none (the key is recorded empty, and the UIs show the file as a card).
pub async fn make_thumbnail(state: &AppState, id: &str) -> JobOutcome {
    let file = match state.store.attachment_file(id).await {
        Ok(Some(file)) => file,
        Ok(None) => return JobOutcome::Done,
        Err(e) => return JobOutcome::Retry(e.to_string()),
    };
    if file.thumbnail_key.is_some() {
        return JobOutcome::Done;
    }
    let bytes = match state.files.read(&file.storage_key).await {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return JobOutcome::Done,
        Err(e) => return JobOutcome::Retry(e.to_string()),
    };
    let made = tokio::task::spawn_blocking(move || files::thumbnail(&bytes)).await;
    let key = match made {
        Ok(Ok((thumbnail, content_type))) => {
            let suffix = if content_type == "image/png" {
                "png"
            } else {
                "jpg"
            };
            let key = format!("{}.thumb.{suffix}", file.storage_key);
            let due = crate::store::now_ms() + ORPHAN_AFTER_MS;
            if let Err(e) = state.store.file_pending(&key, due).await {
                return JobOutcome::Retry(e.to_string());
            }
            if let Err(e) = state.files.put(&key, Bytes::from(thumbnail)).await {
                return JobOutcome::Retry(e.to_string());
            }
            key
        }
        Ok(Err(e)) => {
            tracing::info!(attachment = id, error = %e, "no thumbnail for an image");
            String::new()
        }
        Err(e) => return JobOutcome::Retry(e.to_string()),
    };
    match state.store.set_thumbnail(id, &key).await {
        Ok(true) => JobOutcome::Done,
        // The attachment went meanwhile: so does what was just made.
        Ok(false) => {
            if !key.is_empty() {
                let _ = state.files.delete(&key).await;
            }
            JobOutcome::Done
        }
        Err(e) => JobOutcome::Retry(e.to_string()),
    }
}

/// Deletes from the file store the files whose attachments are gone.
pub async fn sweep(state: &AppState) {
    let keys = match state
        .store
        .file_deletions(crate::store::now_ms(), 100)
        .await
    {
        Ok(keys) => keys,
        Err(e) => {
            tracing::warn!(error = %e, "could not read the files to delete");
            return;
        }
    };
    for key in keys {
        match state.files.delete(&key).await {
            Ok(()) => {
                if let Err(e) = state.store.file_deleted(&key).await {
                    tracing::warn!(error = %e, "could not record a deleted file");
                }
            }
            Err(e) => tracing::warn!(error = %e, key, "could not delete a file"),
        }
    }
}
