//! Forms: fields bound to a record's JSON paths, validated as you type by the same
//! rules the store applies, turned into the writes that save them.

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;
use serde_json::Value;
use tend_domain::*;

/// How a field is edited.
#[derive(Debug, Clone)]
pub enum Input {
    /// Typed text; `lines` > 1 makes a multi-line editor that tall.
    Text { lines: u16 },
    /// One of a few values (←/→ or Space cycles).
    Choice(Vec<(Value, String)>),
    /// On or off (Space).
    Toggle,
    /// Any number of a list (←/→ moves, Space picks).
    Pick {
        options: Vec<(Value, String)>,
        cursor: usize,
    },
}

/// How typed text becomes a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parse {
    /// The text as written (required when `required`).
    Str,
    /// Empty is null.
    OptStr,
    /// YYYY-MM-DD.
    Date,
    OptDate,
    /// An amount like 4,200 or 99.50, kept in cents.
    Money,
    /// A whole number, 0 or more.
    Count,
    /// An account id, or empty.
    OptId,
    /// Words separated by commas.
    List,
    /// One entry per line.
    Lines,
    /// Links, one per line: "title | url" or just the url.
    Links,
}

/// A choice's options for each value of the fields it follows.
pub type OptionsBy = BTreeMap<String, Vec<(Value, String)>>;

/// One field of a form.
#[derive(Debug, Clone)]
pub struct Field {
    /// Where the value goes in the record ("name", "churn.projected_date",
    /// "custom_fields.tier").
    pub path: Cow<'static, str>,
    pub label: Cow<'static, str>,
    pub input: Input,
    pub parse: Parse,
    pub required: bool,
    /// A date before today is allowed but flagged.
    pub warn_past: bool,
    pub text: TextArea<'static>,
    pub choice: usize,
    pub on: bool,
    pub picked: Vec<bool>,
    pub error: Option<String>,
    pub warning: Option<String>,
    /// A custom field's definition: a typed value must fit it.
    pub custom: Option<CustomField>,
    /// A choice whose options follow other fields (a churn reason under its
    /// category): those fields, and the options for each of their values
    /// (joined by " > "); a value missing from the map offers the first option only.
    pub follows: Option<(Vec<usize>, OptionsBy)>,
    /// A value the form keeps for the app instead of writing it into the record
    /// (a file to attach: its path on this machine).
    pub local: bool,
    /// The record's fields whose checks a local field stands in for while it
    /// has a value (a file attached: the link may be empty).
    pub covers: &'static [&'static str],
}

impl Field {
    fn new(
        path: impl Into<Cow<'static, str>>,
        label: impl Into<Cow<'static, str>>,
        input: Input,
        parse: Parse,
    ) -> Field {
        let (path, label) = (path.into(), label.into());
        let picked = match &input {
            Input::Pick { options, .. } => vec![false; options.len()],
            _ => vec![],
        };
        Field {
            path,
            label,
            input,
            parse,
            required: false,
            warn_past: false,
            text: TextArea::default(),
            choice: 0,
            on: false,
            picked,
            error: None,
            warning: None,
            custom: None,
            follows: None,
            local: false,
            covers: &[],
        }
    }

    pub fn text(
        path: impl Into<Cow<'static, str>>,
        label: impl Into<Cow<'static, str>>,
        parse: Parse,
    ) -> Field {
        Field::new(path, label, Input::Text { lines: 1 }, parse)
    }

    pub fn area(path: &'static str, label: &'static str, lines: u16, parse: Parse) -> Field {
        Field::new(path, label, Input::Text { lines }, parse)
    }

    pub fn choice(
        path: impl Into<Cow<'static, str>>,
        label: impl Into<Cow<'static, str>>,
        options: Vec<(Value, String)>,
    ) -> Field {
        Field::new(path, label, Input::Choice(options), Parse::Str)
    }

