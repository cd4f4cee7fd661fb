// Small helpers over the raw C API: strings, reference counting of our own (static) handler objects.
use crate::sys::*;
use std::ffi::{c_char, c_int};
use std::mem::{size_of, zeroed};

pub fn cef_str(v: &str) -> cef_string_t {
    // SAFETY: cef_string_utf8_to_utf16 copies `v` into a fresh CEF-owned buffer (freed by its dtor).
    unsafe {
        let mut o: cef_string_t = zeroed();
        cef_string_utf8_to_utf16(v.as_ptr() as *const c_char, v.len(), &mut o);
        o
    }
}

/// Frees a string we created with cef_str (CEF copied what it needed).
pub fn free_str(s: &mut cef_string_t) {
    // SAFETY: `s` came from cef_str; the dtor is CEF's.
    unsafe { cef_string_utf16_clear(s) }
}

pub fn to_string(s: *const cef_string_t) -> String {
    if s.is_null() {
        return String::new();
    }
    // SAFETY: CEF passes a valid UTF-16 string (str_, length).
    unsafe {
        let s = &*s;
        if s.str_.is_null() {
            return String::new();
        }
        String::from_utf16_lossy(std::slice::from_raw_parts(s.str_, s.length))
    }
}

// Our handler objects live for the whole process (leaked boxes), so their reference count is moot.
unsafe extern "C" fn add_ref(_: *mut cef_base_ref_counted_t) {}
unsafe extern "C" fn release(_: *mut cef_base_ref_counted_t) -> c_int {
    0
}
unsafe extern "C" fn one(_: *mut cef_base_ref_counted_t) -> c_int {
    1
}

pub fn static_base<T>() -> cef_base_ref_counted_t {
    cef_base_ref_counted_t {
        size: size_of::<T>(),
        add_ref: Some(add_ref),
        release: Some(release),
        has_one_ref: Some(one),
        has_at_least_one_ref: Some(one),
    }
}

/// A zeroed CEF struct with its base set (all callbacks None until assigned).
pub fn handler<T>(set_base: impl FnOnce(&mut T, cef_base_ref_counted_t)) -> *mut T {
    // SAFETY: CEF handler structs are plain C structs of a base + nullable function pointers.
    let mut v: T = unsafe { zeroed() };
    set_base(&mut v, static_base::<T>());
    Box::into_raw(Box::new(v))
}

/// Drops one reference CEF gave us (arguments of callbacks, results of getters). Every CEF ref-counted
/// struct starts with cef_base_ref_counted_t.
pub unsafe fn release_ref<T>(p: *mut T) {
    if p.is_null() {
        return;
    }
    let b = p as *mut cef_base_ref_counted_t;
    if let Some(f) = (*b).release {
        f(b);
    }
}
