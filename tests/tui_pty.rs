//! The full-screen app as a user meets it: the real `tend demo` in a
//! pseudo-terminal, keys typed into it, the screen read back through a terminal
//! emulator (vt100), and the terminal checked after it quits.
//!
//! Every wait polls the parsed screen with a timeout (no fixed sleeps); a test
//! that fails kills its app and says what the screen showed.

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::process::Command;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

/// How long the first frame may take: `tend demo` builds its store before it
/// draws anything, 6-9 s in a debug build on two busy cores (1.2 s in release).
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a screen may take to show up after a key (tens of ms in practice).
const TIMEOUT: Duration = Duration::from_secs(20);
/// How long the app may take to exit once asked to.
const EXIT_TIMEOUT: Duration = Duration::from_secs(5);
const POLL: Duration = Duration::from_millis(20);

/// One app at a time: each builds the demo store, the machine has two cores, and
/// the timings printed stay meaningful.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// What the app wrote, as bytes and as a screen.
struct Output {
    parser: vt100::Parser,
    raw: Vec<u8>,
    /// The pty gave end-of-file (the app and everything it started are gone).
    closed: bool,
}

/// `tend demo` running in a pty. Dropping it kills the app if it still runs.
struct Tui {
    child: Box<dyn Child + Send + Sync>,
    master: Box<dyn MasterPty + Send>,
    writer: Arc<Mutex<Box<dyn Write + Send>>>,
    out: Arc<Mutex<Output>>,
    started: Instant,
    /// The terminal's modes before the app started (to check they come back).
    modes_before: String,
    home: tempfile::TempDir,
    /// The first app of a test holds the one-at-a-time lock; a second beside it does not.
    _one: Option<MutexGuard<'static, ()>>,
}

/// The account pane's name line and tab bar at 80 columns (below the header, the
/// views bar and the pane's border).
const NAME_ROW: u16 = 3;
const TAB_ROW: u16 = 4;

fn nz(n: u16) -> NonZeroU16 {
    NonZeroU16::new(n).expect("a size above zero")
}

fn size(cols: u16, rows: u16) -> PtySize {
    PtySize {
        rows,
        cols,
        pixel_width: 0,
        pixel_height: 0,
    }
}

/// The termios flags that raw mode changes, as text.
fn modes(master: &dyn MasterPty) -> String {
    let t = master.get_termios().expect("termios of the pty");
    format!(
        "{:?} {:?} {:?} {:?}",
        t.input_flags, t.output_flags, t.control_flags, t.local_flags
    )
}

impl Tui {
    /// Starts `tend demo` in a `cols`x`rows` pty, `env` added to a clean
    /// environment of its own (settings, state and logs in a temp dir).
    fn start(cols: u16, rows: u16, env: &[(&str, &str)]) -> Tui {
        Tui::start_with(&["demo"], cols, rows, env)
    }

    /// Starts `tend ARGS` the same way.
    fn start_with(args: &[&str], cols: u16, rows: u16, env: &[(&str, &str)]) -> Tui {
        let one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        Tui::spawn(args, cols, rows, env, Some(one))
    }

    /// A second app beside one this test already started (it holds the lock).
    fn start_beside(args: &[&str], cols: u16, rows: u16, env: &[(&str, &str)]) -> Tui {
        Tui::spawn(args, cols, rows, env, None)
    }

