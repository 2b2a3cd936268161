//! Attachments' bytes: where they are kept (the local filesystem or S3-compatible
//! object storage, both through `object_store`), what they are (decided from the
//! content alone, never from the name or the client's type), the names they are
//! served under, their thumbnails, and the signed URLs that serve them.

use bytes::Bytes;
use hmac::{Hmac, Mac};
use object_store::path::Path as Key;
use object_store::{ObjectStore, PutPayload};
use sha2::Sha256;
use std::sync::Arc;

/// Where attachments are kept: `file:///path` or `s3://bucket[/prefix]?endpoint=…&region=…`
/// (credentials from the usual `AWS_*` variables, or any S3 option of `object_store`
/// as a parameter).
#[derive(Clone)]
pub struct Files {
    store: Arc<dyn ObjectStore>,
    /// Prepended to every key (an S3 URL's path).
    prefix: String,
}

impl std::fmt::Debug for Files {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Files({})", self.store)
    }
}

impl Files {
    pub fn from_url(url: &str) -> Result<Self, String> {
        let parsed = url::Url::parse(url).map_err(|e| format!("{url}: {e}"))?;
        match parsed.scheme() {
            "file" => {
                let path = parsed
                    .to_file_path()
                    .map_err(|()| format!("{url}: not a local path"))?;
                std::fs::create_dir_all(&path)
                    .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
                let local = object_store::local::LocalFileSystem::new_with_prefix(&path)
                    .map_err(|e| e.to_string())?;
                Ok(Self {
                    store: Arc::new(local),
                    prefix: String::new(),
                })
            }
            "s3" => {
                let bucket = parsed
                    .host_str()
                    .filter(|b| !b.is_empty())
                    .ok_or_else(|| format!("{url}: the bucket is missing (s3://bucket)"))?;
                let mut builder =
                    object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket);
                // Any of object_store's S3 options (`region`, `endpoint`,
                // `access_key_id`, …); an http:// endpoint is allowed as such.
                for (name, value) in parsed.query_pairs() {
                    let key: object_store::aws::AmazonS3ConfigKey = name
                        .parse()
                        .map_err(|_| format!("{url}: unknown S3 option {name}"))?;
                    if name == "endpoint" && value.starts_with("http://") {
                        builder = builder.with_allow_http(true);
                    }
                    builder = builder.with_config(key, value.into_owned());
                }
                let s3 = builder.build().map_err(|e| e.to_string())?;
                Ok(Self {
                    store: Arc::new(s3),
                    prefix: parsed.path().trim_matches('/').to_owned(),
                })
            }
            other => Err(format!(
                "{url}: storage must be file:// or s3://, not {other}"
            )),
        }
    }

    fn key(&self, key: &str) -> Key {
        if self.prefix.is_empty() {
            Key::from(key)
        } else {
            Key::from(format!("{}/{key}", self.prefix))
        }
    }

    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), object_store::Error> {
        self.store
            .put(&self.key(key), PutPayload::from_bytes(bytes))
            .await
            .map(|_| ())
    }

    /// The stored bytes as a stream, or `None` when there is no such file.
    pub async fn open(
        &self,
        key: &str,
    ) -> Result<Option<object_store::GetResult>, object_store::Error> {
        match self.store.get(&self.key(key)).await {
            Ok(found) => Ok(Some(found)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn read(&self, key: &str) -> Result<Option<Bytes>, object_store::Error> {
        match self.open(key).await? {
            Some(found) => found.bytes().await.map(Some),
            None => Ok(None),
        }
    }

    /// Deletes a file; one that is already gone is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), object_store::Error> {
        match self.store.delete(&self.key(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// What a file's content says it is, when it is a kind Natter accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sniffed {
    pub content_type: &'static str,
    /// A raster image shown inline, with a thumbnail.
    pub image: bool,
}

/// Types served inline; every other one is only ever downloaded.
const IMAGES: &[&str] = &["image/png", "image/jpeg", "image/gif", "image/webp"];

/// Binary types accepted as `infer` recognises them.
const DOCUMENTS: &[&str] = &[
    "application/pdf",
    "application/zip",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/rtf",
];

/// Decides a file's type from its bytes: the allowlisted images and documents by
/// their signatures, then text (UTF-8 without NUL), told apart as SVG, HTML, CSV
/// (by the name, once the content is known to be text) or plain text. `None`: refused.
pub fn sniff(bytes: &[u8], name: &str) -> Option<Sniffed> {
    // Markup and scripts (`infer`'s text matchers: XML, HTML, shell) are told apart below.
    let binary = infer::get(bytes).filter(|k| k.matcher_type() != infer::MatcherType::Text);
    if let Some(kind) = binary {
        let mime = kind.mime_type();
        if let Some(image) = IMAGES.iter().find(|m| **m == mime) {
            return Some(Sniffed {
                content_type: image,
                image: true,
            });
        }
        return DOCUMENTS
            .iter()
            .find(|m| **m == mime)
            .map(|document| Sniffed {
                content_type: document,
                image: false,
            });
    }
    let text = std::str::from_utf8(bytes)
        .ok()
        .filter(|t| !t.contains('\0'))?;
    let head: String = text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .chars()
        .take(1024)
        .flat_map(char::to_lowercase)
        .collect();
    let content_type = if head.contains("<svg") {
        "image/svg+xml"
    } else if ["<!doctype html", "<html", "<script", "<body", "<iframe"]
        .iter()
        .any(|tag| head.contains(tag))
    {
        "text/html"
    } else if name.to_ascii_lowercase().ends_with(".csv") {
        "text/csv"
    } else {
        "text/plain"
    };
    Some(Sniffed {
        content_type,
        image: false,
    })
}

/// Whether a stored type is shown in the browser (raster images only).
pub fn inline(content_type: &str) -> bool {
    IMAGES.contains(&content_type)
}

/// The longest name kept, in characters.
const MAX_NAME_CHARS: usize = 180;

/// A file name safe to show and to put in a header: the last path segment (so
/// `../../etc/passwd` is `passwd`), without control or format characters, quotes or
/// backslashes, at most 180 characters, never empty or only dots.
pub fn safe_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| {
            !c.is_control()
                && !matches!(c, '"' | '\\' | '<' | '>' | '|' | '*' | '?' | ':')
                && !is_format_char(*c)
        })
        .take(MAX_NAME_CHARS)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_owned();
    if cleaned.is_empty() {
        "file".to_owned()
    } else {
        cleaned
    }
}

fn is_format_char(c: char) -> bool {
    natter_protocol::validate::FORMAT_CHARS
        .iter()
        .any(|(from, to)| (*from..=*to).contains(&c))
}

/// `Content-Disposition` for a stored name: an ASCII fallback and the UTF-8 name (RFC 6266).
pub fn content_disposition(inline: bool, name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let kind = if inline { "inline" } else { "attachment" };
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// An image's size from its header, without decoding it.
pub fn dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .ok()?
        .into_dimensions()
        .ok()
}

/// The longest side of a thumbnail, in pixels.
pub const THUMBNAIL_SIDE: u32 = 480;

/// A thumbnail, re-encoded from the decoded pixels (so no metadata of the original,
/// such as EXIF GPS, survives), turned upright as the EXIF orientation says: PNG when
/// the image has transparency, JPEG otherwise. Decoding is bounded (dimensions and
/// memory), so a decompression bomb is refused rather than allocated.
pub fn thumbnail(bytes: &[u8]) -> Result<(Vec<u8>, &'static str), String> {
    use image::{DynamicImage, ImageDecoder, ImageReader, Limits};
    let mut limits = Limits::default();
    limits.max_image_width = Some(16_384);
    limits.max_image_height = Some(16_384);
    limits.max_alloc = Some(512 * 1024 * 1024);
    let mut reader = ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|e| e.to_string())?;
    // Unreadable EXIF is no reason to refuse the picture: it is shown as stored.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut picture = DynamicImage::from_decoder(decoder).map_err(|e| e.to_string())?;
    picture.apply_orientation(orientation);
    let small = if picture.width() > THUMBNAIL_SIDE || picture.height() > THUMBNAIL_SIDE {
        picture.thumbnail(THUMBNAIL_SIDE, THUMBNAIL_SIDE)
    } else {
        picture
    };
    let mut out = std::io::Cursor::new(Vec::new());
    if small.color().has_alpha() {
        small
            .write_to(&mut out, image::ImageFormat::Png)
            .map_err(|e| e.to_string())?;
        Ok((out.into_inner(), "image/png"))
    } else {
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 82)
            .encode_image(&small.to_rgb8())
            .map_err(|e| e.to_string())?;
        Ok((out.into_inner(), "image/jpeg"))
    }
}

