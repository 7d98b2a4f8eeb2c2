//! Any bytes as one image record: an error or a record that writes back to an equal record.
#![no_main]

use image_lifecycle::Image;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(image) = serde_json::from_slice::<Image>(data) else { return };
    let written = serde_json::to_vec(&image).expect("a record read must write");
    let again: Image = serde_json::from_slice(&written).expect("a written record must read");
    assert_eq!(image, again, "round trip changed the record");
    let _ = image.validate();
});