    /// A choice among the names of a named enum.
    pub fn named<T: Named + 'static>(path: &'static str, label: &'static str, all: &[T]) -> Field {
        let options = all
            .iter()
            .map(|v| {
                (
                    Value::String(v.as_str().into()),
                    v.as_str().replace('_', " "),
                )
            })
            .collect();
        Field::choice(path, label, options)
    }

    pub fn toggle(path: &'static str, label: &'static str) -> Field {
        Field::new(path, label, Input::Toggle, Parse::Str)
    }

    pub fn pick(path: &'static str, label: &'static str, options: Vec<(Value, String)>) -> Field {
        Field::new(path, label, Input::Pick { options, cursor: 0 }, Parse::Str)
    }

    /// Kept for the app, not written into the record; while it has a value, the
    /// record's checks of `covers` are left to the app.
    pub fn local(mut self, covers: &'static [&'static str]) -> Field {
        self.local = true;
        self.covers = covers;
        self
    }

    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }

    pub fn warn_past(mut self) -> Field {
        self.warn_past = true;
        self
    }

    /// A custom field's value: it must fit the definition.
    pub fn custom(mut self, def: CustomField) -> Field {
        self.custom = Some(def);
        self
    }

    /// A choice whose options follow the values of the fields `parents`.
    pub fn follows(mut self, parents: Vec<usize>, options: OptionsBy) -> Field {
        self.follows = Some((parents, options));
        self
    }

    pub fn multiline(&self) -> bool {
        matches!(self.input, Input::Text { lines } if lines > 1)
    }

    /// Sets the field from the record's value at its path.
    pub fn load(&mut self, v: &Value) {
        match &self.input {
            Input::Text { .. } => {
                let s = match (self.parse, v) {
                    (_, Value::Null) => String::new(),
                    (Parse::Money, Value::Number(n)) => money_text(n.as_i64().unwrap_or(0)),
                    (Parse::List, Value::Array(a)) => strings(a).join(", "),
                    (Parse::Lines, Value::Array(a)) => strings(a).join("\n"),
                    (Parse::Links, Value::Array(a)) => a
                        .iter()
                        .map(|l| {
                            let t = l["title"].as_str().unwrap_or_default();
                            let u = l["url"].as_str().unwrap_or_default();
                            if t.is_empty() || t == u {
                                u.to_string()
                            } else {
                                format!("{t} | {u}")
                            }
                        })
                        .collect::<Vec<_>>()
                        .join("\n"),
                    (_, Value::String(s)) => s.clone(),
                    (_, other) => other.to_string(),
                };
                self.set_text(&s);
            }
            Input::Choice(options) => {
                self.choice = options.iter().position(|(o, _)| o == v).unwrap_or(0);
            }
            Input::Toggle => self.on = v.as_bool().unwrap_or(false),
            Input::Pick { options, .. } => {
                let have = v.as_array().cloned().unwrap_or_default();
                self.picked = options.iter().map(|(o, _)| have.contains(o)).collect();
            }
        }
    }

    pub fn set_text(&mut self, s: &str) {
        let mut t = TextArea::new(s.split('\n').map(String::from).collect());
        t.move_cursor(ratatui_textarea::CursorMove::Bottom);
        t.move_cursor(ratatui_textarea::CursorMove::End);
        if self.multiline() {
            t.set_wrap_mode(ratatui_textarea::WrapMode::WordOrGlyph);
        }
        self.text = t;
    }

    /// The text as typed (lines joined).
    pub fn raw_text(&self) -> String {
        self.text.lines().join("\n")
    }

    /// What the user sees, to tell a changed field from an untouched one.
    pub fn raw(&self) -> String {
        match &self.input {
            Input::Text { .. } => self.raw_text(),
            Input::Choice(_) => self.choice.to_string(),
            Input::Toggle => self.on.to_string(),
            Input::Pick { .. } => format!("{:?}", self.picked),
        }
    }

    /// The field's value, or why it has none.
    pub fn value(&self, today: NaiveDate) -> Result<Value, String> {
        match &self.input {
            Input::Choice(options) => Ok(options
                .get(self.choice)
                .map(|(v, _)| v.clone())
                .unwrap_or(Value::Null)),
            Input::Toggle => Ok(Value::Bool(self.on)),
            Input::Pick { options, .. } => Ok(Value::Array(
                options
                    .iter()
                    .zip(&self.picked)
                    .filter(|(_, p)| **p)
                    .map(|((v, _), _)| v.clone())
                    .collect(),
            )),
            Input::Text { .. } => self.parse_text(today),
        }
    }

    fn parse_text(&self, _today: NaiveDate) -> Result<Value, String> {
        let raw = self.raw_text();
        let s = raw.trim();
        if self.required && s.is_empty() {
            return Err("must not be empty".into());
        }
        if let Some(def) = &self.custom {
            def.check_value(s)?;
        }
        let date = |s: &str| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(|d| Value::String(d.to_string()))
                .map_err(|_| format!("'{s}' is not a date (YYYY-MM-DD)"))
        };
        match self.parse {
            Parse::Str => Ok(Value::String(if self.multiline() {
                raw.trim_end().to_string()
            } else {
                s.to_string()
            })),
            Parse::OptStr if s.is_empty() => Ok(Value::Null),
            Parse::OptStr => Ok(Value::String(s.to_string())),
            Parse::Date => date(s),
            Parse::OptDate if s.is_empty() => Ok(Value::Null),
            Parse::OptDate => date(s),
            Parse::Money => parse_money(s).map(Value::from),
            Parse::Count => s
                .parse::<u32>()
                .map(Value::from)
                .map_err(|_| format!("'{s}' is not a whole number of 0 or more")),
            Parse::OptId if s.is_empty() => Ok(Value::Null),
            Parse::OptId => s
                .parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .map(Value::from)
                .ok_or_else(|| format!("'{s}' is not an account id")),
            Parse::List => Ok(Value::Array(
                s.split(',')
                    .map(str::trim)
                    .filter(|w| !w.is_empty())
                    .map(|w| Value::String(w.into()))
                    .collect(),
            )),
            Parse::Lines => Ok(Value::Array(
                raw.lines()
                    .map(str::trim)
                    .filter(|w| !w.is_empty())
                    .map(|w| Value::String(w.into()))
                    .collect(),
            )),
            Parse::Links => raw
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|l| {
                    let (title, url) = match l.split_once('|') {
                        Some((t, u)) => (t.trim(), u.trim()),
                        None => (l, l),
                    };
                    if url.is_empty() {
                        return Err(format!("'{l}' has no link after |"));
                    }
                    Ok(serde_json::json!({ "title": title, "url": url }))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
        }
    }

    /// What the field shows when it is not being edited.
    pub fn display(&self) -> String {
        match &self.input {
            Input::Text { .. } => self.raw_text(),
            Input::Choice(options) => options
                .get(self.choice)
                .map(|(_, l)| l.clone())
                .unwrap_or_default(),
            Input::Toggle => if self.on { "[x] yes" } else { "[ ] no" }.into(),
            Input::Pick { options, .. } => {
                let picked: Vec<&str> = options
                    .iter()
                    .zip(&self.picked)
                    .filter(|(_, p)| **p)
                    .map(|((_, l), _)| l.as_str())
                    .collect();
                if picked.is_empty() {
                    "none".into()
                } else {
                    picked.join(", ")
                }
            }
        }
    }
}

