use super::hours::BusinessHoursForm;
use super::settings::SaveStatus;
use crate::net::{self, format_when};
use crate::store::{Inbox, use_inbox};
use crate::{actions, net::copy};
use leptos::prelude::*;
use leptos::task::spawn_local;
use natter_protocol::{AccountSettings, RefusedOrigin, UpdateAccount, WidgetPosition, WidgetTheme};

/// The organization's websites: add one; for each, its widget's text and look with a
/// live preview, its business hours, the origins allowed to show it, identity verification, the embed
/// snippet, the pages that were refused (each with a one-click "Allow"), and delete.
#[component]
pub fn WebsitesPage() -> impl IntoView {
    let inbox = use_inbox();
    // Loading, none, or some: the cards themselves follow each website's changes.
    let loaded = Memo::new(move |_| inbox.websites.with(|w| w.as_ref().map(Vec::is_empty)));
    view! {
        <section class="websites" aria-labelledby="websites-title">
            <h2 id="websites-title">"Websites"</h2>
            <Show when=move || inbox.manages_websites()>
                <AddWebsite />
            </Show>
            {move || match loaded.get() {
                None => view! { <p class="muted" role="status">"Loading websites…"</p> }.into_any(),
                Some(true) => {
                    view! { <p class="muted">"This organization has no website yet."</p> }.into_any()
                }
                Some(false) => view! {
                    <For
                        each=move || inbox.websites.get().unwrap_or_default()
                        key=|account| account.id.clone()
                        let:account
                    >
                        <Website id=account.id />
                    </For>
                }
                    .into_any(),
            }}
        </section>
    }
}

/// Explains which pages an origin pattern lets show the chat.
const ORIGIN_HINT: &str = "An origin is a scheme and a host, with a port if it has one: \
     https://shop.example. https://*.shop.example matches its subdomains, \
     http://localhost:* any local port, and * any page anywhere.";

/// A form for a new website: its name and the first origin allowed to show its chat.
#[component]
fn AddWebsite() -> impl IntoView {
    let inbox = use_inbox();
    let name = RwSignal::new(String::new());
    let origin = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let made =
                actions::create_website(inbox, name.get_untracked(), origin.get_untracked()).await;
            busy.set(false);
            match made {
                Ok(()) => {
                    name.set(String::new());
                    origin.set(String::new());
                }
                Err(message) => error.set(Some(message)),
            }
        });
    };
    view! {
        <form class="website add-website" on:submit=submit>
            <h3>"Add a website"</h3>
            <div class="fields">
                <label>
                    "Name"
                    <input type="text" required maxlength="120" placeholder="My shop" bind:value=name />
                </label>
                <label>
                    "Its address (origin)"
                    <input type="text" required maxlength="300" placeholder="https://shop.example" bind:value=origin />
                </label>
            </div>
            <p class="muted">{ORIGIN_HINT}</p>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <button type="submit" class="primary" disabled=move || busy.get()>
                {move || if busy.get() { "Adding…" } else { "Add website" }}
            </button>
        </form>
    }
}

