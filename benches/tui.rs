//! The app's figures: drawing a tab, a filter keystroke over 100k accounts, the
//! bytes a selection move writes, the first frame, and the two fuzzy matchers.

mod common;

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::{CrosstermBackend, TestBackend};
use tend::backend::{Backend, PortfolioSort};
use tend::sqlite::{Options, Store, fixed_clock};
use tend::tui::app::App;
use tend::tui::draw;
use tend::tui::fuzzy::Fuzzy;
use tend::tui::keys::Keymap;
use tend::tui::run::{first_page, load_portfolio};
use tend::tui::state::{Command, Msg, Tab};
use tend::tui::theme::{Theme, ThemeName};

/// A terminal that counts the bytes written to it.
struct Counting(Arc<AtomicUsize>);

impl std::io::Write for Counting {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.fetch_add(buf.len(), Ordering::Relaxed);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// This process's resident memory (Linux), in KiB.
fn resident_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

/// An app over `rows`, with the account loads it asks for answered.
async fn showing(
    store: &Store,
    w: u16,
    h: u16,
    rows: Result<Vec<tend::backend::AccountRow>, tend::backend::Error>,
) -> App {
    showing_with(store, w, h, rows, true).await
}

/// An app over `rows`; with `answer`, the account loads it asks for answered
/// (without, its account pane says it is loading).
async fn showing_with(
    store: &Store,
    w: u16,
    h: u16,
    rows: Result<Vec<tend::backend::AccountRow>, tend::backend::Error>,
    answer: bool,
) -> App {
    let now = store.now();
    let mut app = App::new(Keymap::default(), now);
    app.update(Msg::Resize(w, h));
    let asked = app.portfolio.asked();
    let mut pending = app.update(Msg::Portfolio(rows, now, asked));
    if !answer {
        return app;
    }
    while let Some(cmd) = pending.pop() {
        if let Command::LoadAccount(id) = cmd {
            let a = store.account(id).await.map(Box::new);
            pending.extend(app.update(Msg::Account(id, a, now)));
            let h = store.health(id).await.map(Box::new);
            pending.extend(app.update(Msg::Health(id, h, now)));
        }
    }
    app
}

/// What the app asks of the portfolio at start: the customers not churned.
fn customers() -> tend::backend::AccountFilter {
    tend::backend::AccountFilter {
        exclude_churned: true,
        ..Default::default()
    }
}

/// An app with the whole portfolio loaded.
async fn loaded(store: &Store, w: u16, h: u16) -> App {
    let rows = load_portfolio(store, &customers(), PortfolioSort::Health, false).await;
    showing(store, w, h, rows).await
}

/// The app as it first shows a large store: the first page, the header's counts
/// (asked beside it, as the app does) and its account.
async fn first_screen(store: &Store, w: u16, h: u16) -> App {
    let filter = customers();
    let (rows, counts) = tokio::join!(
        first_page(store, &filter, PortfolioSort::Health, false),
        tend::tui::run::portfolio_counts(store, &filter)
    );
    let rows = rows.map(|r| r.unwrap_or_default());
    let mut app = showing(store, w, h, rows).await;
    if let Ok(c) = counts {
        let asked = app.portfolio.asked();
        app.update(Msg::PortfolioCounts(c, asked));
    }
    app
}

fn demo_figures(c: &mut Criterion) {
    let rt = common::runtime();
    let store = Store::demo(Options::with_clock(fixed_clock(common::anchor()))).expect("demo");
    let mut app = rt.block_on(loaded(&store, 200, 50));
    app.update(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    let theme = Theme::new(ThemeName::Dark, false);
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).expect("terminal");
    let mut g = c.benchmark_group("tui_draw_200x50");
    for tab in Tab::ALL {
        if let Some(a) = app.account.as_mut() {
            a.tab = tab;
        }
        g.bench_function(tab.title(), |b| {
            b.iter(|| {
                terminal
                    .draw(|f| draw::draw(f, &app, &theme))
                    .expect("draw");
                black_box(terminal.backend().buffer().area);
            })
        });
    }
    g.finish();

    // A 5,000-character paste into the interaction form's text, to the frame that
    // shows it (one message: the terminal's bracketed paste).
    if let Some(a) = app.account.as_mut() {
        a.tab = Tab::Interactions;
    }
    let text: String = (0..5000)
        .map(|i| if i % 100 == 99 { '\n' } else { 'x' })
        .collect();
    let mut g = c.benchmark_group("tui_paste");
    g.bench_function("paste_5000_chars_to_frame", |b| {
        b.iter_custom(|iters| {
            let mut total = std::time::Duration::ZERO;
            for _ in 0..iters {
                app.update(key('n'));
                let body = app
                    .overlays
                    .form()
                    .and_then(|f| f.fields.iter().position(|f| f.path == "body"))
                    .expect("the interaction form's text");
                if let Some(f) = app.overlays.form_mut() {
                    f.focus = body;
                }
                let started = Instant::now();
                app.update(Msg::Paste(text.clone()));
                terminal
                    .draw(|f| draw::draw(f, &app, &theme))
                    .expect("draw");
                total += started.elapsed();
                app.overlays.close_form();
            }
            total
        })
    });
    g.finish();

    // Bytes a selection move writes through the real crossterm backend.
    let mut app = rt.block_on(loaded(&store, 80, 24));
    let written = Arc::new(AtomicUsize::new(0));
    let mut term =
        Terminal::new(CrosstermBackend::new(Counting(written.clone()))).expect("terminal");
    // The crossterm backend asks the real terminal for its size: draw into a
    // fixed 80x24 viewport instead.
    term.resize(ratatui::layout::Rect::new(0, 0, 80, 24))
        .expect("size");
    term.draw(|f| draw::draw(f, &app, &theme)).expect("draw");
    let mut moves = vec![];
    for _ in 0..10 {
        written.store(0, Ordering::Relaxed);
        app.update(key('j'));
        term.draw(|f| draw::draw(f, &app, &theme)).expect("draw");
        moves.push(written.load(Ordering::Relaxed));
    }
    eprintln!("selection move at 80x24 writes {moves:?} bytes (portfolio, demo store)");

    let mut g = c.benchmark_group("tui_start");
    g.sample_size(10);
    g.bench_function("demo_store_to_first_frame", |b| {
        b.iter(|| {
            let started = Instant::now();
            let store =
                Store::demo(Options::with_clock(fixed_clock(common::anchor()))).expect("demo");
            let app = rt.block_on(loaded(&store, 80, 24));
            let mut t = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
            t.draw(|f| draw::draw(f, &app, &theme)).expect("draw");
            black_box(started.elapsed())
        })
    });
    // What `tend demo` does: the demo store in two steps, the portfolio drawn
    // as soon as the first step is in (the account pane says it is loading)...
    let rt = &rt;
    let theme = &theme;
    let staged = |complete: bool| {
        move |b: &mut criterion::Bencher| {
            b.iter_custom(|iters| {
                let mut total = std::time::Duration::ZERO;
                for _ in 0..iters {
                    let started = Instant::now();
                    let store =
                        Store::demo_staged(Options::with_clock(fixed_clock(common::anchor())))
                            .expect("demo");
                    let app = rt.block_on(async {
                        let rows =
                            load_portfolio(&store, &customers(), PortfolioSort::Health, false)
                                .await;
                        showing_with(&store, 80, 24, rows, complete).await
                    });
                    let mut t = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
                    t.draw(|f| draw::draw(f, &app, theme)).expect("draw");
                    total += started.elapsed();
                    // The next round starts on a quiet machine.
                    drop(store);
                    tend::sqlite::wait_for_background_loads();
                }
                total
            })
        }
    };
    g.bench_function("demo_staged_to_first_frame", staged(false));
    // ... and to the first screen complete (its account and health read, which
    // waits for the second step).
    g.bench_function("demo_staged_to_complete_first_screen", staged(true));
    g.finish();
}

fn large_figures(c: &mut Criterion) {
    let rt = common::runtime();
    let path = common::large_store_path();
    let theme = Theme::new(ThemeName::Dark, false);
    // The memory the app holds once it shows the 100k store: the store open (its
    // connections and caches), every portfolio row loaded, an account open.
    // Measured first, before the benches below open the store again and again
    // (freed memory is not always given back to the system); a store generated by
    // this run is in it too.
    {
        let store = Store::open_with_clock(&path, fixed_clock(common::anchor())).expect("open");
        let mut app = rt.block_on(loaded(&store, 200, 50));
        let mut t = Terminal::new(TestBackend::new(200, 50)).expect("terminal");
        t.draw(|f| draw::draw(f, &app, &theme)).expect("draw");
        app.update(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
        t.draw(|f| draw::draw(f, &app, &theme)).expect("draw");
        if let Some(kb) = resident_kb() {
            eprintln!(
                "resident memory with the 100k portfolio loaded and an account open: {} MB",
                kb / 1024
            );
        }
    }
    let mut g = c.benchmark_group("tui_100k");
    g.sample_size(10);
    // What the app shows first: the first page of the portfolio and the selected
    // account (the rest of the 100k rows load behind it).
    g.bench_function("open_store_to_first_frame", |b| {
        b.iter(|| {
            let store = Store::open_with_clock(&path, fixed_clock(common::anchor())).expect("open");
            let app = rt.block_on(first_screen(&store, 80, 24));
            let mut t = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
            t.draw(|f| draw::draw(f, &app, &theme)).expect("draw");
            black_box(t.backend().buffer().area)
        })
    });
    // The day after: the app opens the store without rescoring it (that runs
    // behind the first frame) and shows the last day's scores.
    g.bench_function("open_store_on_a_new_day_to_first_frame", |b| {
        let tomorrow = common::anchor() + chrono::TimeDelta::days(1);
        b.iter(|| {
            let store = Store::open_deferred(&path, Options::with_clock(fixed_clock(tomorrow)))
                .expect("open");
            let app = rt.block_on(first_screen(&store, 80, 24));
            let mut t = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
            t.draw(|f| draw::draw(f, &app, &theme)).expect("draw");
            black_box(t.backend().buffer().area)
        })
    });
    g.finish();
    let store = Store::open_with_clock(&path, fixed_clock(common::anchor())).expect("open");
    let mut app = rt.block_on(loaded(&store, 200, 50));
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).expect("terminal");
    app.update(key('/'));
    let mut g = c.benchmark_group("tui_100k");
    // One keystroke in the `/` filter (typing then erasing a letter after "ma"),
    // to the redrawn frame.
    app.update(key('m'));
    app.update(key('a'));
    let mut typed = false;
    g.bench_function("filter_keystroke_to_frame", |b| {
        b.iter(|| {
            let msg = if typed {
                Msg::Key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE))
            } else {
                key('r')
            };
            typed = !typed;
            app.update(msg);
            terminal
                .draw(|f| draw::draw(f, &app, &theme))
                .expect("draw");
        })
    });
    g.finish();

    let names: Vec<tend::backend::AccountRow> =
        app.portfolio.rows.value().cloned().unwrap_or_default();
    let haystacks: Vec<&str> = names.iter().map(|r| r.name.as_str()).collect();
    let fuzzy = Fuzzy::default();
    let mut g = c.benchmark_group("fuzzy_100k_names");
    for needle in ["mar", "lark log", "e"] {
        // Like for like: both over the names alone.
        g.bench_function(format!("nucleo_{}", needle.replace(' ', "_")), |b| {
            let mut matcher = nucleo_matcher::Matcher::new(nucleo_matcher::Config::DEFAULT);
            let pattern = nucleo_matcher::pattern::Pattern::parse(
                needle,
                nucleo_matcher::pattern::CaseMatching::Ignore,
                nucleo_matcher::pattern::Normalization::Smart,
            );
            b.iter(|| black_box(pattern.match_list(haystacks.iter(), &mut matcher).len()))
        });
        // What the portfolio filter does: names and domains.
        g.bench_function(
            format!("portfolio_filter_{}", needle.replace(' ', "_")),
            |b| b.iter(|| black_box(fuzzy.filter(needle, &names).len())),
        );
        let config = frizbee::Config::default();
        g.bench_function(format!("frizbee_{}", needle.replace(' ', "_")), |b| {
            let mut matcher = frizbee::Matcher::new(needle, &config);
            b.iter(|| black_box(matcher.match_list(&haystacks).len()))
        });
    }
    g.finish();
}

// The large store's figures first: its memory figure is read before the demo's
// benches have built and dropped dozens of stores in this process.
criterion_group!(benches, large_figures, demo_figures);
criterion_main!(benches);
