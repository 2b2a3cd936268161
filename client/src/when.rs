//! Times as both UIs show them, in the viewer's locale (the browser's `Intl`): a time of
//! day beside each message group, and a day separator whenever the day changes.

use js_sys::{Date, Object, Reflect};
use wasm_bindgen::JsValue;

fn date(ms: i64) -> Date {
    Date::new(&JsValue::from_f64(ms as f64))
}

fn options(pairs: &[(&str, &str)]) -> Object {
    let options = Object::new();
    for (key, value) in pairs {
        _ = Reflect::set(&options, &(*key).into(), &(*value).into());
    }
    options
}

/// The local calendar day of `ms`, as a number that changes exactly at local midnight.
pub fn day_of(ms: i64) -> i64 {
    let d = date(ms);
    i64::from(d.get_full_year()) * 10_000 + i64::from(d.get_month()) * 100 + i64::from(d.get_date())
}

/// A time of day: "14:05" or "2:05 PM", as `locale` (empty: the browser's) writes it.
pub fn time(ms: i64, locale: &str) -> String {
    date(ms)
        .to_locale_time_string_with_options(
            locale_or_default(locale),
            &options(&[("timeStyle", "short")]),
        )
        .into()
}

/// A day separator: `today` or `yesterday` as given (already translated), else the date,
/// with the year only when it is not this year.
pub fn day(ms: i64, locale: &str, today: &str, yesterday: &str) -> String {
    let now = Date::now() as i64;
    let this = day_of(ms);
    if this == day_of(now) {
        return today.to_owned();
    }
    if this == day_of(now - 86_400_000) {
        return yesterday.to_owned();
    }
    let same_year = date(ms).get_full_year() == date(now).get_full_year();
    let mut pairs = vec![("weekday", "short"), ("day", "numeric"), ("month", "long")];
    if !same_year {
        pairs.push(("year", "numeric"));
    }
    date(ms)
        .to_locale_date_string(locale_or_default(locale), &options(&pairs))
        .into()
}

/// A time today, else a short date (and the time, unless `compact`), for lists and details.
pub fn stamp(ms: i64, locale: &str, compact: bool) -> String {
    let today = day_of(ms) == day_of(Date::now() as i64);
    let mut pairs = Vec::new();
    if !today {
        pairs.push(("dateStyle", "medium"));
    }
    if today || !compact {
        pairs.push(("timeStyle", "short"));
    }
    date(ms)
        .to_locale_string(locale_or_default(locale), &options(&pairs))
        .into()
}

fn locale_or_default(locale: &str) -> &str {
    if locale.is_empty() { "default" } else { locale }
}
