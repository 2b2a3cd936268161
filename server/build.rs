//! The release binary embeds the built widget and inbox (`http/assets.rs`): rebuild it
//! whenever they change, including when they first appear (rust-embed alone tracks only
//! the files it found, so a binary compiled before the first front-end build would stay
//! empty).
fn main() {
    println!("cargo:rerun-if-changed=../dist");
    println!("cargo:rerun-if-changed=../inbox/dist");
    println!("cargo:rerun-if-changed=migrations");
}
