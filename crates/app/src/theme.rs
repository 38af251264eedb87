//! Colours: dark, light and 16-colour themes, and no colour at all (NO_COLOR).

use ratatui::style::{Color, Modifier, Style};
use tend_domain::{HealthStatus, Priority, RunColour, SentimentLabel};

/// A theme's name as settings spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ThemeName {
    #[default]
    Dark,
    Light,
    /// The 16 ANSI colours only (old terminals, screen, some SSH clients).
    Basic,
}

impl std::str::FromStr for ThemeName {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "dark" => Ok(ThemeName::Dark),
            "light" => Ok(ThemeName::Light),
            "16" | "basic" | "16-colour" | "16-color" => Ok(ThemeName::Basic),
            _ => Err(format!("unknown theme \"{s}\" (dark, light or 16)")),
        }
    }
}

/// Every style the screens use. Health colour is information: it never depends on
/// anything but the status.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub base: Style,
    pub dim: Style,
    pub title: Style,
    pub accent: Style,
    pub border: Style,
    pub border_focus: Style,
    pub selected: Style,
    pub header: Style,
    pub key: Style,
    pub error: Style,
    pub warning: Style,
    pub healthy: Style,
    pub concerning: Style,
    pub at_risk: Style,
    pub no_data: Style,
    pub positive: Style,
    pub negative: Style,
    pub neutral: Style,
    pub blue: Style,
    /// The chart's curves, each its own colour (all alike without colour: the
    /// curves then have their own marks, see `curve_mark`).
    pub curves: [Style; CURVES],
    /// Whether colours are on (NO_COLOR turns them off; marks stay).
    pub colour: bool,
}

/// How many curves have a colour and a mark of their own (more take them again).
pub const CURVES: usize = 8;

/// The mark a curve is drawn with when there is no colour to tell it (NO_COLOR)
/// or the chart is drawn in ASCII: the overall score a dot (`*` in ASCII).
pub fn curve_mark(k: usize, ascii: bool) -> char {
    const MARKS: [char; CURVES] = ['•', '+', 'x', 'o', '#', '@', '%', '&'];
    match (k % CURVES, ascii) {
        (0, true) => '*',
        (i, _) => MARKS[i],
    }
}

impl Theme {
    pub fn new(name: ThemeName, no_color: bool) -> Theme {
        if no_color {
            return Theme::plain();
        }
        let fg = |c: Color| Style::new().fg(c);
        match name {
            ThemeName::Dark => Theme {
                base: Style::new(),
                dim: fg(Color::Rgb(128, 128, 140)),
                title: fg(Color::Rgb(230, 230, 240)).add_modifier(Modifier::BOLD),
                accent: fg(Color::Rgb(110, 170, 255)),
                border: fg(Color::Rgb(80, 80, 95)),
                border_focus: fg(Color::Rgb(110, 170, 255)),
                selected: Style::new()
                    .bg(Color::Rgb(45, 55, 80))
                    .add_modifier(Modifier::BOLD),
                header: fg(Color::Rgb(160, 160, 175)).add_modifier(Modifier::BOLD),
                key: fg(Color::Rgb(240, 200, 100)).add_modifier(Modifier::BOLD),
                error: fg(Color::Rgb(255, 95, 95)).add_modifier(Modifier::BOLD),
                warning: fg(Color::Rgb(240, 200, 100)),
                healthy: fg(Color::Rgb(80, 200, 120)),
                concerning: fg(Color::Rgb(235, 190, 60)),
                at_risk: fg(Color::Rgb(240, 85, 85)),
                no_data: fg(Color::Rgb(128, 128, 140)),
                positive: fg(Color::Rgb(80, 200, 120)),
                negative: fg(Color::Rgb(240, 85, 85)),
                neutral: fg(Color::Rgb(170, 170, 180)),
                blue: fg(Color::Rgb(110, 170, 255)),
                curves: [
                    fg(Color::Rgb(230, 230, 240)),
                    fg(Color::Rgb(110, 170, 255)),
                    fg(Color::Rgb(80, 200, 120)),
                    fg(Color::Rgb(235, 190, 60)),
                    fg(Color::Rgb(200, 130, 255)),
                    fg(Color::Rgb(255, 140, 80)),
                    fg(Color::Rgb(80, 210, 210)),
                    fg(Color::Rgb(255, 120, 180)),
                ],
                colour: true,
            },
            ThemeName::Light => Theme {
                base: Style::new(),
                dim: fg(Color::Rgb(110, 110, 120)),
                title: fg(Color::Rgb(20, 20, 30)).add_modifier(Modifier::BOLD),
                accent: fg(Color::Rgb(20, 90, 200)),
                border: fg(Color::Rgb(170, 170, 180)),
                border_focus: fg(Color::Rgb(20, 90, 200)),
                selected: Style::new()
                    .bg(Color::Rgb(210, 225, 250))
                    .add_modifier(Modifier::BOLD),
                header: fg(Color::Rgb(70, 70, 80)).add_modifier(Modifier::BOLD),
                key: fg(Color::Rgb(150, 90, 0)).add_modifier(Modifier::BOLD),
                error: fg(Color::Rgb(190, 20, 20)).add_modifier(Modifier::BOLD),
                warning: fg(Color::Rgb(150, 90, 0)),
                healthy: fg(Color::Rgb(0, 130, 60)),
                concerning: fg(Color::Rgb(170, 110, 0)),
                at_risk: fg(Color::Rgb(200, 30, 30)),
                no_data: fg(Color::Rgb(110, 110, 120)),
                positive: fg(Color::Rgb(0, 130, 60)),
                negative: fg(Color::Rgb(200, 30, 30)),
                neutral: fg(Color::Rgb(90, 90, 100)),
                blue: fg(Color::Rgb(20, 90, 200)),
                curves: [
                    fg(Color::Rgb(20, 20, 30)),
                    fg(Color::Rgb(20, 90, 200)),
                    fg(Color::Rgb(0, 130, 60)),
                    fg(Color::Rgb(170, 110, 0)),
                    fg(Color::Rgb(130, 40, 190)),
                    fg(Color::Rgb(210, 80, 0)),
                    fg(Color::Rgb(0, 130, 140)),
                    fg(Color::Rgb(190, 30, 110)),
                ],
                colour: true,
            },
            ThemeName::Basic => Theme {
                base: Style::new(),
                dim: fg(Color::DarkGray),
                title: Style::new().add_modifier(Modifier::BOLD),
                accent: fg(Color::Cyan),
                border: fg(Color::DarkGray),
                border_focus: fg(Color::Cyan),
                selected: Style::new().add_modifier(Modifier::REVERSED),
                header: Style::new().add_modifier(Modifier::BOLD),
                key: fg(Color::Yellow).add_modifier(Modifier::BOLD),
                error: fg(Color::Red).add_modifier(Modifier::BOLD),
                warning: fg(Color::Yellow),
                healthy: fg(Color::Green),
                concerning: fg(Color::Yellow),
                at_risk: fg(Color::Red),
                no_data: fg(Color::DarkGray),
                positive: fg(Color::Green),
                negative: fg(Color::Red),
                neutral: Style::new(),
                blue: fg(Color::Blue),
                curves: [
                    fg(Color::White),
                    fg(Color::Blue),
                    fg(Color::Green),
                    fg(Color::Yellow),
                    fg(Color::Magenta),
                    fg(Color::Red),
                    fg(Color::Cyan),
                    fg(Color::LightBlue),
                ],
                colour: true,
            },
        }
    }

