//! A guest's stdio when it is neither inherited nor discarded: input from bytes the app gives
//! (`stdin: Uint8Array`), and output captured for the app to take (`stdout: "capture"`,
//! `instance.takeStdout()`), for reactors called many times.
//!
//! Captured output is bounded: each stream holds at most [`CAPTURE_CAP`] bytes between takes. A
//! write that would pass the cap fails (the guest sees an I/O error, and libc's `printf` returns
//! -1) and nothing of it is kept, until the app takes what is there. So a guest cannot grow the
//! host's memory by writing, and what was captured is never silently cut.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamError};

/// Bytes a captured stream holds between takes: 16 MiB.
pub const CAPTURE_CAP: usize = 16 << 20;

/// One captured output stream, shared by the guest's WASI context and the instance's handles.
#[derive(Clone, Default)]
pub struct Capture(Arc<Mutex<Vec<u8>>>);

impl Capture {
  fn lock(&self) -> std::sync::MutexGuard<'_, Vec<u8>> {
    self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
  }

  /// What was written since the last take.
  pub fn take(&self) -> Vec<u8> {
    std::mem::take(&mut *self.lock())
  }

  /// Appends `bytes` whole, or nothing if they would pass the cap.
  fn append(&self, bytes: &[u8]) -> Result<(), String> {
    let mut buffer = self.lock();
    if buffer.len() + bytes.len() > CAPTURE_CAP {
      return Err(format!(
        "captured output is full ({CAPTURE_CAP} bytes held): the app must take it (takeStdout / takeStderr) \
         before the guest can write more"
      ));
    }
    buffer.extend_from_slice(bytes);
    Ok(())
  }
}

impl IsTerminal for Capture {
  fn is_terminal(&self) -> bool {
    false
  }
}

impl StdoutStream for Capture {
  fn p2_stream(&self) -> Box<dyn OutputStream> {
    Box::new(self.clone())
  }

  fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
    Box::new(self.clone())
  }
}

#[async_trait::async_trait]
impl Pollable for Capture {
  /// Always ready: a write either fits or fails, it never waits.
  async fn ready(&mut self) {}
}

impl OutputStream for Capture {
  fn write(&mut self, bytes: bytes::Bytes) -> Result<(), StreamError> {
    self.append(&bytes).map_err(|message| StreamError::LastOperationFailed(wasmtime::format_err!("{message}")))
  }

  fn flush(&mut self) -> Result<(), StreamError> {
    Ok(())
  }

  fn check_write(&mut self) -> Result<usize, StreamError> {
    // Room is not promised: a write past the cap fails whole (see the module docs).
    Ok(CAPTURE_CAP)
  }
}

impl AsyncWrite for Capture {
  fn poll_write(self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
    Poll::Ready(self.append(buf).map(|()| buf.len()).map_err(io::Error::other))
  }

  fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
    Poll::Ready(Ok(()))
  }

  fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
    Poll::Ready(Ok(()))
  }
}

/// The captured streams of a store (`instantiate`), and the piped ones of a process (`spawn`).
#[derive(Clone, Default)]
pub struct Captured {
  pub stdout: Option<Capture>,
  pub stderr: Option<Capture>,
  pub stdin_pipe: Option<crate::pipe::Pipe>,
  pub stdout_pipe: Option<crate::pipe::Pipe>,
  pub stderr_pipe: Option<crate::pipe::Pipe>,
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn a_take_empties_and_a_write_past_the_cap_fails_whole() {
    let capture = Capture::default();
    capture.append(b"hello").unwrap();
    assert_eq!(capture.take(), b"hello");
    assert!(capture.take().is_empty());
    capture.append(&vec![0; CAPTURE_CAP - 1]).unwrap();
    assert!(capture.append(b"ab").is_err());
    assert_eq!(capture.take().len(), CAPTURE_CAP - 1, "the failed write kept nothing");
    capture.append(b"ab").unwrap();
  }
}
