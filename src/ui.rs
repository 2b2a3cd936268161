//! The widget's components. Text is always rendered as text nodes, never as HTML.

use crate::chat::Chat;
use crate::socket::Link;
use crate::state::{Row, SendState};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use natter_client::files::{Tray, TrayText, listen};
use natter_client::view::{initials, rich_text};
use natter_client::when;
use natter_protocol::{ClientFrame, ConvId, CreateLead, validate};

/// The chat panel: header, connection status, then the lead form or the conversation.
#[component]
pub fn Panel() -> impl IntoView {
    let chat = expect_context::<Chat>();
    let has_session = Memo::new(move |_| chat.session.with(Option::is_some));
    // Opening moves focus into the panel, on the first field.
    Effect::new(move |_| {
        if chat.open.get() {
            request_animation_frame(move || chat.focus("input, textarea"));
        }
    });
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        // An open menu takes its Escape first (and marks it handled).
        if ev.key() == "Escape" && !ev.default_prevented() {
            chat.open.set(false);
        }
    };
    view! {
        <section
            class="n-panel"
            role="dialog"
            aria-label=move || title(chat)
            hidden=move || !chat.open.get()
            on:keydown=on_keydown
        >
            <Header/>
            <Status/>
            <Show when=move || chat.asking_transcript.get()><TranscriptForm/></Show>
            {move || if has_session.get() { view! { <Conversation/> }.into_any() } else { view! { <LeadForm/> }.into_any() }}
        </section>
    }
}

fn title(chat: Chat) -> String {
    chat.config
        .with(|c| c.as_ref().map(|c| c.name.clone()))
        .unwrap_or_else(|| chat.t.title_fallback.to_owned())
}

/// The account's name, whether staff are online, the menu and the close button.
#[component]
fn Header() -> impl IntoView {
    let chat = expect_context::<Chat>();
    let t = chat.t;
    let subtitle = move || {
        chat.config.with(|c| {
            let online = c.as_ref().is_some_and(|c| c.staff_online && c.open_now);
            match c.as_ref().and_then(|c| c.reply_secs) {
                Some(secs) => {
                    let when = crate::i18n::reply_bucket(t, secs);
                    let line = if online {
                        t.online_replies
                    } else {
                        t.away_replies
                    };
                    line.replace("{t}", when)
                }
                _ if !online && c.as_ref().is_some_and(|c| !c.away_message.is_empty()) => c
                    .as_ref()
                    .map(|c| c.away_message.clone())
                    .unwrap_or_default(),
                None if online => t.online.to_owned(),
                None => t.away.to_owned(),
            }
        })
    };
    let team = move || {
        chat.config
            .with(|c| c.as_ref().map(|c| c.team.clone()).unwrap_or_default())
    };
    let has_session = move || chat.session.with(Option::is_some);
    view! {
        <header class="n-head">
            {move || {
                let names = team();
                (!names.is_empty()).then(|| view! {
                    <div class="n-team">
                        <span class="n-sr">{format!("{} {}", t.team, names.join(", "))}</span>
                        {names.iter().map(|n| view! { <span class="n-avatar" aria-hidden="true" title=n.clone()>{initials(n)}</span> }).collect_view()}
                    </div>
                })
            }}
            <div class="n-head-text">
                <h2 class="n-title">{move || title(chat)}</h2>
                <p class="n-sub">{subtitle}</p>
            </div>
            <Show when=has_session><Menu/></Show>
            <button type="button" class="n-icon n-close" aria-label=t.close on:click=move |_| chat.open.set(false)>
                <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 6l12 12M18 6L6 18"/></svg>
            </button>
        </header>
    }
}