fn strings(a: &[Value]) -> Vec<String> {
    a.iter()
        .map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect()
}

/// Cents as the form writes them: 4,200 or 4,200.50.
pub fn money_text(cents: i64) -> String {
    tend_domain::format::money(cents).replacen('$', "", 1)
}

/// "4,200", "$4200.5", "99.99" → cents.
pub fn parse_money(s: &str) -> Result<i64, String> {
    let t: String = s
        .chars()
        .filter(|c| !matches!(c, ',' | '$' | ' '))
        .collect();
    let bad = || format!("'{s}' is not an amount (like 4,200 or 99.50)");
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    if whole.is_empty() && frac.is_empty() || frac.len() > 2 || whole.starts_with('-') {
        return Err(bad());
    }
    let w: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let f: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().map_err(|_| bad())?
    };
    w.checked_mul(100)
        .and_then(|c| c.checked_add(f))
        .ok_or_else(bad)
}

/// What a form is doing.
#[derive(Debug, Clone, PartialEq)]
pub enum FormState {
    Editing,
    /// Esc on a changed form: discard?
    ConfirmDiscard,
    Saving,
    /// The store refused the write: the record changed since the form opened.
    Conflict(String),
}

/// A record being created or edited.
#[derive(Debug, Clone)]
pub struct Form {
    pub title: String,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// The record as loaded (or the template of a new one).
    pub base: Record,
    pub creating: bool,
    /// Each field as it was when the form opened (to know what the user changed).
    initial: Vec<String>,
    pub state: FormState,
    /// What the store said when it refused the last save (beyond a field).
    pub error: Option<String>,
    pub today: NaiveDate,
    /// A save was tried: every error shows, touched or not.
    pub tried: bool,
}

