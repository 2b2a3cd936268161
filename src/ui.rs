//! The widget's components. Text is always rendered as text nodes, never as HTML.

use crate::chat::Chat;
use crate::socket::Link;
use crate::state::{Conversation, Row, SendState};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use natter_protocol::{ClientFrame, CreateLead, validate};
use wasm_bindgen::JsValue;

/// The chat panel: header, connection status, then the lead form or the conversation.
#[component]
pub fn Panel() -> impl IntoView {
    let chat = expect_context::<Chat>();
    let panel = NodeRef::<html::Section>::new();
    let has_session = Memo::new(move |_| chat.session.with(Option::is_some));
    // Opening moves focus into the panel, on the first field.
    Effect::new(move |_| {
        if chat.open.get() {
            request_animation_frame(move || {
                let field = panel
                    .get_untracked()
                    .and_then(|p| p.query_selector("input, textarea").ok().flatten());
                if let Some(field) = field
                    .and_then(|f| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(f).ok())
                {
                    _ = field.focus();
                }
            });
        }
    });
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            chat.open.set(false);
        }
    };
    view! {
        <section
            class="n-panel"
            role="dialog"
            aria-label=move || title(chat)
            hidden=move || !chat.open.get()
            node_ref=panel
            on:keydown=on_keydown
        >
            <Header/>
            <Status/>
            {move || if has_session.get() { view! { <Conversation/> }.into_any() } else { view! { <LeadForm/> }.into_any() }}
        </section>
    }
}

fn title(chat: Chat) -> String {
    chat.config
        .with(|c| c.as_ref().map(|c| c.name.clone()))
        .unwrap_or_else(|| chat.t.title_fallback.to_owned())
}

/// The account's name, whether staff are online, and the close button.
#[component]
fn Header() -> impl IntoView {
    let chat = expect_context::<Chat>();
    let t = chat.t;
    let subtitle = move || {
        let online = chat
            .config
            .with(|c| c.as_ref().is_some_and(|c| c.staff_online));
        if online { t.online } else { t.away }
    };
    view! {
        <header class="n-head">
            <div>
                <h2 class="n-title">{move || title(chat)}</h2>
                <p class="n-sub">{subtitle}</p>
            </div>
            <button type="button" class="n-close" aria-label=t.close on:click=move |_| chat.open.set(false)>
                <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 6l12 12M18 6L6 18"/></svg>
            </button>
        </header>
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
    #[prop(optional)]
    hint: Option<&'static str>,
    /// The field's value.
    value: RwSignal<String>,
    /// The error to show under it, if any.
    error: Signal<Option<&'static str>>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let described = error_id.clone();
    view! {
        <div class="n-field">
            <label for=id>{label}{hint.map(|h| view! { <span class="n-hint">" ("{h}")"</span> })}</label>
            <input
                id=id
                type=kind
                autocomplete=autocomplete
                prop:value=value
                on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=move || error.get().map(|_| described.clone())
            />
            <p class="n-error" id=error_id hidden=move || error.get().is_none()>{error}</p>
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
    if value.trim().is_empty() {
        Ok(None)
    } else {
        check(value).map(Some).map_err(drop)
    }
}

/// Name (required), email and phone (optional), and the first message, before the chat.
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
        let checked_email = optional(&email.get_untracked(), validate::email);
        let checked_phone = optional(&phone.get_untracked(), validate::phone);
        let checked_message = optional(&message.get_untracked(), validate::text);
        errors.set(LeadErrors {
            name: checked_name.is_err().then_some(t.name_error),
            email: checked_email.is_err().then_some(t.email_error),
            phone: checked_phone.is_err().then_some(t.phone_error),
            message: checked_message.is_err().then_some(t.text_error),
        });
        let (Ok(name), Ok(email), Ok(phone), Ok(message)) =
            (checked_name, checked_email, checked_phone, checked_message)
        else {
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
        });
    };
    let error = move |pick: fn(&LeadErrors) -> Option<&'static str>| {
        Signal::derive(move || errors.with(pick))
    };
    view! {
        <form class="n-lead" on:submit=on_submit novalidate>
            {greeting(chat)}
            <Field id="n-name" label=t.name kind="text" autocomplete="name" value=name error=error(|e| e.name)/>
            <Field id="n-email" label=t.email kind="email" autocomplete="email" hint=t.optional value=email error=error(|e| e.email)/>
            <Field id="n-phone" label=t.phone kind="tel" autocomplete="tel" hint=t.optional value=phone error=error(|e| e.phone)/>
            <div class="n-field">
                <label for="n-first">{t.first_message}</label>
                <textarea id="n-first" rows="3" prop:value=message on:input=move |ev| message.set(event_target_value(&ev))></textarea>
                <p class="n-error" hidden=move || errors.with(|e| e.message.is_none())>{move || errors.with(|e| e.message)}</p>
            </div>
            <p class="n-error" role="alert" hidden=move || !failed.get()>{t.lead_failed}</p>
            <button type="submit" class="n-primary" aria-busy=move || busy.get().to_string()>
                {move || if busy.get() { t.starting } else { t.start }}
            </button>
        </form>
    }
}

