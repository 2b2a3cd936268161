//! Attachments on both file stores (the local filesystem, and moto's real S3 server):
//! upload, send, serve by signed URL, thumbnails without metadata, retries, bad input
//! with nothing stored, deletion and erasure taking the files, two instances.

use crate::helpers::{TestApp, assert_error, eventually, send, spawn_app_with};
use crate::s3::S3Server;
use hmac::{Hmac, Mac};
use natter_protocol::{ConvId, LeadCreated, MessageEnvelope, MessageList, Uploaded};
use reqwest::{Method, StatusCode};
use sha2::Sha256;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Where a test's app keeps files.
enum Storage {
    Files,
    S3(S3Server),
}

impl Storage {
    async fn both() -> [Storage; 2] {
        [Storage::Files, Storage::S3(S3Server::start().await)]
    }

    async fn app(&self, max_mb: u64) -> TestApp {
        spawn_app_with(|s| {
            if let Storage::S3(s3) = self {
                s.files.storage_url = Some(s3.storage_url());
            }
            s.files.max_attachment_mb = max_mb;
        })
        .await
    }

    /// Stores a file under `key` directly, as a writer that died before its row would
    /// have left it.
    async fn put(&self, app: &TestApp, key: &str, bytes: &[u8]) {
        match self {
            Storage::Files => {
                let path = app.db.files_dir().join(key);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, bytes).unwrap();
            }
            Storage::S3(s3) => s3.put(key, bytes.to_vec()).await,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Storage::Files => "filesystem",
            Storage::S3(_) => "S3",
        }
    }

    /// The files kept, whichever store.
    async fn count(&self, app: &TestApp) -> usize {
        match self {
            Storage::Files => count_files(&app.db.files_dir()),
            Storage::S3(s3) => s3.keys().await.len(),
        }
    }
}

fn count_files(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            if e.path().is_dir() {
                count_files(&e.path())
            } else {
                1
            }
        })
        .sum()
}

/// A JPEG photo of `w`×`h` with an EXIF segment naming a place (what a phone writes).
fn photo(w: u32, h: u32) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut jpeg = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(picture)
        .write_to(&mut jpeg, image::ImageFormat::Jpeg)
        .unwrap();
    let jpeg = jpeg.into_inner();
    let mut exif = b"Exif\0\0MM\0*\0\0\0\x08\0\0GPSLatitude=52.3702N;GPSLongitude=4.8952E".to_vec();
    let len = u16::try_from(exif.len() + 2).unwrap();
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.append(&mut exif);
    out.extend_from_slice(&jpeg[2..]);
    out
}

const GPS: &[u8] = b"GPSLatitude";

async fn lead(app: &TestApp) -> LeadCreated {
    app.create_lead("Vera", Some("Here is the broken part"))
        .await
}