/// What a key did to a form.
#[derive(Debug, Clone, PartialEq)]
pub enum FormOutcome {
    Stay,
    Close,
    /// Save this record.
    Save(Box<Record>),
    /// Reload the record the form edits (after a conflict).
    Reload,
}

impl Form {
    pub fn new(
        title: String,
        base: Record,
        creating: bool,
        fields: Vec<Field>,
        today: NaiveDate,
    ) -> Form {
        let mut form = Form {
            title,
            fields,
            focus: 0,
            base,
            creating,
            initial: vec![],
            state: FormState::Editing,
            error: None,
            today,
            tried: false,
        };
        let json = form.base_json();
        // A local field starts empty: the record holds nothing of it.
        for f in form.fields.iter_mut().filter(|f| !f.local) {
            f.load(&lookup(&json, &f.path));
        }
        // Options that follow other fields are known once those are loaded.
        for i in 0..form.fields.len() {
            if form.fields[i].follows.is_some() {
                form.follow_one(i);
                let f = &mut form.fields[i];
                f.load(&lookup(&json, &f.path));
            }
        }
        form.initial = form.fields.iter().map(Field::raw).collect();
        form.validate();
        form
    }

    fn base_json(&self) -> Value {
        serde_json::to_value(&self.base)
            .map(|mut v| v["record"].take())
            .unwrap_or(Value::Null)
    }

    /// Whether field `i`'s error is shown: once it was changed, or a save was tried
    /// (a fresh form is not a wall of red).
    pub fn shows_error(&self, i: usize) -> bool {
        self.tried || self.fields.get(i).map(Field::raw).as_ref() != self.initial.get(i)
    }

    /// Whether the user changed anything.
    pub fn changed(&self) -> bool {
        self.fields
            .iter()
            .zip(&self.initial)
            .any(|(f, i)| f.raw() != *i)
    }

    /// The record the fields describe, or the fields that are wrong.
    pub fn build(&self) -> Result<Record, Vec<(usize, String)>> {
        let mut json = self.base_json();
        let mut errors = vec![];
        for (i, f) in self.fields.iter().enumerate() {
            // A field that does not parse keeps the record's value, so the rules
            // across fields (an end before its start) are still checked.
            match f.value(self.today) {
                // The app's, not the record's.
                Ok(_) if f.local => {}
                // An empty custom field is no entry at all.
                Ok(Value::Null) if f.custom.is_some() => unset(&mut json, &f.path),
                Ok(v) => set(&mut json, &f.path, v),
                Err(e) => errors.push((i, e)),
            }
        }
        let kind = self.base.kind();
        let record: Record = match serde_json::from_value(serde_json::json!({
            "kind": kind.as_str(),
            "record": json,
        })) {
            Ok(r) => r,
            Err(e) => {
                errors.push((self.focus, e.to_string()));
                return Err(errors);
            }
        };
        // Checks a local field with a value stands in for.
        let covered: Vec<&str> = self
            .fields
            .iter()
            .filter(|f| f.local && f.value(self.today).is_ok_and(|v| !v.is_null()))
            .flat_map(|f| f.covers.iter().copied())
            .collect();
        for e in check_record(&record) {
            if covered.contains(&e.field.as_str()) {
                continue;
            }
            let i = self.field_of(&e.field);
            if !errors.iter().any(|(j, _)| *j == i) {
                errors.push((i, e.message));
            }
        }
        if errors.is_empty() {
            Ok(record)
        } else {
            Err(errors)
        }
    }