/// One website's settings card. Keyed by id: a save changes what it shows in place,
/// so what staff typed and the status beside it stay.
#[component]
fn Website(
    /// The website account's id.
    id: String,
) -> impl IntoView {
    let inbox = use_inbox();
    let account = {
        let id = id.clone();
        Memo::new(move |_| {
            inbox
                .websites
                .with(|w| w.iter().flatten().find(|a| a.id == id).cloned())
        })
    };
    let Some(initial) = account.get_untracked() else {
        return ().into_any();
    };
    let read = move |pick: fn(&AccountSettings) -> String| {
        move || account.with(|a| a.as_ref().map(pick).unwrap_or_default())
    };
    let copied = RwSignal::new(false);
    let copy_snippet = move |_| {
        copy(&read(|a| a.snippet.clone())());
        copied.set(true);
    };
    let title_id = format!("website-{id}");
    let labelled_by = title_id.clone();
    let deleting = RwSignal::new(false);
    let delete_error = RwSignal::new(None::<String>);
    let delete = {
        let id = id.clone();
        move |_| {
            let name = read(|a| a.name.clone())();
            let question = format!(
                "Delete the website \"{name}\" with all of its visitors and conversations? This cannot be undone."
            );
            if !net::confirm(&question) {
                return;
            }
            let id = id.clone();
            deleting.set(true);
            spawn_local(async move {
                if let Err(message) = actions::delete_website(inbox, id).await {
                    delete_error.set(Some(message));
                    deleting.set(false);
                }
            });
        }
    };
    let origins = Signal::derive(move || {
        account.with(|a| {
            a.as_ref()
                .map(|a| a.allowed_origins.clone())
                .unwrap_or_default()
        })
    });
    let refused = Signal::derive(move || {
        account.with(|a| {
            a.as_ref()
                .map(|a| a.refused_origins.clone())
                .unwrap_or_default()
        })
    });
    let for_appearance = initial.clone();
    let for_hours = initial.clone();
    let refused_id = id.clone();
    view! {
        <article class="website" aria-labelledby=labelled_by>
            <div class="website-head">
                <h3 id=title_id>{read(|a| a.name.clone())}</h3>
                <Show when=move || inbox.manages_websites()>
                    <button type="button" class="link danger" disabled=move || deleting.get() on:click=delete.clone()>
                        "Delete website"
                    </button>
                </Show>
            </div>
            {move || delete_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <Show
                when=move || inbox.manages_websites()
                fallback=|| view! { <p class="muted">"Only an owner or an admin can change a website."</p> }
            >
                <Appearance account=for_appearance.clone() />
            </Show>
            <ThemeChoice account_id=id.clone() theme=initial.theme />
            <Show when=move || inbox.manages_websites()>
                <h4>"Business hours"</h4>
                <BusinessHoursForm account=for_hours.clone() />
                <AutoAssign account />
            </Show>
            <h4>"Embed snippet"</h4>
            <p class="muted">"Paste it into every page of the website, before </body>."</p>
            <pre class="snippet">{read(|a| a.snippet.clone())}</pre>
            <button type="button" class="link" on:click=copy_snippet>"Copy snippet"</button>
            <span role="status" class="muted">{move || copied.get().then_some("Copied.")}</span>
            <Origins account_id=id.clone() origins />
            <h4>"Refused origins"</h4>
            {move || {
                let list = refused.get();
                if list.is_empty() {
                    view! { <p class="muted">"No page on another origin has tried to show this chat."</p> }
                        .into_any()
                } else {
                    view! {
                        <p class="muted">
                            "Pages on these origins tried to show this website's chat and were refused; visitors there see no chat."
                        </p>
                        <ul class="origins refused">
                            {list
                                .into_iter()
                                .map(|r| view! { <RefusedRow account_id=refused_id.clone() refused=r /> })
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                }
            }}
            <Show when=move || inbox.manages_websites()>
                <Identity account />
            </Show>
        </article>
    }
    .into_any()
}

/// The widget's name, greeting, colour, launcher side and away message, edited
/// together and saved with one button, beside a live preview of the widget.
#[component]
fn Appearance(
    /// The website as last saved.
    account: AccountSettings,
) -> impl IntoView {
    let inbox = use_inbox();
    let id = account.id.clone();
    let name = RwSignal::new(account.name.clone());
    let greeting = RwSignal::new(account.greeting.clone());
    let colour = RwSignal::new(account.theme_color.clone());
    let left = RwSignal::new(account.position == WidgetPosition::Left);
    let away = RwSignal::new(account.away_message.clone());
    let busy = RwSignal::new(false);
    let status = RwSignal::new(None::<Result<&'static str, String>>);
    let save = {
        let id = id.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let body = UpdateAccount {
                name: Some(name.get_untracked()),
                greeting: Some(greeting.get_untracked()),
                theme_color: Some(colour.get_untracked()),
                position: Some(if left.get_untracked() {
                    WidgetPosition::Left
                } else {
                    WidgetPosition::Right
                }),
                away_message: Some(away.get_untracked()),
                ..UpdateAccount::default()
            };
            save_website(
                inbox,
                id.clone(),
                body,
                busy,
                status,
                "Saved. Open widgets show it when they next load.",
            );
        }
    };
    let field = |suffix: &str| format!("{suffix}-{id}");
    let side = format!("side-{id}");
    view! {
        <div class="appearance">
            <form class="appearance-form" on:submit=save>
                <label for=field("name")>"Name (the widget's title)"</label>
                <input id=field("name") type="text" required maxlength="120" bind:value=name />
                <label for=field("greeting")>"Greeting"</label>
                <textarea id=field("greeting") rows="2" required maxlength="500" bind:value=greeting></textarea>
                <label for=field("colour")>"Colour"</label>
                <div class="colour">
                    <input id=field("colour") type="color" bind:value=colour />
                    <input type="text" aria-label="Colour as #rrggbb" maxlength="7" pattern="#[0-9A-Fa-f]{6}" bind:value=colour />
                </div>
                <fieldset class="theme-choice">
                    <legend>"Launcher position"</legend>
                    <label><input type="radio" name=side.clone() prop:checked=move || !left.get() on:change=move |_| left.set(false) />"Bottom right"</label>
                    <label><input type="radio" name=side prop:checked=move || left.get() on:change=move |_| left.set(true) />"Bottom left"</label>
                </fieldset>
                <label for=field("away")>"Away message (shown when nobody is online; empty: the default)"</label>
                <textarea id=field("away") rows="2" maxlength="500" placeholder="We'll reply as soon as we can" bind:value=away></textarea>
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || busy.get()>
                        {move || if busy.get() { "Saving…" } else { "Save changes" }}
                    </button>
                    <SaveStatus status />
                </div>
            </form>
            <Preview name greeting colour left />
        </div>
    }
}

/// Saves a form's changes to a website: `busy` while it runs, then `status` says
/// `done` or why not.
pub(super) fn save_website(
    inbox: Inbox,
    id: String,
    body: UpdateAccount,
    busy: RwSignal<bool>,
    status: RwSignal<Option<Result<&'static str, String>>>,
    done: &'static str,
) {
    busy.set(true);
    status.set(None);
    spawn_local(async move {
        let saved = actions::update_website(inbox, &id, &body).await;
        busy.set(false);
        status.set(Some(saved.map(|()| done)));
    });
}

/// What a visitor sees with the settings as typed (before saving): the panel with its
/// title and greeting, and the launcher on its side.
#[component]
fn Preview(
    /// The widget's title.
    name: RwSignal<String>,
    /// The greeting.
    greeting: RwSignal<String>,
    /// `#rrggbb`.
    colour: RwSignal<String>,
    /// The launcher on the left.
    left: RwSignal<bool>,
) -> impl IntoView {
    let style = move || format!("--preview: {}", colour.get());
    view! {
        <figure class="widget-preview" class:left=move || left.get() style=style aria-label="Preview of the widget">
            <div class="preview-panel">
                <div class="preview-head">{move || name.get()}</div>
                <div class="preview-body"><p class="preview-bubble">{move || greeting.get()}</p></div>
            </div>
            <div class="preview-launcher" aria-hidden="true"></div>
            <figcaption class="muted">"Preview"</figcaption>
        </figure>
    }
}

/// The origins allowed to show the chat: remove one, add one (owners and admins).
#[component]
fn Origins(
    /// The website.
    account_id: String,
    /// Its allowed origins, as last saved.
    origins: Signal<Vec<String>>,
) -> impl IntoView {
    let inbox = use_inbox();
    let adding = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let change = {
        let account_id = account_id.clone();
        move |next: Vec<String>| {
            let account_id = account_id.clone();
            busy.set(true);
            error.set(None);
            spawn_local(async move {
                let body = UpdateAccount {
                    allowed_origins: Some(next),
                    ..UpdateAccount::default()
                };
                let saved = actions::update_website(inbox, &account_id, &body).await;
                busy.set(false);
                match saved {
                    Ok(()) => adding.set(String::new()),
                    Err(message) => error.set(Some(message)),
                }
            });
        }
    };
    let add = {
        let change = change.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let mut next = origins.get_untracked();
            next.push(adding.get_untracked().trim().to_owned());
            change(next);
        }
    };
    let input_id = format!("origin-{account_id}");
    view! {
        <h4>"Allowed origins"</h4>
        <ul class="origins">
            {move || {
                let list = origins.get();
                let only_one = list.len() <= 1;
                list.iter()
                .map(|origin| {
                    let change = change.clone();
                    let next: Vec<String> = list.iter().filter(|o| *o != origin).cloned().collect();
                    let label = format!("Remove {origin}");
                    view! {
                        <li>
                            <code>{origin.clone()}</code>
                            <Show when=move || inbox.manages_websites() && !only_one>
                                <button type="button" class="link small" aria-label=label.clone() disabled=move || busy.get()
                                    on:click={
                                        let (change, next) = (change.clone(), next.clone());
                                        move |_| change(next.clone())
                                    }>
                                    "Remove"
                                </button>
                            </Show>
                        </li>
                    }
                })
                .collect_view()
            }}
        </ul>
        <Show when=move || inbox.manages_websites()>
            <form class="add-origin" on:submit=add.clone()>
                <label for=input_id.clone()>"Allow another origin"</label>
                <div class="inline">
                    <input id=input_id.clone() type="text" required maxlength="300" placeholder="https://shop.example" bind:value=adding />
                    <button type="submit" class="primary small" disabled=move || busy.get()>"Add"</button>
                </div>
                <p class="muted">{ORIGIN_HINT}</p>
            </form>
        </Show>
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
    }
}

/// Whether new conversations are assigned in turn to the members online.
#[component]
fn AutoAssign(
    /// The website, as last saved.
    account: Memo<Option<AccountSettings>>,
) -> impl IntoView {
    let inbox = use_inbox();
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let id = account.with_untracked(|a| a.as_ref().map(|a| a.id.clone()).unwrap_or_default());
    let on = move || account.with(|a| a.as_ref().is_some_and(|a| a.auto_assign));
    let checkbox = format!("auto-assign-{id}");
    let label_for = checkbox.clone();
    let change = move |ev: leptos::ev::Event| {
        let body = UpdateAccount {
            auto_assign: Some(event_target_checked(&ev)),
            ..UpdateAccount::default()
        };
        let id = id.clone();
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            if let Err(message) = actions::update_website(inbox, &id, &body).await {
                error.set(Some(message));
            }
            busy.set(false);
        });
    };
    view! {
        <h4>"Assignment"</h4>
        <label class="check" for=label_for>
            <input id=checkbox type="checkbox" prop:checked=on disabled=move || busy.get() on:change=change />
            "Assign new conversations in turn to the members who are online"
        </label>
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
    }
}

