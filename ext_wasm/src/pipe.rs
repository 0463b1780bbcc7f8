//! The piped stdio of a process (`stdin: "piped"`, `stdout: "piped"` in `spawn`): a bounded byte
//! pipe between the guest, on its own thread, and the app on the JS thread.
//!
//! A pipe holds at most [`PIPE_CAP`] bytes. A guest that writes to a full pipe waits (its
//! `fd_write` does not return) until the app reads, as a program writing to a full OS pipe does;
//! so a guest that writes 1 GB nobody reads costs the host 64 KiB, not 1 GB. Likewise the app's
//! `stdin.write` waits while the guest has 64 KiB unread. Either side may close: after the writer
//! closes, the reader gets what is left and then the end; after the reader closes, writes fail
//! (the guest sees `EPIPE`, the app a coded error).
//!
//! Both sides wait through wakers, not a runtime's primitives, so the guest's thread and the JS
//! thread each wait on their own tokio runtime.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use wasmtime_wasi::cli::{IsTerminal, StdinStream, StdoutStream};
use wasmtime_wasi::p2::{InputStream, OutputStream, Pollable, StreamError};

/// Bytes a pipe holds before its writer waits: 64 KiB, as a Linux pipe.
pub const PIPE_CAP: usize = 64 << 10;

#[derive(Default)]
struct State {
  buffer: Vec<u8>,
  writer_closed: bool,
  reader_closed: bool,
  /// Readers waiting for bytes or the end (two reads may wait at once: `for await` and a
  /// `read()` of the same stream).
  readers: Vec<Waker>,
  /// Writers waiting for room.
  writers: Vec<Waker>,
}

/// Adds `waker` to `list` unless it is there already (a future re-polled registers again).
fn park(list: &mut Vec<Waker>, waker: &Waker) {
  if !list.iter().any(|w| w.will_wake(waker)) {
    list.push(waker.clone());
  }
}

/// Wakes everything in `list`.
fn wake(list: &mut Vec<Waker>) {
  list.drain(..).for_each(Waker::wake);
}

/// One bounded pipe, shared by its two ends.
#[derive(Clone, Default)]
pub struct Pipe(Arc<Mutex<State>>);

impl Pipe {
  fn lock(&self) -> MutexGuard<'_, State> {
    self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
  }

  /// Takes up to `max` bytes, waiting until there are some; `None` once the writer has closed and
  /// everything was read (or the reader closed).
  pub async fn read(&self, max: usize) -> Option<Vec<u8>> {
    poll_fn(|cx| self.poll_read(cx, max)).await
  }

  fn poll_read(&self, cx: &mut Context<'_>, max: usize) -> Poll<Option<Vec<u8>>> {
    let mut state = self.lock();
    if state.reader_closed {
      return Poll::Ready(None);
    }
    if !state.buffer.is_empty() {
      let bytes =
        if state.buffer.len() <= max { std::mem::take(&mut state.buffer) } else { state.buffer.drain(..max).collect() };
      wake(&mut state.writers);
      return Poll::Ready(Some(bytes));
    }
    if state.writer_closed {
      return Poll::Ready(None);
    }
    park(&mut state.readers, cx.waker());
    Poll::Pending
  }

  /// Writes all of `bytes`, waiting for room as the reader drains the pipe.
  ///
  /// # Errors
  /// If the reader closed (before or during the write): the bytes written so far stay written.
  pub async fn write_all(&self, mut bytes: &[u8]) -> Result<(), Closed> {
    while !bytes.is_empty() {
      let room = poll_fn(|cx| self.poll_room(cx)).await?;
      let n = room.min(bytes.len());
      self.append(&bytes[..n])?;
      bytes = &bytes[n..];
    }
    Ok(())
  }

  /// Free room, waiting until there is some.
  fn poll_room(&self, cx: &mut Context<'_>) -> Poll<Result<usize, Closed>> {
    let mut state = self.lock();
    if state.reader_closed || state.writer_closed {
      return Poll::Ready(Err(Closed));
    }
    let room = PIPE_CAP.saturating_sub(state.buffer.len());
    if room > 0 {
      return Poll::Ready(Ok(room));
    }
    park(&mut state.writers, cx.waker());
    Poll::Pending
  }

  /// Appends `bytes` (which may pass the cap by what the last room check allowed).
  fn append(&self, bytes: &[u8]) -> Result<(), Closed> {
    let mut state = self.lock();
    if state.reader_closed || state.writer_closed {
      return Err(Closed);
    }
    state.buffer.extend_from_slice(bytes);
    wake(&mut state.readers);
    Ok(())
  }

  /// The writer is done: the reader gets what is left, then the end. Idempotent.
  pub fn close_writer(&self) {
    let mut state = self.lock();
    state.writer_closed = true;
    wake(&mut state.readers);
    wake(&mut state.writers);
  }

  /// The reader is gone: what is buffered is dropped and writes fail from now on. Idempotent.
  pub fn close_reader(&self) {
    let mut state = self.lock();
    state.reader_closed = true;
    state.buffer = Vec::new();
    wake(&mut state.writers);
    wake(&mut state.readers);
  }
}

/// The other end of the pipe is closed.
#[derive(Debug, Clone, Copy)]
pub struct Closed;

/// The guest's end of a piped stdout or stderr.
#[derive(Clone)]
pub struct GuestWriter(pub Pipe);