    /// The text of the local field at `path`, when it holds more than blanks.
    pub fn local_text(&self, path: &str) -> Option<String> {
        self.fields
            .iter()
            .find(|f| f.local && f.path == path)
            .map(|f| f.raw_text().trim().to_string())
            .filter(|t| !t.is_empty())
    }

    /// The field a record field name belongs to (the focused one when none does).
    pub fn field_of(&self, name: &str) -> usize {
        self.fields
            .iter()
            .position(|f| f.path == name || name.ends_with(&format!(".{}", f.path)))
            .unwrap_or(self.focus)
    }

    /// Checks every field again; answers whether the form can be saved.
    pub fn validate(&mut self) -> bool {
        for f in &mut self.fields {
            f.error = None;
            f.warning = None;
        }
        let ok = match self.build() {
            Ok(_) => true,
            Err(errors) => {
                for (i, e) in errors {
                    if let Some(f) = self.fields.get_mut(i) {
                        f.error.get_or_insert(e);
                    }
                }
                false
            }
        };
        let today = self.today;
        for f in &mut self.fields {
            if f.warn_past
                && let Ok(Value::String(s)) = f.value(today)
                && s.as_str() < today.to_string().as_str()
            {
                f.warning = Some("in the past".into());
            }
        }
        ok
    }

    /// After a conflict: the fresh record becomes the base; fields the user changed
    /// keep the user's value, the others take the fresh one.
    pub fn rebase(&mut self, fresh: Record) {
        self.base = fresh;
        let json = self.base_json();
        for (f, initial) in self.fields.iter_mut().zip(self.initial.iter_mut()) {
            if f.local {
                continue;
            }
            let mine = f.raw() != *initial;
            let kept = f.clone();
            f.load(&lookup(&json, &f.path));
            *initial = f.raw();
            if mine {
                *f = kept;
            }
        }
        self.state = FormState::Editing;
        self.error = None;
        self.validate();
    }

    /// Takes pasted text into the field in focus, whole: a multi-line field keeps
    /// its line breaks, a one-line field gets them as spaces (a pasted line break
    /// never saves the form). Other fields take no text.
    pub fn paste(&mut self, text: &str) {
        if !matches!(self.state, FormState::Editing) {
            return;
        }
        let f = &mut self.fields[self.focus];
        if !matches!(f.input, Input::Text { .. }) {
            return;
        }
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        let text = if f.multiline() {
            text
        } else {
            text.replace(['\n', '\t'], " ")
        };
        let text: String = text
            .chars()
            .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
            .collect();
        f.text.insert_str(text);
        self.validate();
    }

