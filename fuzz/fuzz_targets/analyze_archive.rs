#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| scioc_fuzz::analyze_archive(data));
