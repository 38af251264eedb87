//! A terminal backend that writes nothing for a frame that changes nothing.
//!
//! ratatui writes a diff of the cells; with no cell changed it still writes its
//! colour resets, hides the cursor again, and the loop wraps that in a
//! synchronized update: some 40 bytes for nothing, for every answer that changes
//! nothing on screen (a load the screen does not show, a minute tick with every
//! "updated N ago" unchanged). Over SSH those bytes cost the link and look like a
//! frame to whoever measures one. [`Quiet`] passes a frame through only once it
//! has something to write: the synchronized update is begun at the first change
//! and ended after the last, an empty diff writes nothing, and the cursor is only
//! hidden, shown or moved when that changes it.

use std::io::Write;

use crossterm::queue;
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};

/// See the module's text.
pub struct Quiet<B> {
    inner: B,
    /// A frame is being drawn: its synchronized update begins at its first change.
    framing: bool,
    /// The frame has written something (its synchronized update has begun).
    begun: bool,
    /// Whether the cursor shows, as last set (None: not known yet).
    visible: Option<bool>,
    /// Where the cursor was last put (None: not known).
    cursor: Option<Position>,
}

impl<B: Backend + Write> Quiet<B> {
    pub fn new(inner: B) -> Quiet<B> {
        Quiet {
            inner,
            framing: false,
            begun: false,
            visible: None,
            cursor: None,
        }
    }

    /// The backend it writes through.
    pub fn inner_mut(&mut self) -> &mut B {
        &mut self.inner
    }

    /// A frame starts: nothing is written until something changes.
    pub fn begin_frame(&mut self) {
        self.framing = true;
        self.begun = false;
    }

    /// The frame ends: its synchronized update is ended if it was begun, and
    /// what was written is flushed. Answers whether the frame wrote anything.
    pub fn end_frame(&mut self) -> std::io::Result<bool> {
        self.framing = false;
        if !std::mem::take(&mut self.begun) {
            return Ok(false);
        }
        queue!(self.inner, EndSynchronizedUpdate)?;
        Write::flush(&mut self.inner)?;
        Ok(true)
    }

    /// Something is about to be written: the frame's synchronized update begins.
    fn change(&mut self) -> std::io::Result<()> {
        if self.framing && !self.begun {
            self.begun = true;
            queue!(self.inner, BeginSynchronizedUpdate)?;
        }
        Ok(())
    }
}

impl<B: Backend + Write> Write for Quiet<B> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if !buf.is_empty() {
            self.change()?;
        }
        self.inner.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Write::flush(&mut self.inner)
    }
}

