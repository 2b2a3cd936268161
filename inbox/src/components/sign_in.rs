use crate::actions;
use crate::store::use_inbox;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The sign-in form, with why the last session ended if it did.
#[component]
pub fn SignIn() -> impl IntoView {
    let inbox = use_inbox();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let result =
                actions::sign_in(inbox, email.get_untracked(), password.get_untracked()).await;
            busy.set(false);
            if let Err(message) = result {
                error.set(Some(message));
            }
        });
    };
    view! {
        <main class="signin">
            <form class="card" on:submit=submit>
                <h1>"Natter inbox"</h1>
                <p class="muted">"Sign in to answer your visitors."</p>
                {move || inbox.notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
                <label for="email">"Email"</label>
                <input id="email" type="email" autocomplete="username" required bind:value=email />
                <label for="password">"Password"</label>
                <input
                    id="password"
                    type="password"
                    autocomplete="current-password"
                    required
                    bind:value=password
                />
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </main>
    }
}