    /// No colour: bold and reverse only, so selection and titles still show.
    pub fn plain() -> Theme {
        let s = Style::new();
        let bold = s.add_modifier(Modifier::BOLD);
        Theme {
            base: s,
            dim: s,
            title: bold,
            accent: s,
            border: s,
            border_focus: bold,
            selected: s.add_modifier(Modifier::REVERSED),
            header: bold,
            key: bold,
            error: bold,
            warning: s,
            healthy: s,
            concerning: s,
            at_risk: bold,
            no_data: s,
            positive: s,
            negative: s,
            neutral: s,
            blue: s,
            curves: [s; CURVES],
            colour: false,
        }
    }

    /// The colour of the chart's `k`th curve.
    pub fn curve(&self, k: usize) -> Style {
        self.curves[k % CURVES]
    }

    pub fn health(&self, status: Option<HealthStatus>) -> Style {
        match status {
            Some(HealthStatus::Healthy) => self.healthy,
            Some(HealthStatus::Concerning) => self.concerning,
            Some(HealthStatus::AtRisk) => self.at_risk,
            None => self.no_data,
        }
    }

    /// A case's priority: urgent in the at-risk colour, high in the concerning one.
    pub fn priority(&self, p: Priority) -> Style {
        match p {
            Priority::Urgent => self.at_risk,
            Priority::High => self.concerning,
            _ => self.base,
        }
    }

    pub fn sentiment(&self, label: SentimentLabel) -> Style {
        match label {
            SentimentLabel::Positive => self.positive,
            SentimentLabel::Neutral => self.neutral,
            SentimentLabel::Negative => self.negative,
        }
    }

    pub fn run(&self, colour: RunColour) -> Style {
        match colour {
            RunColour::Green => self.healthy,
            RunColour::Blue => self.blue,
            RunColour::Orange => self.concerning,
            RunColour::Red => self.at_risk,
        }
    }
}

/// The mark shown next to a health colour, so the status reads without colour too.
pub fn health_mark(status: Option<HealthStatus>) -> &'static str {
    match status {
        Some(HealthStatus::Healthy) => "●",
        Some(HealthStatus::Concerning) => "▲",
        Some(HealthStatus::AtRisk) => "■",
        None => "○",
    }
}

/// The trend arrow: up, down or flat (changes under half a point are flat).
pub fn trend_arrow(trend: Option<f64>) -> &'static str {
    match trend {
        Some(t) if t >= 0.5 => "↑",
        Some(t) if t <= -0.5 => "↓",
        Some(_) => "→",
        None => " ",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_curve_has_its_own_colour_and_its_own_mark() {
        for name in [ThemeName::Dark, ThemeName::Light, ThemeName::Basic] {
            let t = Theme::new(name, false);
            for i in 0..CURVES {
                for j in 0..i {
                    assert_ne!(t.curve(i), t.curve(j), "{name:?}: curves {i} and {j}");
                }
            }
        }
        for ascii in [false, true] {
            for i in 0..CURVES {
                assert!(!ascii || curve_mark(i, ascii).is_ascii());
                for j in 0..i {
                    assert_ne!(curve_mark(i, ascii), curve_mark(j, ascii));
                }
            }
        }
    }
}