    fn spawn(
        args: &[&str],
        cols: u16,
        rows: u16,
        env: &[(&str, &str)],
        one: Option<MutexGuard<'static, ()>>,
    ) -> Tui {
        let home = tempfile::tempdir().expect("temp dir");
        let pair = native_pty_system()
            .openpty(size(cols, rows))
            .expect("open a pty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_tend"));
        cmd.args(args);
        cmd.cwd(env!("CARGO_MANIFEST_DIR"));
        // What the test's own environment says about colours and settings stays out.
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy();
            if k == "NO_COLOR" || k == "COLORTERM" || k.starts_with("TEND_") {
                cmd.env_remove(k.as_ref());
            }
        }
        cmd.env("TERM", "xterm-256color");
        cmd.env("XDG_CONFIG_HOME", home.path().join("config"));
        cmd.env("XDG_STATE_HOME", home.path().join("state"));
        cmd.env("XDG_DATA_HOME", home.path().join("data"));
        for (k, v) in env {
            cmd.env(k, v);
        }
        let modes_before = modes(pair.master.as_ref());
        let started = Instant::now();
        let child = pair.slave.spawn_command(cmd).expect("spawn tend demo");
        // The app holds the only other end: its exit gives the reader end-of-file.
        drop(pair.slave);
        let reader = pair.master.try_clone_reader().expect("pty reader");
        let writer = Arc::new(Mutex::new(pair.master.take_writer().expect("pty writer")));
        let out = Arc::new(Mutex::new(Output {
            parser: vt100::Parser::new(nz(rows), nz(cols), 0),
            raw: vec![],
            closed: false,
        }));
        {
            let (out, writer) = (out.clone(), writer.clone());
            thread::spawn(move || read_loop(reader, out, writer));
        }
        Tui {
            child,
            master: pair.master,
            writer,
            out,
            started,
            modes_before,
            home,
            _one: one,
        }
    }

    fn output(&self) -> MutexGuard<'_, Output> {
        self.out.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The screen as text, one line a row.
    fn screen(&self) -> String {
        self.output().parser.screen().contents()
    }

    /// One row of the screen.
    fn row(&self, n: u16) -> String {
        let out = self.output();
        let screen = out.parser.screen();
        let cols = screen.size().1.get();
        screen.rows(0, cols).nth(usize::from(n)).unwrap_or_default()
    }

    /// The text drawn bold or reversed on a row (the current tab on the tab bar).
    fn highlighted(&self, row: u16) -> String {
        let out = self.output();
        let screen = out.parser.screen();
        let cols = screen.size().1.get();
        (0..cols)
            .filter_map(|c| screen.cell(row, c))
            .filter(|c| c.bold() || c.inverse())
            .map(|c| c.contents())
            .collect::<String>()
            .trim()
            .to_string()
    }

    fn raw(&self) -> Vec<u8> {
        self.output().raw.clone()
    }

    /// Polls until the screen passes `check`, or fails with the screen.
    fn wait_until(&self, what: &str, timeout: Duration, check: impl Fn(&Tui) -> bool) -> Duration {
        let start = Instant::now();
        loop {
            if check(self) {
                return start.elapsed();
            }
            let closed = self.output().closed;
            if closed || start.elapsed() > timeout {
                // Once more: the last bytes may have come in meanwhile.
                if check(self) {
                    return start.elapsed();
                }
                panic!(
                    "{} waiting for {what} after {:.1?}; the screen:\n{}\n",
                    if closed {
                        "the app exited"
                    } else {
                        "timed out"
                    },
                    start.elapsed(),
                    framed(&self.screen())
                );
            }
            thread::sleep(POLL);
        }
    }

    /// Polls until the screen shows `text`.
    fn wait_for(&self, text: &str, timeout: Duration) -> Duration {
        self.wait_until(&format!("{text:?}"), timeout, |t| t.screen().contains(text))
    }

    /// Types keys (bytes as a terminal sends them).
    fn send(&self, keys: &str) {
        let mut w = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        w.write_all(keys.as_bytes()).expect("write to the pty");
        w.flush().expect("flush the pty");
    }

    fn resize(&self, cols: u16, rows: u16) {
        self.master
            .resize(size(cols, rows))
            .expect("resize the pty");
        self.output().parser.set_size(nz(rows), nz(cols));
    }

    /// Waits for the app to exit by itself; returns its status and how long it took.
    fn wait_exit(&mut self) -> (portable_pty::ExitStatus, Duration) {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                // Then for the last bytes it wrote.
                while !self.output().closed && start.elapsed() < EXIT_TIMEOUT * 2 {
                    thread::sleep(POLL);
                }
                return (status, start.elapsed());
            }
            assert!(
                start.elapsed() < EXIT_TIMEOUT,
                "the app did not exit within {EXIT_TIMEOUT:?}; the screen:\n{}",
                framed(&self.screen())
            );
            thread::sleep(POLL);
        }
    }

    /// Waits for the portfolio at start; returns (first frame, portfolio) times
    /// from the spawn.
    fn wait_portfolio(&self) -> (Duration, Duration) {
        self.wait_until("a first frame", START_TIMEOUT, |t| {
            t.row(0).contains("tend")
        });
        let first = self.started.elapsed();
        self.wait_until("the portfolio", START_TIMEOUT, |t| {
            let header = t.row(0);
            header.contains("accounts")
                && header.contains("at risk")
                && t.screen().contains("Larkspur Logistics")
                && t.screen().contains("Portfolio")
        });
        let ready = self.started.elapsed();
        eprintln!("first frame after {first:.2?}, the portfolio after {ready:.2?}");
        (first, ready)
    }

    /// From the portfolio to Larkspur Logistics's Interactions tab.
    fn open_larkspur_interactions(&self) {
        self.wait_portfolio();
        self.send("/");
        self.wait_for("filter:", TIMEOUT);
        self.send("lark");
        self.wait_for("/lark", TIMEOUT);
        self.send("\r");
        self.wait_until("Larkspur Logistics's name line", TIMEOUT, |t| {
            let name = t.row(NAME_ROW);
            name.contains("Larkspur Logistics") && name.contains("MRR")
        });
        self.send("2");
        self.wait_for("last touch", TIMEOUT);
    }

    /// The interaction form, kind "call", the subject typed.
    fn start_a_call(&self, subject: &str) {
        self.send("n");
        self.wait_for("Log an interaction", TIMEOUT);
        self.send("c");
        self.wait_for("kind ◂ call ▸", TIMEOUT);
        self.send("\t\t");
        self.send(subject);
        self.wait_for(subject, TIMEOUT);
    }

    /// Quits with `keys` and checks the exit and the terminal left behind.
    fn quit_and_check(&mut self, keys: &str) {
        self.send(keys);
        let (status, took) = self.wait_exit();
        eprintln!("exit after {took:.1?}: {status:?}");
        assert!(
            status.success(),
            "exit status {status:?}; the screen:\n{}",
            framed(&self.screen())
        );
        assert_restored(&self.raw());
        let after = modes(self.master.as_ref());
        assert_eq!(
            self.modes_before, after,
            "the terminal's modes (raw mode) were not restored"
        );
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Reads the app's output until end-of-file, into the raw log and the emulator;
/// answers cursor-position queries as a terminal would.
fn read_loop(
    mut reader: Box<dyn Read + Send>,
    out: Arc<Mutex<Output>>,
    writer: Arc<Mutex<Box<dyn Write + Send>>>,
) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let mut o = out.lock().unwrap_or_else(|e| e.into_inner());
        let from = o.raw.len().saturating_sub(3);
        o.raw.extend_from_slice(&buf[..n]);
        o.parser.process(&buf[..n]);
        let queries = count(&o.raw[from..], b"\x1b[6n");
        if queries > 0 {
            let (row, col) = o.parser.screen().cursor_position();
            drop(o);
            let answer = format!("\x1b[{};{}R", row + 1, col + 1).repeat(queries);
            let mut w = writer.lock().unwrap_or_else(|e| e.into_inner());
            let _ = w.write_all(answer.as_bytes());
            let _ = w.flush();
        }
    }
    out.lock().unwrap_or_else(|e| e.into_inner()).closed = true;
}

