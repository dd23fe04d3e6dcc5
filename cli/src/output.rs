//! Where and how the command writes: colour decided once per stream, stdout for the result
//! only, notes, logs and progress on stderr.

use std::io::{self, IsTerminal, Write};

use anstream::AutoStream;
use anstyle::{AnsiColor, Style as Ansi};
use clap::ValueEnum;

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ColorChoice {
    /// Colour each of stdout and stderr that is a terminal, when `NO_COLOR` is unset or empty and `TERM` is not `dumb`.
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// The environment variables that decide colour, read once in `main`.
#[derive(Debug, Clone, Default)]
pub struct ColorEnv {
    /// `NO_COLOR`.
    pub no_color: Option<String>,
    /// `TERM`.
    pub term: Option<String>,
}

impl ColorChoice {
    /// Whether a stream gets escape codes: never with `--json`; with `auto`, when the stream
    /// is a terminal, `NO_COLOR` is unset or empty and `TERM` is not `dumb` (an explicit
    /// `--color always` outranks `NO_COLOR`, as no-color.org asks).
    fn decide(self, json: bool, env: &ColorEnv, terminal: bool) -> bool {
        !json
            && match self {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => {
                    terminal
                        && env.no_color.as_deref().is_none_or(str::is_empty)
                        && env.term.as_deref() != Some("dumb")
                }
            }
    }
}

/// Text styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Headings and the recommended figures.
    Bold,
    /// Good news.
    Green,
    /// Warnings.
    Yellow,
}

impl Style {
    fn ansi(self) -> Ansi {
        match self {
            Style::Bold => Ansi::new().bold(),
            Style::Green => AnsiColor::Green.on_default(),
            Style::Yellow => AnsiColor::Yellow.on_default(),
        }
    }
}

/// The output settings every command asks.
#[derive(Debug, Clone)]
pub struct Output {
    stdout_color: bool,
    stderr_color: bool,
    json: bool,
    quiet: bool,
    stderr_terminal: bool,
}

impl Output {
    /// Decides colour for stdout and for stderr, and verbosity, once.
    pub fn new(choice: ColorChoice, json: bool, quiet: bool, env: &ColorEnv) -> Self {
        let stderr_terminal = io::stderr().is_terminal();
        Self {
            stdout_color: choice.decide(json, env, io::stdout().is_terminal()),
            stderr_color: choice.decide(json, env, stderr_terminal),
            json,
            quiet,
            stderr_terminal,
        }
    }

    /// Whether to print JSON.
    pub fn json(&self) -> bool {
        self.json
    }

    /// Whether notes on stderr are suppressed.
    pub fn quiet(&self) -> bool {
        self.quiet
    }

    /// Whether what goes to stderr (notes, logs) may carry escape codes.
    pub fn stderr_color(&self) -> bool {
        self.stderr_color
    }

    /// Whether progress bars are drawn (stderr a terminal, not quiet, not JSON).
    pub fn progress_bars(&self) -> bool {
        self.stderr_terminal && !self.quiet && !self.json
    }

    /// `text` in `style` for stdout, when stdout gets colour.
    pub fn paint(&self, text: &str, style: Style) -> String {
        paint(text, style, self.stdout_color)
    }

    /// Writes the result text to stdout.
    ///
    /// # Errors
    ///
    /// The write error (a broken pipe is handled by `main`).
    pub fn print(&self, text: &str) -> io::Result<()> {
        let mut out = AutoStream::new(io::stdout().lock(), choice(self.stdout_color));
        out.write_all(text.as_bytes())?;
        if !text.ends_with('\n') {
            out.write_all(b"\n")?;
        }
        out.flush()
    }

    /// Writes a note to stderr unless `--quiet`.
    pub fn note(&self, text: &str) {
        if !self.quiet {
            let mut err = self.stderr();
            let _ = writeln!(err, "{text}");
        }
    }

    /// `text` in `style` for stderr, when stderr gets colour.
    pub fn paint_err(&self, text: &str, style: Style) -> String {
        paint(text, style, self.stderr_color)
    }

    /// Writes a note in `style` to stderr unless `--quiet`.
    pub fn note_in(&self, text: &str, style: Style) {
        self.note(&self.paint_err(text, style));
    }

    /// stderr, with escape codes removed unless it gets colour (for logs and notes).
    pub fn stderr(&self) -> AutoStream<io::Stderr> {
        AutoStream::new(io::stderr(), choice(self.stderr_color))
    }
}

fn choice(color: bool) -> anstream::ColorChoice {
    if color {
        anstream::ColorChoice::Always
    } else {
        anstream::ColorChoice::Never
    }
}

fn paint(text: &str, style: Style, color: bool) -> String {
    if color {
        let ansi = style.ansi();
        format!("{ansi}{text}{ansi:#}")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(no_color: Option<&str>, term: Option<&str>) -> ColorEnv {
        ColorEnv {
            no_color: no_color.map(str::to_owned),
            term: term.map(str::to_owned),
        }
    }

    #[test]
    fn json_and_never_turn_colour_off_and_always_turns_it_on() {
        let plain = env(None, Some("xterm"));
        assert!(ColorChoice::Always.decide(false, &plain, false));
        assert!(!ColorChoice::Always.decide(true, &plain, true));
        assert!(!ColorChoice::Never.decide(false, &plain, true));
    }

    #[test]
    fn auto_colours_a_terminal_that_is_not_dumb_without_no_color() {
        assert!(ColorChoice::Auto.decide(false, &env(None, Some("xterm")), true));
        assert!(ColorChoice::Auto.decide(false, &env(Some(""), Some("xterm")), true));
        assert!(!ColorChoice::Auto.decide(false, &env(Some("1"), Some("xterm")), true));
        assert!(!ColorChoice::Auto.decide(false, &env(None, Some("xterm")), false));
        assert!(!ColorChoice::Auto.decide(false, &env(None, Some("dumb")), true));
    }

    #[test]
    fn paint_writes_the_same_escape_codes_as_before() {
        assert_eq!(paint("x", Style::Bold, true), "\x1b[1mx\x1b[0m");
        assert_eq!(paint("x", Style::Green, true), "\x1b[32mx\x1b[0m");
        assert_eq!(paint("x", Style::Yellow, true), "\x1b[33mx\x1b[0m");
        assert_eq!(paint("x", Style::Yellow, false), "x");
    }
}
