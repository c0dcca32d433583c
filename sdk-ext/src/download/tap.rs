//! A thread that sees every chunk of a download as it is written: the
//! file's checksum and, for audio, its length are read there, beside the
//! network and the disk, instead of in a second pass over the file or on
//! the task that moves the bytes. Chunks wait in a short queue: a reader
//! slower than the network slows the download rather than filling memory.

use std::io::Read;

use bytes::{Buf, Bytes};
use tokio::sync::mpsc;

/// Chunks handed over and not yet read (a few MiB at most).
const QUEUED_CHUNKS: usize = 32;

/// A reader of a download's chunks, on a thread of its own, ending with
/// what it read (`T`).
pub(crate) struct Tap<T> {
    chunks: mpsc::Sender<Bytes>,
    done: tokio::task::JoinHandle<T>,
}

impl<T: Send + 'static> Tap<T> {
    /// Starts `read` on the chunks to come.
    pub(crate) fn start(read: impl FnOnce(Chunks) -> T + Send + 'static) -> Self {
        let (chunks, arriving) = mpsc::channel(QUEUED_CHUNKS);
        let chunks_in = Chunks {
            arriving,
            current: Bytes::new(),
        };
        let done = tokio::task::spawn_blocking(move || read(chunks_in));
        Tap { chunks, done }
    }

    /// The next chunk. A reader that stopped early (it has what it needs,
    /// or gave up) does not get the rest.
    pub(crate) async fn feed(&self, chunk: Bytes) {
        let _ = self.chunks.send(chunk).await;
    }

    /// What the reader made of the whole download; an error only when its
    /// thread did not finish (it panicked, or the runtime is going away).
    pub(crate) async fn finish(self) -> Result<T, String> {
        drop(self.chunks);
        self.done.await.map_err(|e| e.to_string())
    }
}

/// The chunks of a download, as the tap's thread reads them: one by one,
/// or as one stream of bytes ([`Read`]).
pub(crate) struct Chunks {
    arriving: mpsc::Receiver<Bytes>,
    current: Bytes,
}

impl Chunks {
    /// The next chunk, waiting for it; `None` once the download is over.
    pub(crate) fn next_chunk(&mut self) -> Option<Bytes> {
        if !self.current.is_empty() {
            return Some(std::mem::take(&mut self.current));
        }
        self.arriving.blocking_recv()
    }
}

impl Read for Chunks {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.arriving.blocking_recv() {
                Some(chunk) => self.current = chunk,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        self.current.advance(n);
        Ok(n)
    }
}
