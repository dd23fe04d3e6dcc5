//! The one table printer of the human output: columns with an alignment and a width, rows of
//! cells, headings between rows, and colour through [`Output`].

use crate::output::{Output, Style};

/// Where a cell's text sits in its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Padded on the right (a last left-aligned column is not padded at all).
    Left,
    /// Padded on the left.
    Right,
}

/// How wide a column is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    /// At least this many characters; a longer cell overflows its own line only.
    AtLeast(usize),
    /// As wide as the column's longest cell.
    Fit,
}

/// A column: its alignment and width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    align: Align,
    width: Width,
}

impl Column {
    /// A left-aligned column.
    pub fn left(width: Width) -> Self {
        Self {
            align: Align::Left,
            width,
        }
    }

    /// A right-aligned column.
    pub fn right(width: Width) -> Self {
        Self {
            align: Align::Right,
            width,
        }
    }
}

#[derive(Debug, Clone)]
enum Line {
    Cells { cells: Vec<String>, suffix: String },
    Heading(String),
}

/// A table, rendered as text lines each ending in `\n`.
#[derive(Debug, Clone)]
pub struct Table {
    columns: Vec<Column>,
    indent: usize,
    gap: usize,
    lines: Vec<Line>,
}

impl Table {
    /// A table of `columns`, separated by two spaces, not indented.
    pub fn new(columns: Vec<Column>) -> Self {
        Self {
            columns,
            indent: 0,
            gap: 2,
            lines: Vec::new(),
        }
    }

    /// Indents every row (not the headings) by `spaces`.
    pub fn indent(mut self, spaces: usize) -> Self {
        self.indent = spaces;
        self
    }

    /// Separates the columns by `spaces`.
    pub fn gap(mut self, spaces: usize) -> Self {
        self.gap = spaces;
        self
    }

    /// Adds a row, one cell per column.
    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) -> &mut Self {
        self.row_then(cells, String::new())
    }

    /// Adds a row followed by `suffix` (already painted; it takes no part in the widths).
    pub fn row_then<S: Into<String>>(
        &mut self,
        cells: impl IntoIterator<Item = S>,
        suffix: String,
    ) -> &mut Self {
        let cells: Vec<String> = cells.into_iter().map(Into::into).collect();
        debug_assert_eq!(cells.len(), self.columns.len(), "one cell per column");
        self.lines.push(Line::Cells { cells, suffix });
        self
    }

    /// Adds a heading line in bold, unindented, between rows.
    pub fn heading(&mut self, text: impl Into<String>) -> &mut Self {
        self.lines.push(Line::Heading(text.into()));
        self
    }

    /// The table as text, headings painted for stdout by `out`.
    pub fn render(&self, out: &Output) -> String {
        let widths: Vec<usize> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, column)| match column.width {
                Width::AtLeast(n) => n,
                Width::Fit => self
                    .lines
                    .iter()
                    .filter_map(|line| match line {
                        Line::Cells { cells, .. } => cells.get(i).map(|c| c.chars().count()),
                        Line::Heading(_) => None,
                    })
                    .max()
                    .unwrap_or(0),
            })
            .collect();
        let mut text = String::new();
        for line in &self.lines {
            match line {
                Line::Heading(heading) => text.push_str(&out.paint(heading, Style::Bold)),
                Line::Cells { cells, suffix } => {
                    text.push_str(&" ".repeat(self.indent));
                    let last = cells.len().saturating_sub(1);
                    for (i, (cell, column)) in cells.iter().zip(&self.columns).enumerate() {
                        if i > 0 {
                            text.push_str(&" ".repeat(self.gap));
                        }
                        let w = widths[i];
                        match column.align {
                            Align::Left if i == last => text.push_str(cell),
                            Align::Left => text.push_str(&format!("{cell:<w$}")),
                            Align::Right => text.push_str(&format!("{cell:>w$}")),
                        }
                    }
                    text.push_str(suffix);
                }
            }
            text.push('\n');
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{ColorChoice, ColorEnv};

    fn plain() -> Output {
        Output::new(ColorChoice::Never, false, false, &ColorEnv::default())
    }

    #[test]
    fn fit_columns_take_their_longest_cell_and_align() {
        let mut table = Table::new(vec![Column::right(Width::Fit), Column::left(Width::Fit)]);
        table.row(["n", "name"]).row(["100", "x"]);
        assert_eq!(table.render(&plain()), "  n  name\n100  x\n");
    }

    #[test]
    fn at_least_columns_overflow_one_line_and_suffixes_follow_the_last_cell() {
        let mut table = Table::new(vec![
            Column::left(Width::AtLeast(4)),
            Column::right(Width::AtLeast(3)),
        ])
        .indent(2)
        .gap(1);
        table
            .heading("Title")
            .row(["ab", "1"])
            .row_then(["abcdef", "22"], " <-".to_owned());
        assert_eq!(
            table.render(&plain()),
            "Title\n  ab     1\n  abcdef  22 <-\n"
        );
    }
}
