//! The Natter widget: the chat a visitor sees on a customer's website.

use leptos::prelude::*;

/// The widget's root component.
#[component]
pub fn App() -> impl IntoView {
    view! { <div class="natter">"Natter"</div> }
}
