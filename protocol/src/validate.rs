//! Input rules shared by the server (which enforces them) and the UIs (which show
//! them inline before sending). Each function returns the normalised value.

/// Longest message text, in characters, after trimming.
pub const MAX_TEXT_CHARS: usize = 4000;
/// Longest visitor or staff name, in characters, after trimming.
pub const MAX_NAME_CHARS: usize = 120;
pub const MAX_EMAIL_CHARS: usize = 254;
pub const MAX_CLIENT_MSG_ID_CHARS: usize = 64;
pub const MAX_URL_CHARS: usize = 2048;

/// Why a field was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    pub field: &'static str,
    pub message: String,
}

impl Invalid {
    fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

fn bounded(field: &'static str, value: &str, max: usize) -> Result<String, Invalid> {
    let trimmed = value.trim();
    let len = trimmed.chars().count();
    if len == 0 {
        return Err(Invalid::new(field, format!("{field} must not be empty")));
    }
    if len > max {
        return Err(Invalid::new(
            field,
            format!("{field} must be at most {max} characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// Message text: 1..=4000 characters after trimming; no control characters but tab
/// and line breaks, which are stored as `\n` (a pasted `\r\n` is one break).
pub fn text(value: &str) -> Result<String, Invalid> {
    let text = bounded("text", value, MAX_TEXT_CHARS)?;
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
    {
        return Err(Invalid::new(
            "text",
            "text must not contain control characters other than tab and line breaks",
        ));
    }
    Ok(if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text
    })
}

/// Most attachments one message carries.
pub const MAX_ATTACHMENTS: usize = 10;

/// A message's text when it carries `attachments` files: it may then be empty.
pub fn text_with(value: &str, attachments: usize) -> Result<String, Invalid> {
    if attachments > 0 && value.trim().is_empty() {
        return Ok(String::new());
    }
    text(value)
}

/// A message's attachment ids: at most 10, each 1–64 visible ASCII characters, none twice.
pub fn attachment_ids(ids: &[String]) -> Result<Vec<String>, Invalid> {
    const FIELD: &str = "attachment_ids";
    if ids.len() > MAX_ATTACHMENTS {
        return Err(Invalid::new(
            FIELD,
            format!("a message carries at most {MAX_ATTACHMENTS} attachments"),
        ));
    }
    for (i, id) in ids.iter().enumerate() {
        if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Invalid::new(FIELD, "an attachment id is not valid"));
        }
        if ids[..i].contains(id) {
            return Err(Invalid::new(FIELD, "an attachment is named twice"));
        }
    }
    Ok(ids.to_vec())
}

/// The Unicode format characters (general category Cf) of the Basic Multilingual
/// Plane: bidi overrides and isolates, zero-width characters, the BOM and the like,
/// which make a name display as something else. (Cf characters beyond the BMP are
/// left alone: emoji flags are built from tag characters.)
pub const FORMAT_CHARS: &[(char, char)] = &[
    ('\u{AD}', '\u{AD}'),
    ('\u{600}', '\u{605}'),
    ('\u{61C}', '\u{61C}'),
    ('\u{6DD}', '\u{6DD}'),
    ('\u{70F}', '\u{70F}'),
    ('\u{890}', '\u{891}'),
    ('\u{8E2}', '\u{8E2}'),
    ('\u{180E}', '\u{180E}'),
    ('\u{200B}', '\u{200F}'),
    ('\u{202A}', '\u{202E}'),
    ('\u{2060}', '\u{2064}'),
    ('\u{2066}', '\u{206F}'),
    ('\u{FEFF}', '\u{FEFF}'),
    ('\u{FFF9}', '\u{FFFB}'),
];

fn is_format(c: char) -> bool {
    FORMAT_CHARS.iter().any(|&(lo, hi)| (lo..=hi).contains(&c))
}

/// A person's name: 1..=120 characters after trimming, no control or format characters.
pub fn name(value: &str) -> Result<String, Invalid> {
    let name = bounded("name", value, MAX_NAME_CHARS)?;
    if name.chars().any(|c| c.is_control() || is_format(c)) {
        return Err(Invalid::new(
            "name",
            "name must not contain control or invisible formatting characters",
        ));
    }
    Ok(name)
}

/// A canned reply's title: like a name, 1..=120 characters.
pub fn title(value: &str) -> Result<String, Invalid> {
    name(value).map_err(|e| Invalid::new("title", e.message.replacen("name", "title", 1)))
}

/// Longest canned-reply shortcut.
pub const MAX_SHORTCUT_CHARS: usize = 32;

/// A canned reply's shortcut, typed after `/` in the composer: 1..=32 letters, digits,
/// `-` and `_` after trimming and a leading `/` (stored lower-cased).
pub fn shortcut(value: &str) -> Result<String, Invalid> {
    let trimmed = value.trim();
    let shortcut = trimmed.strip_prefix('/').unwrap_or(trimmed);
    let valid = (1..=MAX_SHORTCUT_CHARS).contains(&shortcut.len())
        && shortcut
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !valid {
        return Err(Invalid::new(
            "shortcut",
            format!("shortcut must be 1 to {MAX_SHORTCUT_CHARS} letters, digits, - and _"),
        ));
    }
    Ok(shortcut.to_ascii_lowercase())
}

/// Longest label name, and most labels on one conversation.
pub const MAX_LABEL_CHARS: usize = 32;
pub const MAX_LABELS: usize = 10;

/// A label's name: 1..=32 letters, digits, `-` and `_` after trimming, starting with a
/// letter or digit (stored lower-cased, so `Billing` and `billing` are one label).
pub fn label(value: &str) -> Result<String, Invalid> {
    let label = value.trim();
    let valid = (1..=MAX_LABEL_CHARS).contains(&label.len())
        && label
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !valid {
        return Err(Invalid::new(
            "labels",
            format!("a label is 1 to {MAX_LABEL_CHARS} letters, digits, - and _"),
        ));
    }
    Ok(label.to_ascii_lowercase())
}

/// A conversation's labels: at most [`MAX_LABELS`] given, each valid; each once, by name.
pub fn labels(values: &[String]) -> Result<Vec<String>, Invalid> {
    if values.len() > MAX_LABELS {
        return Err(Invalid::new(
            "labels",
            format!("a conversation carries at most {MAX_LABELS} labels"),
        ));
    }
    let mut labels = values
        .iter()
        .map(|l| label(l))
        .collect::<Result<Vec<_>, _>>()?;
    labels.sort();
    labels.dedup();
    Ok(labels)
}

/// An email address: one `@`, a non-empty local part, a dotted domain, no spaces. Lower-cased.
pub fn email(value: &str) -> Result<String, Invalid> {
    let email = value.trim();
    let invalid = || {
        Invalid::new(
            "email",
            "email must be a valid address, like ana@example.com",
        )
    };
    if email.is_empty() || email.len() > MAX_EMAIL_CHARS {
        return Err(invalid());
    }
    let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
    let domain_ok = !domain.is_empty()
        && domain.contains('.')
        && !domain.starts_with(['.', '-'])
        && !domain.ends_with(['.', '-'])
        && !domain.contains("..")
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    if local_ok && domain_ok {
        Ok(email.to_lowercase())
    } else {
        Err(invalid())
    }
}

/// A phone number: digits with optional `+`, spaces, dashes, dots and parentheses; 5..=20 digits.
pub fn phone(value: &str) -> Result<String, Invalid> {
    let phone = value.trim();
    let invalid = || Invalid::new("phone", "phone must be a number like +1 555 0100");
    let allowed = phone
        .chars()
        .enumerate()
        .all(|(i, c)| c.is_ascii_digit() || " -.()".contains(c) || (c == '+' && i == 0));
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    if allowed && (5..=20).contains(&digits) {
        Ok(phone.to_owned())
    } else {
        Err(invalid())
    }
}

/// A client-chosen idempotency key: 1..=64 visible ASCII characters.
pub fn client_msg_id(value: &str) -> Result<String, Invalid> {
    let ok = !value.is_empty()
        && value.len() <= MAX_CLIENT_MSG_ID_CHARS
        && value.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(value.to_owned())
    } else {
        Err(Invalid::new(
            "client_msg_id",
            "client_msg_id must be 1 to 64 visible ASCII characters",
        ))
    }
}

/// The page a visitor started on: an http(s) URL, at most 2048 characters, kept
/// without its query and fragment (they may carry the page's tokens).
pub fn page_url(value: &str) -> Result<String, Invalid> {
    let url = value.trim();
    let ok = (url.starts_with("http://") || url.starts_with("https://"))
        && url.len() <= MAX_URL_CHARS
        && !url.chars().any(char::is_control);
    if ok {
        let end = url.find(['?', '#']).unwrap_or(url.len());
        Ok(url[..end].to_owned())
    } else {
        Err(Invalid::new("page_url", "page_url must be an http(s) URL"))
    }
}

/// Longest widget greeting, in characters.
pub const MAX_GREETING_CHARS: usize = 500;

/// A widget greeting: 1..=500 characters after trimming, no NUL.
pub fn greeting(value: &str) -> Result<String, Invalid> {
    let greeting = bounded("greeting", value, MAX_GREETING_CHARS)?;
    if greeting.contains('\0') {
        return Err(Invalid::new(
            "greeting",
            "greeting must not contain NUL characters",
        ));
    }
    Ok(greeting)
}

/// A website's away message: like a greeting, but blank clears it (the widget then
/// uses its own wording).
pub fn away_message(value: &str) -> Result<String, Invalid> {
    if value.trim().is_empty() {
        return Ok(String::new());
    }
    greeting(value).map_err(|e| {
        Invalid::new(
            "away_message",
            e.message.replace("greeting", "away_message"),
        )
    })
}

/// Longest user id a website may vouch for.
pub const MAX_EXTERNAL_ID_CHARS: usize = 255;

/// A website's own id of its user, kept verbatim (it is what the website signed):
/// 1..=255 characters, no control characters.
pub fn external_id(value: &str) -> Result<String, Invalid> {
    let len = value.chars().count();
    if len == 0 || len > MAX_EXTERNAL_ID_CHARS {
        return Err(Invalid::new("id", "id must be 1 to 255 characters"));
    }
    if value.chars().any(char::is_control) {
        return Err(Invalid::new("id", "id must not contain control characters"));
    }
    Ok(value.to_owned())
}

/// A `user_hash`: an HMAC-SHA256 as 64 hex digits, returned as its 32 bytes.
pub fn user_hash(value: &str) -> Result<Vec<u8>, Invalid> {
    let invalid = || Invalid::new("user_hash", "user_hash must be 64 hex digits (HMAC-SHA256)");
    if value.len() != 64 || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid());
    }
    (0..64)
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(value.get(i..i + 2).ok_or_else(invalid)?, 16).map_err(|_| invalid())
        })
        .collect()
}

