//! `client_msg_id`: the key that makes a resent message stored once.

/// A key from two random numbers in `[0, 1)`: `prefix` (which UI sent it) and 20
/// base-36 digits, about 103 random bits.
pub fn client_msg_id(prefix: &str, a: f64, b: f64) -> String {
    let mut id = String::from(prefix);
    for r in [a, b] {
        let mut n = (r.clamp(0.0, 1.0) * 3_656_158_440_062_976.0) as u64; // 36^10
        for _ in 0..10 {
            id.push(char::from_digit((n % 36) as u32, 36).unwrap_or('0'));
            n /= 36;
        }
    }
    id
}

/// A key from the browser's random numbers.
pub fn new_client_msg_id(prefix: &str) -> String {
    client_msg_id(prefix, js_sys::Math::random(), js_sys::Math::random())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_a_prefix_and_twenty_base36_digits_the_server_accepts() {
        let cases = [
            ("w", 0.0, 0.0, Some("w00000000000000000000")),
            ("s", 0.999_999_999, 0.5, None),
            ("w", 0.123, 0.456, None),
        ];
        for (prefix, a, b, exact) in cases {
            let id = client_msg_id(prefix, a, b);
            assert_eq!(id.len(), prefix.len() + 20, "{id}");
            assert!(id.starts_with(prefix), "{id}");
            let digits = &id[prefix.len()..];
            assert!(
                digits
                    .chars()
                    .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase()),
                "{id}"
            );
            assert!(
                natter_protocol::validate::client_msg_id(&id).is_ok(),
                "{id}"
            );
            if let Some(exact) = exact {
                assert_eq!(id, exact);
            }
        }
        assert_ne!(client_msg_id("w", 0.1, 0.2), client_msg_id("w", 0.1, 0.3));
    }
}