fn count(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// The screen in a frame, for failure messages.
fn framed(screen: &str) -> String {
    let lines: Vec<String> = screen.lines().map(|l| format!("|{l}")).collect();
    format!("+--\n{}\n+--", lines.join("\n"))
}

/// The private modes (`ESC [ ? N h/l`) set and reset, in order.
fn private_modes(raw: &[u8]) -> Vec<(u32, bool)> {
    let mut found = vec![];
    let mut i = 0;
    while let Some(at) = raw[i..].windows(3).position(|w| w == b"\x1b[?") {
        let start = i + at + 3;
        let end = raw[start..]
            .iter()
            .position(|b| !(b.is_ascii_digit() || *b == b';'))
            .map(|k| start + k);
        let Some(end) = end else { break };
        let set = match raw[end] {
            b'h' => Some(true),
            b'l' => Some(false),
            _ => None,
        };
        if let Some(set) = set {
            let params = String::from_utf8_lossy(&raw[start..end]);
            for p in params.split(';').filter_map(|p| p.parse().ok()) {
                found.push((p, set));
            }
        }
        i = end;
    }
    found
}

/// What the app left unrestored: the alternate screen not left after it was
/// entered, the cursor hidden, mouse capture or any other mode it set still on.
fn unrestored(raw: &[u8]) -> Vec<String> {
    let mut problems = vec![];
    match (rfind(raw, b"\x1b[?1049h"), rfind(raw, b"\x1b[?1049l")) {
        (None, _) => problems.push("the alternate screen was never entered".to_string()),
        (Some(enter), leave) if leave.is_none_or(|l| l < enter) => {
            problems.push("the alternate screen is not left after it was entered".into())
        }
        _ => {}
    }
    let show = rfind(raw, b"\x1b[?25h");
    let hide = rfind(raw, b"\x1b[?25l");
    let shown = show.is_some_and(|s| hide.is_none_or(|h| s > h));
    if !shown {
        problems.push("the cursor is not shown again".into());
    }
    // Every mode in its final state: mouse modes (1000, 1002, 1003, 1006, 1015),
    // bracketed paste, synchronized updates... off; the cursor (25) on.
    let mut last = std::collections::BTreeMap::new();
    for (mode, set) in private_modes(raw) {
        last.insert(mode, set);
    }
    for (mode, set) in last {
        if set != (mode == 25) {
            problems.push(format!(
                "private mode {mode} is left {}",
                if set { "on" } else { "off" }
            ));
        }
    }
    problems
}

fn assert_restored(raw: &[u8]) {
    let problems = unrestored(raw);
    assert!(
        problems.is_empty(),
        "{}; the output ends with {:?}",
        problems.join("; "),
        String::from_utf8_lossy(&raw[raw.len().saturating_sub(400)..])
    );
}

/// The SGR parameters that set a foreground or background colour, if any, with
/// their sequence.
fn colour_codes(raw: &[u8]) -> Vec<String> {
    let mut found = vec![];
    let mut i = 0;
    while let Some(at) = raw[i..].windows(2).position(|w| w == b"\x1b[") {
        let start = i + at + 2;
        let end = raw[start..]
            .iter()
            .position(|b| (0x40..=0x7e).contains(b))
            .map(|k| start + k);
        let Some(end) = end else { break };
        if raw[end] == b'm' {
            let params = String::from_utf8_lossy(&raw[start..end]);
            let colour = params.split(';').any(|p| {
                let head = p.split(':').next().unwrap_or("");
                matches!(
                    head.parse::<u32>(),
                    Ok(30..=38 | 40..=48 | 90..=97 | 100..=107)
                )
            });
            if colour {
                found.push(format!("ESC[{params}m"));
            }
        }
        i = end;
    }
    found
}

#[test]
fn a_user_walks_through_the_demo_and_quits() {
    let mut tui = Tui::start(80, 24, &[]);
    tui.wait_portfolio();

    // Filter the portfolio and open the account.
    tui.send("/");
    tui.wait_for("filter:", TIMEOUT);
    tui.send("lark");
    tui.wait_for("/lark", TIMEOUT);
    tui.send("\r");
    tui.wait_until("Larkspur Logistics's name line", TIMEOUT, |t| {
        let name = t.row(NAME_ROW);
        name.contains("Larkspur Logistics") && name.contains("MRR")
    });
    tui.wait_until("the Overview tab", TIMEOUT, |t| {
        t.highlighted(TAB_ROW) == "1 Overview" && t.screen().contains("KPIs")
    });

    // Every tab, by Tab, then back round to the first.
    let tabs: [(&str, &[&str]); 14] = [
        ("2 Interactions", &["last touch", "f: kind"]),
        ("3 Usage", &["connections per week"]),
        ("4 Contacts", &["LAST TOUCH", "LAST ACTIVE"]),
        ("5 Agreements", &["AGREEMENT", "f: status"]),
        ("6 Opportunities", &["OPPORTUNITY", "WEIGHTED"]),
        ("7 Tasks", &["┌ todo", "┌ doing", "┌ done"]),
        ("8 Playbooks", &["RUN", "┌ steps"]),
        ("9 Support", &["cases by month", "PRIORITY"]),
        ("0 NPS", &["SCORE", "COMMENT"]),
        ("- Health", &["What pulls it down", "MEASURE"]),
        ("= Summary", &["Generated", "Account Highlights"]),
        ("\\ Settings", &["external id", "profiles"]),
        ("! Alerts", &["STATE", "TASKS", "Tasks of this alert"]),
        ("1 Overview", &["KPIs", "c curves"]),
    ];
    for (tab, texts) in tabs {
        let start = Instant::now();
        tui.send("\t");
        tui.wait_until(&format!("the {tab} tab with {texts:?}"), TIMEOUT, |t| {
            let screen = t.screen();
            t.highlighted(TAB_ROW) == tab
                && t.row(TAB_ROW).contains(tab)
                && t.row(NAME_ROW).contains("Larkspur Logistics")
                && texts.iter().all(|x| screen.contains(x))
        });
        eprintln!("tab {tab}: {:.0?}", start.elapsed());
    }

    // The help, closed by any key.
    tui.send("?");
    tui.wait_for("Keys — account", TIMEOUT);
    tui.wait_for("next tab", TIMEOUT);
    tui.send("x");
    tui.wait_until("the help to close", TIMEOUT, |t| {
        !t.screen().contains("Keys — ") && t.screen().contains("KPIs")
    });

    // The palette jumps to another account.
    tui.send(":");
    tui.wait_for("go to: an account, a tab, a command", TIMEOUT);
    tui.send("orion");
    tui.wait_for("Orion Freight  #", TIMEOUT);
    tui.send("\r");
    tui.wait_until("Orion Freight's name line", TIMEOUT, |t| {
        let name = t.row(NAME_ROW);
        !t.screen().contains("go to:") && name.contains("Orion Freight") && name.contains("MRR")
    });
    assert!(tui.row(0).contains("Orion Freight"), "{}", tui.row(0));

    // Its playbooks: one is stuck.
    tui.send("8");
    tui.wait_until("Orion Freight's stuck playbook", TIMEOUT, |t| {
        let screen = t.screen();
        t.highlighted(TAB_ROW) == "8 Playbooks"
            && screen.contains("stuck")
            && screen.contains("┌ steps")
    });

    // The views bar: the cases across accounts, then the alerts inbox.
    tui.send("]");
    tui.wait_until("the cases page", TIMEOUT, |t| {
        let screen = t.screen();
        screen.contains("┌ Cases ") && screen.contains("PRIO") && screen.contains("urgent")
    });
    tui.send("]");
    tui.wait_until("the alerts inbox", TIMEOUT, |t| {
        let screen = t.screen();
        screen.contains("┌ Alerts open") && screen.contains("RULE") && screen.contains(" WHAT")
    });

    // The dark theme draws in colour (so the NO_COLOR test's check means something).
    assert!(
        !colour_codes(&tui.raw()).is_empty(),
        "the default theme drew no colour at all"
    );
    let raw = tui.raw();
    let mouse = [1000, 1002, 1003, 1006]
        .iter()
        .any(|m| rfind(&raw, format!("\x1b[?{m}h").as_bytes()).is_some());
    eprintln!("mouse capture enabled: {mouse}");

    tui.quit_and_check("q");
}

#[test]
fn the_summary_reads_by_section_and_a_statement_opens_the_record_it_cites() {
    let mut tui = Tui::start(80, 24, &[]);
    tui.open_larkspur_interactions();

    // The Summary tab: no summary saved in the demo, so one is generated.
    tui.send("=");
    tui.wait_until("Larkspur's summary, generated", TIMEOUT, |t| {
        let screen = t.screen();
        t.highlighted(TAB_ROW) == "= Summary"
            && screen.contains("Generated")
            && screen.contains("not saved")
            && screen.contains("Account Highlights")
            && screen.contains("[agreement 3]")
    });
    // A page is a section.
    tui.send("\x1b[6~\x1b[6~");
    tui.wait_until("the Executive Summary in view", TIMEOUT, |t| {
        let screen = t.screen();
        screen.contains("Executive Summary") && !screen.contains("Product family")
    });

    // Back to the first statement; Enter opens the agreement it cites.
    tui.send("\x1b[H");
    tui.wait_for("Product family", TIMEOUT);
    tui.send("\r");
    tui.wait_until("the cited agreement on the Agreements tab", TIMEOUT, |t| {
        let screen = t.screen();
        t.highlighted(TAB_ROW) == "5 Agreements"
            && screen.contains("AGREEMENT")
            && screen.contains("Esc: back to the Summary")
    });
    // Esc comes back to the summary.
    tui.send("\x1b");
    tui.wait_until("the Summary again", TIMEOUT, |t| {
        t.highlighted(TAB_ROW) == "= Summary" && t.screen().contains("Account Highlights")
    });

    tui.quit_and_check("q");
}

#[test]
fn a_tiny_terminal_is_told_so_and_the_app_comes_back() {
    let mut tui = Tui::start(80, 24, &[]);
    tui.wait_portfolio();

    tui.resize(30, 8);
    tui.wait_until("the too-small message", TIMEOUT, |t| {
        let screen = t.screen();
        screen.contains("terminal too small")
            && screen.contains("needs 40x12")
            && !screen.contains("Portfolio")
    });
    assert!(
        tui.child.try_wait().expect("try_wait").is_none(),
        "the app exited on a small terminal"
    );

    tui.resize(80, 24);
    tui.wait_until("the portfolio again", TIMEOUT, |t| {
        let screen = t.screen();
        !screen.contains("too small")
            && screen.contains("Larkspur Logistics")
            && t.row(0).contains("at risk")
            && screen.contains("Portfolio")
    });

    tui.quit_and_check("\x03");
}

#[test]
fn no_color_draws_no_colour() {
    let mut tui = Tui::start(80, 24, &[("NO_COLOR", "1")]);
    tui.wait_portfolio();
    // Move and open something, so more than the first frame is checked.
    tui.send("j\r");
    tui.wait_until("an account", TIMEOUT, |t| t.row(NAME_ROW).contains("MRR"));
    tui.send("-");
    tui.wait_for("What pulls it down", TIMEOUT);

    let codes = colour_codes(&tui.raw());
    assert!(
        codes.is_empty(),
        "NO_COLOR is set but the app wrote colour codes: {:?}",
        &codes[..codes.len().min(10)]
    );
    {
        let out = tui.output();
        let screen = out.parser.screen();
        let (rows, cols) = (screen.size().0.get(), screen.size().1.get());
        for r in 0..rows {
            for c in 0..cols {
                let cell = screen.cell(r, c).expect("cell");
                assert!(
                    cell.fgcolor() == vt100::Color::Default
                        && cell.bgcolor() == vt100::Color::Default,
                    "cell {r},{c} ({:?}) is coloured under NO_COLOR",
                    cell.contents()
                );
            }
        }
    }
    tui.quit_and_check("q");
}

#[test]
fn a_view_saved_in_the_demo_stays_out_of_the_config_file() {
    let mut tui = Tui::start(80, 24, &[]);
    tui.wait_portfolio();
    tui.send("w");
    tui.wait_for("save as view:", TIMEOUT);
    tui.send("mine\r");
    tui.wait_for("kept for this session only", TIMEOUT);
    tui.quit_and_check("q");
    let config = tui.home.path().join("config");
    assert!(
        !config.join("tend").join("config.toml").exists(),
        "the demo wrote the user's config"
    );
}

#[test]
fn the_column_chooser_shows_a_column_and_the_portfolio_follows() {
    let mut tui = Tui::start(80, 24, &[]);
    tui.wait_portfolio();
    tui.send("c");
    tui.wait_for("Columns — portfolio", TIMEOUT);
    tui.wait_for("[x] HEALTH", TIMEOUT);
    // MRR hidden (the cursor starts on it); PARENT, the last, shown and moved up
    // to just under the name; Enter applies.
    tui.send(" G ");
    tui.wait_for("▸ [x] PARENT", TIMEOUT);
    tui.send(&"K".repeat(10));
    tui.wait_until("PARENT under the name", TIMEOUT, |t| {
        let screen = t.screen();
        let account = screen.find("[x] ACCOUNT");
        let parent = screen.find("▸ [x] PARENT");
        account.zip(parent).is_some_and(|(a, p)| {
            // The line right under the name's.
            screen[a..p].matches('\n').count() == 1
        })
    });
    tui.send("\r");
    tui.wait_for("columns set for this session", TIMEOUT);
    tui.wait_until("the portfolio's new header", TIMEOUT, |t| {
        let header = t.row(3);
        header.contains("PARENT") && header.contains("RENEWAL") && !header.contains("MRR")
    });
    assert!(
        !tui.screen().contains("Columns — portfolio"),
        "the chooser closed"
    );
    tui.quit_and_check("q");
}

#[test]
fn demo_without_a_terminal_says_it_needs_one() {
    let dir = tempfile::tempdir().expect("dir");
    let out = Command::new(env!("CARGO_BIN_EXE_tend"))
        .arg("demo")
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .output()
        .expect("run tend demo");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(stderr.contains("needs a terminal"), "stderr: {stderr}");
    assert!(
        out.stdout.is_empty(),
        "wrote to a pipe: {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn the_checks_catch_what_they_should() {
    // Colour: set colours are found, resets and plain attributes are not.
    assert!(colour_codes(b"\x1b[0m\x1b[39m\x1b[49m\x1b[1m\x1b[7mhi\x1b[22m").is_empty());
    for coloured in [
        &b"\x1b[31m"[..],
        b"\x1b[1;44m",
        b"\x1b[38;5;9m",
        b"\x1b[48;2;1;2;3m",
        b"\x1b[38:2::1:2:3m",
        b"\x1b[97m",
    ] {
        assert_eq!(colour_codes(coloured).len(), 1, "{coloured:?}");
    }
    // Restoring: a terminal left in the alternate screen, with a hidden cursor or
    // with the mouse captured is caught.
    let good =
        b"\x1b[?1049h\x1b[?25l\x1b[?1000h\x1b[?1006hx\x1b[?1000l\x1b[?1006l\x1b[?1049l\x1b[?25h";
    assert_eq!(unrestored(good), Vec::<String>::new());
    let bad: [&[u8]; 4] = [
        b"no escape at all",
        b"\x1b[?1049h\x1b[?25l\x1b[?25h",
        b"\x1b[?1049h\x1b[?25l\x1b[?1049l",
        b"\x1b[?1049h\x1b[?1003h\x1b[?25l\x1b[?1049l\x1b[?25h",
    ];
    for raw in bad {
        assert!(
            !unrestored(raw).is_empty(),
            "not caught: {:?}",
            String::from_utf8_lossy(raw)
        );
    }
}

#[test]
fn an_idle_app_writes_nothing() {
    let mut tui = Tui::start(80, 24, &[]);
    tui.wait_portfolio();
    // The demo's rest loads behind the portfolio, then the selected account (its
    // name in the header) and the open alerts (their count in the views bar).
    tui.wait_until("the demo loaded", START_TIMEOUT, |t| {
        t.row(0).contains('▸')
            && t.row(1)
                .split("Alerts ")
                .nth(1)
                .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
    });
    // Wait until the screen has settled (no byte for a moment), then watch an idle
    // stretch.
    let mut last = tui.raw().len();
    let settled = Instant::now();
    loop {
        thread::sleep(Duration::from_millis(500));
        let now = tui.raw().len();
        if now == last {
            break;
        }
        last = now;
        assert!(settled.elapsed() < TIMEOUT, "the app never stopped writing");
    }
    thread::sleep(Duration::from_secs(3));
    let idle = tui.raw().len() - last;
    assert_eq!(idle, 0, "an idle app wrote {idle} bytes in 3 s");
    // And a key is answered with a frame, not a full redraw: moving the selection
    // writes little.
    tui.send("j");
    tui.wait_until("the move's frame", TIMEOUT, |t| t.raw().len() > last);
    thread::sleep(Duration::from_millis(500));
    let moved = tui.raw().len() - last;
    assert!(moved < 1024, "a selection move wrote {moved} bytes");
    tui.quit_and_check("q");
}

#[test]
fn a_store_that_cannot_open_is_reported_on_a_restored_terminal() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("newer.db");
    {
        let conn = rusqlite::Connection::open(&path).expect("create");
        conn.execute_batch("CREATE TABLE x (a); PRAGMA user_version = 99;")
            .expect("a store from a newer tend");
    }
    let db = path.to_str().expect("utf-8 path");
    let mut tui = Tui::start_with(&["--db", db], 80, 24, &[]);
    let (status, _) = tui.wait_exit();
    assert!(!status.success(), "{status:?}");
    assert_restored(&tui.raw());
    let text = String::from_utf8_lossy(&tui.raw()).to_string();
    assert!(text.contains("newer tend"), "{text}");
}

#[test]
fn a_logged_call_with_negative_text_is_scored_and_moves_the_health() {
    let mut tui = Tui::start(100, 30, &[]);
    tui.open_larkspur_interactions();
    let score_before = tui.row(NAME_ROW);

    // n: the form; c picks "call"; subject; past contacts and tags; the text; Tab
    // to the sentiment, where Enter saves.
    tui.start_a_call("Escalation call");
    tui.send("\t\t\t");
    tui.send("They are furious: the outage broke billing again and they threaten to cancel.");
    tui.wait_for("They are furious", TIMEOUT);
    tui.send("\t");
    tui.wait_for("◂ automatic (from the text) ▸", TIMEOUT);
    // Rated by a person: a call's automatic sentiment does not feed the score.
    tui.send("nn");
    tui.wait_for("◂ negative (manual) ▸", TIMEOUT);
    tui.send("\r");

    // The footer says how the call was scored and how the score moved.
    tui.wait_for("logged the call: sentiment negative", TIMEOUT);
    tui.wait_for("· health ", TIMEOUT);
    let footer = tui.row(29);
    let moved = footer
        .split("· health ")
        .nth(1)
        .unwrap_or_else(|| panic!("no score in the footer: {footer}"));
    let (before, after) = moved
        .trim()
        .split_once(" → ")
        .unwrap_or_else(|| panic!("the score did not move: {footer}"));
    assert_ne!(before.trim(), after.trim(), "{footer}");
    // The call is listed first, with a negative automatic sentiment, and the
    // account's line shows the new score.
    tui.wait_until("the call in the list", TIMEOUT, |t| {
        t.screen()
            .lines()
            .any(|l| l.contains("Escalation call") && l.contains("call") && l.contains("M-"))
    });
    let after_whole = after
        .trim()
        .split('.')
        .next()
        .unwrap_or_default()
        .to_string();
    tui.wait_until("the new score on the account line", TIMEOUT, |t| {
        t.row(NAME_ROW).contains(&format!(" {after_whole} "))
    });
    eprintln!("before: {score_before}\nafter:  {}", tui.row(NAME_ROW));
    tui.quit_and_check("q");
}

/// A team server started from the binary over a store file, on a fixed port (so
/// it can be stopped and started again at the same address).
struct Server {
    child: std::process::Child,
    db: std::path::PathBuf,
    addr: String,
    home: std::path::PathBuf,
}

impl Server {
    fn start(db: &std::path::Path, addr: &str, home: &std::path::Path) -> Server {
        let child = Command::new(env!("CARGO_BIN_EXE_tend"))
            .args(["--db", &db.display().to_string(), "serve", "--listen", addr])
            .env("XDG_STATE_HOME", home.join("state"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start tend serve");
        let deadline = Instant::now() + START_TIMEOUT;
        while std::net::TcpStream::connect(addr).is_err() {
            assert!(
                Instant::now() < deadline,
                "tend serve did not listen on {addr}"
            );
            thread::sleep(POLL);
        }
        Server {
            child,
            db: db.to_path_buf(),
            addr: addr.to_string(),
            home: home.to_path_buf(),
        }
    }

    /// Stops it the way an operator does (SIGTERM), and waits for it to go.
    fn stop(&mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }

    /// Starts it again at the same address, over the same store.
    fn start_again(&mut self) {
        *self = Server::start(&self.db.clone(), &self.addr.clone(), &self.home.clone());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `tend ARGS` to the end and answers its standard output.
fn tend(args: &[&str], home: &std::path::Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_tend"))
        .args(args)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .output()
        .expect("run tend");
    assert!(
        out.status.success(),
        "tend {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_string()
}

#[test]
fn two_terminals_share_a_team_server_and_ride_out_its_restart() {
    let home = tempfile::tempdir().expect("temp dir");
    let db = home.path().join("team.db");
    let dbs = db.display().to_string();
    tend(
        &["--db", &dbs, "import", "assets/demo.json", "--rebase"],
        home.path(),
    );
    // Larkspur Logistics is maya.chen's account.
    let csm = tend(
        &[
            "--db",
            &dbs,
            "serve",
            "token",
            "create",
            "--role",
            "csm",
            "--user",
            "maya.chen",
        ],
        home.path(),
    );
    let viewer = tend(
        &[
            "--db", &dbs, "serve", "token", "create", "--role", "viewer", "--user", "vic",
        ],
        home.path(),
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let addr = format!("127.0.0.1:{port}");
    let url = format!("http://{addr}");
    let mut server = Server::start(&db, &addr, home.path());

    let mut maya = Tui::start_with(&["--remote", &url], 100, 30, &[("TEND_TOKEN", &csm)]);
    maya.open_larkspur_interactions();
    let mut vic = Tui::start_beside(&["--remote", &url], 100, 30, &[("TEND_TOKEN", &viewer)]);
    vic.open_larkspur_interactions();
    assert!(
        !vic.screen().contains("Renewal call with Grace"),
        "the call is not there yet"
    );

    // The CSM logs a call.
    maya.start_a_call("Renewal call with Grace");
    maya.send("\r");
    // ("saving: logged the call…" shows first; this is the answer.)
    maya.wait_for("logged the call: sentiment", TIMEOUT);

    // The viewer sees it with no key pressed (the server's change feed), and
    // may not write.
    vic.wait_for("Renewal call with Grace", TIMEOUT);
    vic.send("n");
    vic.wait_for("vic is a viewer", TIMEOUT);
    assert!(
        vic.screen().contains("READ-ONLY"),
        "{}",
        framed(&vic.screen())
    );

    // The server stops: the banner turns to offline, the screen stays.
    server.stop();
    vic.send("\x12");
    vic.wait_until("the offline banner", TIMEOUT, |t| {
        t.row(0).contains("OFFLINE")
            && t.row(NAME_ROW).contains("Larkspur Logistics")
            && t.screen().contains("Renewal call with Grace")
    });
    eprintln!("offline: {}", vic.row(0));

    // It comes back: the banner clears by itself.
    server.start_again();
    vic.wait_until("the banner to clear", TIMEOUT, |t| {
        !t.row(0).contains("OFFLINE") && t.screen().contains("back online")
    });
    assert!(vic.row(NAME_ROW).contains("Larkspur Logistics"));

    vic.quit_and_check("q");
    maya.quit_and_check("q");

    // The server's request log names users, never their tokens.
    let log = std::fs::read_to_string(home.path().join("state/tend/tend.log")).expect("server log");
    assert!(
        log.contains("user=\"vic\"") && log.contains("/api/v1/accounts"),
        "{log}"
    );
    for token in [&csm, &viewer] {
        assert!(!log.contains(&token[5..]), "a token reached the log");
    }
}

/// The `tend-demo-*` directories under `dir`.
fn demo_dirs(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("tend-demo-"))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_signal_restores_the_terminal_and_removes_the_demo_store() {
    for (signal, code) in [("TERM", 143), ("HUP", 129), ("INT", 130)] {
        let tmp = tempfile::tempdir().expect("temp dir");
        // What a demo killed outright (SIGKILL) left behind an hour ago.
        let stale = tmp.path().join("tend-demo-killed");
        std::fs::create_dir(&stale).expect("stale dir");
        std::fs::write(stale.join("demo.db"), b"x").expect("stale file");
        // Its lock file is there, but no process holds the lock any more.
        std::fs::write(stale.join("in-use.lock"), b"").expect("stale lock");
        std::fs::File::open(&stale)
            .and_then(|d| d.set_modified(std::time::SystemTime::now() - Duration::from_secs(3600)))
            .expect("age the stale dir");
        let tmpdir = tmp.path().to_string_lossy().into_owned();
        let mut tui = Tui::start(80, 24, &[("TMPDIR", &tmpdir)]);
        tui.wait_portfolio();
        let dirs = demo_dirs(tmp.path());
        assert_eq!(
            dirs.len(),
            1,
            "the stale one is gone, the app's is there: {dirs:?}"
        );
        assert!(!stale.exists());
        let pid = tui.child.process_id().expect("a pid");
        let killed = Command::new("kill")
            .args([format!("-{signal}"), pid.to_string()])
            .status()
            .expect("kill");
        assert!(killed.success());
        let (status, took) = tui.wait_exit();
        eprintln!("SIG{signal}: exit after {took:.1?}: {status:?}");
        assert_eq!(status.exit_code(), code, "SIG{signal}");
        assert_restored(&tui.raw());
        assert_eq!(
            tui.modes_before,
            modes(tui.master.as_ref()),
            "SIG{signal}: raw mode was not left"
        );
        assert_eq!(demo_dirs(tmp.path()), Vec::<String>::new(), "SIG{signal}");
    }
}

#[test]
fn a_long_paste_lands_at_once_with_or_without_bracketed_paste() {
    let mut tui = Tui::start(100, 30, &[]);
    tui.open_larkspur_interactions();
    // Bracketed (what terminals send once the app asks for it): one event.
    tui.start_a_call("Pasted notes");
    tui.send("\t\t\t");
    let body: String = (0..5000)
        .map(|i| if i % 100 == 99 { ' ' } else { 'x' })
        .collect();
    let started = Instant::now();
    tui.send(&format!("\x1b[200~{body} PASTE-END-1\x1b[201~"));
    let took = tui.wait_for("PASTE-END-1", TIMEOUT);
    eprintln!(
        "a 5,000-character bracketed paste landed after {took:.2?} ({:.2?} from the send)",
        started.elapsed()
    );
    // The form is still open: a paste is text, never a key that saves.
    assert!(
        tui.screen().contains("Log an interaction"),
        "{}",
        framed(&tui.screen())
    );
    tui.send("\x1b");
    tui.wait_for("discard", TIMEOUT);
    tui.send("y");
    tui.wait_until("the form closed", TIMEOUT, |t| {
        !t.screen().contains("Log an interaction")
    });
    // Unbracketed (a terminal without it): one key per character, drawn in bursts.
    tui.start_a_call("Typed notes");
    tui.send("\t\t\t");
    let started = Instant::now();
    tui.send(&format!("{body} PASTE-END-2"));
    let took = tui.wait_for("PASTE-END-2", TIMEOUT);
    eprintln!(
        "5,000 characters typed at once landed after {took:.2?} ({:.2?} from the send)",
        started.elapsed()
    );
    tui.send("\x1b");
    tui.wait_for("discard", TIMEOUT);
    tui.send("y");
    tui.quit_and_check("q");
}

#[test]
fn my_work_opens_with_m_its_keys_act_and_q_quits_from_it() {
    // The demo's CSM: My work lists what waits on her.
    let mut tui = Tui::start(80, 24, &[("USER", "maya.chen")]);
    tui.wait_portfolio();
    tui.wait_until("My work counted in the views bar", START_TIMEOUT, |t| {
        t.row(1)
            .split("My work ")
            .nth(1)
            .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
    });
    tui.send("M");
    tui.wait_until("My work", TIMEOUT, |t| {
        let screen = t.screen();
        screen.contains("My work maya.chen")
            && screen.contains("overdue")
            && screen.contains("WHEN")
    });
    // z asks how many days in the footer; Esc leaves it.
    tui.send("z");
    tui.wait_for("due in how many days? 1", TIMEOUT);
    tui.send("\x1b");
    tui.wait_for("nothing changed", TIMEOUT);
    // The help lists the triage keys.
    tui.send("?");
    tui.wait_for("Keys — work", TIMEOUT);
    tui.wait_for("c  complete", TIMEOUT);
    tui.send("x");
    tui.wait_until("the help to close", TIMEOUT, |t| {
        !t.screen().contains("Keys — ")
    });
    // Enter opens the account of the first item on its Tasks tab; Esc comes back.
    tui.send("\r");
    tui.wait_until("the account's Tasks tab", TIMEOUT, |t| {
        t.highlighted(TAB_ROW) == "7 Tasks" && t.screen().contains("┌ todo")
    });
    tui.send("\x1b");
    tui.wait_for("My work maya.chen", TIMEOUT);
    tui.quit_and_check("q");
}