/// An optional field: absent and blank both mean "not given"; anything else must pass `check`.
pub fn optional(
    value: Option<&str>,
    check: fn(&str) -> Result<String, Invalid>,
) -> Result<Option<String>, Invalid> {
    value
        .filter(|v| !v.trim().is_empty())
        .map(check)
        .transpose()
}

/// A colour as `#rrggbb`, lower-cased.
pub fn theme_color(value: &str) -> Result<String, Invalid> {
    let value = value.trim();
    let ok = value.len() == 7
        && value.starts_with('#')
        && value[1..].bytes().all(|b| b.is_ascii_hexdigit());
    if ok {
        Ok(value.to_ascii_lowercase())
    } else {
        Err(Invalid::new(
            "theme_color",
            "theme_color must be a colour like #4f46e5",
        ))
    }
}

/// Shortest password for a new staff account.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// A new password: 8..=256 characters, kept as typed (spaces are part of it).
pub fn password(value: &str) -> Result<String, Invalid> {
    let len = value.chars().count();
    if len < MIN_PASSWORD_CHARS {
        return Err(Invalid::new(
            "password",
            format!("password must have at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if len > 256 {
        return Err(Invalid::new(
            "password",
            "password must be at most 256 characters",
        ));
    }
    Ok(value.to_owned())
}

/// Longest origin, as given (before trimming).
pub const MAX_ORIGIN_CHARS: usize = 300;

/// A website's origin as a browser sends it: `https://shop.example`, `http://localhost:3000`;
/// also the patterns an account accepts, `https://*.shop.example` and `http://localhost:*`.
/// Lower-cased, without a trailing slash; no path, query, user or other scheme.
pub fn origin(value: &str) -> Result<String, Invalid> {
    let invalid = || {
        Invalid::new(
            "origin",
            "origin must be a scheme and host without a path, like https://shop.example or http://localhost:3000",
        )
    };
    if value.chars().count() > MAX_ORIGIN_CHARS {
        return Err(invalid());
    }
    let origin = value.trim().trim_end_matches('/').to_ascii_lowercase();
    let (scheme, rest) = origin.split_once("://").ok_or_else(invalid)?;
    if scheme != "http" && scheme != "https" {
        return Err(invalid());
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    };
    let host_ok = {
        let host = host.strip_prefix("*.").unwrap_or(host);
        !host.is_empty()
            && host.split('.').all(|label| {
                !label.is_empty()
                    && !label.starts_with('-')
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
    };
    let port_ok = port.is_none_or(|p| {
        p == "*" || (!p.starts_with('0') && p.len() <= 5 && p.parse::<u16>().is_ok_and(|n| n > 0))
    });
    if host_ok && port_ok {
        Ok(origin)
    } else {
        Err(invalid())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(text("  hi  ").unwrap(), "hi");
        assert!(text("   ").is_err());
        assert!(text(&"x".repeat(4000)).is_ok());
        assert!(text(&"x".repeat(4001)).is_err());
        // Characters, not bytes.
        assert!(text(&"é".repeat(4000)).is_ok());
        assert!(text("a\0b").is_err());
    }

    #[test]
    fn text_keeps_tabs_and_line_breaks_only() {
        let cases = [
            ("a\tb\nc", Some("a\tb\nc")),
            ("a\r\nb\rc", Some("a\nb\nc")),
            ("a\u{1b}[31mb", None),
            ("a\u{7f}b", None),
            ("a\u{85}b", None),
            ("a\u{b}b", None),
            ("\u{1}", None),
        ];
        for (input, expected) in cases {
            assert_eq!(text(input).ok().as_deref(), expected, "{input:?}");
        }
    }

    #[test]
    fn names_refuse_format_characters() {
        for bad in [
            "Demo Agent\u{202E}(ffats)",
            "Ana\u{200B}",
            "\u{2066}Bo\u{2069}",
            "\u{FEFF}Cy",
            "Di\u{AD}",
        ] {
            assert!(name(bad).is_err(), "{bad:?}");
        }
        assert_eq!(name("Zoë 🏴").unwrap(), "Zoë 🏴");
    }

    #[test]
    fn names_are_bounded_and_printable() {
        assert_eq!(name(" Ana ").unwrap(), "Ana");
        assert!(name("").is_err());
        assert!(name(&"a".repeat(121)).is_err());
        assert!(name("a\u{0007}b").is_err());
    }

    #[test]
    fn emails() {
        assert_eq!(email(" Ana@Example.COM ").unwrap(), "ana@example.com");
        for bad in [
            "",
            "ana",
            "ana@",
            "@x.com",
            "ana@x",
            "a b@x.com",
            "ana@x..com",
            "ana@.x.com",
            "a@b@c.com",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phones() {
        assert!(phone("+1 (555) 010-0100").is_ok());
        assert!(phone("0912345678").is_ok());
        for bad in ["", "12", "call me", "1+2345678", &"1".repeat(21)] {
            assert!(phone(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn client_msg_ids_and_urls() {
        assert!(client_msg_id("k-1").is_ok());
        assert!(client_msg_id("").is_err());
        assert!(client_msg_id("has space").is_err());
        assert!(client_msg_id(&"k".repeat(65)).is_err());
        assert!(page_url("https://shop.example/cart").is_ok());
        assert!(page_url("javascript:alert(1)").is_err());
        for (given, kept) in [
            (
                "https://shop.example/cart?token=s3cret",
                "https://shop.example/cart",
            ),
            (
                "https://shop.example/#access_token=s3cret",
                "https://shop.example/",
            ),
            ("https://shop.example/a#b?c", "https://shop.example/a"),
        ] {
            assert_eq!(page_url(given).unwrap(), kept);
        }
    }

    #[test]
    fn origins() {
        for (input, normalised) in [
            ("https://shop.example", "https://shop.example"),
            (" HTTPS://Shop.Example/ ", "https://shop.example"),
            ("http://localhost:3000", "http://localhost:3000"),
            ("http://localhost:*", "http://localhost:*"),
            ("https://*.shop.example", "https://*.shop.example"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ] {
            assert_eq!(origin(input).as_deref(), Ok(normalised), "{input}");
        }
        for bad in [
            "",
            "shop.example",
            "ftp://shop.example",
            "https://shop.example/path",
            "https://user@shop.example",
            "https://shop.example:0",
            "https://shop.example:99999",
            "https://shop.example:080",
            "https://",
            "https://shop..example",
            "javascript://x",
        ] {
            assert!(origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn blank_means_absent() {
        type Case<'a> = (Option<&'a str>, Result<Option<&'a str>, ()>);
        let cases: &[Case] = &[
            (None, Ok(None)),
            (Some(""), Ok(None)),
            (Some("  \t"), Ok(None)),
            (Some("ana@example.com"), Ok(Some("ana@example.com"))),
            (Some("not an email"), Err(())),
        ];
        for (value, want) in cases {
            let got = optional(*value, email);
            assert_eq!(
                got.as_ref().map(|v| v.as_deref()).map_err(drop),
                *want,
                "{value:?}"
            );
        }
    }

    #[test]
    fn labels_are_names_lower_cased_each_once() {
        let given = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            labels(&given(&[" VIP", "billing", "vip", "re-fund_2"])),
            Ok(given(&["billing", "re-fund_2", "vip"]))
        );
        assert_eq!(labels(&[]), Ok(vec![]));
        for bad in ["", " ", "-x", "a b", "a,b", "é", &"x".repeat(33)] {
            assert!(label(bad).is_err(), "{bad:?}");
        }
        let eleven: Vec<String> = (0..11).map(|n| format!("l{n}")).collect();
        assert!(labels(&eleven).is_err());
        assert!(labels(&given(&["a"; 11])).is_err(), "counted as given");
    }

    #[test]
    fn colours_and_greetings() {
        assert_eq!(theme_color(" #4F46E5 ").as_deref(), Ok("#4f46e5"));
        for bad in ["4f46e5", "#4f46e", "#4f46e5f", "#ggg000", ""] {
            assert!(theme_color(bad).is_err(), "{bad}");
        }
        assert!(greeting("Hi!").is_ok());
        assert!(greeting(" ").is_err());
        assert!(greeting(&"x".repeat(501)).is_err());
        assert!(greeting("a\0b").is_err());
    }

    #[test]
    fn passwords() {
        assert!(password("1234567").is_err());
        assert_eq!(password(" 8 chars ").as_deref(), Ok(" 8 chars "));
        assert!(password(&"x".repeat(257)).is_err());
    }

    #[test]
    fn identity_fields() {
        let hash = "0f".repeat(32);
        assert_eq!(user_hash(&hash).unwrap(), vec![0x0f; 32]);
        assert_eq!(user_hash(&hash.to_uppercase()).unwrap(), vec![0x0f; 32]);
        for bad in [
            "",
            "0f",
            &"0g".repeat(32),
            &format!("+f{}", "0f".repeat(31)),
            &"é".repeat(32),
        ] {
            assert!(user_hash(bad).is_err(), "{bad:?}");
        }
        for (id, ok) in [
            ("user-1", true),
            (" spaced ", true),
            ("", false),
            ("a\nb", false),
            (&"x".repeat(255), true),
            (&"x".repeat(256), false),
        ] {
            assert_eq!(external_id(id).is_ok(), ok, "{id:?}");
        }
        assert_eq!(external_id(" spaced ").unwrap(), " spaced ");
        assert_eq!(away_message("  ").unwrap(), "");
        assert_eq!(away_message(" Back at 9 ").unwrap(), "Back at 9");
        assert!(
            away_message(&"x".repeat(501))
                .unwrap_err()
                .message
                .contains("away_message")
        );
    }
}
