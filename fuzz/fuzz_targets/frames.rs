//! Any bytes a client sends over a socket: decoding never panics, and whatever
//! decodes re-encodes to a frame that decodes to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use natter_protocol::{ClientFrame, ServerFrame};

fuzz_target!(|data: &[u8]| {
    if let Ok(frame) = serde_json::from_slice::<ClientFrame>(data) {
        let json = serde_json::to_vec(&frame).expect("a decoded frame encodes");
        let again: ClientFrame = serde_json::from_slice(&json).expect("an encoded frame decodes");
        assert_eq!(again, frame);
    }
    // The widget and the inbox decode server frames: they must not panic either. The
    // widget reads the tag first, then that variant; both ways agree.
    let whole = serde_json::from_slice::<ServerFrame>(data).ok();
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data)
        && let Some(tag) = value.get("type").and_then(|t| t.as_str())
    {
        let by_tag = ServerFrame::from_tagged(tag, &value).ok().flatten();
        if let Some(frame) = whole {
            assert_eq!(by_tag, Some(frame), "the tag first decodes what serde decodes");
        }
    }
});
