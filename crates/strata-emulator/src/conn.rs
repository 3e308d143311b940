//! Connections that a handler can cut, so that an answer can be dropped for real: the client
//! sees its connection closed without a response, after the server did the work.
//!
//! [`Listener`] wraps the TCP listener (or, with TLS, the connections whose handshake finished); each accepted [`Conn`] carries a shared flag, which
//! handlers reach as `ConnectInfo<CutSwitch>`. Once the flag is set, every write to the
//! connection fails, so the HTTP server gives up on the response and closes the socket
//! before a byte of it is sent.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum::extract::connect_info::Connected;
use axum::serve::IncomingStream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::server::TlsStream;

pub(crate) enum Listener {
    /// Plain http.
    Plain(TcpListener),
    /// https: connections whose handshake finished, from `tls::accept_loop`.
    Tls {
        ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
        addr: SocketAddr,
    },
}

impl axum::serve::Listener for Listener {
    type Io = Conn;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Conn, SocketAddr) {
        match self {
            Listener::Plain(listener) => loop {
                match TcpListener::accept(listener).await {
                    Ok((stream, addr)) => {
                        // Small answers go out at once rather than waiting for more to send.
                        let _ = stream.set_nodelay(true);
                        return (Conn::new(Stream::Plain(stream)), addr);
                    }
                    Err(e) => {
                        // Out of file descriptors and the like: wait rather than spin.
                        tracing::warn!(error = %e, "the emulator cannot accept a connection");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    }
                }
            },
            Listener::Tls { ready, .. } => match ready.recv().await {
                Some((stream, addr)) => (Conn::new(Stream::Tls(Box::new(stream))), addr),
                // The accept loop ended (it never does while the runtime runs): serve no more.
                None => std::future::pending().await,
            },
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        match self {
            Listener::Plain(listener) => listener.local_addr(),
            Listener::Tls { addr, .. } => Ok(*addr),
        }
    }
}

/// The byte stream under a connection: TCP, or TLS over TCP.
pub(crate) enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Stream::Plain(s) => s.is_write_vectored(),
            Stream::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// A connection with a cut switch.
pub(crate) struct Conn {
    stream: Stream,
    cut: Arc<AtomicBool>,
}

impl Conn {
    fn new(stream: Stream) -> Conn {
        Conn {
            stream,
            cut: Arc::new(AtomicBool::new(false)),
        }
    }

    fn is_cut(&self) -> bool {
        self.cut.load(Ordering::SeqCst)
    }
}

fn cut_error() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "answer dropped by fault injection",
    )
}

impl AsyncRead for Conn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Conn {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.is_cut() {
            return Poll::Ready(Err(cut_error()));
        }
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.is_cut() {
            return Poll::Ready(Err(cut_error()));
        }
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.is_cut() {
            return Poll::Ready(Err(cut_error()));
        }
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// A handler's hold on its connection's cut switch.
#[derive(Clone, Debug)]
pub(crate) struct CutSwitch(Arc<AtomicBool>);

impl CutSwitch {
    /// Drops the answer of the current request (and closes the connection).
    pub fn cut(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

impl Connected<IncomingStream<'_, Listener>> for CutSwitch {
    fn connect_info(stream: IncomingStream<'_, Listener>) -> Self {
        CutSwitch(stream.io().cut.clone())
    }
}
