//! `powertune completions SHELL` and `powertune man`: shell completions and the manual page,
//! generated from the command-line definition itself, so they never fall out of date.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use clap_complete::Shell;

use crate::output::Output;

const COMPLETIONS_AFTER_HELP: &str = "\
Prints the completion script for SHELL on stdout. Load it in the current shell, or install it
where the shell looks for completions:

  bash   source <(powertune completions bash)
         powertune completions bash > ~/.local/share/bash-completion/completions/powertune
  zsh    powertune completions zsh > \"${fpath[1]}/_powertune\"
  fish   powertune completions fish > ~/.config/fish/completions/powertune.fish";

/// Print a shell completion script.
#[derive(Debug, Args)]
#[command(after_help = COMPLETIONS_AFTER_HELP)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: Shell,
}

impl CompletionsArgs {
    /// Writes the script for `self.shell` of the command `cli` to stdout.
    pub fn run(self, out: &Output, mut cli: clap::Command) -> anyhow::Result<ExitCode> {
        let mut script = Vec::new();
        clap_complete::generate(self.shell, &mut cli, "powertune", &mut script);
        let script = String::from_utf8(script).context("the completion script is not UTF-8")?;
        out.print(&script)?;
        Ok(ExitCode::SUCCESS)
    }
}

const MAN_AFTER_HELP: &str = "\
Without --out, prints powertune(1) in roff on stdout: read it with `powertune man | man -l -`.
With --out DIR, writes powertune.1 and one page per command (powertune-tune.1, ...) into DIR,
e.g. ~/.local/share/man/man1.";

/// Print the manual page (roff), or write one page per command.
#[derive(Debug, Args)]
#[command(after_help = MAN_AFTER_HELP)]
pub struct ManArgs {
    /// Write powertune.1 and a page per command into DIR instead of printing powertune(1).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

impl ManArgs {
    /// Renders the page(s) of the command `cli`.
    pub fn run(self, out: &Output, cli: clap::Command) -> anyhow::Result<ExitCode> {
        match self.out {
            None => {
                let mut page = Vec::new();
                clap_mangen::Man::new(cli)
                    .render(&mut page)
                    .context("rendering the manual page")?;
                let mut stdout = std::io::stdout().lock();
                stdout.write_all(&page)?;
                stdout.flush()?;
            }
            Some(dir) => {
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
                clap_mangen::generate_to(cli, &dir)
                    .with_context(|| format!("writing the manual pages into {}", dir.display()))?;
                out.note(&format!("wrote the manual pages into {}", dir.display()));
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}
