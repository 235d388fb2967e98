//! Reading and writing file contents for `dav_server`. A write streams the request body
//! into the drive's upload through a small channel (so memory stays bounded) and commits
//! only when `dav_server` flushes after the whole body arrived; a request that breaks off
//! before then leaves nothing behind.

use std::io::SeekFrom;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bytes::{Buf, Bytes};
use dav_server::fs::{DavFile, DavMetaData, FsError, FsFuture};
use futures_util::{FutureExt, StreamExt};
use tavle_app::access::Reached;
use tavle_app::content::Download;
use tavle_app::documents::MAX_PUT;
use tavle_app::drive::ByteStream;
use tavle_app::AppError;
use tavle_app::AppResult;
use tavle_core::drive::Node;
use tavle_core::NodeId;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::context::{read_error, Context, NodeMeta};

/// A file opened for reading: ranges and seeks read from the blob at the right offset.
pub(crate) struct Reader {
    dl: Download,
    meta: NodeMeta,
    pos: u64,
    /// In a mutex only because `DavFile` must be `Sync`; reached through `get_mut`, never
    /// locked.
    stream: std::sync::Mutex<Option<ByteStream>>,
    buf: Bytes,
}

impl std::fmt::Debug for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader").field("pos", &self.pos).finish()
    }
}

impl Reader {
    pub fn new(dl: Download, meta: NodeMeta) -> Self {
        Reader { dl, meta, pos: 0, stream: std::sync::Mutex::new(None), buf: Bytes::new() }
    }
}

impl DavFile for Reader {
    fn metadata(&mut self) -> FsFuture<'_, Box<dyn DavMetaData>> {
        let meta: Box<dyn DavMetaData> = Box::new(self.meta.clone());
        Box::pin(async move { Ok(meta) })
    }

    fn write_buf(&mut self, _buf: Box<dyn Buf + Send>) -> FsFuture<'_, ()> {
        Box::pin(async { Err(FsError::Forbidden) })
    }

    fn write_bytes(&mut self, _buf: Bytes) -> FsFuture<'_, ()> {
        Box::pin(async { Err(FsError::Forbidden) })
    }

    fn read_bytes(&mut self, count: usize) -> FsFuture<'_, Bytes> {
        async move {
            loop {
                if !self.buf.is_empty() {
                    let n = count.min(self.buf.len());
                    self.pos += n as u64;
                    return Ok(self.buf.split_to(n));
                }
                if self.pos >= self.dl.size {
                    return Ok(Bytes::new());
                }
                let (dl, pos) = (&self.dl, self.pos);
                let stream = self.stream.get_mut().map_err(|_| FsError::GeneralFailure)?;
                if stream.is_none() {
                    *stream = Some(dl.read(Some(pos..dl.size)).await.map_err(read_error)?);
                }
                let next = match stream.as_mut() {
                    Some(s) => s.next().await,
                    None => None,
                };
                match next {
                    Some(Ok(chunk)) => self.buf = chunk,
                    Some(Err(e)) => {
                        tracing::error!(error = %e, "reading a blob failed");
                        return Err(FsError::GeneralFailure);
                    }
                    None => return Ok(Bytes::new()),
                }
            }
        }
        .boxed()
    }

    fn seek(&mut self, pos: SeekFrom) -> FsFuture<'_, u64> {
        let new = match pos {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.dl.size.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        Box::pin(async move {
            let new = new.ok_or(FsError::GeneralFailure)?;
            if new != self.pos {
                self.pos = new;
                if let Ok(s) = self.stream.get_mut() {
                    *s = None;
                }
                self.buf = Bytes::new();
            }
            Ok(new)
        })
    }

    fn flush(&mut self) -> FsFuture<'_, ()> {
        Box::pin(async { Ok(()) })
    }
}

/// A file opened for writing: the upload runs as its own task, fed through a channel.
pub(crate) struct Writer {
    cx: Arc<Context>,
    tx: Option<mpsc::Sender<Bytes>>,
    finished: Arc<AtomicBool>,
    task: Option<JoinHandle<AppResult<Node>>>,
    written: u64,
    expected: Option<u64>,
    done: Option<Node>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").field("written", &self.written).finish()
    }
}

