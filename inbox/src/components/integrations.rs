//! Settings → Integrations (owners and admins): webhook endpoints with their events,
//! secrets and delivery logs, and API tokens.

use crate::actions;
use crate::net::{confirm, copy, format_when};
use crate::store::use_inbox;
use leptos::prelude::*;
use leptos::task::spawn_local;
use natter_protocol::{
    ApiToken, DeliveryStatus, NewApiToken, NewWebhook, UpdateWebhook, Webhook, WebhookDelivery,
    WebhookEvent,
};

/// What each event is, for the picker.
fn event_label(event: WebhookEvent) -> &'static str {
    match event {
        WebhookEvent::ConversationCreated => "A conversation starts",
        WebhookEvent::ConversationUpdated => "A conversation's status, assignee or labels change",
        WebhookEvent::MessageCreated => "A message is sent (visitor or staff)",
        WebhookEvent::MessageDeleted => "A message is deleted",
        WebhookEvent::VisitorUpdated => "A visitor's name or email changes",
        WebhookEvent::VisitorDeleted => "A visitor is erased",
    }
}

/// An endpoint's delivery log, once loaded.
type LogSignal = RwSignal<Option<Result<Vec<WebhookDelivery>, String>>>;

/// "1 attempt", "3 attempts".
fn attempts(n: u32) -> String {
    if n == 1 {
        "1 attempt".to_owned()
    } else {
        format!("{n} attempts")
    }
}

/// The page: webhooks, then API tokens.
#[component]
pub fn IntegrationsPage() -> impl IntoView {
    view! {
        <section class="websites" aria-labelledby="integrations-title">
            <h2 id="integrations-title">"Integrations"</h2>
            <WebhookList />
            <ApiTokenList />
        </section>
    }
}

/// A secret or token shown once, with a button that copies it.
#[component]
fn ShownOnce(
    /// What it is, e.g. "Signing secret".
    label: &'static str,
    /// The value.
    value: String,
) -> impl IntoView {
    let copied = RwSignal::new(false);
    let text = value.clone();
    view! {
        <div class="shown-once" role="status">
            <p><strong>{label}</strong>" — copy it now: it is not shown again."</p>
            <div class="inline">
                <code class="secret">{value}</code>
                <button type="button" class="link small" on:click=move |_| {
                    copy(&text);
                    copied.set(true);
                }>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
            </div>
        </div>
    }
}

