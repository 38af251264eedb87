//! Tables for people, JSON and CSV for scripts: stable columns, no colour in pipes.

use std::io::Write;

use clap::ValueEnum;
use serde::Serialize;

/// How a command prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Format {
    /// Aligned columns for reading.
    #[default]
    Table,
    /// JSON (pretty), the same shapes as the API.
    Json,
    /// CSV with a header row.
    Csv,
}

/// A table: a header and rows of cells.
pub struct Table {
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Writes aligned columns; the last column is not padded.
    pub fn write_text(&self, out: &mut impl Write) -> std::io::Result<()> {
        let n = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(n) {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let line = |cells: Vec<&str>| {
            let mut s = String::new();
            for (i, c) in cells.iter().enumerate() {
                if i + 1 == cells.len() {
                    s.push_str(c);
                } else {
                    s.push_str(c);
                    s.push_str(&" ".repeat(widths[i] - c.chars().count() + 2));
                }
            }
            s.trim_end().to_string()
        };
        writeln!(out, "{}", line(self.header.clone()))?;
        for row in &self.rows {
            writeln!(out, "{}", line(row.iter().map(String::as_str).collect()))?;
        }
        Ok(())
    }

    pub fn write_csv(&self, out: &mut impl Write) -> std::io::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(&self.header)?;
        for row in &self.rows {
            w.write_record(row)?;
        }
        w.flush()
    }
}

/// Prints `value` as JSON, or `table` as text or CSV.
/// A moment to the minute, as the CLI's tables show it.
pub fn minute(t: &crate::domain::Timestamp) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

pub fn print<T: Serialize>(
    format: Format,
    value: &T,
    table: impl FnOnce() -> Table,
) -> std::io::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, value)?;
            writeln!(out)
        }
        Format::Table => table().write_text(&mut out),
        Format::Csv => table().write_csv(&mut out),
    }
}