/// The message log, typing indicator and composer.
#[component]
fn Conversation() -> impl IntoView {
    let chat = expect_context::<Chat>();
    let t = chat.t;
    let rows = Memo::new(move |_| chat.conv.with(Conversation::rows));
    let log = NodeRef::<html::Div>::new();
    // Follow new messages only while the reader is at the bottom; otherwise offer a jump.
    let stick = StoredValue::new(true);
    let unseen = RwSignal::new(false);
    let to_bottom = move || {
        if let Some(log) = log.get_untracked() {
            log.set_scroll_top(log.scroll_height());
        }
    };
    Effect::new(move |_| {
        rows.track();
        if stick.get_value() {
            request_animation_frame(to_bottom);
        } else {
            unseen.set(true);
        }
    });
    let on_scroll = move |_| {
        if let Some(log) = log.get_untracked() {
            let at_bottom = log.scroll_height() - log.scroll_top() - log.client_height() < 48;
            stick.set_value(at_bottom);
            if at_bottom {
                unseen.set(false);
            }
        }
    };
    let typing = move || chat.typing.get().map(|name| format!("{name} {}", t.typing));
    view! {
        <div class="n-log" role="log" aria-live="polite" aria-label=t.messages tabindex="0" node_ref=log on:scroll=on_scroll>
            {greeting(chat)}
            <For each=move || rows.get() key=|row| row.clone() children=move |row| view! { <MessageRow row/> }/>
        </div>
        <button type="button" class="n-jump" hidden=move || !unseen.get() on:click=move |_| {
            stick.set_value(true);
            unseen.set(false);
            to_bottom();
        }>{t.jump_to_latest}</button>
        <p class="n-typing" aria-live="polite">{typing}</p>
        <p class="n-note" hidden=move || !chat.resolved.get()>{t.resolved}</p>
        <Composer/>
        <button type="button" class="n-link" on:click=move |_| chat.new_conversation()>{t.new_conversation}</button>
    }
}

fn clock(unix_ms: i64) -> String {
    let date = js_sys::Date::new(&JsValue::from_f64(unix_ms as f64));
    format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
}

/// One message: the visitor's on the right, staff's on the left with the sender's name.
#[component]
fn MessageRow(
    /// The message and its delivery state.
    row: Row,
) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let t = chat.t;
    let (class, who) = if row.mine {
        ("n-msg n-mine", t.you.to_owned())
    } else {
        ("n-msg n-theirs", row.sender)
    };
    let state = match row.state {
        SendState::Pending => "pending",
        SendState::Failed => "failed",
        SendState::Sent => "sent",
    };
    let id = row.client_msg_id;
    view! {
        <div class=class data-state=state>
            <span class=if row.mine { "n-who n-sr" } else { "n-who" }>{who}</span>
            <p class="n-bubble">{row.text}</p>
            <p class="n-meta">
                <time>{clock(row.created_at)}</time>
                {(row.state == SendState::Pending).then(|| view! { <span>" · "{t.sending}</span> })}
                {(row.state == SendState::Failed).then(move || view! {
                    <span class="n-failed">" · "{t.failed}" "</span>
                    <button type="button" class="n-retry" on:click=move |_| chat.retry(&id)>{t.retry}</button>
                })}
            </p>
        </div>
    }
}

/// The visitor tells staff they are typing at most this often, in ms.
const TYPING_EVERY_MS: f64 = 3_000.0;

/// Enter sends, Shift+Enter is a newline (and Enter while an IME composes, e.g. Vietnamese
/// Telex, finishes the word instead of sending).
#[component]
fn Composer() -> impl IntoView {
    let chat = expect_context::<Chat>();
    let t = chat.t;
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<&'static str>);
    let typing_sent = StoredValue::new(0.0);
    let tell_typing = move |typing: bool| {
        if let (Some(socket), Some(session)) = (chat.socket(), chat.session.get_untracked()) {
            socket.send(&ClientFrame::Typing {
                conv_id: session.conv_id,
                typing,
            });
        }
    };
    let submit = move || {
        let raw = text.get_untracked();
        if raw.trim().is_empty() {
            return;
        }
        match validate::text(&raw) {
            Ok(clean) => {
                text.set(String::new());
                error.set(None);
                typing_sent.set_value(0.0);
                tell_typing(false);
                chat.send(clean);
            }
            Err(_) => error.set(Some(t.text_error)),
        }
    };
    let on_input = move |ev| {
        text.set(event_target_value(&ev));
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
        }>
            <textarea
                id="n-text"
                rows="1"
                aria-label=t.composer
                placeholder=t.composer
                aria-invalid=move || error.get().is_some().to_string()
                prop:value=text
                on:input=on_input
                on:keydown=on_keydown
            ></textarea>
            <button type="submit" class="n-send" aria-label=t.send>
                <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M3 20l18-8L3 4v6l12 2-12 2z"/></svg>
            </button>
        </form>
        <p class="n-error" role="alert" hidden=move || error.get().is_none()>{error}</p>
    }
}
