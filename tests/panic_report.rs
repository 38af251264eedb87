//! A panic in the app: the real `tend demo` in a pseudo-terminal, made to panic
//! with its screen up (`TEND_DEBUG_PANIC_AFTER_MS`, debug builds only). The
//! terminal must be restored (mouse, alternate screen, cursor, raw mode) before
//! color-eyre's report prints, the report must say what and where, hold nothing of
//! the environment (a token in `TEND_TOKEN`), and the exit code is 1.

#![cfg(all(unix, debug_assertions))]

use std::io::Read;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, MasterPty, PtySize, native_pty_system};

const SECRET: &str = "tend_0123456789abcdef0123456789abcdef_not_to_be_printed";

fn modes(master: &dyn MasterPty) -> String {
    let t = master.get_termios().expect("termios of the pty");
    format!(
        "{:?} {:?} {:?} {:?}",
        t.input_flags, t.output_flags, t.control_flags, t.local_flags
    )
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The private modes (`ESC [ ? N h/l`) in their last state.
fn last_modes(raw: &[u8]) -> std::collections::BTreeMap<u32, bool> {
    let mut last = std::collections::BTreeMap::new();
    let mut i = 0;
    while let Some(at) = find(&raw[i..], b"\x1b[?") {
        let start = i + at + 3;
        let Some(end) = raw[start..]
            .iter()
            .position(|b| !(b.is_ascii_digit() || *b == b';'))
            .map(|k| start + k)
        else {
            break;
        };
        let set = match raw[end] {
            b'h' => Some(true),
            b'l' => Some(false),
            _ => None,
        };
        if let Some(set) = set {
            for p in String::from_utf8_lossy(&raw[start..end])
                .split(';')
                .filter_map(|p| p.parse().ok())
            {
                last.insert(p, set);
            }
        }
        i = end;
    }
    last
}

/// Whether `raw` sets a graphic rendition (colour, bold): `ESC [ params m`.
fn has_sgr(raw: &[u8]) -> bool {
    let mut i = 0;
    while let Some(at) = find(&raw[i..], b"\x1b[") {
        let start = i + at + 2;
        let Some(end) = raw[start..]
            .iter()
            .position(|b| (0x40..=0x7e).contains(b))
            .map(|k| start + k)
        else {
            return false;
        };
        if raw[end] == b'm' {
            return true;
        }
        i = end;
    }
    false
}

#[test]
fn a_panic_prints_its_report_on_a_restored_terminal() {
    let home = tempfile::tempdir().expect("temp dir");
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 24,
            cols: 80,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("open a pty");
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_tend"));
    cmd.arg("demo");
    cmd.cwd(env!("CARGO_MANIFEST_DIR"));
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy();
        if k == "COLORTERM" || k.starts_with("TEND_") {
            cmd.env_remove(k.as_ref());
        }
    }
    cmd.env("TERM", "xterm-256color");
    cmd.env("NO_COLOR", "1");
    cmd.env("RUST_BACKTRACE", "1");
    cmd.env("XDG_CONFIG_HOME", home.path().join("config"));
    cmd.env("XDG_STATE_HOME", home.path().join("state"));
    cmd.env("XDG_DATA_HOME", home.path().join("data"));
    cmd.env("TEND_TOKEN", SECRET);
    // Long enough for the app to have taken the screen (its first frame shows
    // before the demo store is built).
    cmd.env("TEND_DEBUG_PANIC_AFTER_MS", "3000");
    let before = modes(pair.master.as_ref());
    let mut child = pair.slave.spawn_command(cmd).expect("spawn tend demo");
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().expect("pty reader");
    let raw = Arc::new(Mutex::new(Vec::<u8>::new()));
    let done = {
        let raw = raw.clone();
        thread::spawn(move || {
            let mut buf = [0u8; 16 * 1024];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                raw.lock().expect("lock").extend_from_slice(&buf[..n]);
            }
        })
    };
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!(
                "the app did not exit after its panic; it wrote:\n{}",
                String::from_utf8_lossy(&raw.lock().expect("lock"))
            );
        }
        thread::sleep(Duration::from_millis(50));
    };
    let after = modes(pair.master.as_ref());
    drop(pair.master);
    let _ = done.join();
    let raw = raw.lock().expect("lock").clone();
    let text = String::from_utf8_lossy(&raw).to_string();

    assert_eq!(status.exit_code(), 1, "{status:?}; it wrote:\n{text}");
    let report = find(&raw, b"The application panicked")
        .unwrap_or_else(|| panic!("no panic report; it wrote:\n{text}"));
    let (screen, report_text) = raw.split_at(report);
    let report_text = String::from_utf8_lossy(report_text);
    // Before the report: the app had the screen, and gave everything back.
    assert!(
        find(screen, b"\x1b[?1049h").is_some(),
        "the app never took the screen before the panic:\n{text}"
    );
    let left: Vec<_> = last_modes(screen)
        .into_iter()
        .filter(|(mode, set)| *set != (*mode == 25))
        .collect();
    assert!(
        left.is_empty(),
        "modes (mode, on) not restored before the report: {left:?}\n{text}"
    );
    assert_eq!(before, after, "raw mode was not restored");
    // The report: what, where, the log; nothing after it redraws the app.
    assert!(
        report_text.contains("TEND_DEBUG_PANIC_AFTER_MS") && report_text.contains("src/main.rs"),
        "{report_text}"
    );
    assert!(report_text.contains("The log is"), "{report_text}");
    assert!(
        find(report_text.as_bytes(), b"\x1b[?1049h").is_none(),
        "{report_text}"
    );
    assert!(
        !has_sgr(report_text.as_bytes()),
        "colour under NO_COLOR: {report_text:?}"
    );
    // Nothing of the environment.
    assert!(!text.contains(SECRET), "the token was printed:\n{text}");
}
