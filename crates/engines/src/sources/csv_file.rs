//! CSV files as tools export them: a byte-order mark or not, commas or
//! semicolons, quoted fields across lines. Rows come with their line numbers.

use super::SourceProblem;

/// A CSV file read whole: its header and rows, each with the line it starts on.
pub struct Table {
    pub file: String,
    pub headers: Vec<String>,
    pub rows: Vec<(u64, Vec<String>)>,
}

impl Table {
    /// The index of the first header among `names` (compared without case).
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|n| {
            self.headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(n))
        })
    }
}

/// Reads a CSV file's bytes; `file` names it in problems.
pub fn read(bytes: &[u8], file: &str) -> Result<Table, SourceProblem> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // The delimiter is the one the header line holds more of.
    let first = bytes.split(|b| *b == b'\n').next().unwrap_or(&[]);
    let count = |c: u8| first.iter().filter(|b| **b == c).count();
    let delimiter = if count(b';') > count(b',') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(bytes);
    let problem = |line: Option<u64>, message: String| SourceProblem {
        place: match line {
            Some(l) => format!("{file}:{l}"),
            None => file.to_string(),
        },
        field: None,
        message,
    };
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| problem(Some(1), format!("cannot read the header: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err(problem(None, "no header line".into()));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line());
            problem(line, format!("not CSV: {e}"))
        })?;
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        rows.push((line, record.iter().map(|f| f.trim().to_string()).collect()));
    }
    Ok(Table {
        file: file.to_string(),
        headers,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::read;

    #[test]
    fn a_bom_semicolons_and_quoted_newlines() {
        let t = read(
            "\u{feff}Name;Notes\nAcme;\"two\nlines\"\nBeta;x\n".as_bytes(),
            "f.csv",
        )
        .expect("read");
        assert_eq!(t.headers, ["Name", "Notes"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0], (2, vec!["Acme".into(), "two\nlines".into()]));
        assert_eq!(t.rows[1].0, 4);
    }
}
