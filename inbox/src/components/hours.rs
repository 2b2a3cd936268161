//! A website's business hours: always open, or one span a day in a time zone, and
//! whether the chat button hides outside them.

use super::settings::SaveStatus;
use super::websites::save_website;
use crate::store::use_inbox;
use leptos::prelude::*;
use natter_protocol::{AccountSettings, BusinessHours, OpenSpan, UpdateAccount, Weekday};

const DAY_NAMES: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Time zones offered as suggestions; any IANA name may be typed.
const ZONES: &[&str] = &[
    "UTC",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Ho_Chi_Minh",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Australia/Sydney",
];

/// One weekday's row: open that day, from, until.
#[derive(Clone, Copy)]
struct DayRow {
    open: RwSignal<bool>,
    from: RwSignal<String>,
    until: RwSignal<String>,
}

/// The browser's own time zone, the default for a new schedule.
fn browser_zone() -> String {
    let options = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
        .resolved_options();
    js_sys::Reflect::get(&options, &"timeZone".into())
        .ok()
        .and_then(|z| z.as_string())
        .unwrap_or_else(|| "UTC".to_owned())
}

/// The form: "always" or a weekly schedule (one span a day; Monday to Friday 9–17 to
/// start with), the time zone, and "hide the chat button when closed".
#[component]
pub fn BusinessHoursForm(
    /// The website as last saved.
    account: AccountSettings,
) -> impl IntoView {
    let inbox = use_inbox();
    let id = account.id.clone();
    let (weekly, zone, spans) = match &account.business_hours {
        BusinessHours::Always => (false, browser_zone(), Vec::new()),
        BusinessHours::Weekly { timezone, days } => (true, timezone.clone(), days.clone()),
    };
    let weekly = RwSignal::new(weekly);
    let zone = RwSignal::new(zone);
    let hide = RwSignal::new(account.hide_when_closed);
    let fresh = !weekly.get_untracked();
    let rows: Vec<DayRow> = Weekday::ALL
        .iter()
        .map(|day| {
            let span = spans.iter().find(|s| s.day == *day);
            let workday = day.index() < 5;
            DayRow {
                open: RwSignal::new(span.is_some() || (fresh && workday)),
                from: RwSignal::new(span.map_or("09:00".into(), |s| s.open.clone())),
                until: RwSignal::new(span.map_or("17:00".into(), |s| s.close.clone())),
            }
        })
        .collect();
    let busy = RwSignal::new(false);
    let status = RwSignal::new(None::<Result<&'static str, String>>);
    let save = {
        let id = id.clone();
        let rows = rows.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let hours = if weekly.get_untracked() {
                BusinessHours::Weekly {
                    timezone: zone.get_untracked(),
                    days: Weekday::ALL
                        .iter()
                        .zip(&rows)
                        .filter(|(_, row)| row.open.get_untracked())
                        .map(|(day, row)| OpenSpan {
                            day: *day,
                            open: row.from.get_untracked(),
                            close: row.until.get_untracked(),
                        })
                        .collect(),
                }
            } else {
                BusinessHours::Always
            };
            let body = UpdateAccount {
                business_hours: Some(hours),
                hide_when_closed: Some(hide.get_untracked()),
                ..UpdateAccount::default()
            };
            save_website(
                inbox,
                id.clone(),
                body,
                busy,
                status,
                "Saved. Outside these hours, visitors are asked for their email.",
            );
        }
    };
    let field = |suffix: &str| format!("{suffix}-{id}");
    let mode = field("hours-mode");
    let zones = field("zones");
    view! {
        <form class="hours" on:submit=save>
            <fieldset class="theme-choice">
                <legend>"When your team answers"</legend>
                <label><input type="radio" name=mode.clone() prop:checked=move || !weekly.get() on:change=move |_| weekly.set(false) />"Always"</label>
                <label><input type="radio" name=mode prop:checked=move || weekly.get() on:change=move |_| weekly.set(true) />"During business hours"</label>
            </fieldset>
            <div class="hours-week" hidden=move || !weekly.get()>
                <label for=field("zone")>"Time zone"</label>
                <input id=field("zone") type="text" list=zones.clone() maxlength="64" autocomplete="off" bind:value=zone />
                <datalist id=zones>{ZONES.iter().map(|z| view! { <option value=*z></option> }).collect_view()}</datalist>
                <table class="hours-days">
                    <caption class="visually-hidden">"Opening hours by day"</caption>
                    <tbody>
                        {rows
                            .iter()
                            .zip(DAY_NAMES)
                            .map(|(row, name)| {
                                let row = *row;
                                view! {
                                    <tr>
                                        <th scope="row">
                                            <label><input type="checkbox" bind:checked=row.open />{name}</label>
                                        </th>
                                        <td><input type="time" aria-label=format!("{name} opens") disabled=move || !row.open.get() bind:value=row.from /></td>
                                        <td><input type="time" aria-label=format!("{name} closes") disabled=move || !row.open.get() bind:value=row.until /></td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
                <label class="check"><input type="checkbox" bind:checked=hide />"Hide the chat button outside these hours (visitors with a conversation keep it)"</label>
            </div>
            <div class="actions">
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Saving…" } else { "Save hours" }}
                </button>
                <SaveStatus status />
            </div>
        </form>
    }
}