impl<B> Backend for Quiet<B>
where
    B: Backend + Write,
    B::Error: Into<std::io::Error>,
{
    type Error = std::io::Error;

    fn draw<'a, I>(&mut self, content: I) -> std::io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let mut content = content.peekable();
        if content.peek().is_none() {
            return Ok(());
        }
        self.change()?;
        // Cells drawn move the terminal's cursor: where it is is not known now.
        self.cursor = None;
        self.inner.draw(content).map_err(Into::into)
    }

    fn append_lines(&mut self, n: u16) -> std::io::Result<()> {
        self.change()?;
        self.cursor = None;
        self.inner.append_lines(n).map_err(Into::into)
    }

    fn hide_cursor(&mut self) -> std::io::Result<()> {
        if self.visible == Some(false) {
            return Ok(());
        }
        self.change()?;
        self.visible = Some(false);
        self.inner.hide_cursor().map_err(Into::into)
    }

    fn show_cursor(&mut self) -> std::io::Result<()> {
        if self.visible == Some(true) {
            return Ok(());
        }
        self.change()?;
        self.visible = Some(true);
        self.inner.show_cursor().map_err(Into::into)
    }

    fn get_cursor_position(&mut self) -> std::io::Result<Position> {
        match self.cursor {
            Some(at) => Ok(at),
            None => self.inner.get_cursor_position().map_err(Into::into),
        }
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> std::io::Result<()> {
        let position = position.into();
        if self.cursor == Some(position) {
            return Ok(());
        }
        self.change()?;
        self.cursor = Some(position);
        self.inner.set_cursor_position(position).map_err(Into::into)
    }

    fn clear(&mut self) -> std::io::Result<()> {
        self.change()?;
        self.inner.clear().map_err(Into::into)
    }

    fn clear_region(&mut self, clear_type: ClearType) -> std::io::Result<()> {
        self.change()?;
        self.inner.clear_region(clear_type).map_err(Into::into)
    }

    fn size(&self) -> std::io::Result<Size> {
        self.inner.size().map_err(Into::into)
    }

    fn window_size(&mut self) -> std::io::Result<WindowSize> {
        self.inner.window_size().map_err(Into::into)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        // ratatui flushes after the cells: within a frame that waits for its end.
        // (The inner backend flushes on its own when it moves, shows or hides the
        // cursor: still inside the synchronized update, so nothing shows early.)
        if self.framing {
            return Ok(());
        }
        Backend::flush(&mut self.inner).map_err(Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::backend::CrosstermBackend;
    use ratatui::widgets::Paragraph;
    use std::sync::{Arc, Mutex};

    /// What the terminal was sent, readable while the terminal holds the writer.
    #[derive(Clone, Default)]
    struct Sent(Arc<Mutex<Vec<u8>>>);

    impl Write for Sent {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    type Term = Terminal<Quiet<CrosstermBackend<Sent>>>;

    fn terminal() -> (Term, Sent) {
        let sent = Sent::default();
        let t = Terminal::with_options(
            Quiet::new(CrosstermBackend::new(sent.clone())),
            ratatui::TerminalOptions {
                viewport: ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, 20, 2)),
            },
        )
        .expect("terminal");
        (t, sent)
    }

    /// Draws `text` (and the cursor at `cursor`) as the loop does; answers the bytes.
    fn frame(t: &mut Term, sent: &Sent, text: &str, cursor: Option<(u16, u16)>) -> String {
        sent.0.lock().unwrap().clear();
        t.backend_mut().begin_frame();
        t.draw(|f| {
            f.render_widget(Paragraph::new(text.to_string()), f.area());
            if let Some(p) = cursor {
                f.set_cursor_position(p);
            }
        })
        .expect("draw");
        t.backend_mut().end_frame().expect("end");
        String::from_utf8(std::mem::take(&mut *sent.0.lock().unwrap())).unwrap()
    }

    #[test]
    fn a_frame_that_changes_nothing_writes_nothing() {
        let (mut t, sent) = terminal();
        let first = frame(&mut t, &sent, "hello", None);
        assert!(first.starts_with("\x1b[?2026h"), "{first:?}");
        assert!(first.ends_with("\x1b[?2026l"), "{first:?}");
        assert!(
            first.contains("hello") && first.contains("\x1b[?25l"),
            "{first:?}"
        );
        assert_eq!(
            frame(&mut t, &sent, "hello", None),
            "",
            "the same frame again"
        );
        let changed = frame(&mut t, &sent, "help", None);
        assert!(
            changed.contains('p') && !changed.contains("hello"),
            "{changed:?}"
        );
        // The cursor is hidden already: not hidden again.
        assert!(!changed.contains("\x1b[?25l"), "{changed:?}");
        assert!(changed.starts_with("\x1b[?2026h") && changed.ends_with("\x1b[?2026l"));
    }

    #[test]
    fn the_cursor_is_written_each_time_it_changes_and_only_then() {
        let (mut t, sent) = terminal();
        frame(&mut t, &sent, "x", None);
        let shown = frame(&mut t, &sent, "x", Some((3, 1)));
        assert!(
            shown.contains("\x1b[?25h") && shown.contains("\x1b[2;4H"),
            "{shown:?}"
        );
        assert_eq!(
            frame(&mut t, &sent, "x", Some((3, 1))),
            "",
            "the same cursor again"
        );
        let moved = frame(&mut t, &sent, "x", Some((4, 1)));
        assert!(
            moved.contains("\x1b[2;5H") && !moved.contains("\x1b[?25h"),
            "{moved:?}"
        );
        // A cell drawn moves the terminal's cursor: it is put back.
        let typed = frame(&mut t, &sent, "xy", Some((4, 1)));
        assert!(
            typed.contains('y') && typed.contains("\x1b[2;5H"),
            "{typed:?}"
        );
        let hidden = frame(&mut t, &sent, "xy", None);
        assert!(hidden.contains("\x1b[?25l"), "{hidden:?}");
    }
}
