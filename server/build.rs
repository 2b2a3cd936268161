//! The release binary embeds the built widget and inbox (`http/assets.rs`): rebuild it
//! whenever they change, including when they first appear (rust-embed alone tracks only
//! the files it found, so a binary compiled before the first front-end build would stay
//! empty).
fn main() {
    for dir in ["../dist", "../inbox/dist"] {
        // A path that does not exist would make cargo rebuild this crate on every run;
        // an empty build-output folder (git ignores it) is tracked like any other.
        _ = std::fs::create_dir_all(dir);
        println!("cargo:rerun-if-changed={dir}");
    }
    println!("cargo:rerun-if-changed=migrations");
}