/// Where to email the conversation: the address given before, or another.
#[component]
fn TranscriptForm() -> impl IntoView {
    let chat = expect_context::<Chat>();
    let t = chat.t;
    let email = RwSignal::new(chat.prefill.with_untracked(|p| p.email.clone()));
    let status = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        spawn_local(async move {
            let outcome = chat.email_transcript(email.get_untracked()).await;
            busy.set(false);
            status.set(Some(match outcome {
                Ok(to) => t.transcript_sent.replace("{email}", &to),
                Err(_) => t.transcript_failed.to_owned(),
            }));
        });
    };
    view! {
        <form class="n-transcript" on:submit=send>
            <label for="n-transcript-email">{t.email_transcript}</label>
            <div class="n-row">
                <input id="n-transcript-email" type="email" autocomplete="email" bind:value=email/>
                <button type="submit" class="n-primary" disabled=move || busy.get()>{t.send}</button>
                <button type="button" class="n-link" on:click=move |_| chat.asking_transcript.set(false)>{t.cancel}</button>
            </div>
            <p class="n-meta" role="status">{move || status.get()}</p>
        </form>
    }
}

/// "Reconnecting…" or "offline", while the socket is down.
#[component]
fn Status() -> impl IntoView {
    let chat = expect_context::<Chat>();
    let message = move || match chat.link.get() {
        Link::Reconnecting => Some(chat.t.reconnecting),
        Link::Offline => Some(chat.t.offline),
        Link::Connecting | Link::Online => None,
    };
    view! { <p class="n-status" role="status" hidden=move || message().is_none()>{message}</p> }
}

/// The header's "⋯" menu: what must never be one accidental tap away (a new conversation
/// leaves the current one behind for this visitor).
#[component]
fn Menu() -> impl IntoView {
    let chat = expect_context::<Chat>();
    let t = chat.t;
    let open = RwSignal::new(false);
    let item = NodeRef::<html::Button>::new();
    let button = NodeRef::<html::Button>::new();
    Effect::watch(
        move || open.get(),
        move |open, _, _| {
            if *open {
                request_animation_frame(move || {
                    if let Some(item) = item.get_untracked() {
                        _ = item.focus();
                    }
                });
            }
        },
        false,
    );
    let close = move || {
        open.set(false);
        if let Some(button) = button.get_untracked() {
            _ = button.focus();
        }
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" && open.get_untracked() {
            // Closes the menu, not the panel.
            ev.prevent_default();
            ev.stop_propagation();
            close();
        }
    };
    view! {
        <div class="n-menu-wrap" on:keydown=on_keydown>
            <button
                type="button"
                class="n-icon n-more"
                aria-label=t.more
                aria-haspopup="menu"
                aria-expanded=move || open.get().to_string()
                node_ref=button
                on:click=move |_| open.update(|o| *o = !*o)
            >
                <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M5 12h.01M12 12h.01M19 12h.01"/></svg>
            </button>
            <div class="n-menu" role="menu" hidden=move || !open.get()>
                <button type="button" role="menuitem" node_ref=item on:click=move |_| {
                    open.set(false);
                    chat.new_conversation();
                    request_animation_frame(move || chat.focus("#n-name"));
                }>{t.new_conversation}</button>
                <Show when=move || chat.config.with(|c| c.as_ref().is_some_and(|c| c.email_transcripts))>
                    <button type="button" role="menuitem" on:click=move |_| {
                        open.set(false);
                        chat.asking_transcript.set(true);
                        request_animation_frame(move || chat.focus("#n-transcript-email"));
                    }>{t.email_transcript}</button>
                </Show>
            </div>
        </div>
    }
}

fn greeting(chat: Chat) -> impl IntoView {
    move || {
        chat.config.with(|c| {
            c.as_ref()
                .map(|c| view! { <p class="n-greeting">{c.greeting.clone()}</p> })
        })
    }
}

/// A labelled input with its inline error.
#[component]
fn Field(
    /// The input's id, unique within the shadow root.
    id: &'static str,
    /// The visible label.
    label: &'static str,
    /// The input `type`.
    kind: &'static str,
    /// The `autocomplete` token, so browsers fill it.
    autocomplete: &'static str,
    /// Shown after the label, e.g. "optional".
    #[prop(optional, into)]
    hint: MaybeProp<&'static str>,
    /// The field's value.
    value: RwSignal<String>,
    /// The error to show under it, if any.
    error: Signal<Option<&'static str>>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let described = error_id.clone();
    view! {
        <div class="n-field">
            <label for=id>{label}{move || hint.get().map(|h| view! { <span class="n-hint">" ("{h}")"</span> })}</label>
            <input
                id=id
                type=kind
                autocomplete=autocomplete
                prop:value=value
                on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=move || error.get().map(|_| described.clone())
            />
            <p class="n-error" id=error_id role="alert" hidden=move || error.get().is_none()>{error}</p>
        </div>
    }
}