    /// Applies a key.
    pub fn key(&mut self, k: KeyEvent) -> FormOutcome {
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        match &self.state {
            FormState::Saving => return FormOutcome::Stay,
            FormState::ConfirmDiscard => {
                return match k.code {
                    KeyCode::Char('y') | KeyCode::Char('Y') => FormOutcome::Close,
                    _ => {
                        self.state = FormState::Editing;
                        FormOutcome::Stay
                    }
                };
            }
            FormState::Conflict(_) => {
                return match k.code {
                    KeyCode::Char('r') | KeyCode::Char('R') => FormOutcome::Reload,
                    KeyCode::Esc => {
                        self.state = FormState::Editing;
                        FormOutcome::Stay
                    }
                    _ => FormOutcome::Stay,
                };
            }
            FormState::Editing => {}
        }
        let n = self.fields.len();
        let multiline = self.fields[self.focus].multiline();
        match k.code {
            KeyCode::Esc => {
                if self.changed() {
                    self.state = FormState::ConfirmDiscard;
                    return FormOutcome::Stay;
                }
                return FormOutcome::Close;
            }
            KeyCode::Char('s') if ctrl => return self.save(),
            KeyCode::Enter if !multiline => return self.save(),
            KeyCode::Tab => self.focus = (self.focus + 1) % n,
            KeyCode::BackTab => self.focus = (self.focus + n - 1) % n,
            KeyCode::Down if !multiline => self.focus = (self.focus + 1) % n,
            KeyCode::Up if !multiline => self.focus = (self.focus + n - 1) % n,
            _ => {
                self.edit(k);
                self.follow();
            }
        }
        self.validate();
        FormOutcome::Stay
    }

    /// Gives each field that follows others the options of their values now,
    /// keeping its value when it is still offered (in field order: a field
    /// following one that follows sees it updated first).
    fn follow(&mut self) {
        for i in 0..self.fields.len() {
            self.follow_one(i);
        }
    }

    fn follow_one(&mut self, i: usize) {
        {
            let Some((parents, by)) = &self.fields[i].follows else {
                return;
            };
            let key: Vec<String> = parents
                .iter()
                .filter_map(|&p| self.fields.get(p))
                .map(|p| match p.value(self.today) {
                    Ok(Value::String(s)) => s,
                    _ => String::new(),
                })
                .collect();
            let key = key.join(" > ");
            let Input::Choice(current) = &self.fields[i].input else {
                return;
            };
            let options = match by.get(&key) {
                Some(o) => o.clone(),
                None => current.iter().take(1).cloned().collect(),
            };
            let f = &mut self.fields[i];
            let was = match &f.input {
                Input::Choice(o) => o.get(f.choice).map(|(v, _)| v.clone()),
                _ => None,
            };
            f.choice = was
                .and_then(|w| options.iter().position(|(v, _)| *v == w))
                .unwrap_or(0);
            f.input = Input::Choice(options);
        }
    }

    pub(crate) fn save(&mut self) -> FormOutcome {
        self.tried = true;
        if !self.validate() {
            if let Some(i) = self.fields.iter().position(|f| f.error.is_some()) {
                self.focus = i;
            }
            return FormOutcome::Stay;
        }
        match self.build() {
            Ok(record) => {
                self.state = FormState::Saving;
                self.error = None;
                FormOutcome::Save(Box::new(record))
            }
            Err(_) => FormOutcome::Stay,
        }
    }