/// Which bytes of an attachment a URL serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    Original,
    Thumbnail,
}

impl Variant {
    fn as_str(self) -> &'static str {
        match self {
            Self::Original => "original",
            Self::Thumbnail => "thumbnail",
        }
    }
}

/// Why a signed URL is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    Tampered,
    Expired,
}

/// A signed URL lives until the end of the hour it was made in plus this: URLs made
/// within one hour are identical, so browsers cache the images they show.
const URL_LIFE_SECS: i64 = 12 * 3600;

/// Signs and checks attachment URLs: `HMAC-SHA256(key, "{id}\n{variant}\n{exp}")`,
/// 128 bits of it in hex. The key is the deployment's (in `server_keys`), so every
/// instance checks what any other signed.
#[derive(Clone)]
pub struct Signer {
    key: Arc<[u8]>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer")
    }
}

impl Signer {
    pub fn new(key: &[u8]) -> Self {
        Self { key: key.into() }
    }

    fn signature(&self, id: &str, variant: Variant, exp: i64) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes a key of any size");
        mac.update(format!("{id}\n{}\n{exp}", variant.as_str()).as_bytes());
        mac.finalize().into_bytes()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The URL path and query that serves `id` (relative to the server).
    pub fn url(&self, id: &str, variant: Variant, now_secs: i64) -> String {
        let exp = (now_secs / 3600 + 1) * 3600 + URL_LIFE_SECS;
        let sig = self.signature(id, variant, exp);
        let suffix = match variant {
            Variant::Original => "",
            Variant::Thumbnail => "/thumbnail",
        };
        format!("/api/v1/attachments/{id}{suffix}?exp={exp}&sig={sig}")
    }

