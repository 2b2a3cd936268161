//! Any string through the input rules: they never panic, and what they accept
//! honours the documented bounds. And through the link finder both UIs draw messages
//! with: it never panics, and its pieces are the text again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use natter_protocol::validate;

fuzz_target!(|input: &str| {
    let joined: String = natter_client::links::pieces(input)
        .iter()
        .map(|piece| match piece {
            natter_client::links::Piece::Text(s) => *s,
            natter_client::links::Piece::Link(s) => {
                let lower = s.to_ascii_lowercase();
                assert!(["http://", "https://", "mailto:"].iter().any(|p| lower.starts_with(p)));
                *s
            }
        })
        .collect();
    assert_eq!(joined, input);
    if let Ok(text) = validate::text(input) {
        assert_eq!(text, text.trim());
        assert!((1..=validate::MAX_TEXT_CHARS).contains(&text.chars().count()));
    }
    if let Ok(name) = validate::name(input) {
        assert!((1..=validate::MAX_NAME_CHARS).contains(&name.chars().count()));
        assert!(!name.chars().any(char::is_control));
    }
    if let Ok(email) = validate::email(input) {
        assert!(email.len() <= validate::MAX_EMAIL_CHARS);
        assert_eq!(email.matches('@').count(), 1);
        assert!(!email.contains(char::is_whitespace));
    }
    if let Ok(phone) = validate::phone(input) {
        assert!((5..=20).contains(&phone.chars().filter(char::is_ascii_digit).count()));
    }
    if let Ok(id) = validate::client_msg_id(input) {
        assert!(id.bytes().all(|b| b.is_ascii_graphic()));
    }
    if let Ok(url) = validate::page_url(input) {
        assert!(url.starts_with("http://") || url.starts_with("https://"));
    }
});
