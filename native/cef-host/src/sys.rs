// The CEF C API (bindgen output of cef-dll-sys for the CEF version in scripts/tools/versions.env).
#![allow(non_camel_case_types, non_snake_case, non_upper_case_globals, dead_code, improper_ctypes, clippy::all)]
#![allow(unnecessary_transmutes)]
include!(env!("LKB_CEF_BINDINGS"));
