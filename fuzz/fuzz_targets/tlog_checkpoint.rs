//! Checkpoint parsing never panics, and what parses re-encodes exactly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlog::Checkpoint;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(checkpoint) = Checkpoint::parse(text)
    {
        assert_eq!(checkpoint.to_text(), text);
    }
});
