#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| scioc_fuzz::extract("python/pylock", data));
