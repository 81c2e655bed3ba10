//! Policy parsing and quorum evaluation never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlog::Policy;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(policy) = Policy::parse(text)
    {
        let names: Vec<&str> = policy.witnesses().iter().map(|w| w.name.as_str()).collect();
        let _ = policy.is_satisfied(&names);
        let _ = policy.is_satisfied(&[]);
    }
});
