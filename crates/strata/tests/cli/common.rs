//! The shared test context.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value as Json;
use std::process::Command;
use tempfile::TempDir;

pub const SUB: &str = "00000000-0000-0000-0000-00000000a001";

/// A stack in a temporary folder, and optionally an emulator the test can inspect.
pub struct Ctx {
    pub dir: TempDir,
    pub emulator: Option<Emu>,
}

pub struct Emu {
    pub rt: tokio::runtime::Runtime,
    pub handle: Option<strata_emulator::EmulatorHandle>,
    pub endpoint: String,
}

impl Drop for Emu {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            self.rt.block_on(h.shutdown());
        }
    }
}

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/shop")
}

/// Copies the stack's `.hcl` files (and its folders', except hidden ones such as `.strata`):
/// tests never run in `examples/` itself, and nothing else there (a state, a plan, an editor's
/// file) reaches them.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else if entry.path().extension().is_some_and(|x| x == "hcl") {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

impl Ctx {
    /// The example stack, run against the embedded emulator (no latency).
    pub fn example() -> Ctx {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&example_dir(), dir.path());
        Ctx { dir, emulator: None }
    }

    /// Only the example's first two layers (resource group and network), against an emulator
    /// in this process: for tests about the engine rather than the estate.
    pub fn network_only() -> Ctx {
        let ctx = Ctx::example_with_emulator();
        for f in ["compute.hcl", "data.hcl", "edge.hcl", "monitoring.hcl"] {
            let _ = std::fs::remove_file(ctx.path().join(f));
        }
        ctx.write(
            "outputs.hcl",
            "output \"vnet_id\" {\n  value = module.network.vnet_id\n}\n\noutput \"subnet_ids\" {\n  value = module.network.subnet_ids\n}\n",
        );
        ctx
    }

    /// The example stack, against an emulator in this process the test can reach.
    pub fn example_with_emulator() -> Ctx {
        let mut ctx = Ctx::example();
        ctx.start_emulator(strata_emulator::Latency::none());
        ctx
    }

    /// An empty stack with the given files.
    pub fn with_files(files: &[(&str, &str)]) -> Ctx {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let p = dir.path().join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        Ctx { dir, emulator: None }
    }

    pub fn start_emulator(&mut self, latency: strata_emulator::Latency) {
        let config = strata_emulator::EmulatorConfig {
            latency,
            strict_bodies: true,
            strict_api_versions: true,
            ..Default::default()
        };
        self.start_emulator_with(config);
    }

    pub fn start_emulator_with(&mut self, config: strata_emulator::EmulatorConfig) {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let handle = rt.block_on(strata_emulator::start(config)).unwrap();
        let endpoint = handle.endpoint();
        self.emulator = Some(Emu {
            rt,
            handle: Some(handle),
            endpoint,
        });
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, name: &str, text: &str) {
        std::fs::write(self.path().join(name), text).unwrap();
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path().join(name)).unwrap()
    }

    /// Replaces `from` with `to` in a stack file; panics if `from` is absent.
    pub fn edit(&self, name: &str, from: &str, to: &str) {
        let text = self.read(name);
        assert!(text.contains(from), "{name} does not contain {from:?}");
        self.write(name, &text.replacen(from, to, 1));
    }

    pub fn cmd(&self) -> Command {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("strata"));
        cmd.current_dir(self.path());
        cmd.env("NO_COLOR", "1");
        cmd.env("STRATA_EMULATOR_LATENCY", "0ms");
        // Every body strata sends in the suite must be one Azure publishes: the emulators
        // refuse anything Azure would ignore.
        cmd.env("STRATA_EMULATOR_STRICT", "1");
        cmd.env_remove("STRATA_ARM_ENDPOINT");
        cmd.env_remove("ARM_ACCESS_TOKEN");
        if let Some(e) = &self.emulator {
            cmd.env("STRATA_ARM_ENDPOINT", &e.endpoint);
        }
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let out = self.cmd().args(args).output().unwrap();
        Run::from(out)
    }

    /// Runs and asserts exit code 0.
    pub fn ok(&self, args: &[&str]) -> Run {
        let r = self.run(args);
        assert_eq!(r.code, 0, "strata {args:?} failed:\n{}", r.all());
        r
    }

    /// The state file of an environment.
    pub fn state(&self, env: &str) -> Json {
        serde_json::from_str(&self.read(&format!(".strata/state/{env}.json"))).unwrap()
    }

    /// ARM GET against the in-process emulator.
    pub fn arm_get(&self, id: &str, api: &str) -> (u16, Json) {
        self.arm("GET", id, api, None)
    }

    pub fn arm(&self, method: &str, id: &str, api: &str, body: Option<Json>) -> (u16, Json) {
        let emu = self.emulator.as_ref().expect("an emulator");
        let url = format!("{}{id}?api-version={api}", emu.endpoint);
        emu.rt.block_on(async {
            let client = reqwest::Client::new();
            let mut req = client.request(method.parse().unwrap(), &url);
            if let Some(b) = body {
                req = req.json(&b);
            }
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap();
            (status, serde_json::from_str(&text).unwrap_or(Json::Null))
        })
    }

    /// Polls GET until it no longer reports a non-terminal provisioning state.
    pub fn arm_settle(&self, id: &str, api: &str) -> (u16, Json) {
        for _ in 0..200 {
            let (s, j) = self.arm_get(id, api);
            let ps = j
                .pointer("/properties/provisioningState")
                .and_then(Json::as_str)
                .unwrap_or("Succeeded");
            if s != 200 || matches!(ps, "Succeeded" | "Failed" | "Canceled") {
                return (s, j);
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        panic!("{id} did not settle");
    }
}

pub fn rg_id(name: &str) -> String {
    format!("/subscriptions/{SUB}/resourceGroups/{name}")
}

pub fn vnet_id() -> String {
    format!(
        "{}/providers/Microsoft.Network/virtualNetworks/vnet-shop-dev",
        rg_id("rg-shop-dev")
    )
}

/// A TCP listener that records whether anything connected: proves nothing was sent to ARM.
pub struct Sentinel {
    listener: TcpListener,
}

impl Sentinel {
    pub fn new() -> Sentinel {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        Sentinel { listener }
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.listener.local_addr().unwrap())
    }

    pub fn contacted(&self) -> bool {
        self.listener.accept().is_ok()
    }
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    pub fn all(&self) -> String {
        format!("--- stdout\n{}\n--- stderr\n{}", self.stdout, self.stderr)
    }
}
