//! Finds the links in a message's text. Only `http://`, `https://` and `mailto:` become
//! links; everything else (`javascript:`, `data:`, HTML) stays text, and the UIs render
//! both as text nodes, never as HTML.

/// A run of a message's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    /// A link: shown as `text`, opening `text` itself (it is already a full URL).
    Link(&'a str),
}

const SCHEMES: [&str; 3] = ["https://", "http://", "mailto:"];

/// Splits `text` into text and links, in order; joined, the pieces are `text` again.
pub fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut plain_from = 0;
    let mut at = 0;
    while at < text.len() {
        let rest = &text[at..];
        let starts_word = at == 0 || !text[..at].ends_with(|c: char| c.is_alphanumeric());
        if let Some(len) = starts_word.then(|| link_len(rest)).flatten() {
            if plain_from < at {
                out.push(Piece::Text(&text[plain_from..at]));
            }
            out.push(Piece::Link(&text[at..at + len]));
            at += len;
            plain_from = at;
        } else {
            at += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
    if plain_from < text.len() {
        out.push(Piece::Text(&text[plain_from..]));
    }
    out
}

/// The length of the link `rest` starts with, if it starts with one.
fn link_len(rest: &str) -> Option<usize> {
    // Compared as bytes: `rest` may start with a character that a byte index would split.
    let scheme = SCHEMES.iter().find(|s| {
        rest.len() > s.len() && rest.as_bytes()[..s.len()].eq_ignore_ascii_case(s.as_bytes())
    })?;
    let end = rest
        .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '`'))
        .unwrap_or(rest.len());
    let mut link = &rest[..end];
    // Sentence punctuation after a link is not part of it; a `)` is, when the link opened it.
    loop {
        let trimmed = link.trim_end_matches(['.', ',', ';', ':', '!', '?', '\'']);
        let unbalanced =
            trimmed.ends_with(')') && trimmed.matches(')').count() > trimmed.matches('(').count();
        link = if unbalanced {
            &trimmed[..trimmed.len() - 1]
        } else {
            trimmed
        };
        if !unbalanced {
            break;
        }
    }
    // Trimming may eat into the scheme itself ("mailto:" → "mailto").
    let body = link.get(scheme.len()..)?;
    let valid = if scheme.starts_with("mailto") {
        body.split_once('@')
            .is_some_and(|(user, host)| !user.is_empty() && host.contains('.'))
    } else {
        body.split(['/', '?', '#'])
            .next()
            .is_some_and(|host| !host.is_empty() && !host.starts_with('.'))
    };
    valid.then_some(link.len())
}

#[cfg(test)]
mod tests {
    use super::Piece::{Link, Text};
    use super::*;

    #[test]
    fn links_are_found_and_everything_else_stays_text() {
        let cases: &[(&str, &[Piece])] = &[
            ("no links here", &[Text("no links here")]),
            (
                "https://shop.example/a?b=1#c",
                &[Link("https://shop.example/a?b=1#c")],
            ),
            (
                "see http://x.example/p. Thanks",
                &[Text("see "), Link("http://x.example/p"), Text(". Thanks")],
            ),
            (
                "(https://en.wikipedia.org/wiki/Rust_(language))",
                &[
                    Text("("),
                    Link("https://en.wikipedia.org/wiki/Rust_(language)"),
                    Text(")"),
                ],
            ),
            (
                "mail mailto:ana@example.com!",
                &[Text("mail "), Link("mailto:ana@example.com"), Text("!")],
            ),
            ("HTTPS://LOUD.EXAMPLE", &[Link("HTTPS://LOUD.EXAMPLE")]),
            ("javascript:alert(1)", &[Text("javascript:alert(1)")]),
            (
                "data:text/html,<b>x</b>",
                &[Text("data:text/html,<b>x</b>")],
            ),
            (
                "<a href=\"https://evil.example\">x</a>",
                &[
                    Text("<a href=\""),
                    Link("https://evil.example"),
                    Text("\">x</a>"),
                ],
            ),
            ("xhttps://glued.example", &[Text("xhttps://glued.example")]),
            ("https:// nothing", &[Text("https:// nothing")]),
            ("https://", &[Text("https://")]),
            ("mailto:nobody", &[Text("mailto:nobody")]),
            // Found by the fuzzer: trailing punctuation that reaches into the scheme.
            ("[mailto:\r!.\n", &[Text("[mailto:\r!.\n")]),
            ("http://.", &[Text("http://.")]),
            (
                "chào https://shop.vn/giỏ-hàng nhé",
                &[
                    Text("chào "),
                    Link("https://shop.vn/giỏ-hàng"),
                    Text(" nhé"),
                ],
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(&pieces(text), expected, "{text}");
            let joined: String = pieces(text)
                .iter()
                .map(|p| match p {
                    Text(s) | Link(s) => *s,
                })
                .collect();
            assert_eq!(&joined, text);
        }
    }
}
