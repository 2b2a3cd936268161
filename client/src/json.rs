//! JSON through the browser's own parser and serializer, with serde over JS values in
//! between: the widget links no JSON parser of its own.

use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;

/// JSON's shapes: maps as objects, `None` as `null`, 64-bit integers as numbers.
const SHAPE: serde_wasm_bindgen::Serializer = serde_wasm_bindgen::Serializer::json_compatible();

/// `text` parsed by `JSON.parse`, then read as `T`; `None` if either step fails.
pub fn parse<T: DeserializeOwned>(text: &str) -> Option<T> {
    from_js(js_sys::JSON::parse(text).ok()?)
}

/// A value `JSON.parse` made (or any plain JS value) read as `T`.
pub fn from_js<T: DeserializeOwned>(value: JsValue) -> Option<T> {
    serde_wasm_bindgen::from_value(value).ok()
}

/// `value` as JSON text, by `JSON.stringify`.
pub fn stringify<T: Serialize + ?Sized>(value: &T) -> Option<String> {
    let js = value.serialize(&SHAPE).ok()?;
    js_sys::JSON::stringify(&js).ok().map(String::from)
}

/// A frame of an internally tagged enum (`{"type": …, …}`): its tag read first, then only
/// that variant's fields (serde's own decoder would buffer the whole frame first).
pub fn parse_tagged<T>(
    text: &str,
    decode: impl FnOnce(
        &str,
        serde_wasm_bindgen::Deserializer,
    ) -> Result<Option<T>, serde_wasm_bindgen::Error>,
) -> Option<T> {
    let value = js_sys::JSON::parse(text).ok()?;
    let tag = js_sys::Reflect::get(&value, &JsValue::from_str("type"))
        .ok()?
        .as_string()?;
    decode(&tag, value.into()).ok().flatten()
}

/// A plain JS object from key/value pairs (event details, arguments for JS code).
pub fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let object = js_sys::Object::new();
    for (key, value) in fields {
        let _ = js_sys::Reflect::set(&object, &JsValue::from_str(key), value);
    }
    object.into()
}