/// Invalid fields of the lead form.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct LeadErrors {
    name: Option<&'static str>,
    email: Option<&'static str>,
    phone: Option<&'static str>,
    message: Option<&'static str>,
}

fn optional(
    value: &str,
    check: fn(&str) -> Result<String, validate::Invalid>,
) -> Result<Option<String>, ()> {
    validate::optional(Some(value), check).map_err(drop)
}

/// Name (required), email and phone (optional; the email required while nobody can
/// answer), and the first message, before the chat.
#[component]
fn LeadForm() -> impl IntoView {
    let chat = expect_context::<Chat>();
    let t = chat.t;
    let (name, email, phone, message) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    // `Natter.setUser` may arrive before or after the form is drawn.
    Effect::new(move |_| {
        chat.prefill.with(|p| {
            name.set(p.name.clone());
            email.set(p.email.clone());
        })
    });
    let errors = RwSignal::new(LeadErrors::default());
    let busy = RwSignal::new(false);
    let failed = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let checked_name = validate::name(&name.get_untracked());
        // Nobody is there to answer now: the reply goes by email, so one is needed.
        let checked_email = if chat.available_untracked() {
            optional(&email.get_untracked(), validate::email)
        } else {
            validate::email(&email.get_untracked())
                .map(Some)
                .map_err(drop)
        };
        let checked_phone = optional(&phone.get_untracked(), validate::phone);
        let checked_message = optional(&message.get_untracked(), validate::text);
        errors.set(LeadErrors {
            name: checked_name.is_err().then_some(t.name_error),
            email: checked_email.is_err().then_some(t.email_error),
            phone: checked_phone.is_err().then_some(t.phone_error),
            message: checked_message.is_err().then_some(t.text_error),
        });
        let first_invalid = [
            ("#n-name", checked_name.is_err()),
            ("#n-email", checked_email.is_err()),
            ("#n-phone", checked_phone.is_err()),
            ("#n-first", checked_message.is_err()),
        ]
        .into_iter()
        .find_map(|(id, bad)| bad.then_some(id));
        let (Ok(name), Ok(email), Ok(phone), Ok(message)) =
            (checked_name, checked_email, checked_phone, checked_message)
        else {
            if let Some(id) = first_invalid {
                chat.focus(id);
            }
            return;
        };
        busy.set(true);
        failed.set(false);
        spawn_local(async move {
            let ok = chat
                .create_lead(CreateLead {
                    name,
                    email,
                    phone,
                    message,
                    ..CreateLead::default()
                })
                .await;
            busy.set(false);
            failed.set(!ok);
            // What the visitor types next goes to the conversation.
            if ok {
                request_animation_frame(move || chat.focus("#n-text"));
            }
        });
    };
    let error = move |pick: fn(&LeadErrors) -> Option<&'static str>| {
        Signal::derive(move || errors.with(pick))
    };
    let refused = move || {
        !chat.verified.get()
            && chat
                .config
                .with(|c| c.as_ref().is_some_and(|c| c.require_identity))
    };
    view! {
        <Past/>
        <Show when=refused>
            <div class="n-lead">{greeting(chat)}<p class="n-note" role="status">{t.sign_in_to_chat}</p></div>
        </Show>
        <form class="n-lead" on:submit=on_submit novalidate hidden=refused>
            {greeting(chat)}
            <p class="n-note n-away" role="status" hidden=move || chat.available()>{t.away_email}</p>
            <Field id="n-name" label=t.name kind="text" autocomplete="name" value=name error=error(|e| e.name)/>
            <Field id="n-email" label=t.email kind="email" autocomplete="email" hint=Signal::derive(move || chat.available().then_some(t.optional)) value=email error=error(|e| e.email)/>
            <Field id="n-phone" label=t.phone kind="tel" autocomplete="tel" hint=Some(t.optional) value=phone error=error(|e| e.phone)/>
            <div class="n-field">
                <label for="n-first">{t.first_message}</label>
                <textarea id="n-first" rows="3" aria-invalid=move || errors.with(|e| e.message.is_some()).to_string() prop:value=message on:input=move |ev| message.set(event_target_value(&ev))></textarea>
                <p class="n-error" role="alert" hidden=move || errors.with(|e| e.message.is_none())>{move || errors.with(|e| e.message)}</p>
            </div>
            <p class="n-error" role="alert" hidden=move || !failed.get()>{t.lead_failed}</p>
            <button type="submit" class="n-primary" aria-busy=move || busy.get().to_string()>
                {move || if busy.get() { t.starting } else { t.start }}
            </button>
        </form>
    }
}

