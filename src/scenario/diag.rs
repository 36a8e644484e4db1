//! Located diagnostics: `file:line:col: field.path: message`, collected (never first-error-only).

use std::fmt;
use std::ops::Range;

/// One problem in an input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diag {
    pub file: String,
    /// 1-based line and column, where one exists.
    pub line: Option<usize>,
    pub col: Option<usize>,
    /// Field path, e.g. `[[workloads]][0].exit` or `spec.jobTemplate.spec.backoffLimit`.
    pub path: String,
    pub message: String,
    /// A warning shown with the errors (its `message` is the whole rendered warning): the
    /// API server returns warnings with a refusal too, and they often explain it (issue 22).
    pub warning: bool,
}

impl Diag {
    /// A rendered warning (`file:line: message`), to print next to errors.
    pub fn warning(rendered: String) -> Diag {
        Diag {
            file: String::new(),
            line: None,
            col: None,
            path: String::new(),
            message: rendered,
            warning: true,
        }
    }
}

impl fmt::Display for Diag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.warning {
            return f.write_str(&self.message);
        }
        f.write_str(&self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
            if let Some(c) = self.col {
                write!(f, ":{c}")?;
            }
        }
        f.write_str(": ")?;
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

/// Maps byte offsets of a source text to 1-based line:column (columns in characters).
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(src: &str) -> LineIndex {
        let mut starts = vec![0];
        for (i, b) in src.bytes().enumerate() {
            if b == b'\n' {
                starts.push(i + 1);
            }
        }
        LineIndex { starts }
    }
    /// (line, column), both 1-based.
    pub fn locate(&self, src: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(src.len());
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.starts.get(line).copied().unwrap_or(0);
        let col = src
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(offset - start);
        (line + 1, col + 1)
    }
}

/// A sink of diagnostics for one file.
#[derive(Debug)]
pub struct Diags<'s> {
    pub file: String,
    pub src: &'s str,
    index: LineIndex,
    pub list: Vec<Diag>,
    /// Warnings and notes (rendered) that go with the objects read, whether or not there are
    /// errors: manifests' kinds that are accepted but not simulated, API-server warnings.
    pub warnings: Vec<String>,
}

impl<'s> Diags<'s> {
    pub fn new(file: impl Into<String>, src: &'s str) -> Diags<'s> {
        Diags {
            file: file.into(),
            src,
            index: LineIndex::new(src),
            list: Vec::new(),
            warnings: Vec::new(),
        }
    }
    /// 1-based (line, column) of a span's start.
    pub fn locate(&self, span: Range<usize>) -> (usize, usize) {
        self.index.locate(self.src, span.start)
    }

    pub fn at(&mut self, span: Option<Range<usize>>, path: &str, message: impl Into<String>) {
        let (line, col) = match span {
            Some(r) => {
                let (l, c) = self.index.locate(self.src, r.start);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        self.list.push(Diag {
            warning: false,
            file: self.file.clone(),
            line,
            col,
            path: path.to_string(),
            message: message.into(),
        });
    }
    pub fn at_line(
        &mut self,
        line: usize,
        col: Option<usize>,
        path: &str,
        message: impl Into<String>,
    ) {
        self.list.push(Diag {
            warning: false,
            file: self.file.clone(),
            line: Some(line),
            col,
            path: path.to_string(),
            message: message.into(),
        });
    }
}

/// The known key nearest to `unknown`, if reasonably close.
pub fn suggest<'k>(unknown: &str, known: &[&'k str]) -> Option<&'k str> {
    let mut best: Option<(&str, f64)> = None;
    for k in known {
        let s = strsim::jaro_winkler(unknown, k);
        if s > best.map(|b| b.1).unwrap_or(0.0) {
            best = Some((k, s));
        }
    }
    best.filter(|b| b.1 >= 0.7).map(|b| b.0)
}

/// `unknown key "x"` with a "did you mean" when one is close.
pub fn unknown_key_message(key: &str, known: &[&str]) -> String {
    match suggest(key, known) {
        Some(s) => format!("unknown key {key:?}; did you mean {s:?}?"),
        None => format!("unknown key {key:?}; known keys: {}", known.join(", ")),
    }
}
