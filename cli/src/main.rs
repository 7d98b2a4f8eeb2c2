//! The `image-lifecycle` command (built out by the command issue).
fn main() {}
