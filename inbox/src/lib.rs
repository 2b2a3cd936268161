//! The Natter staff inbox: where staff see every conversation of their
//! organization live and answer. A Leptos client-side app, served at `/inbox/`.

pub mod actions;
pub mod components;
pub mod model;
pub mod net;
pub mod push;
mod socket;
pub mod store;

pub use components::App;
