//! Unpacking a function's `.zip` deployment package into its own folder, safely.
//!
//! Lambda's bounds apply: 50 MB zipped (direct upload), 250 MB unzipped. No entry may land
//! outside the function's folder: absolute names, `..` components and symbolic links that
//! leave the folder are refused, and the unzipped size is counted on the bytes actually
//! written (a zip's declared sizes can lie). Unix permission bits are kept, so an executable
//! `bootstrap` stays executable.

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

use crate::error::ApiError;

/// Largest `.zip` Lambda accepts in a direct upload, in bytes (50 MB).
pub(crate) const MAX_ZIPPED_BYTES: usize = 50 * 1024 * 1024;

/// Largest unzipped deployment package Lambda accepts, in bytes (250 MB).
pub(crate) const MAX_UNZIPPED_BYTES: u64 = 250 * 1024 * 1024;

/// Size of the unpacked files, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unpacked {
    /// Bytes written.
    pub(crate) unzipped_bytes: u64,
    /// Files written.
    pub(crate) files: usize,
}

fn invalid_zip(detail: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        400,
        "InvalidParameterValueException",
        format!(
            "Could not unzip uploaded file. Please check your file, then try to upload again. ({detail})"
        ),
    )
}

/// Checks that a relative path stays inside its root: only normal components.
fn safe_relative(path: &Path) -> bool {
    !path.as_os_str().is_empty() && path.components().all(|c| matches!(c, Component::Normal(_)))
}

/// Unpacks `zip_bytes` into `dest` (which must exist and be empty).
///
/// # Errors
///
/// `RequestEntityTooLargeException` (413) for a zip over 50 MB;
/// `InvalidParameterValueException` for a file that is not a zip, an entry whose path would
/// leave `dest`, a symbolic link out of it, or more than 250 MB unzipped.
pub(crate) fn unpack_zip(zip_bytes: &[u8], dest: &Path) -> Result<Unpacked, ApiError> {
    if zip_bytes.len() > MAX_ZIPPED_BYTES {
        return Err(ApiError::new(
            413,
            "RequestEntityTooLargeException",
            format!(
                "Request must be smaller than {MAX_ZIPPED_BYTES} bytes for the zipped deployment \
                 package"
            ),
        ));
    }
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)).map_err(invalid_zip)?;
    let mut total: u64 = 0;
    let mut files = 0;
    let too_big = || {
        ApiError::invalid_parameter(format!(
            "Unzipped size must be smaller than {MAX_UNZIPPED_BYTES} bytes"
        ))
    };
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(invalid_zip)?;
        let raw_name = entry.name().map_err(invalid_zip)?.into_owned();
        let relative = PathBuf::from(raw_name.trim_end_matches('/'));
        if raw_name.contains('\\') || !safe_relative(&relative) {
            return Err(ApiError::invalid_parameter(format!(
                "Could not unzip uploaded file: entry `{raw_name}` has a path outside the \
                 function's folder"
            )));
        }
        let target = dest.join(&relative);
        let io_err =
            |e: std::io::Error| ApiError::service(format!("could not unpack `{raw_name}`: {e}"));
        let mode = entry.unix_mode();
        let is_symlink = mode.is_some_and(|m| m & 0o170_000 == 0o120_000);
        if entry.is_dir() {
            std::fs::create_dir_all(&target).map_err(io_err)?;
            continue;
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(io_err)?;
        }
        if is_symlink {
            let mut link = String::new();
            entry
                .by_ref()
                .take(4096)
                .read_to_string(&mut link)
                .map_err(invalid_zip)?;
            // A link target with no `..` and no root can only descend from the link's folder,
            // which is inside `dest`; anything else could leave it.
            if !safe_relative(Path::new(&link)) {
                return Err(ApiError::invalid_parameter(format!(
                    "Could not unzip uploaded file: symbolic link `{raw_name}` -> `{link}` \
                     points outside the function's folder"
                )));
            }
            std::os::unix::fs::symlink(&link, &target).map_err(io_err)?;
            continue;
        }
        let remaining = MAX_UNZIPPED_BYTES - total;
        let mut out = std::fs::File::create(&target).map_err(io_err)?;
        // Read one byte past the allowance to tell "exactly at the bound" from "over it".
        let written = std::io::copy(&mut entry.by_ref().take(remaining + 1), &mut out)
            .map_err(invalid_zip)?;
        if written > remaining {
            return Err(too_big());
        }
        total += written;
        files += 1;
        out.flush().map_err(io_err)?;
        drop(out);
        let permissions = match mode {
            // Keep rwx bits only: never setuid/setgid/sticky.
            Some(m) => m & 0o777,
            None if relative == Path::new("bootstrap") => 0o755,
            None => 0o644,
        };
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(permissions))
            .map_err(io_err)?;
    }
    Ok(Unpacked {
        unzipped_bytes: total,
        files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip_of(entries: &[(&str, &[u8], u32)]) -> Vec<u8> {
        let mut buf = std::io::Cursor::new(Vec::new());
        let mut writer = zip::ZipWriter::new(&mut buf);
        for (name, data, mode) in entries {
            let options = zip::write::SimpleFileOptions::default().unix_permissions(*mode);
            writer.start_file(*name, options).unwrap();
            writer.write_all(data).unwrap();
        }
        writer.finish().unwrap();
        buf.into_inner()
    }

    #[test]
    fn keeps_the_executable_bit_of_bootstrap() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = zip_of(&[
            ("bootstrap", b"#!/bin/sh\n", 0o755),
            ("lib/data.txt", b"x", 0o644),
        ]);
        let unpacked = unpack_zip(&bytes, dir.path()).unwrap();
        assert_eq!(unpacked.files, 2);
        let mode = std::fs::metadata(dir.path().join("bootstrap"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o755);
        assert!(dir.path().join("lib/data.txt").is_file());
    }

    #[test]
    fn refuses_entries_that_escape_the_folder() {
        for name in ["../evil", "/etc/evil", "a/../../evil", "a\\..\\evil"] {
            let dir = tempfile::tempdir().unwrap();
            let inner = dir.path().join("code");
            std::fs::create_dir(&inner).unwrap();
            let err = unpack_zip(&zip_of(&[(name, b"x", 0o644)]), &inner).unwrap_err();
            assert_eq!(err.error_type, "InvalidParameterValueException", "{name}");
            assert!(!dir.path().join("evil").exists(), "{name}");
        }
    }

    #[test]
    fn refuses_symlinks_out_of_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let mut buf = std::io::Cursor::new(Vec::new());
        let mut writer = zip::ZipWriter::new(&mut buf);
        writer
            .add_symlink(
                "link",
                "../../etc",
                zip::write::SimpleFileOptions::default(),
            )
            .unwrap();
        writer.finish().unwrap();
        let err = unpack_zip(&buf.into_inner(), dir.path()).unwrap_err();
        assert_eq!(err.error_type, "InvalidParameterValueException");
        assert!(std::fs::symlink_metadata(dir.path().join("link")).is_err());
    }

    #[test]
    fn refuses_garbage_and_oversized_archives() {
        let dir = tempfile::tempdir().unwrap();
        let err = unpack_zip(b"not a zip", dir.path()).unwrap_err();
        assert_eq!(err.error_type, "InvalidParameterValueException");
        let err = unpack_zip(&vec![0u8; MAX_ZIPPED_BYTES + 1], dir.path()).unwrap_err();
        assert_eq!(err.status, 413);
    }
}
