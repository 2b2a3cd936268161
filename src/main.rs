fn main() {
    natter_widget::boot();
}
