//! `waitwell-kiosk`.
fn main() {}
