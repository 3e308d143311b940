//! A real Azurite (Microsoft's Azure Storage emulator) for the tests, on loopback.
//!
//! The binary comes from `$STRATA_AZURITE_BIN`, else `<workspace>/node_modules/.bin/azurite-blob`
//! (installed by `./scripts/test.sh`). Each test binary shares one instance: [`shared`] hands
//! out references, and the process is killed (and waited for) when the last one is dropped.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// Azurite's well-known development account.
pub const ACCOUNT: &str = "devstoreaccount1";
pub const KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

pub struct Azurite {
    child: Child,
    port: u16,
    tls: bool,
}

impl Azurite {
    /// The blob service URL (path-style, as emulators use).
    pub fn endpoint(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}/{ACCOUNT}", self.port)
    }

    /// An instance of its own serving HTTPS with the certificate and key in these PEM files
    /// (for tests of certificate errors: a self-signed certificate this machine does not trust).
    pub fn start_tls(cert: &std::path::Path, key: &std::path::Path) -> Azurite {
        let bin = binary();
        let port = free_port();
        let mut child = Command::new(&bin)
            .args(["--blobHost", "127.0.0.1", "--blobPort", &port.to_string()])
            .args(["--inMemoryPersistence", "--skipApiVersionCheck", "--loose"])
            .args(["--disableTelemetry", "--silent"])
            .arg("--cert")
            .arg(cert)
            .arg("--key")
            .arg(key)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start Azurite at {}: {e}", bin.display()));
        let deadline = Instant::now() + Duration::from_secs(60);
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        while TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err() {
            if Instant::now() > deadline || matches!(child.try_wait(), Ok(Some(_))) {
                let _ = child.kill();
                let _ = child.wait();
                panic!("Azurite with TLS did not start on port {port}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Azurite {
            child,
            port,
            tls: true,
        }
    }

    fn start() -> Azurite {
        let bin = binary();
        // A free port can be taken between probing and Azurite binding it: try a few.
        let mut last_error = String::new();
        for _ in 0..3 {
            let port = free_port();
            let mut child = Command::new(&bin)
                .args(["--blobHost", "127.0.0.1", "--blobPort", &port.to_string()])
                .args(["--inMemoryPersistence", "--skipApiVersionCheck", "--loose"])
                .args(["--disableTelemetry", "--silent"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start Azurite at {}: {e}", bin.display()));
            match wait_until_answering(&mut child, port) {
                Ok(()) => {
                    return Azurite {
                        child,
                        port,
                        tls: false,
                    };
                }
                Err(e) => {
                    last_error = e;
                    let _ = child.kill();
                    let _ = child.wait();
                }
            }
        }
        panic!("Azurite did not start: {last_error}");
    }
}

impl Drop for Azurite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The binary's instance, started on first use and stopped when no test holds it.
pub fn shared() -> Arc<Azurite> {
    static SHARED: Mutex<Weak<Azurite>> = Mutex::new(Weak::new());
    let mut slot = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(a) = slot.upgrade() {
        return a;
    }
    let a = Arc::new(Azurite::start());
    *slot = Arc::downgrade(&a);
    a
}

fn binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("STRATA_AZURITE_BIN").filter(|b| !b.is_empty()) {
        return PathBuf::from(bin);
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("..");
    let bin = root.join("node_modules").join(".bin").join("azurite-blob");
    assert!(
        bin.exists(),
        "Azurite is not installed ({} is missing): run ./scripts/test.sh, which installs Azurite",
        bin.display()
    );
    bin
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("local address").port()
}

/// Polls until the port answers HTTP, or the process exits, or a generous deadline passes
/// (Azurite starts in one to two seconds; a busy machine can take much longer).
fn wait_until_answering(child: &mut Child, port: u16) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            return Err(format!("it exited with {status}: {err}"));
        }
        if answers_http(addr) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(format!("nothing answered on port {port} within a minute"))
}

fn answers_http(addr: SocketAddr) -> bool {
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut buf = [0u8; 12];
    matches!(s.read(&mut buf), Ok(n) if n >= 5 && buf.starts_with(b"HTTP/"))
}