    fn edit(&mut self, k: KeyEvent) {
        let f = &mut self.fields[self.focus];
        match &mut f.input {
            Input::Text { lines } => {
                if *lines <= 1 && matches!(k.code, KeyCode::Enter) {
                    return;
                }
                // Ctrl-U clears to the start of the line as in every one-line
                // prompt (the text area's own binding is undo: Ctrl-Z here).
                let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
                match k.code {
                    KeyCode::Char('u') if ctrl => {
                        f.text.delete_line_by_head();
                    }
                    KeyCode::Char('z') if ctrl => {
                        f.text.undo();
                    }
                    _ => {
                        f.text.input(k);
                    }
                }
            }
            Input::Choice(options) => {
                let n = options.len().max(1);
                match k.code {
                    KeyCode::Left => f.choice = (f.choice + n - 1) % n,
                    KeyCode::Right | KeyCode::Char(' ') => f.choice = (f.choice + 1) % n,
                    // A letter picks the next option starting with it.
                    KeyCode::Char(c) => {
                        let c = c.to_ascii_lowercase();
                        if let Some(i) = (1..=n)
                            .map(|d| (f.choice + d) % n)
                            .find(|i| options[*i].1.to_lowercase().starts_with(c))
                        {
                            f.choice = i;
                        }
                    }
                    _ => {}
                }
            }
            Input::Toggle => {
                if matches!(k.code, KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right) {
                    f.on = !f.on;
                }
            }
            Input::Pick { options, cursor } => {
                let n = options.len();
                match k.code {
                    KeyCode::Left if n > 0 => *cursor = (*cursor + n - 1) % n,
                    KeyCode::Right if n > 0 => *cursor = (*cursor + 1) % n,
                    KeyCode::Char(' ') if n > 0 => {
                        if let Some(p) = f.picked.get_mut(*cursor) {
                            *p = !*p;
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// Puts the store's refusal on the form: a field error on its field, a conflict
    /// as the conflict state, anything else as the form's error.
    pub fn refused(&mut self, e: &tend_backend::Error) {
        use tend_backend::Error;
        self.state = FormState::Editing;
        match e {
            Error::Conflict {
                kind,
                expected,
                actual,
                ..
            } => {
                self.state = FormState::Conflict(format!(
                    "this {} was changed elsewhere since you opened it (you edited version {expected}, it is at {actual})",
                    kind.as_str().replace('_', " ")
                ))
            }
            Error::Invalid { field, message } => {
                let name = field.rsplit("].").next().unwrap_or(field);
                let i = self.field_of(name);
                if self.fields.get(i).is_some_and(|f| f.path == name) {
                    self.fields[i].error = Some(message.clone());
                    self.focus = i;
                } else {
                    self.error = Some(e.to_string());
                }
            }
            other => self.error = Some(other.to_string()),
        }
    }
}

/// The value at a dotted path (null when absent).
fn lookup(v: &Value, path: &str) -> Value {
    path.split('.')
        .try_fold(v, |v, k| v.get(k))
        .cloned()
        .unwrap_or(Value::Null)
}

/// Removes the entry at a dotted path (`custom_fields.tier`), if there is one.
fn unset(v: &mut Value, path: &str) {
    let (parent, key) = path.rsplit_once('.').unwrap_or(("", path));
    let target = if parent.is_empty() {
        Some(v)
    } else {
        parent.split('.').try_fold(v, |v, k| v.get_mut(k))
    };
    if let Some(Value::Object(map)) = target {
        map.remove(key);
    }
}

/// Sets the value at a dotted path, making objects on the way.
fn set(v: &mut Value, path: &str, value: Value) {
    let mut cur = v;
    let mut keys = path.split('.').peekable();
    while let Some(k) = keys.next() {
        if !cur.is_object() {
            *cur = Value::Object(Default::default());
        }
        let Value::Object(map) = cur else { return };
        if keys.peek().is_none() {
            map.insert(k.to_string(), value);
            return;
        }
        cur = map.entry(k.to_string()).or_insert(Value::Null);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_and_writes() {
        assert_eq!(parse_money("4,200"), Ok(420_000));
        assert_eq!(parse_money("$99.5"), Ok(9_950));
        assert_eq!(parse_money(".05"), Ok(5));
        assert!(parse_money("-3").is_err());
        assert!(parse_money("1.234").is_err());
        assert!(parse_money("ten").is_err());
        assert!(parse_money("").is_err());
        assert_eq!(money_text(420_050), "4,200.50");
        assert_eq!(money_text(0), "0");
    }

    #[test]
    fn paths_set_and_read_nested_values() {
        let mut v = serde_json::json!({ "churn": { "likelihood": "none" } });
        set(
            &mut v,
            "churn.projected_date",
            Value::String("2027-01-01".into()),
        );
        set(&mut v, "name", Value::String("x".into()));
        assert_eq!(lookup(&v, "churn.projected_date"), "2027-01-01");
        assert_eq!(lookup(&v, "churn.likelihood"), "none");
        assert_eq!(lookup(&v, "missing.path"), Value::Null);
    }
}