impl Writer {
    /// Starts the upload of `name` into `parent`, under the client's own conditions (an
    /// `If-Match` checked again when the upload is recorded, so a change by someone else in
    /// between is not silently lost).
    pub fn start(cx: Arc<Context>, parent: Reached, name: String, expected: Option<u64>) -> Self {
        let (tx, rx) = mpsc::channel::<Bytes>(4);
        let finished = Arc::new(AtomicBool::new(false));
        // The body ends cleanly only when the writer was flushed; otherwise the upload sees
        // an error and keeps nothing.
        let body = futures_util::stream::unfold((rx, finished.clone(), false), |(mut rx, fin, ended)| async move {
            if ended {
                return None;
            }
            match rx.recv().await {
                Some(b) => Some((Ok(b), (rx, fin, false))),
                None if fin.load(Ordering::SeqCst) => None,
                None => Some((Err("the request ended before the whole file arrived"), (rx, fin, true))),
            }
        });
        let cond = cx.conditions.clone();
        let task_cx = cx.clone();
        let task = tokio::spawn(async move {
            let cx = task_cx;
            cx.app.drive().upload_to(&cx.session, &parent, &name, body, &cond, cx.mtime).await.map(|u| u.node)
        });
        Writer { cx, tx: Some(tx), finished, task: Some(task), written: 0, expected, done: None }
    }

    /// Starts saving a file over a Tavle document (its `.odt`): the body is gathered (up to
    /// `documents::MAX_PUT`) and, once whole, converted into one change of the document.
    pub fn start_document(cx: Arc<Context>, node: NodeId, expected: Option<u64>) -> Self {
        let (tx, mut rx) = mpsc::channel::<Bytes>(4);
        let finished = Arc::new(AtomicBool::new(false));
        let fin = finished.clone();
        let task_cx = cx.clone();
        let task = tokio::spawn(async move {
            let cx = task_cx;
            let mut body = Vec::new();
            while let Some(b) = rx.recv().await {
                if body.len() as u64 + b.len() as u64 > MAX_PUT {
                    return Err(AppError::TooLarge { what: "A file saved over a document", limit_bytes: MAX_PUT });
                }
                body.extend_from_slice(&b);
            }
            if !fin.load(Ordering::SeqCst) {
                return Err(AppError::UploadInterrupted("the request ended before the whole file arrived".into()));
            }
            let if_match = cx.conditions.if_match.as_deref();
            cx.app.documents().put_file(&cx.session, node, &body, if_match, &cx.meta).await.map(|(n, _)| n)
        });
        Writer { cx, tx: Some(tx), finished, task: Some(task), written: 0, expected, done: None }
    }

    /// The upload's own error, once it has stopped taking bytes.
    async fn failure(&mut self) -> FsError {
        self.tx = None;
        match self.task.take() {
            Some(t) => match t.await {
                Ok(Err(e)) => self.cx.fail(e),
                _ => FsError::GeneralFailure,
            },
            None => FsError::GeneralFailure,
        }
    }
}

impl DavFile for Writer {
    fn metadata(&mut self) -> FsFuture<'_, Box<dyn DavMetaData>> {
        let meta = self.done.as_ref().map(NodeMeta::from);
        Box::pin(async move { meta.map(|m| Box::new(m) as Box<dyn DavMetaData>).ok_or(FsError::NotFound) })
    }

    fn write_buf(&mut self, mut buf: Box<dyn Buf + Send>) -> FsFuture<'_, ()> {
        let bytes = buf.copy_to_bytes(buf.remaining());
        self.write_bytes(bytes)
    }

    fn write_bytes(&mut self, buf: Bytes) -> FsFuture<'_, ()> {
        async move {
            self.written += buf.len() as u64;
            let sent = match &self.tx {
                Some(tx) => tx.send(buf).await.is_ok(),
                None => false,
            };
            if sent {
                Ok(())
            } else {
                Err(self.failure().await)
            }
        }
        .boxed()
    }

    fn read_bytes(&mut self, _count: usize) -> FsFuture<'_, Bytes> {
        Box::pin(async { Err(FsError::NotImplemented) })
    }

    fn seek(&mut self, pos: SeekFrom) -> FsFuture<'_, u64> {
        // Writing at an offset (a partial PUT) is not offered: files are written whole.
        let at_start = matches!(pos, SeekFrom::Start(0)) && self.written == 0;
        Box::pin(async move {
            if at_start {
                Ok(0)
            } else {
                Err(FsError::NotImplemented)
            }
        })
    }

    fn flush(&mut self) -> FsFuture<'_, ()> {
        async move {
            if self.done.is_some() {
                return Ok(());
            }
            if self.expected.is_none_or(|n| n == self.written) {
                self.finished.store(true, Ordering::SeqCst);
            }
            self.tx = None;
            let task = self.task.take().ok_or(FsError::GeneralFailure)?;
            match task.await {
                Ok(Ok(node)) => {
                    if let Ok(mut w) = self.cx.written.lock() {
                        *w = Some(node.clone());
                    }
                    self.done = Some(node);
                    Ok(())
                }
                Ok(Err(e)) => Err(self.cx.fail(e)),
                Err(_) => Err(FsError::GeneralFailure),
            }
        }
        .boxed()
    }
}
