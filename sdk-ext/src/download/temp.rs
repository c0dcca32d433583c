//! Temporary files of downloads: each download writes into a file of its
//! own next to its final place (created exclusively, so two downloads
//! never write into one file), locked while it writes, removed however the
//! download ends unless it was renamed into place. A temporary file that
//! nobody holds was left by a process that died; [`sweep`] removes it.

use std::path::{Path, PathBuf};

/// A temporary file that is removed when dropped, unless it was renamed
/// into place: a download cut, refused or cancelled leaves nothing. Its
/// writer holds an exclusive lock on it while it writes, which the system
/// lets go when the writer's process ends, however it ends: a temporary
/// file nobody holds was left by a process that died (SIGKILL, a crash),
/// and [`sweep`] removes it.
pub(super) struct Temp {
    pub(super) path: PathBuf,
    pub(super) placed: bool,
    /// A handle of the file's own, so that the lock lasts as long as the
    /// temporary file does (until it is renamed into place or removed),
    /// not only while its writer holds the file open: a writer closes the
    /// file before renaming it, and a sweep in that moment would take it
    /// for a dead process's.
    _lock: std::fs::File,
}

impl Temp {
    /// A new file of its own (never another download's) in `dir`, locked.
    pub(super) async fn create(dir: &Path, stem: &str) -> std::io::Result<(Temp, tokio::fs::File)> {
        let dir = dir.to_path_buf();
        let stem = stem.to_owned();
        let (path, file) = tokio::task::spawn_blocking(move || {
            loop {
                let path = dir.join(format!(".{stem}.{:016x}.part", fastrand::u64(..)));
                match std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&path)
                {
                    Ok(file) => {
                        // Between creating and locking, another download's
                        // sweep may take the file for a dead one's and
                        // remove it: only a file still there is ours.
                        let locked = file.try_lock().is_ok();
                        if locked && path.try_exists()? {
                            return Ok::<_, std::io::Error>((path, file));
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                    Err(e) => return Err(e),
                }
            }
        })
        .await
        .map_err(std::io::Error::other)??;
        let temp = Temp {
            _lock: file.try_clone()?,
            path,
            placed: false,
        };
        Ok((temp, tokio::fs::File::from_std(file)))
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        if !self.placed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Removes the temporary files of `stem` in `dir` that no live writer
/// holds (left by a process that died); returns how many.
pub(crate) async fn sweep(dir: &Path, stem: &str) -> usize {
    sweep_prefixed(dir, format!(".{stem}.")).await
}

/// [`sweep`] for every name in `dir`.
pub(crate) async fn sweep_all(dir: &Path) -> usize {
    sweep_prefixed(dir, ".".to_owned()).await
}

async fn sweep_prefixed(dir: &Path, prefix: String) -> usize {
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return 0;
        };
        let mut removed = 0;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if !(name.starts_with(&prefix) && name.ends_with(".part")) {
                continue;
            }
            let Ok(file) = std::fs::OpenOptions::new().write(true).open(entry.path()) else {
                continue;
            };
            // Held: a writer is at work. Free: its writer is gone.
            if file.try_lock().is_ok() && std::fs::remove_file(entry.path()).is_ok() {
                removed += 1;
            }
        }
        removed
    })
    .await
    .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("kie-suno-temp-{:016x}", fastrand::u64(..)));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[tokio::test]
    async fn a_temporary_file_its_writer_closed_stays_locked_until_placed() {
        let dir = scratch();
        let (temp, file) = Temp::create(&dir, "song").await.unwrap();
        // A writer closes its file before renaming it into place.
        drop(file);
        assert_eq!(
            sweep(&dir, "song").await,
            0,
            "a live download's file was swept"
        );
        assert!(temp.path.exists());
        drop(temp);
        assert!(
            std::fs::read_dir(&dir).unwrap().next().is_none(),
            "dropped, it is removed"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn a_temporary_file_nobody_holds_is_swept() {
        let dir = scratch();
        let left = dir.join(".song.0123456789abcdef.part");
        std::fs::write(&left, b"half").unwrap();
        assert_eq!(sweep(&dir, "song").await, 1);
        assert!(!left.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn a_sweep_of_the_whole_directory_takes_every_dead_temporary_file_and_no_live_one() {
        let dir = scratch();
        let dead = [
            dir.join(".song.0123456789abcdef.part"),
            dir.join(".other.done.0123456789abcdef.part"),
        ];
        for left in &dead {
            std::fs::write(left, b"half").unwrap();
        }
        let finished = dir.join("song.mp3");
        std::fs::write(&finished, b"whole").unwrap();
        let (live, _file) = Temp::create(&dir, "third").await.unwrap();
        assert_eq!(sweep_all(&dir).await, 2);
        assert!(dead.iter().all(|left| !left.exists()));
        assert!(finished.exists() && live.path.exists());
        drop(live);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
