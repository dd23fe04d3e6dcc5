//! Cost of one freeze + thaw of an environment's cgroup v1, as every warm invocation pays it,
//! without and with the frozen anchor cgroup that [`emulator::cgroup::FreezerAnchor`] keeps.
//!
//! ```sh
//! cargo bench -p emulator --bench freezer                 # 2,000 pairs each
//! cargo bench -p emulator --bench freezer -- --pairs 5000
//! ```
//!
//! The v1 freezer switches a kernel static key when the host's first cgroup starts freezing
//! and when the last one thaws; the anchor keeps it switched on. Prints p50 / p99 / mean in
//! microseconds. Needs a writable cgroup v1 freezer (root); says so and exits otherwise. Any
//! other frozen cgroup on the host (another emulator's anchor) makes the first figure fast too.

mod support;

use std::os::unix::fs::FileExt as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use emulator::cgroup::{CGROUP_PARENT, CgroupMode, CgroupRoot, Isolation};
use support::summarize;

fn time_pairs(pairs: usize, mut pair: impl FnMut()) -> Vec<f64> {
    for _ in 0..100 {
        pair();
    }
    (0..pairs)
        .map(|_| {
            let start = Instant::now();
            pair();
            start.elapsed().as_secs_f64() * 1e6
        })
        .collect()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut pairs = 2_000usize;
    while let Some(arg) = args.next() {
        if arg == "--pairs" {
            pairs = args
                .next()
                .and_then(|v| v.parse().ok())
                .expect("--pairs takes a number");
        }
    }
    let root = match CgroupRoot::detect(CgroupMode::V1) {
        Ok(root) if root.isolation() == Isolation::CgroupV1 => root,
        Ok(_) | Err(_) => {
            println!("no writable cgroup v1 freezer here: nothing to measure");
            return;
        }
    };
    let parent = Path::new("/sys/fs/cgroup/freezer").join(CGROUP_PARENT);
    let others: Vec<String> = std::fs::read_dir(&parent)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("-anchor-"))
        .collect();
    if !others.is_empty() {
        println!("note: other anchors exist ({others:?}): the first figure is not the bare cost");
    }
    let mut child = Command::new("sleep")
        .arg("600")
        .stdin(Stdio::null())
        .spawn()
        .expect("sleep starts");
    let pid = child.id().to_string();

    // A bare cgroup with the process in it and nothing else frozen.
    let bare = parent.join(format!("{}-bench", std::process::id()));
    std::fs::create_dir(&bare).expect("a cgroup can be made");
    std::fs::write(bare.join("cgroup.procs"), &pid).expect("the process joins it");
    let state = std::fs::OpenOptions::new()
        .write(true)
        .open(bare.join("freezer.state"))
        .expect("freezer.state opens");
    let without = time_pairs(pairs, || {
        state.write_all_at(b"FROZEN", 0).expect("freezes");
        state.write_all_at(b"THAWED", 0).expect("thaws");
    });
    drop(state);

    // The same process in an environment cgroup made as the emulator makes it.
    let cgroup = root
        .create(&format!("{}-bench-env", std::process::id()), 1769)
        .expect("an environment cgroup can be made")
        .expect("cgroup v1 gives a cgroup");
    for dir in cgroup.dirs() {
        std::fs::write(dir.join("cgroup.procs"), &pid).expect("the process joins it");
    }
    let with = time_pairs(pairs, || {
        cgroup.freeze().expect("freezes");
        cgroup.thaw().expect("thaws");
    });

    let _ = child.kill();
    let _ = child.wait();
    drop(cgroup);
    let _ = std::fs::remove_dir(&bare);
    summarize("freeze + thaw, no other cgroup frozen", without);
    summarize("freeze + thaw, with the emulator's anchor", with);
}
