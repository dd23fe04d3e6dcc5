//! Where and how the command writes: colour decided once, stdout for the result only, notes
//! and progress on stderr.

use std::io::{self, IsTerminal, Write};

use clap::ValueEnum;

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal, `NO_COLOR` is unset or empty and `TERM` is not `dumb`.
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

/// The output settings every command asks.
#[derive(Debug, Clone)]
pub struct Output {
    color: bool,
    json: bool,
    quiet: bool,
    stderr_terminal: bool,
}

impl Output {
    /// Decides colour and verbosity once.
    pub fn new(choice: ColorChoice, json: bool, quiet: bool, env: &ColorEnv) -> Self {
        let color = !json
            && match choice {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => {
                    io::stdout().is_terminal()
                        && env.no_color.as_deref().is_none_or(str::is_empty)
                        && env.term.as_deref() != Some("dumb")
                }
            };
        Self {
            color,
            json,
            quiet,
            stderr_terminal: io::stderr().is_terminal(),
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

    /// Whether progress bars are drawn (stderr a terminal, not quiet, not JSON).
    pub fn progress_bars(&self) -> bool {
        self.stderr_terminal && !self.quiet && !self.json
    }

    /// `text` in `style` when colour is on.
    pub fn paint(&self, text: &str, style: Style) -> String {
        if !self.color {
            return text.to_owned();
        }
        let code = match style {
            Style::Bold => "1",
            Style::Green => "32",
            Style::Yellow => "33",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }

    /// Writes the result text to stdout.
    ///
    /// # Errors
    ///
    /// The write error (a broken pipe is handled by `main`).
    pub fn print(&self, text: &str) -> io::Result<()> {
        let mut out = io::stdout().lock();
        out.write_all(text.as_bytes())?;
        if !text.ends_with('\n') {
            out.write_all(b"\n")?;
        }
        out.flush()
    }

    /// Writes a note to stderr unless `--quiet`.
    pub fn note(&self, text: &str) {
        if !self.quiet {
            let _ = writeln!(io::stderr().lock(), "{text}");
        }
    }
}