async fn upload(
    app: &TestApp,
    conv: &ConvId,
    token: &str,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
    );
    app.client
        .post(app.url(&format!("/conversations/{conv}/attachments")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn uploaded(
    app: &TestApp,
    conv: &ConvId,
    token: &str,
    name: &str,
    bytes: Vec<u8>,
) -> Uploaded {
    let response = upload(app, conv, token, name, bytes).await;
    assert_eq!(response.status(), StatusCode::CREATED, "upload of {name}");
    response.json().await.unwrap()
}

async fn post(
    app: &TestApp,
    conv: &ConvId,
    token: &str,
    resource: &str,
    text: &str,
    key: &str,
    ids: &[&str],
) -> reqwest::Response {
    let body = serde_json::json!({ "text": text, "client_msg_id": key, "attachment_ids": ids });
    send(
        app,
        Method::POST,
        &format!("/conversations/{conv}/{resource}"),
        token,
        Some(body),
    )
    .await
}

async fn get(app: &TestApp, url: &str) -> reqwest::Response {
    app.client
        .get(format!("{}{url}", app.base))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn files_go_with_messages_and_are_served_signed_on_both_stores() {
    for storage in Storage::both().await {
        let app = storage.app(10).await;
        let visitor = lead(&app).await;
        let conv = &visitor.conv_id;
        let token = &visitor.visitor_token;
        let bytes = photo(1200, 800);

        let first = uploaded(&app, conv, token, "../../DCIM/part.jpg", bytes.clone()).await;
        assert_eq!(first.name, "part.jpg");
        assert_eq!(first.content_type, "image/jpeg");
        assert_eq!(
            (first.size, first.width, first.height),
            (bytes.len() as u64, Some(1200), Some(800))
        );
        // A retried upload is the same attachment, and stores nothing more.
        let again = upload(&app, conv, token, "../../DCIM/part.jpg", bytes.clone()).await;
        assert_eq!(again.status(), StatusCode::OK);
        assert_eq!(again.json::<Uploaded>().await.unwrap().id, first.id);
        let pdf = uploaded(
            &app,
            conv,
            token,
            "invoice.pdf",
            b"%PDF-1.7\n%%EOF\n".to_vec(),
        )
        .await;
        assert_eq!(pdf.content_type, "application/pdf");

        // Sent with a message (empty text is allowed with files), in the order named.
        let ids = [first.id.as_str(), pdf.id.as_str()];
        let response = post(&app, conv, token, "messages", "", "with-files", &ids).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let sent = response.json::<MessageEnvelope>().await.unwrap().message;
        let names: Vec<&str> = sent.attachments.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["part.jpg", "invoice.pdf"]);
        assert!(
            sent.attachments[0].thumbnail_url.is_some()
                && sent.attachments[1].thumbnail_url.is_none()
        );
        // The same message again is the same message; its files in another are refused.
        let retried = post(&app, conv, token, "messages", "", "with-files", &ids).await;
        assert_eq!(retried.status(), StatusCode::OK);
        let reused = post(&app, conv, token, "messages", "again", "reuse", &ids[..1]).await;
        assert_eq!(
            assert_error(reused, StatusCode::UNPROCESSABLE_ENTITY).await,
            "invalid_attachment_ids"
        );

        // Staff see them in the history, with URLs that need no token.
        let staff = app.staff_token().await;
        let history: MessageList = app
            .get_json(&format!("/conversations/{conv}/messages"), &staff)
            .await;
        let shown = history.messages.iter().find(|m| m.id == sent.id).unwrap();
        assert_eq!(shown.attachments.len(), 2);
        let original = get(&app, &shown.attachments[0].url).await;
        assert_eq!(original.status(), StatusCode::OK);
        let headers = original.headers().clone();
        assert_eq!(headers["content-type"], "image/jpeg");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert!(
            headers["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("inline; filename=\"part.jpg\"")
        );
        assert!(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("sandbox")
        );
        assert_eq!(original.bytes().await.unwrap(), bytes);
        let document = get(&app, &shown.attachments[1].url).await;
        assert!(
            document.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment;")
        );

        // The thumbnail: made off the request path, small, re-encoded without the EXIF;
        // asked for while it is being made, the request waits for it (no 503).
        let thumbnail_url = shown.attachments[0].thumbnail_url.clone().unwrap();
        let response = get(&app, &thumbnail_url).await;
        assert_eq!(response.status(), StatusCode::OK, "{}", storage.name());
        let thumbnail = response.bytes().await.unwrap().to_vec();
        assert!(bytes.windows(GPS.len()).any(|w| w == GPS));
        assert!(
            !thumbnail.windows(GPS.len()).any(|w| w == GPS),
            "no EXIF in the thumbnail"
        );
        let small = image::load_from_memory(&thumbnail).unwrap();
        assert_eq!((small.width(), small.height()), (480, 320));

        // Deleting the message erases its files from the store.
        let before = storage.count(&app).await;
        assert_eq!(before, 3, "the photo, its thumbnail and the PDF");
        let deleted = send(
            &app,
            Method::DELETE,
            &format!("/conversations/{conv}/messages/{}", sent.id),
            &staff,
            None,
        )
        .await;
        assert_eq!(deleted.status(), StatusCode::OK);
        assert!(
            deleted
                .json::<MessageEnvelope>()
                .await
                .unwrap()
                .message
                .attachments
                .is_empty()
        );
        assert_eq!(
            get(&app, &shown.attachments[0].url).await.status(),
            StatusCode::NOT_FOUND
        );
        eventually("the files deleted", async || storage.count(&app).await == 0).await;
    }
}

/// HMAC-SHA256 of the deployment's key, as the server signs (for links it never made).
async fn sign(app: &TestApp, id: &str, variant: &str, exp: i64) -> String {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.db.url).await.unwrap();
    let (key,): (String,) =
        sqlx::query_as("SELECT value FROM server_keys WHERE name = 'attachment_url_key'")
            .fetch_one(&pool)
            .await
            .unwrap();
    pool.close().await;
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(format!("{id}\n{variant}\n{exp}").as_bytes());
    mac.finalize().into_bytes()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A request whose headers say the body is 50 MB: answered before the body is sent.
async fn announce_too_large(app: &TestApp, conv: &ConvId, token: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap();
    let head = format!(
        "POST /api/v1/conversations/{conv}/attachments HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 52428800\r\n\r\n--b\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer))
        .await
        .expect("answered before the body")
        .unwrap();
    String::from_utf8_lossy(&answer[..n]).into_owned()
}

#[tokio::test]
async fn bad_uploads_are_refused_clearly_and_store_nothing() {
    let storage = Storage::Files;
    let app = storage.app(1).await;
    let visitor = lead(&app).await;
    let conv = &visitor.conv_id;
    let token = &visitor.visitor_token;
    let elf = [b"\x7fELF\x02\x01\x01\0".as_slice(), &[0; 200]].concat();
    let windows = [b"MZ\x90\0\x03\0\0\0".as_slice(), &[0; 200]].concat();
    let big = vec![b'a'; 1024 * 1024 + 1];
    for (name, bytes, status, code) in [
        (
            "empty.txt",
            Vec::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty_file",
        ),
        (
            "cute.png",
            elf,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "cat.png",
            windows,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "big.txt",
            big,
            StatusCode::PAYLOAD_TOO_LARGE,
            "file_too_large",
        ),
    ] {
        let response = upload(&app, conv, token, name, bytes).await;
        assert_eq!(assert_error(response, status).await, code, "{name}");
    }
    let answer = announce_too_large(&app, conv, token).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    // No file part at all.
    let form = reqwest::multipart::Form::new().text("note", "hi");
    let response = app
        .client
        .post(app.url(&format!("/conversations/{conv}/attachments")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        assert_error(response, StatusCode::UNPROCESSABLE_ENTITY).await,
        "missing_file"
    );
    let response = app
        .client
        .post(app.url(&format!("/conversations/{conv}/attachments")))
        .bearer_auth(token)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_error(response, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    assert_eq!(storage.count(&app).await, 0);
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM attachments").await, 0);

    // SVG with a script is kept, but only ever downloaded, as bytes.
    let svg = b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'><script>alert(2)</script></svg>";
    let drawing = uploaded(&app, conv, token, "logo.png", svg.to_vec()).await;
    assert_eq!(drawing.content_type, "image/svg+xml");
    let sent = post(
        &app,
        conv,
        token,
        "messages",
        "my logo",
        "svg",
        &[&drawing.id],
    )
    .await;
    let message = sent.json::<MessageEnvelope>().await.unwrap().message;
    let file = &message.attachments[0];
    assert!(file.thumbnail_url.is_none());
    let response = get(&app, &file.url).await;
    assert_eq!(
        response.headers()["content-type"],
        "application/octet-stream"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"logo.png\"")
    );

    // Signed links: tampered, another attachment's, expired — 403; a real one works.
    let (path, query) = file.url.split_once('?').unwrap();
    let exp: i64 = query
        .split('&')
        .find_map(|p| p.strip_prefix("exp="))
        .unwrap()
        .parse()
        .unwrap();
    let sig = query
        .split('&')
        .find_map(|p| p.strip_prefix("sig="))
        .unwrap();
    let past = 1_000_000_000;
    let expired_sig = sign(&app, &drawing.id, "original", past).await;
    assert_eq!(
        sign(&app, &drawing.id, "original", exp).await,
        sig,
        "the test signs as the server"
    );
    for url in [
        format!("{path}?exp={}&sig={sig}", exp + 1),
        format!("{path}?exp={exp}&sig={}", "0".repeat(32)),
        format!("{path}/thumbnail?exp={exp}&sig={sig}"),
        format!("{path}?exp={past}&sig={expired_sig}"),
    ] {
        assert_error(get(&app, &url).await, StatusCode::FORBIDDEN).await;
    }
    assert_error(
        get(&app, &format!("{path}?exp=soon&sig={sig}")).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
}

#[tokio::test]
async fn an_attachment_is_sent_only_by_its_uploader_in_its_conversation() {
    let app = Storage::Files.app(10).await;
    let vera = lead(&app).await;
    let bo = lead(&app).await;
    let staff = app.staff_token().await;
    let file = uploaded(
        &app,
        &vera.conv_id,
        &vera.visitor_token,
        "a.txt",
        b"hello".to_vec(),
    )
    .await;
    // Another visitor cannot upload into Vera's conversation, nor send her file in theirs.
    let response = upload(
        &app,
        &vera.conv_id,
        &bo.visitor_token,
        "b.txt",
        b"x".to_vec(),
    )
    .await;
    assert!(matches!(
        response.status(),
        StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
    ));
    for (conv, token, resource) in [
        (&bo.conv_id, bo.visitor_token.as_str(), "messages"),
        (&vera.conv_id, staff.as_str(), "replies"),
        (&bo.conv_id, staff.as_str(), "replies"),
    ] {
        let response = post(&app, conv, token, resource, "x", "steal", &[&file.id]).await;
        assert_eq!(
            assert_error(response, StatusCode::UNPROCESSABLE_ENTITY).await,
            "invalid_attachment_ids"
        );
    }
    let unknown = post(
        &app,
        &vera.conv_id,
        &vera.visitor_token,
        "messages",
        "x",
        "u",
        &["nope"],
    )
    .await;
    assert_error(unknown, StatusCode::UNPROCESSABLE_ENTITY).await;
    let eleven: Vec<String> = (0..11).map(|i| format!("id{i}")).collect();
    let eleven: Vec<&str> = eleven.iter().map(String::as_str).collect();
    let response = post(
        &app,
        &vera.conv_id,
        &vera.visitor_token,
        "messages",
        "x",
        "many",
        &eleven,
    )
    .await;
    assert_eq!(
        assert_error(response, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid_attachment_ids"
    );
    // No seq was spent on any refusal: the next message is seq 2.
    let ok = post(
        &app,
        &vera.conv_id,
        &vera.visitor_token,
        "messages",
        "",
        "ok",
        &[&file.id],
    )
    .await;
    assert_eq!(ok.status(), StatusCode::CREATED);
    assert_eq!(ok.json::<MessageEnvelope>().await.unwrap().message.seq, 2);
    // Staff upload and reply with a file of their own.
    let manual = uploaded(
        &app,
        &vera.conv_id,
        &staff,
        "manual.txt",
        b"Step 1".to_vec(),
    )
    .await;
    let reply = post(
        &app,
        &vera.conv_id,
        &staff,
        "replies",
        "The manual",
        "r1",
        &[&manual.id],
    )
    .await;
    assert_eq!(reply.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn an_erased_visitor_loses_their_files_on_both_stores() {
    for storage in Storage::both().await {
        let app = storage.app(10).await;
        let visitor = lead(&app).await;
        let conv = &visitor.conv_id;
        let sent = uploaded(&app, conv, &visitor.visitor_token, "id.jpg", photo(64, 64)).await;
        let unsent = uploaded(
            &app,
            conv,
            &visitor.visitor_token,
            "later.txt",
            b"draft".to_vec(),
        )
        .await;
        let response = post(
            &app,
            conv,
            &visitor.visitor_token,
            "messages",
            "",
            "m",
            &[&sent.id],
        )
        .await;
        let url = response
            .json::<MessageEnvelope>()
            .await
            .unwrap()
            .message
            .attachments[0]
            .url
            .clone();
        eventually("the thumbnail made", async || {
            storage.count(&app).await == 3
        })
        .await;
        assert_ne!(unsent.id, sent.id);
        let staff = app.staff_token().await;
        let erased = send(
            &app,
            Method::DELETE,
            &format!("/visitors/{}", visitor.visitor_id),
            &staff,
            None,
        )
        .await;
        assert!(erased.status().is_success());
        assert_eq!(get(&app, &url).await.status(), StatusCode::NOT_FOUND);
        eventually("every file of theirs deleted", async || {
            storage.count(&app).await == 0
        })
        .await;
    }
}

#[tokio::test]
async fn a_file_uploaded_through_one_instance_is_served_by_another() {
    let s3 = Storage::S3(S3Server::start().await);
    let first = s3.app(10).await;
    let second = first.another_instance(|_| {}).await;
    let visitor = lead(&first).await;
    let bytes = photo(300, 200);
    let file = uploaded(
        &first,
        &visitor.conv_id,
        &visitor.visitor_token,
        "p.jpg",
        bytes.clone(),
    )
    .await;
    let response = post(
        &second,
        &visitor.conv_id,
        &visitor.visitor_token,
        "messages",
        "",
        "m",
        &[&file.id],
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let message = response.json::<MessageEnvelope>().await.unwrap().message;
    let served = get(&second, &message.attachments[0].url).await;
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.bytes().await.unwrap(), bytes);
    let thumbnail = message.attachments[0].thumbnail_url.clone().unwrap();
    eventually("the thumbnail, through the other instance", async || {
        get(&first, &thumbnail).await.status() == StatusCode::OK
    })
    .await;
}

/// A file is written before its row, with its deletion queued for later and cancelled
/// by the row's commit: an upload (and its thumbnail) leaves nothing queued, and a file
/// whose writer died before its row is deleted once that deletion falls due, not
/// before.
#[tokio::test]
async fn a_file_left_without_its_row_is_deleted_when_due_on_both_stores() {
    for storage in Storage::both().await {
        let app = storage.app(10).await;
        let lead = lead(&app).await;
        let photo = uploaded(
            &app,
            &lead.conv_id,
            &lead.visitor_token,
            "a.jpg",
            photo(64, 48),
        )
        .await;
        eventually("the thumbnail is made", async || {
            storage.count(&app).await == 2
        })
        .await;
        let queued = |app: &TestApp| {
            let store = app.store.clone();
            async move { store.file_deletions(i64::MAX, 100).await.unwrap() }
        };
        assert_eq!(
            queued(&app).await,
            Vec::<String>::new(),
            "{}: the rows took their files",
            photo.id
        );

        // Two writers died between the file store and the database: one an hour ago
        // (its deletion is due), one just now (not yet).
        let now = natter_server::store::now_ms();
        app.store
            .file_pending("org/conv/died-long-ago", now - 1)
            .await
            .unwrap();
        app.store
            .file_pending("org/conv/died-just-now", now + 3_600_000)
            .await
            .unwrap();
        storage.put(&app, "org/conv/died-long-ago", b"orphan").await;
        storage.put(&app, "org/conv/died-just-now", b"orphan").await;
        assert_eq!(storage.count(&app).await, 4);
        // The file goes first, then its queue entry.
        eventually("the due orphan is deleted", async || {
            storage.count(&app).await == 3 && queued(&app).await.len() == 1
        })
        .await;
        assert_eq!(storage.count(&app).await, 3);
        assert_eq!(
            queued(&app).await,
            vec!["org/conv/died-just-now".to_owned()]
        );
    }
}
