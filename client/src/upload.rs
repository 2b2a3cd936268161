//! Uploading an attachment with progress and cancel, as both UIs do it. `fetch` reports
//! no upload progress, so this is the browser's `XMLHttpRequest`, driven as a promise.

use crate::fetch::FetchError;
use natter_protocol::{ErrorBody, Uploaded};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{File, FormData, ProgressEvent, XmlHttpRequest};

/// An upload under way; [`Upload::cancel`] stops it (its future then fails with
/// [`FetchError::Network`]).
#[derive(Clone)]
pub struct Upload(XmlHttpRequest);

impl Upload {
    pub fn cancel(&self) {
        let _ = self.0.abort();
    }
}

/// Starts uploading `file` as the `file` part of a multipart body to `url` (the
/// conversation's `/attachments`); `progress` hears the fraction sent (0–1). Returns
/// the handle to cancel it and the upload's outcome.
pub fn start<P: Fn(f64) + 'static>(
    url: &str,
    token: &str,
    file: &File,
    progress: P,
) -> Result<
    (
        Upload,
        impl Future<Output = Result<Uploaded, FetchError>> + use<P>,
    ),
    FetchError,
> {
    let failed = |_| FetchError::Network;
    let xhr = XmlHttpRequest::new().map_err(failed)?;
    xhr.open("POST", url).map_err(failed)?;
    xhr.set_request_header("Authorization", &format!("Bearer {token}"))
        .map_err(failed)?;
    let form = FormData::new().map_err(failed)?;
    form.append_with_blob_and_filename("file", file, &file.name())
        .map_err(failed)?;
    let on_progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| {
        if e.length_computable() && e.total() > 0.0 {
            progress(e.loaded() / e.total());
        }
    });
    if let Ok(target) = xhr.upload() {
        target.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    }
    // The promise settles on load (any status), error or abort; the status says which.
    let settled = js_sys::Promise::new(&mut |resolve, _reject| {
        xhr.set_onload(Some(&resolve));
        xhr.set_onerror(Some(&resolve));
        xhr.set_onabort(Some(&resolve));
    });
    xhr.send_with_opt_form_data(Some(&form)).map_err(failed)?;
    let handle = Upload(xhr.clone());
    let outcome = async move {
        let _ = wasm_bindgen_futures::JsFuture::from(settled).await;
        // Kept until the end: the browser calls it while the body goes out.
        drop(on_progress);
        let status = xhr.status().unwrap_or(0);
        let text = xhr.response_text().ok().flatten().unwrap_or_default();
        if status == 0 {
            return Err(FetchError::Network);
        }
        if (200..300).contains(&status) {
            return crate::json::parse::<Uploaded>(&text).ok_or(FetchError::Network);
        }
        let (code, message) = crate::json::parse::<ErrorBody>(&text)
            .map(|b| (b.error.code, b.error.message))
            .unwrap_or_default();
        Err(FetchError::Status {
            status,
            code,
            message,
        })
    };
    Ok((handle, outcome))
}