/// The guest's end of a piped stdin.
#[derive(Clone)]
pub struct GuestReader(pub Pipe);

impl IsTerminal for GuestWriter {
  fn is_terminal(&self) -> bool {
    false
  }
}

impl IsTerminal for GuestReader {
  fn is_terminal(&self) -> bool {
    false
  }
}

impl StdoutStream for GuestWriter {
  fn p2_stream(&self) -> Box<dyn OutputStream> {
    Box::new(self.clone())
  }

  fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
    Box::new(self.clone())
  }
}

impl StdinStream for GuestReader {
  fn p2_stream(&self) -> Box<dyn InputStream> {
    Box::new(self.clone())
  }

  fn async_stream(&self) -> Box<dyn AsyncRead + Send + Sync> {
    Box::new(self.clone())
  }
}

#[async_trait::async_trait]
impl Pollable for GuestWriter {
  /// Ready when there is room, or when the reader has closed (the write then fails).
  async fn ready(&mut self) {
    let _ = poll_fn(|cx| self.0.poll_room(cx)).await;
  }
}

impl OutputStream for GuestWriter {
  fn write(&mut self, bytes: Bytes) -> Result<(), StreamError> {
    self.0.append(&bytes).map_err(|Closed| StreamError::Closed)
  }

  fn flush(&mut self) -> Result<(), StreamError> {
    Ok(())
  }

  fn check_write(&mut self) -> Result<usize, StreamError> {
    let state = self.0.lock();
    if state.reader_closed || state.writer_closed {
      return Err(StreamError::Closed);
    }
    Ok(PIPE_CAP.saturating_sub(state.buffer.len()))
  }
}

impl AsyncWrite for GuestWriter {
  fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
    match self.0.poll_room(cx) {
      Poll::Ready(Ok(room)) => {
        let n = room.min(buf.len());
        Poll::Ready(self.0.append(&buf[..n]).map(|()| n).map_err(|Closed| io::ErrorKind::BrokenPipe.into()))
      }
      Poll::Ready(Err(Closed)) => Poll::Ready(Err(io::ErrorKind::BrokenPipe.into())),
      Poll::Pending => Poll::Pending,
    }
  }

  fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
    Poll::Ready(Ok(()))
  }

  fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
    Poll::Ready(Ok(()))
  }
}

#[async_trait::async_trait]
impl Pollable for GuestReader {
  /// Ready when there are bytes to read or the input has ended.
  async fn ready(&mut self) {
    poll_fn(|cx| {
      let mut state = self.0.lock();
      if !state.buffer.is_empty() || state.writer_closed || state.reader_closed {
        return Poll::Ready(());
      }
      park(&mut state.readers, cx.waker());
      Poll::Pending
    })
    .await;
  }
}

impl InputStream for GuestReader {
  fn read(&mut self, size: usize) -> Result<Bytes, StreamError> {
    let mut state = self.0.lock();
    if state.buffer.is_empty() {
      return if state.writer_closed || state.reader_closed { Err(StreamError::Closed) } else { Ok(Bytes::new()) };
    }
    let n = size.min(state.buffer.len());
    let bytes = Bytes::from(state.buffer.drain(..n).collect::<Vec<u8>>());
    wake(&mut state.writers);
    Ok(bytes)
  }
}

impl AsyncRead for GuestReader {
  fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
    match self.0.poll_read(cx, buf.remaining()) {
      Poll::Ready(Some(bytes)) => {
        buf.put_slice(&bytes);
        Poll::Ready(Ok(()))
      }
      // The end: no bytes put.
      Poll::Ready(None) => Poll::Ready(Ok(())),
      Poll::Pending => Poll::Pending,
    }
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[tokio::test]
  async fn a_full_pipe_makes_the_writer_wait_and_the_end_follows_the_bytes() {
    let pipe = Pipe::default();
    let writer = pipe.clone();
    let task = tokio::spawn(async move {
      writer.write_all(&vec![7; PIPE_CAP * 3]).await.unwrap();
      writer.close_writer();
    });
    let mut total = 0;
    while let Some(chunk) = pipe.read(PIPE_CAP).await {
      assert!(chunk.len() <= PIPE_CAP, "a read never holds more than the cap");
      total += chunk.len();
    }
    task.await.unwrap();
    assert_eq!(total, PIPE_CAP * 3);
  }

  #[tokio::test]
  async fn two_waiting_reads_both_wake() {
    let pipe = Pipe::default();
    let (a, b) = (pipe.clone(), pipe.clone());
    let first = tokio::spawn(async move { a.read(1).await });
    let second = tokio::spawn(async move { b.read(1).await });
    tokio::task::yield_now().await;
    pipe.write_all(b"xy").await.unwrap();
    pipe.close_writer();
    let mut got = vec![first.await.unwrap(), second.await.unwrap()];
    got.sort();
    assert_eq!(got, vec![Some(b"x".to_vec()), Some(b"y".to_vec())]);
  }

  #[tokio::test]
  async fn writes_fail_once_the_reader_closed() {
    let pipe = Pipe::default();
    pipe.close_reader();
    assert!(pipe.write_all(b"x").await.is_err());
    let mut guest = GuestWriter(pipe.clone());
    assert!(matches!(guest.check_write(), Err(StreamError::Closed)));
  }
}