/// A verified contact's earlier conversations, each a button that continues it.
#[component]
fn Past() -> impl IntoView {
    let chat = expect_context::<Chat>();
    let t = chat.t;
    let open = move |conv_id: ConvId| {
        if let Some(token) = chat.contact_token() {
            chat.switch_to(Some(conv_id), token);
        }
    };
    view! {
        <Show when=move || chat.past.with(|p| !p.is_empty())>
            <nav class="n-past" aria-labelledby="n-past-title">
                <h3 id="n-past-title">{t.your_conversations}</h3>
                <ul>
                    {move || chat.past.get().into_iter().map(|c| {
                        let preview = c.last_message.as_ref().map_or_else(|| t.no_messages.to_owned(), |m| m.text.chars().take(80).collect());
                        let conv_id = c.conv_id.clone();
                        view! {
                            <li><button type="button" class="n-past-item" on:click=move |_| open(conv_id.clone())>{preview}</button></li>
                        }
                    }).collect_view()}
                </ul>
            </nav>
        </Show>
    }
}

/// The message log, typing indicator and composer.
#[component]
fn Conversation() -> impl IntoView {
    let chat = expect_context::<Chat>();
    let t = chat.t;
    let rows = Memo::new(move |_| chat.conv.with(|c| c.rows(when::day_of)));
    // What is new at the end: a message or an unsent one added, not a state change.
    let newest = Memo::new(move |_| rows.with(|r| (r.len(), r.last().map(|r| r.seq))));
    let log = NodeRef::<html::Div>::new();
    // Follow new messages only while the reader is at the bottom; otherwise offer a jump.
    let unseen = RwSignal::new(false);
    let to_bottom = move || {
        if let Some(log) = log.get_untracked() {
            log.set_scroll_top(log.scroll_height());
        }
        unseen.set(false);
        chat.at_bottom.set(true);
    };
    // Opening (or reopening) shows the newest message; a hidden log cannot scroll.
    Effect::watch(
        move || chat.open.get(),
        move |open, _, _| {
            if *open {
                request_animation_frame(to_bottom);
            }
        },
        true,
    );
    Effect::watch(
        move || newest.get(),
        move |_, _, _| {
            if chat.at_bottom.get_untracked() {
                request_animation_frame(to_bottom);
            } else {
                unseen.set(true);
            }
        },
        true,
    );
    let on_scroll = move |_| {
        if let Some(log) = log.get_untracked() {
            let at_bottom = log.scroll_height() - log.scroll_top() - log.client_height() < 48;
            chat.at_bottom.set(at_bottom);
            if at_bottom {
                unseen.set(false);
            }
        }
    };
    on_cleanup(move || chat.at_bottom.set(true));
    let typing = move || chat.typing.get().map(|name| format!("{name} {}", t.typing));
    view! {
        <div class="n-log" role="log" aria-live="polite" aria-label=t.messages tabindex="0" node_ref=log on:scroll=on_scroll>
            {greeting(chat)}
            <For each=move || rows.get() key=|row| row.clone() children=move |row| view! { <MessageRow row/> }/>
        </div>
        <div class="n-under">
            <button type="button" class="n-jump" hidden=move || !unseen.get() on:click=move |_| to_bottom()>{t.jump_to_latest}</button>
            <p class="n-typing" aria-live="polite" hidden=move || unseen.get()>{typing}</p>
        </div>
        <p class="n-note" hidden=move || !chat.resolved.get()>{t.resolved}</p>
        <Composer/>
    }
}

