//! The folder holding uploaded function code: one sub-folder per function and upload, each an
//! unpacked `.zip` with an executable `bootstrap` at its root.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine as _;
use sha2::Digest as _;

use crate::code_package;
use crate::error::ApiError;

/// An uploaded package, unpacked.
#[derive(Debug, Clone)]
pub(crate) struct StoredCode {
    /// The folder holding it (and its `bootstrap`).
    pub(crate) dir: PathBuf,
    /// Base64 SHA-256 of the `.zip`, as `CodeSha256` states it.
    pub(crate) sha256: String,
    /// Size of the `.zip` in bytes (`CodeSize`).
    pub(crate) size: u64,
}

/// The code folder: made fresh in the temporary folder (and removed again) unless a root is
/// given.
#[derive(Debug)]
pub(super) struct CodeFolder {
    root: PathBuf,
    owns_root: bool,
    uploads: AtomicU64,
}

impl CodeFolder {
    /// Uses `root`, or a fresh `powertune-code-<pid>-<n>` in the temporary folder (removing
    /// those of emulators whose process is gone).
    pub(super) fn new(root: Option<PathBuf>) -> std::io::Result<Self> {
        static INSTANCES: AtomicU64 = AtomicU64::new(0);
        let (root, owns_root) = match root {
            Some(root) => (root, false),
            None => (
                std::env::temp_dir().join(format!(
                    "powertune-code-{}-{}",
                    std::process::id(),
                    INSTANCES.fetch_add(1, Ordering::Relaxed)
                )),
                true,
            ),
        };
        if owns_root {
            remove_stale_code_roots();
        }
        std::fs::create_dir_all(&root)?;
        Ok(Self {
            root,
            owns_root,
            uploads: AtomicU64::new(0),
        })
    }

    /// Unpacks `zip` into a new folder of `function` and checks that it holds an executable
    /// `bootstrap`; the folder is removed again when either fails.
    pub(super) fn store(&self, function: &str, zip: &[u8]) -> Result<StoredCode, ApiError> {
        let n = self.uploads.fetch_add(1, Ordering::Relaxed);
        let dir = self.root.join(function).join(format!("{n}"));
        std::fs::create_dir_all(&dir)
            .map_err(|e| ApiError::service(format!("cannot create the code folder: {e}")))?;
        let unpacked = code_package::unpack_zip(zip, &dir).and_then(|_| check_bootstrap(&dir));
        if let Err(err) = unpacked {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(err);
        }
        Ok(StoredCode {
            dir,
            sha256: base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(zip)),
            size: zip.len() as u64,
        })
    }

    /// Removes every upload of `function`.
    pub(super) fn remove(&self, function: &str) {
        let dir = self.root.join(function);
        if dir.starts_with(&self.root) && dir.exists() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }

    /// Removes the whole folder when it was made here.
    pub(super) fn remove_all(&self) {
        if self.owns_root {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }
}

impl Drop for CodeFolder {
    fn drop(&mut self) {
        self.remove_all();
    }
}

fn check_bootstrap(dir: &Path) -> Result<(), ApiError> {
    use std::os::unix::fs::PermissionsExt as _;
    match std::fs::metadata(dir.join("bootstrap")) {
        Ok(meta) if meta.is_file() && meta.permissions().mode() & 0o111 != 0 => Ok(()),
        Ok(_) => Err(ApiError::invalid_parameter(
            "The deployment package's bootstrap is not an executable file: set its execute \
             permission (chmod 755 bootstrap) before zipping",
        )),
        Err(_) => Err(ApiError::invalid_parameter(
            "The deployment package holds no bootstrap at its root: a provided.al2023 function \
             needs an executable named bootstrap",
        )),
    }
}

/// Removes the code folders of emulators whose process is gone (killed before they could
/// clean up): `powertune-code-<pid>-<n>` in the temporary folder.
fn remove_stale_code_roots() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name
            .to_str()
            .and_then(|n| n.strip_prefix("powertune-code-"))
        else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}