/// Identity verification: the secret the website's server signs user ids with (rotated
/// with a confirmation), and whether only verified visitors may chat.
#[component]
fn Identity(
    /// The website, as last saved.
    account: Memo<Option<AccountSettings>>,
) -> impl IntoView {
    let inbox = use_inbox();
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let id = account.with_untracked(|a| a.as_ref().map(|a| a.id.clone()).unwrap_or_default());
    let secret = move || account.with(|a| a.as_ref().and_then(|a| a.identity_secret.clone()));
    let has_secret =
        move || account.with(|a| a.as_ref().is_some_and(|a| a.identity_secret.is_some()));
    let required = move || account.with(|a| a.as_ref().is_some_and(|a| a.require_identity));
    let rotate = {
        let id = id.clone();
        move |_| {
            let question = if has_secret() {
                "Make a new identity secret? The website's server must use the new one at once: hashes made with the old one are refused from now on."
            } else {
                "Make an identity secret for this website?"
            };
            if !net::confirm(question) {
                return;
            }
            let id = id.clone();
            busy.set(true);
            error.set(None);
            spawn_local(async move {
                if let Err(message) = actions::rotate_identity_secret(inbox, id).await {
                    error.set(Some(message));
                }
                busy.set(false);
            });
        }
    };
    let require = {
        let id = id.clone();
        move |ev: leptos::ev::Event| {
            let body = UpdateAccount {
                require_identity: Some(event_target_checked(&ev)),
                ..UpdateAccount::default()
            };
            let id = id.clone();
            busy.set(true);
            error.set(None);
            spawn_local(async move {
                if let Err(message) = actions::update_website(inbox, &id, &body).await {
                    error.set(Some(message));
                }
                busy.set(false);
            });
        }
    };
    let checkbox = format!("require-{id}");
    let label_for = checkbox.clone();
    view! {
        <h4>"Identity verification"</h4>
        <p class="muted">
            "When your website knows who its visitor is, it calls Natter.setUser({id, name, email, user_hash}) with user_hash = the hex HMAC-SHA256 of the id keyed with this secret, computed on your server (never in the page). That visitor then has the same conversations on every device. docs/API.md has the code for Node, Python, PHP and Rust."
        </p>
        {move || match secret() {
            Some(secret) => {
                let copied = secret.clone();
                view! {
                    <div class="inline">
                        <code class="secret">{secret}</code>
                        <button type="button" class="link small" on:click=move |_| copy(&copied)>"Copy"</button>
                    </div>
                }
                    .into_any()
            }
            None => view! { <p class="muted">"No secret yet: nobody can be verified."</p> }.into_any(),
        }}
        <button type="button" class="link" disabled=move || busy.get() on:click=rotate>
            {move || if has_secret() { "Rotate secret…" } else { "Make a secret" }}
        </button>
        <label class="check" for=label_for>
            <input id=checkbox type="checkbox" prop:checked=required disabled=move || busy.get() || !has_secret() on:change=require />
            "Only verified visitors may chat (anonymous visitors see a request to sign in)"
        </label>
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
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
                        spawn_local(async move {
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
        spawn_local(async move {
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