/// One message: the visitor's on the right, staff's on the left. The first of a group from
/// one sender carries the name (with an avatar) and the time; a day separator precedes the
/// first message of each day.
#[component]
fn MessageRow(
    /// The message, its delivery state and its place in the log.
    row: Row,
) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let t = chat.t;
    let locale = chat.locale();
    let class = if row.mine {
        "n-msg n-mine"
    } else {
        "n-msg n-theirs"
    };
    let state = match row.state {
        SendState::Pending => "pending",
        SendState::Queued => "queued",
        SendState::Failed => "failed",
        SendState::Sent => "sent",
    };
    let day = row
        .day_start
        .then(|| view! { <p class="n-day"><span>{when::day(row.created_at, &locale, t.today, t.yesterday)}</span></p> });
    let time = when::time(row.created_at, &locale);
    let head = if row.group_start {
        let who = (!row.mine).then(|| {
            view! {
                <span class="n-avatar" aria-hidden="true">{initials(&row.sender)}</span>
                <span class="n-who">{row.sender.clone()}</span>
            }
        });
        let you = row
            .mine
            .then(|| view! { <span class="n-sr">{t.you}</span> });
        view! { <p class="n-group">{who}{you}<time>{time.clone()}</time></p> }.into_any()
    } else {
        let who = if row.mine {
            t.you.to_owned()
        } else {
            row.sender.clone()
        };
        view! { <span class="n-sr">{who}</span> }.into_any()
    };
    let id = row.client_msg_id.clone();
    let status = match row.state {
        SendState::Pending => Some(view! { <span>{t.sending}</span> }.into_any()),
        SendState::Queued => Some(view! { <span>{t.queued}</span> }.into_any()),
        SendState::Failed => Some(view! {
            <span class="n-failed">{t.failed}" "</span>
            <button type="button" class="n-retry" on:click=move |_| chat.retry(&id)>{t.retry}</button>
        }.into_any()),
        SendState::Sent => row.seen.then(|| view! { <span class="n-seen">{t.seen}</span> }.into_any()),
    };
    view! {
        {day}
        <div class=class class:n-first=row.group_start data-state=state data-seq=row.seq>
            {head}
            {if row.deleted {
                view! { <p class="n-bubble n-deleted" title=time>{t.deleted}</p> }.into_any()
            } else if row.text.is_empty() {
                ().into_any()
            } else {
                view! { <p class="n-bubble" dir="auto" title=time>{rich_text(&row.text)}</p> }.into_any()
            }}
            // Empty (and not shown) for a message without files: lighter in the widget's
            // wasm than a view that is there or not.
            <div class="files" use:draw_files=(chat, row.attachments.clone())></div>
            {status.map(|s| view! { <p class="n-meta">{s}</p> })}
        </div>
    }
}

/// Fills a message's `.files` element (a directive: it runs as the element is made).
fn draw_files(el: web_sys::Element, (chat, list): (Chat, Vec<natter_protocol::Attachment>)) {
    chat.render_files(el, &list);
}

/// The visitor tells staff they are typing at most this often, in ms (well under the
/// receiver's expiry, [`crate::chat::TYPING_EXPIRES_MS`]).
const TYPING_EVERY_MS: f64 = 3_000.0;

/// The composer's counter appears when fewer than this many characters are left.
const COUNTER_FROM: usize = 500;

