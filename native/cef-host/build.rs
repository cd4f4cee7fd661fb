// Links against the CEF runtime that scripts/tools/cef.sh unpacked into the tool cache and compiles in the
// C API bindings of the same CEF version (cef-dll-sys' generated bindings; no C headers exist in any registry).
use std::env;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=LKB_CEF_DIR");
    let dir = match env::var("LKB_CEF_DIR") {
        Ok(d) => PathBuf::from(d),
        Err(_) => panic!("LKB_CEF_DIR is not set: run scripts/tools/cef.sh (it prints the directory)"),
    };
    let bindings = dir.join("cef_dll_sys_bindings.rs");
    if !dir.join("libcef.so").exists() || !bindings.exists() {
        panic!("{} lacks libcef.so or cef_dll_sys_bindings.rs: run scripts/tools/cef.sh", dir.display());
    }
    println!("cargo:rerun-if-changed={}", bindings.display());
    println!("cargo:rustc-env=LKB_CEF_BINDINGS={}", bindings.display());
    println!("cargo:rustc-env=LKB_CEF_RUNTIME_DIR={}", dir.display());
    println!("cargo:rustc-link-search=native={}", dir.display());
    println!("cargo:rustc-link-lib=dylib=cef");
    // `cef/` next to the binary first (the CEF runtime image ships it there), then the tool cache; main.rs
    // picks the resources directory in the same order.
    println!("cargo:rustc-link-arg-bins=-Wl,-rpath,$ORIGIN/cef:{}", dir.display());
}
