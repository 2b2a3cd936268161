use crate::store::use_inbox;
use crate::{actions, net};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The page an invitation link opens: the invitee chooses a name and a password and is
/// signed in; or goes to the sign-in form instead.
#[component]
pub fn Join(
    /// The invitation's code, from the address.
    code: String,
) -> impl IntoView {
    let inbox = use_inbox();
    let name = RwSignal::new(String::new());
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
        let code = code.clone();
        spawn_local(async move {
            let result = actions::accept_invitation(
                inbox,
                code,
                name.get_untracked(),
                password.get_untracked(),
            )
            .await;
            busy.set(false);
            if let Err(message) = result {
                error.set(Some(message));
            }
        });
    };
    view! {
        <main class="signin">
            <form class="card" on:submit=submit>
                <h1>"Join your team"</h1>
                <p class="muted">"You were invited to answer visitors in Natter. Choose your name and a password."</p>
                <label for="join-name">"Your name"</label>
                <input id="join-name" type="text" autocomplete="name" required maxlength="120" bind:value=name />
                <label for="join-password">"Password (at least 8 characters)"</label>
                <input
                    id="join-password"
                    type="password"
                    autocomplete="new-password"
                    required
                    minlength="8"
                    bind:value=password
                />
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Joining…" } else { "Join and sign in" }}
                </button>
                <button type="button" class="link" on:click=move |_| net::set_route(None)>
                    "I have an account: sign in"
                </button>
            </form>
        </main>
    }
}
