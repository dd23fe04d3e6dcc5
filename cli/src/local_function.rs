//! A function on disk for the embedded emulator: a folder holding `bootstrap`, a file named
//! `bootstrap`, or any executable (linked as `bootstrap` into a temporary folder).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};

/// Timeout given to local functions: generous, because 128 MB gets a small CPU share.
pub const LOCAL_TIMEOUT: Duration = Duration::from_secs(120);

/// A function found on disk: a folder holding `bootstrap`.
#[derive(Debug)]
pub struct LocalFunction {
    /// Name to register it under.
    pub name: String,
    /// Folder holding `bootstrap`.
    pub dir: PathBuf,
    /// The Handler to register (Lambda's `_HANDLER`), when not the emulator's default.
    handler: Option<String>,
    /// Keeps a temporary folder (holding a `bootstrap` link) alive while needed.
    _temp: Option<tempfile::TempDir>,
}

impl LocalFunction {
    /// Registers the function in `emulator` (with [`LOCAL_TIMEOUT`] and the variables `env`).
    ///
    /// # Errors
    ///
    /// When the emulator refuses it, naming the function and its folder.
    pub fn register(
        &self,
        emulator: &emulator::EmulatorHandle,
        env: &[(String, String)],
    ) -> anyhow::Result<()> {
        let mut new =
            emulator::registry::NewFunction::new(&self.name, &self.dir).timeout(LOCAL_TIMEOUT);
        for (key, value) in env {
            new = new.env(key, value);
        }
        if let Some(handler) = &self.handler {
            new.handler.clone_from(handler);
        }
        emulator
            .registry()
            .register_folder(new)
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| format!("registering {} from {}", self.name, self.dir.display()))?;
        Ok(())
    }
}

/// Resolves PATH: a folder holding `bootstrap`, a file named `bootstrap`, or any executable
/// (linked as `bootstrap` into a temporary folder).
///
/// # Errors
///
/// When PATH does not exist or holds no bootstrap.
pub fn resolve_local(path: &Path, name: Option<&str>) -> anyhow::Result<LocalFunction> {
    let meta = std::fs::metadata(path).with_context(|| {
        format!(
            "reading --local {}: give a bootstrap executable or a folder holding one",
            path.display()
        )
    })?;
    let canonical = path
        .canonicalize()
        .with_context(|| format!("resolving {}", path.display()))?;
    let (dir, temp, stem) = if meta.is_dir() {
        if !canonical.join("bootstrap").is_file() {
            bail!(
                "--local {}: the folder holds no `bootstrap` executable; build one or point at the executable itself",
                path.display()
            );
        }
        let stem = canonical
            .file_name()
            .map(|s| s.to_string_lossy().into_owned());
        (canonical.clone(), None, stem)
    } else if canonical.file_name().is_some_and(|n| n == "bootstrap") {
        let dir = canonical
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let stem = dir.file_name().map(|s| s.to_string_lossy().into_owned());
        (dir, None, stem)
    } else {
        let temp = link_as_bootstrap(&canonical)?;
        let stem = canonical
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned());
        (temp.path().to_path_buf(), Some(temp), stem)
    };
    let name = name.map(str::to_owned).or(stem).unwrap_or_default();
    let name = tuner::steps::safe_name(&name, "function");
    Ok(LocalFunction {
        name,
        dir,
        handler: None,
        _temp: temp,
    })
}

/// The executable `exe` as function `name` with Handler `handler`: `exe` linked as
/// `bootstrap` into a temporary folder that lives as long as the function.
///
/// # Errors
///
/// When the folder or the link cannot be made.
pub fn linked_executable(exe: &Path, name: &str, handler: &str) -> anyhow::Result<LocalFunction> {
    let temp = link_as_bootstrap(exe)?;
    Ok(LocalFunction {
        name: tuner::steps::safe_name(name, "function"),
        dir: temp.path().to_path_buf(),
        handler: Some(handler.to_owned()),
        _temp: Some(temp),
    })
}

/// A temporary folder holding `exe` linked as `bootstrap`, removed when dropped.
fn link_as_bootstrap(exe: &Path) -> anyhow::Result<tempfile::TempDir> {
    let temp = tempfile::Builder::new()
        .prefix("powertune-fn-")
        .tempdir()
        .context("creating a temporary folder for the bootstrap link")?;
    std::os::unix::fs::symlink(exe, temp.path().join("bootstrap"))
        .with_context(|| format!("linking {} as bootstrap", exe.display()))?;
    Ok(temp)
}
