//! Any string as a request path: an error, or a request whose path parses back to itself.
#![no_main]

use image_lifecycle::SyncRequest;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|path: &str| {
    let Ok(request) = SyncRequest::from_path(path) else { return };
    let again = SyncRequest::from_path(&request.path()).expect("a built path must parse");
    assert_eq!(request, again);
});
