//! Bytes -> envelope -> `TaskRecord` -> every accessor, plus the time and
//! `param` parsers on the same bytes. Run with
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run decode fuzz/corpus/decode fuzz/seeds/decode -- -max_total_time=300`
//! (new inputs go to the ignored `corpus/`; `seeds/` is the checked-in start).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    kie_suno_tests::decode::exercise(data);
});