/// The organization's endpoints, and a form that adds one.
#[component]
fn WebhookList() -> impl IntoView {
    let inbox = use_inbox();
    let endpoints = RwSignal::new(None::<Result<Vec<Webhook>, String>>);
    let reload = move || {
        spawn_local(async move {
            endpoints.set(Some(actions::webhooks(inbox).await));
        });
    };
    reload();
    // The secret of the endpoint just made (or rotated): (endpoint id, secret).
    let fresh = RwSignal::new(None::<(String, String)>);
    view! {
        <div class="website">
            <h3>"Webhooks"</h3>
            <p class="muted">
                "Natter POSTs each event you choose to your endpoint as JSON, signed: Natter-Webhook-Signature is v1= and the hex HMAC-SHA256 of \"{id}.{timestamp}.{body}\" keyed with the endpoint's secret. A delivery that fails is retried for about a day, in order per conversation. docs/WEBHOOKS.md shows how to verify it in Node, Python and Rust."
            </p>
            {move || match endpoints.get() {
                None => view! { <p class="muted" role="status">"Loading the endpoints…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p class="muted">"No endpoints yet."</p>
                }.into_any(),
                Some(Ok(list)) => view! {
                    <ul class="endpoints" aria-label="Webhook endpoints">
                        {list.into_iter().map(|endpoint| view! {
                            <Endpoint endpoint fresh on_change=Callback::new(move |()| reload()) />
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
            <AddEndpoint fresh on_added=Callback::new(move |()| reload()) />
        </div>
    }
}

/// The add form: URL, events, notes.
#[component]
fn AddEndpoint(
    /// Where the new endpoint's secret is put, to show it once.
    fresh: RwSignal<Option<(String, String)>>,
    /// Called once it is added.
    on_added: Callback<()>,
) -> impl IntoView {
    let inbox = use_inbox();
    let url = RwSignal::new(String::new());
    let chosen = RwSignal::new(vec![
        WebhookEvent::ConversationCreated,
        WebhookEvent::MessageCreated,
    ]);
    let notes = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let events = chosen.get_untracked();
        if events.is_empty() {
            error.set(Some("Choose at least one event.".into()));
            return;
        }
        busy.set(true);
        error.set(None);
        let new = NewWebhook {
            url: url.get_untracked().trim().to_owned(),
            events,
            include_notes: notes.get_untracked(),
        };
        spawn_local(async move {
            match actions::add_webhook(inbox, new).await {
                Ok(endpoint) => {
                    url.set(String::new());
                    fresh.set(endpoint.secret.map(|s| (endpoint.id, s)));
                    on_added.run(());
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="add-endpoint" on:submit=add>
            <h4>"Add an endpoint"</h4>
            <label for="webhook-url">"Endpoint URL"</label>
            <input id="webhook-url" type="url" required maxlength="2000" placeholder="https://crm.example.com/natter" autocomplete="off" bind:value=url />
            <fieldset class="events">
                <legend>"Events"</legend>
                {WebhookEvent::ALL.into_iter().map(|event| {
                    let id = format!("event-{}", event.as_str().replace('.', "-"));
                    let label_for = id.clone();
                    view! {
                        <label class="check" for=label_for>
                            <input
                                id=id
                                type="checkbox"
                                prop:checked=move || chosen.with(|c| c.contains(&event))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    chosen.update(|c| {
                                        c.retain(|e| *e != event);
                                        if on {
                                            c.push(event);
                                        }
                                    });
                                }
                            />
                            <span><code>{event.as_str()}</code>" "<span class="muted">{event_label(event)}</span></span>
                        </label>
                    }
                }).collect_view()}
                <label class="check" for="event-notes">
                    <input id="event-notes" type="checkbox" prop:checked=notes on:change=move |ev| notes.set(event_target_checked(&ev)) />
                    <span>"Include internal notes in message.created "<span class="muted">"(staff-only text leaves Natter)"</span></span>
                </label>
            </fieldset>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <div class="actions">
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Adding…" } else { "Add endpoint" }}
                </button>
            </div>
        </form>
    }
}

/// One endpoint: its URL and events, test, rotate, enable or disable, delete, and its
/// deliveries.
#[component]
fn Endpoint(
    endpoint: Webhook,
    /// The secret just made or rotated, shown under its endpoint.
    fresh: RwSignal<Option<(String, String)>>,
    /// Called after a change, to reload the list.
    on_change: Callback<()>,
) -> impl IntoView {
    let inbox = use_inbox();
    let id = StoredValue::new(endpoint.id.clone());
    let enabled = endpoint.enabled;
    let error = RwSignal::new(None::<String>);
    let note = RwSignal::new(None::<String>);
    let log = RwSignal::new(None::<Result<Vec<WebhookDelivery>, String>>);
    // The log reloads itself while a delivery is queued or about to be retried (a few
    // times, a second and a half apart), so a test event is seen to arrive.
    let polls = StoredValue::new(0u8);
    let load_log = move || {
        fn fetch(
            inbox: crate::store::Inbox,
            id: StoredValue<String>,
            log: LogSignal,
            polls: StoredValue<u8>,
        ) {
            let Some(webhook) = id.try_get_value() else {
                return;
            };
            spawn_local(async move {
                let loaded = actions::webhook_deliveries(inbox, &webhook).await;
                let soon = crate::net::now_ms() + 10_000;
                let waiting = loaded.as_ref().is_ok_and(|list| {
                    list.iter().any(|d| {
                        d.status == DeliveryStatus::Pending
                            && d.next_attempt_at.is_some_and(|at| at <= soon)
                    })
                });
                if log.try_set(Some(loaded)).is_some() {
                    return; // gone from the page
                }
                let again = waiting
                    && polls
                        .try_update_value(|n| {
                            *n += 1;
                            *n <= 20
                        })
                        .unwrap_or(false);
                if again {
                    set_timeout(
                        move || fetch(inbox, id, log, polls),
                        std::time::Duration::from_millis(1500),
                    );
                }
            });
        }
        polls.set_value(0);
        fetch(inbox, id, log, polls);
    };
    let test = move |_| {
        error.set(None);
        spawn_local(async move {
            match actions::test_webhook(inbox, &id.get_value()).await {
                Ok(_) => {
                    note.set(Some("Test event queued; its delivery shows below.".into()));
                    load_log();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let change = move |patch: UpdateWebhook| {
        error.set(None);
        spawn_local(async move {
            match actions::update_webhook(inbox, &id.get_value(), patch).await {
                Ok(endpoint) => {
                    if let Some(secret) = endpoint.secret {
                        fresh.set(Some((endpoint.id, secret)));
                    }
                    on_change.run(());
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let rotate = move |_| {
        if confirm(
            "Make a new signing secret? The old one stops signing at once: your receiver must use the new one.",
        ) {
            change(UpdateWebhook {
                rotate_secret: Some(true),
                ..UpdateWebhook::default()
            });
        }
    };
    let toggle = move |_| {
        change(UpdateWebhook {
            enabled: Some(!enabled),
            ..UpdateWebhook::default()
        })
    };
    let delete = move |_| {
        if confirm("Delete this endpoint? What it was still owed is not sent.") {
            spawn_local(async move {
                match actions::delete_webhook(inbox, &id.get_value()).await {
                    Ok(()) => on_change.run(()),
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };
    let events = endpoint
        .events
        .iter()
        .map(|e| e.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let url = endpoint.url.clone();
    view! {
        <li class="endpoint">
            <div class="website-head">
                <code class="url">{url}</code>
                {match (endpoint.enabled, endpoint.failing_since) {
                    (false, _) => view! { <span class="pill">"Disabled"</span> }.into_any(),
                    (true, Some(since)) => view! {
                        <span class="pill danger" title=format!("A delivery was given up {}", format_when(since, false))>"Failing"</span>
                    }.into_any(),
                    (true, None) => view! { <span class="pill ok">"Active"</span> }.into_any(),
                }}
            </div>
            <p class="muted">
                {events}
                {endpoint.include_notes.then_some(" · with internal notes")}
            </p>
            {move || fresh.get().filter(|(for_id, _)| *for_id == id.get_value()).map(|(_, secret)| view! {
                <ShownOnce label="Signing secret" value=secret />
            })}
            <div class="actions">
                <button type="button" class="secondary small" on:click=test>"Send test event"</button>
                <button type="button" class="secondary small" on:click=move |_| load_log()>"Recent deliveries"</button>
                <button type="button" class="link small" on:click=rotate>"Rotate secret…"</button>
                <button type="button" class="link small" on:click=toggle>{if enabled { "Disable" } else { "Enable" }}</button>
                <button type="button" class="link danger small" on:click=delete>"Delete…"</button>
            </div>
            {move || note.get().map(|n| view! { <p class="muted" role="status">{n}</p> })}
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || log.get().map(|log| match log {
                Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Ok(list) if list.is_empty() => view! { <p class="muted">"Nothing sent yet."</p> }.into_any(),
                Ok(list) => view! { <DeliveryLog endpoint=id.get_value() list on_redeliver=Callback::new(move |()| load_log()) /> }.into_any(),
            })}
        </li>
    }
}

/// An endpoint's recent deliveries: event, status, answer, time, and "Redeliver".
#[component]
fn DeliveryLog(
    /// The endpoint's id.
    endpoint: String,
    list: Vec<WebhookDelivery>,
    /// Called after a redelivery was queued, to reload the log.
    on_redeliver: Callback<()>,
) -> impl IntoView {
    let inbox = use_inbox();
    let endpoint = StoredValue::new(endpoint);
    let error = RwSignal::new(None::<String>);
    view! {
        <div class="table-scroll">
            <table class="deliveries">
                <caption class="visually-hidden">"Recent deliveries, newest first"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Event"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Answer"</th>
                        <th scope="col">"When"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {list.into_iter().map(|d| {
                        let delivery = d.id.clone();
                        let status = match d.status {
                            DeliveryStatus::Delivered => "Delivered".to_owned(),
                            DeliveryStatus::Pending if d.attempts == 0 => "Queued".to_owned(),
                            DeliveryStatus::Pending => format!("Retrying ({})", attempts(d.attempts)),
                            DeliveryStatus::Failed => format!("Gave up ({})", attempts(d.attempts)),
                        };
                        let answer = match (d.response_status, d.response_ms) {
                            (Some(code), Some(ms)) => format!("{code} in {ms} ms"),
                            _ => d.error.clone().unwrap_or_default(),
                        };
                        let redeliver = move |_| {
                            let delivery = delivery.clone();
                            spawn_local(async move {
                                match actions::redeliver(inbox, &endpoint.get_value(), &delivery).await {
                                    Ok(_) => on_redeliver.run(()),
                                    Err(e) => error.set(Some(e)),
                                }
                            });
                        };
                        let class = match d.status {
                            DeliveryStatus::Delivered => "ok",
                            DeliveryStatus::Pending => "warn",
                            DeliveryStatus::Failed => "danger",
                        };
                        view! {
                            <tr>
                                <td><code>{d.event_type}</code></td>
                                <td class=class>{status}</td>
                                <td>
                                    {answer}
                                    {d.response_excerpt.map(|b| view! { <code class="excerpt">{b}</code> })}
                                </td>
                                <td>{format_when(d.created_at, true)}</td>
                                <td><button type="button" class="link small" on:click=redeliver>"Redeliver"</button></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </div>
    }
}

/// API tokens: each with its role and when it was last used, and a form that makes one.
#[component]
fn ApiTokenList() -> impl IntoView {
    let inbox = use_inbox();
    let tokens = RwSignal::new(None::<Result<Vec<ApiToken>, String>>);
    let reload = move || {
        spawn_local(async move {
            tokens.set(Some(actions::api_tokens(inbox).await));
        });
    };
    reload();
    let name = RwSignal::new(String::new());
    let role = RwSignal::new("agent".to_owned());
    let days = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let made = RwSignal::new(None::<String>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let expires_in_days = match days.get_untracked().trim() {
            "" => None,
            n => match n.parse::<u32>() {
                Ok(n) if (1..=3650).contains(&n) => Some(n),
                _ => {
                    error.set(Some(
                        "Expiry is a number of days from 1 to 3650, or empty for never.".into(),
                    ));
                    return;
                }
            },
        };
        let new = NewApiToken {
            name: name.get_untracked(),
            role: super::settings::role_of(&role.get_untracked()),
            expires_in_days,
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match actions::add_api_token(inbox, new).await {
                Ok(token) => {
                    name.set(String::new());
                    days.set(String::new());
                    made.set(token.token);
                    reload();
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let revoke = move |id: String, name: String| {
        if confirm(&format!(
            "Revoke \u{201c}{name}\u{201d}? What uses it stops working at once."
        )) {
            spawn_local(async move {
                match actions::revoke_api_token(inbox, &id).await {
                    Ok(()) => reload(),
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };
    view! {
        <form class="website" on:submit=add>
            <h3>"API tokens"</h3>
            <p class="muted">
                "A token acts as a member with its role, for an integration that reads conversations or replies (Authorization: Bearer nk_…). What it sends shows its name as the sender."
            </p>
            {move || match tokens.get() {
                None => view! { <p class="muted" role="status">"Loading the tokens…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="muted">"No tokens yet."</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <ul class="tokens" aria-label="API tokens">
                        {list.into_iter().map(|t| {
                            let (id, label) = (t.id.clone(), t.name.clone());
                            let used = t.last_used_at.map_or("never used".to_owned(), |at| format!("last used {}", format_when(at, false)));
                            let expiry = t.expires_at.map_or("never expires".to_owned(), |at| format!("expires {}", format_when(at, false)));
                            view! {
                                <li>
                                    <span class="token-name"><strong>{t.name.clone()}</strong>" "<span class="pill">{t.role.as_str()}</span></span>
                                    <span class="muted">{format!("Made by {} · {used} · {expiry}", t.created_by)}</span>
                                    <button type="button" class="link danger small" aria-label=format!("Revoke {label}") on:click=move |_| revoke(id.clone(), label.clone())>"Revoke…"</button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
            {move || made.get().map(|token| view! { <ShownOnce label="New API token" value=token /> })}
            <h4>"Make a token"</h4>
            <div class="fields">
                <label>
                    "Name"
                    <input type="text" required maxlength="120" placeholder="CRM sync" autocomplete="off" bind:value=name />
                </label>
                <label>
                    "Role"
                    <select bind:value=role>
                        <option value="agent">"Agent: conversations only"</option>
                        <option value="admin">"Admin: also websites, team, webhooks"</option>
                        <option value="owner">"Owner (owners only)"</option>
                    </select>
                </label>
                <label>
                    "Expires after (days)"
                    <input type="number" min="1" max="3650" inputmode="numeric" placeholder="Never" bind:value=days />
                </label>
            </div>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <div class="actions">
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Making…" } else { "Make token" }}
                </button>
            </div>
        </form>
    }
}
