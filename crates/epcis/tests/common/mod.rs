//! Helpers shared by the data-driven tests: where the project's test vectors are.
//!
//! The vectors live outside the repository (in `shared/vectors` beside the work tree) and are
//! read at test time, never copied in. `$RETU_VECTORS` overrides the location.

#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};

/// The vectors folder: `$RETU_VECTORS`, else `<workspace root>/../shared/vectors`.
pub fn vectors_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("RETU_VECTORS") {
        return PathBuf::from(dir);
    }
    // CARGO_MANIFEST_DIR is <workspace root>/crates/gs1.
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors")
}

/// The EPCIS / Digital Link vectors folder.
pub fn epcis_dir() -> PathBuf {
    let dir = vectors_dir().join("epcis");
    assert!(
        dir.is_dir(),
        "test vectors not found at {}; set RETU_VECTORS to the shared/vectors folder",
        dir.display()
    );
    dir
}

/// Reads a vector file as text, failing the test with the path if it is missing.
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read test vector {}: {e}", path.display()))
}

/// The GS1 Barcode Syntax Dictionary.
pub fn syntax_dictionary_path() -> PathBuf {
    epcis_dir().join("gs1-digital-link/gs1-syntax-dictionary.txt")
}

/// Every file under `dir` (recursively) whose name ends with one of `exts`, sorted.
pub fn files_with_ext(dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries =
            std::fs::read_dir(&d).unwrap_or_else(|e| panic!("cannot list {}: {e}", d.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| exts.iter().any(|e| n.ends_with(e)))
            {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}
