use crate::actions;
use crate::net::format_when;
use crate::store::use_inbox;
use leptos::prelude::*;
use natter_protocol::{AccountSettings, RefusedOrigin, WidgetTheme};

/// The organization's websites: each one's embed snippet, the origins allowed to show
/// its chat, and the pages that were refused, each with a one-click "Allow".
#[component]
pub fn WebsitesPage() -> impl IntoView {
    let inbox = use_inbox();
    view! {
        <section class="websites" aria-labelledby="websites-title">
            <div class="websites-head">
                <h2 id="websites-title">"Websites"</h2>
                <button type="button" class="link" on:click=move |_| inbox.show_websites.set(false)>
                    "Back to conversations"
                </button>
            </div>
            {move || match inbox.websites.get() {
                None => view! { <p class="muted" role="status">"Loading websites…"</p> }.into_any(),
                Some(list) if list.is_empty() => {
                    view! { <p class="muted">"This organization has no website yet."</p> }.into_any()
                }
                Some(list) => {
                    list.into_iter()
                        .map(|account| view! { <Website account /> })
                        .collect_view()
                        .into_any()
                }
            }}
        </section>
    }
}

/// One website's settings card.
#[component]
fn Website(
    /// The website account, as the server last sent it.
    account: AccountSettings,
) -> impl IntoView {
    let inbox = use_inbox();
    let copied = RwSignal::new(false);
    let snippet = account.snippet.clone();
    let copy = move |_| {
        if let Some(window) = web_sys::window() {
            let _ = window.navigator().clipboard().write_text(&snippet);
            copied.set(true);
        }
    };
    let title_id = format!("website-{}", account.id);
    let labelled_by = title_id.clone();
    let refused = account.refused_origins.clone();
    let account_id = account.id.clone();
    view! {
        <article class="website" aria-labelledby=labelled_by>
            <h3 id=title_id>{account.name.clone()}</h3>
            <h4>"Embed snippet"</h4>
            <p class="muted">"Paste it into every page of the website, before </body>."</p>
            <pre class="snippet">{account.snippet.clone()}</pre>
            <button type="button" class="link" on:click=copy>"Copy snippet"</button>
            <span role="status" class="muted">{move || copied.get().then_some("Copied.")}</span>
            <ThemeChoice account_id=account.id.clone() theme=account.theme />
            <h4>"Allowed origins"</h4>
            <ul class="origins">
                {account
                    .allowed_origins
                    .iter()
                    .map(|origin| view! { <li><code>{origin.clone()}</code></li> })
                    .collect_view()}
            </ul>
            <h4>"Refused origins"</h4>
            {if refused.is_empty() {
                view! { <p class="muted">"No page on another origin has tried to show this chat."</p> }
                    .into_any()
            } else {
                view! {
                    <p class="muted">
                        "Pages on these origins tried to show this website's chat and were refused; visitors there see no chat."
                    </p>
                    <ul class="origins refused">
                        {refused
                            .into_iter()
                            .map(|r| view! { <RefusedRow account_id=account_id.clone() refused=r /> })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
            <Show when=move || !inbox.manages_websites()>
                <p class="muted">"Only an owner or an admin can change a website."</p>
            </Show>
        </article>
    }
}

/// The widget's look: light, dark, or the visitor's system setting (owners and admins).
#[component]
fn ThemeChoice(
    /// The website.
    account_id: String,
    /// Its current look.
    theme: WidgetTheme,
) -> impl IntoView {
    let inbox = use_inbox();
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let name = format!("theme-{account_id}");
    let choices = [
        (
            WidgetTheme::Auto,
            "Automatic (the visitor's system setting)",
        ),
        (WidgetTheme::Light, "Light"),
        (WidgetTheme::Dark, "Dark"),
    ];
    view! {
        <fieldset class="theme-choice" disabled=move || busy.get() || !inbox.manages_websites()>
            <legend>"Widget look"</legend>
            {choices
                .into_iter()
                .map(|(value, label)| {
                    let account_id = account_id.clone();
                    let pick = move |_| {
                        let account_id = account_id.clone();
                        busy.set(true);
                        error.set(None);
                        leptos::task::spawn_local(async move {
                            if let Err(message) = actions::set_widget_theme(inbox, account_id, value).await {
                                error.set(Some(message));
                            }
                            busy.set(false);
                        });
                    };
                    view! {
                        <label>
                            <input type="radio" name=name.clone() value=value.as_str() checked=theme == value on:change=pick />
                            {label}
                        </label>
                    }
                })
                .collect_view()}
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </fieldset>
    }
}

/// A refused origin, with how often and when, and "Allow" for those who may.
#[component]
fn RefusedRow(
    /// The website that refused it.
    account_id: String,
    /// The origin and its counts.
    refused: RefusedOrigin,
) -> impl IntoView {
    let inbox = use_inbox();
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let origin = refused.origin.clone();
    let allow = move |_| {
        let (account_id, origin) = (account_id.clone(), origin.clone());
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            if let Err(message) = actions::allow_origin(inbox, account_id, origin).await {
                error.set(Some(message));
            }
            busy.set(false);
        });
    };
    let times = if refused.count == 1 {
        "once".to_owned()
    } else {
        format!("{} times", refused.count)
    };
    let label = format!("Allow {}", refused.origin);
    view! {
        <li>
            <code>{refused.origin.clone()}</code>
            <span class="muted">
                {format!(" refused {times}, last {}", format_when(refused.last_seen_at, false))}
            </span>
            <Show when=move || inbox.manages_websites()>
                <button
                    type="button"
                    class="primary small"
                    aria-label=label.clone()
                    disabled=move || busy.get()
                    on:click=allow.clone()
                >
                    {move || if busy.get() { "Allowing…" } else { "Allow" }}
                </button>
            </Show>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </li>
    }
}

/// The top bar's way to the websites page, with how many origins were refused.
#[component]
pub fn WebsitesButton() -> impl IntoView {
    let inbox = use_inbox();
    let refused = Memo::new(move |_| {
        inbox.websites.with(|w| {
            w.iter()
                .flatten()
                .map(|a| a.refused_origins.len())
                .sum::<usize>()
        })
    });
    let open = move |_| {
        inbox.show_websites.set(true);
        actions::load_websites(inbox);
    };
    view! {
        <button type="button" class="link" on:click=open aria-pressed=move || inbox.show_websites.get().to_string()>
            "Websites"
            {move || {
                let n = refused.get();
                (n > 0)
                    .then(|| {
                        view! {
                            <span class="count" title="Refused origins">
                                {n}
                                <span class="visually-hidden">" refused origins"</span>
                            </span>
                        }
                    })
            }}
        </button>
    }
}