/// Enter sends, Shift+Enter is a newline (and Enter while an IME composes, e.g. Vietnamese
/// Telex, finishes the word instead of sending).
#[component]
fn Composer() -> impl IntoView {
    let chat = expect_context::<Chat>();
    let t = chat.t;
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<&'static str>);
    // When "typing" was last sent; 0 when staff were last told "not typing".
    let typing_sent = StoredValue::new(0.0);
    let tell_typing = move |typing: bool| {
        if let (Some(socket), Some(session)) = (chat.socket(), chat.session.get_untracked()) {
            socket.send(&ClientFrame::Typing {
                conv_id: session.conv_id,
                typing,
            });
        }
    };
    let stop_typing = move || {
        if typing_sent.get_value() > 0.0 {
            typing_sent.set_value(0.0);
            tell_typing(false);
        }
    };
    // Closing the panel (or leaving the conversation) stops the indicator at once.
    Effect::watch(
        move || chat.open.get(),
        move |open, _, _| {
            if !*open {
                stop_typing();
            }
        },
        false,
    );
    on_cleanup(stop_typing);
    let length = Memo::new(move |_| text.with(|s| s.trim().chars().count()));
    let counter = move || {
        let n = length.get();
        let max = validate::MAX_TEXT_CHARS;
        if n > max {
            Some(t.chars_over.replace("{n}", &(n - max).to_string()))
        } else if max - n < COUNTER_FROM {
            Some(t.chars_left.replace("{n}", &(max - n).to_string()))
        } else {
            None
        }
    };
    let too_long = move || length.get() > validate::MAX_TEXT_CHARS;
    let tray = Tray::new(TrayText {
        uploading: t.uploading,
        remove: t.remove_file,
        failed: t.upload_failed,
    });
    // Every way a file comes in is heard on the form, whose tray shows it.
    let take = move |form, files| {
        if let Some((url, token)) = chat.upload_target() {
            spawn_local(async move {
                if !tray.add(form, url, token, files).await {
                    error.set(Some(t.upload_failed));
                }
            });
        }
    };
    let submit = move || {
        let raw = text.get_untracked();
        if tray.uploading() {
            error.set(Some(t.wait_uploads));
            return;
        }
        let files = tray.files();
        if (raw.trim().is_empty() && files.is_empty()) || too_long() {
            return;
        }
        match validate::text_with(&raw, files.len()) {
            Ok(clean) => {
                text.set(String::new());
                error.set(None);
                stop_typing();
                chat.send(clean, files);
                tray.clear();
            }
            Err(_) => error.set(Some(t.text_error)),
        }
    };
    // The attach button is a label around its file input, drawn as markup: no handler
    // opens the picker, and the widget's wasm carries no typed view of them.
    let attach = format!(
        r#"<input type="file" multiple class="n-file" aria-label="{}"><svg viewBox="0 0 24 24" aria-hidden="true"><path d="M16.5 6.5l-8 8a2 2 0 0 0 2.8 2.8l8.2-8.2a4 4 0 0 0-5.7-5.7L5.6 11.6a6 6 0 0 0 8.5 8.5L20 14.2" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>"#,
        t.attach
    );
    let on_input = move |ev| {
        let value = event_target_value(&ev);
        let empty = value.trim().is_empty();
        text.set(value);
        // An emptied box means the visitor stopped: say so, never "typing".
        if empty {
            stop_typing();
            return;
        }
        let now = js_sys::Date::now();
        if now - typing_sent.get_value() > TYPING_EVERY_MS {
            typing_sent.set_value(now);
            tell_typing(true);
        }
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            submit();
        }
    };
    view! {
        <form class="n-composer" on:submit=move |ev| {
            ev.prevent_default();
            submit();
        } use:listen=take>
            <label class="n-attach" title=t.attach inner_html=attach></label>
            <textarea
                id="n-text"
                rows="1"
                aria-label=t.composer
                placeholder=t.composer
                aria-invalid=move || (error.get().is_some() || too_long()).to_string()
                aria-describedby="n-count"
                prop:value=text
                on:input=on_input
                on:keydown=on_keydown
            ></textarea>
            <button type="submit" class="n-send" aria-label=t.send aria-disabled=move || too_long().to_string()>
                <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M3 20l18-8L3 4v6l12 2-12 2z"/></svg>
            </button>
        </form>
        <p id="n-count" class="n-count" class:n-over=too_long aria-live="polite" hidden=move || counter().is_none()>{counter}</p>
        <p class="n-error" role="alert" hidden=move || error.get().is_none()>{error}</p>
    }
}
