fn main() {
    leptos::mount::mount_to_body(natter_inbox::App);
}