    pub fn verify(
        &self,
        id: &str,
        variant: Variant,
        exp: i64,
        sig: &str,
        now_secs: i64,
    ) -> Result<(), Refused> {
        let expected = self.signature(id, variant, exp);
        // Constant time: the comparison says nothing of how much of a guess was right.
        let same = expected.len() == sig.len()
            && expected
                .bytes()
                .zip(sig.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if !same {
            return Err(Refused::Tampered);
        }
        if exp < now_secs {
            return Err(Refused::Expired);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_their_directories_and_what_a_header_cannot_carry() {
        for (given, kept) in [
            ("../../etc/passwd", "passwd"),
            ("..\\..\\boot.ini", "boot.ini"),
            ("report \"final\".pdf", "report final.pdf"),
            ("a\u{202e}fdp.exe", "afdp.exe"),
            ("..", "file"),
            ("", "file"),
            (".hidden", "hidden"),
            ("photo 1.JPG", "photo 1.JPG"),
            ("résumé.pdf", "résumé.pdf"),
        ] {
            assert_eq!(safe_name(given), kept, "{given:?}");
        }
        assert_eq!(safe_name(&"x".repeat(500)).chars().count(), MAX_NAME_CHARS);
    }

    #[test]
    fn the_content_decides_the_type() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0";
        for (bytes, name, expected) in [
            (&png[..], "x.txt", Some("image/png")),
            (&elf[..], "cute.png", None),
            (b"MZ\x90\0\x03\0\0\0", "cute.png", None),
            (b"%PDF-1.7\n", "a.pdf", Some("application/pdf")),
            (b"hello\nworld", "notes.png", Some("text/plain")),
            (b"a,b\n1,2\n", "sheet.csv", Some("text/csv")),
            (
                b"<?xml version=\"1.0\"?><svg onload=alert(1)>",
                "a.png",
                Some("image/svg+xml"),
            ),
            (b"<!DOCTYPE html><p>hi", "a.txt", Some("text/html")),
            (b"text\0with nul", "a.txt", None),
            (b"\xff\xfe\xfd", "a.txt", None),
        ] {
            assert_eq!(
                sniff(bytes, name).map(|s| s.content_type),
                expected,
                "{name}"
            );
        }
        assert!(sniff(png, "x").is_some_and(|s| s.image));
        assert!(!inline("image/svg+xml") && !inline("text/html") && inline("image/webp"));
    }

    #[test]
    fn signed_urls_are_checked_and_expire() {
        let signer = Signer::new(b"key");
        let now = 1_800_000_000;
        let url = signer.url("abc", Variant::Original, now);
        let query = url.split_once('?').unwrap().1;
        let mut exp = 0;
        let mut sig = "";
        for pair in query.split('&') {
            match pair.split_once('=').unwrap() {
                ("exp", v) => exp = v.parse().unwrap(),
                ("sig", v) => sig = v,
                _ => unreachable!(),
            }
        }
        assert!(exp > now + URL_LIFE_SECS && exp <= now + URL_LIFE_SECS + 3600);
        assert_eq!(url, signer.url("abc", Variant::Original, now + 1));
        assert_eq!(
            signer.verify("abc", Variant::Original, exp, sig, now),
            Ok(())
        );
        let refused = [
            signer.verify("abd", Variant::Original, exp, sig, now),
            signer.verify("abc", Variant::Thumbnail, exp, sig, now),
            signer.verify("abc", Variant::Original, exp + 1, sig, now),
            Signer::new(b"other").verify("abc", Variant::Original, exp, sig, now),
        ];
        assert!(refused.iter().all(|r| *r == Err(Refused::Tampered)));
        assert_eq!(
            signer.verify("abc", Variant::Original, exp, sig, exp + 1),
            Err(Refused::Expired)
        );
    }

    #[test]
    fn disposition_carries_any_name_safely() {
        assert_eq!(
            content_disposition(false, "résumé 1.pdf"),
            "attachment; filename=\"r_sum_ 1.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%201.pdf"
        );
        assert!(content_disposition(true, "a.png").starts_with("inline;"));
    }
}
