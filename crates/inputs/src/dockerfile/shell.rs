//! RUN (and CMD, ENTRYPOINT, HEALTHCHECK) scripts parsed into simple
//! commands with a real POSIX/bash parser (brush-parser).
//!
//! The result is flat: every simple command in source order, including those
//! inside compound commands (`if`, `for`, subshells, braces), inside command
//! substitutions and inside `sh -c '…'` arguments, each with its argv,
//! assignments, redirects and its place in pipelines and and-or lists. Rules
//! reason over that list (`apt-get update` without `apt-get install`,
//! `curl … | sh`) instead of matching raw text. This module does not expand
//! variables or evaluate anything.

use brush_parser::ast;
use bulwark_core::{Span, Text};

use super::logical::Logical;

/// Nesting depth at which `sh -c` and `$(…)` bodies stop being parsed.
const MAX_NESTING: usize = 8;

/// A word of a command: its unquoted text and its source span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ShellWord {
    pub value: Text,
    pub span: Span,
}

/// A redirection of a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Redirect {
    /// `>`, `>>`, `<`, `<<`, `<<<`, `&>` …
    pub op: &'static str,
    /// The file, descriptor or here-document delimiter.
    pub target: String,
    /// The here-document or here-string body, when there is one.
    pub body: Option<String>,
}

/// One simple command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SimpleCommand {
    /// The command name and its arguments, unquoted.
    pub argv: Vec<ShellWord>,
    /// `NAME=value` assignments before the command name: the name, the
    /// value (spanning only the value), and the whole assignment's span.
    pub env: Vec<(String, ShellWord, Span)>,
    pub redirects: Vec<Redirect>,
    /// The whole command.
    pub span: Span,
    /// Index of the and-or list (statement) the command belongs to.
    pub list: usize,
    /// Index of the pipeline the command belongs to.
    pub pipeline: usize,
    /// Position of the command within its pipeline.
    pub position: usize,
    /// The operator joining this command to the one before: `|` within a
    /// pipeline, `&&` or `||` between pipelines, `;` or `&` between lists.
    pub after: Option<&'static str>,
    /// For commands found inside another command's argument (`sh -c`,
    /// `$(…)`), the index of that command.
    pub parent: Option<usize>,
}

/// The commands of a script, or why it could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Script {
    pub commands: Vec<SimpleCommand>,
    /// The parser's message when the script is not valid shell syntax. The
    /// commands are then a best-effort split of the text.
    pub error: Option<String>,
}

/// Parses `script` as a shell program.
pub(crate) fn parse(script: &Logical) -> Script {
    let mut walker = Walker::default();
    walker.script(script, None, 0);
    Script {
        commands: walker.commands,
        error: walker.error,
    }
}

/// The commands of an exec-form argv: the argv itself, and the commands of
/// its script when it is `sh -c SCRIPT`.
pub(crate) fn parse_exec(argv: Vec<ShellWord>) -> Script {
    let mut walker = Walker::default();
    if let (Some(first), Some(last)) = (argv.first(), argv.last()) {
        let span = first.span.cover(last.span);
        walker.lists = 1;
        walker.pipelines = 1;
        walker.push(
            SimpleCommand {
                argv,
                env: Vec::new(),
                redirects: Vec::new(),
                span,
                list: 0,
                pipeline: 0,
                position: 0,
                after: None,
                parent: None,
            },
            &[],
            0,
        );
    }
    Script {
        commands: walker.commands,
        error: None,
    }
}

/// Maps brush's character indices to spans in the source file.
struct Positions<'a> {
    script: &'a Logical,
    /// Byte offset of each char in the script text (plus one past the end).
    char_bytes: Option<Vec<usize>>,
    /// Used instead of word spans for nested scripts, whose text is an
    /// unquoted copy with no exact source positions.
    fixed: Option<Span>,
}

impl Positions<'_> {
    fn byte(&self, char_index: usize) -> usize {
        match &self.char_bytes {
            None => char_index.min(self.script.text().len()),
            Some(table) => table
                .get(char_index)
                .copied()
                .unwrap_or(self.script.text().len()),
        }
    }

    fn span(&self, loc: Option<&brush_parser::SourceSpan>) -> Span {
        if let Some(fixed) = self.fixed {
            return fixed;
        }
        match loc {
            Some(loc) => self
                .script
                .span(self.byte(loc.start.index), self.byte(loc.end.index)),
            None => self.script.full_span(),
        }
    }
}

#[derive(Default)]
struct Walker {
    commands: Vec<SimpleCommand>,
    error: Option<String>,
    lists: usize,
    pipelines: usize,
    /// The operator to attach to the next command.
    pending_after: Option<&'static str>,
}

impl Walker {
    /// Parses and walks one script. `parent` is set for nested scripts,
    /// whose spans all map to `fixed`.
    fn script(&mut self, script: &Logical, parent: Option<(usize, Span)>, depth: usize) {
        let text = script.text();
        match plain_words(text) {
            Some(words) => self.plain(script, &words, parent, depth),
            None => {
                let why = if text.len() > MAX_PARSED {
                    format!(
                        "the script is {} bytes, more than the {MAX_PARSED} the shell parser \
                         is given",
                        text.len()
                    )
                } else if nesting(text) > MAX_PARSE_DEPTH {
                    format!(
                        "the script nests more than {MAX_PARSE_DEPTH} levels deep (`$(…)`, \
                         `${{…}}`, `(…)`, `{{ …; }}`, `if`, `case`, loops, nested backquotes)"
                    )
                } else {
                    return self.parsed(script, parent, depth);
                };
                // A nested script brush cannot take is passed over, as one
                // it cannot parse is.
                if parent.is_none() {
                    self.error = Some(format!("{why}; its commands are split approximately"));
                    self.fallback(script);
                }
            }
        }
    }

    /// A script that is one simple command of plain words (see
    /// [`plain_words`]): the command brush would give, without brush. Its
    /// tokens and syntax tree take hundreds of bytes per word, which on a
    /// 10 MB `RUN` line of five million words came to gigabytes.
    fn plain(
        &mut self,
        script: &Logical,
        words: &[(usize, usize)],
        parent: Option<(usize, Span)>,
        depth: usize,
    ) {
        let text = script.text();
        let span = |start: usize, end: usize| match parent {
            Some((_, fixed)) => fixed,
            None => script.span(start, end),
        };
        let argv: Vec<ShellWord> = words
            .iter()
            .map(|&(start, end)| ShellWord {
                value: text[start..end].into(),
                span: span(start, end),
            })
            .collect();
        let (Some(first), Some(last)) = (argv.first(), argv.last()) else {
            return;
        };
        let whole = first.span.cover(last.span);
        self.lists += 1;
        self.pipelines += 1;
        let command = SimpleCommand {
            argv,
            env: Vec::new(),
            redirects: Vec::new(),
            span: whole,
            list: self.lists - 1,
            pipeline: self.pipelines - 1,
            position: 0,
            after: self.pending_after.take(),
            parent: parent.map(|p| p.0),
        };
        // No word holds `$` or a backtick: nothing to substitute.
        self.push(command, &[], depth);
        self.pending_after = Some(";");
    }

    /// Parses `script` with brush and walks its syntax tree.
    fn parsed(&mut self, script: &Logical, parent: Option<(usize, Span)>, depth: usize) {
        let text = script.text();
        let positions = Positions {
            script,
            char_bytes: (!text.is_ascii()).then(|| {
                text.char_indices()
                    .map(|(i, _)| i)
                    .chain([text.len()])
                    .collect()
            }),
            fixed: parent.map(|(_, span)| span),
        };
        let options = brush_parser::ParserOptions::default();
        let parsed = brush_parser::uncached_tokenize_str(text, &options.tokenizer_options())
            .map_err(|e| e.to_string())
            .and_then(|tokens| {
                brush_parser::parse_tokens(&tokens, &options).map_err(|e| e.to_string())
            });
        match parsed {
            Ok(program) => {
                for list in &program.complete_commands {
                    self.compound_list(list, &positions, parent.map(|p| p.0), depth);
                }
            }
            Err(message) => {
                if parent.is_none() {
                    self.error = Some(message);
                    self.fallback(script);
                }
            }
        }
    }

    /// Splits unparseable text on operators and whitespace so rules still see
    /// an approximation of its commands.
    fn fallback(&mut self, script: &Logical) {
        let text = script.text();
        let mut argv = Vec::new();
        let mut start_of_cmd: Option<usize> = None;
        let mut after = None;
        let flush = |argv: &mut Vec<ShellWord>,
                     start: Option<usize>,
                     end: usize,
                     after: Option<&'static str>,
                     walker: &mut Walker| {
            if let (Some(start), false) = (start, argv.is_empty()) {
                if after != Some("|") {
                    walker.pipelines += 1;
                    if after != Some("&&") && after != Some("||") {
                        walker.lists += 1;
                    }
                }
                let position = if after == Some("|") {
                    walker.commands.last().map_or(0, |c| c.position + 1)
                } else {
                    0
                };
                walker.commands.push(SimpleCommand {
                    argv: std::mem::take(argv),
                    env: Vec::new(),
                    redirects: Vec::new(),
                    span: script.span(start, end),
                    list: walker.lists.saturating_sub(1),
                    pipeline: walker.pipelines.saturating_sub(1),
                    position,
                    after,
                    parent: None,
                });
            }
        };
        let mut i = 0;
        let bytes = text.as_bytes();
        while i < bytes.len() {
            let rest = &text[i..];
            let op = ["&&", "||", ";", "|", "&", "\n"]
                .into_iter()
                .find(|op| rest.starts_with(op));
            if let Some(op) = op {
                flush(&mut argv, start_of_cmd.take(), i, after, self);
                after = Some(if op == "\n" { ";" } else { op });
                i += op.len();
                continue;
            }
            if bytes[i].is_ascii_whitespace() {
                i += 1;
                continue;
            }
            let end = rest
                .find(|c: char| c.is_whitespace() || "&|;".contains(c))
                .map_or(text.len(), |n| i + n);
            start_of_cmd.get_or_insert(i);
            argv.push(ShellWord {
                value: brush_parser::unquote_str(&text[i..end]).into(),
                span: script.span(i, end),
            });
            i = end;
        }
        flush(&mut argv, start_of_cmd.take(), text.len(), after, self);
    }

    fn compound_list(
        &mut self,
        list: &ast::CompoundList,
        pos: &Positions<'_>,
        parent: Option<usize>,
        depth: usize,
    ) {
        for ast::CompoundListItem(and_or, sep) in &list.0 {
            self.lists += 1;
            self.pipeline(&and_or.first, pos, parent, depth);
            for next in &and_or.additional {
                let (op, pipeline) = match next {
                    ast::AndOr::And(p) => ("&&", p),
                    ast::AndOr::Or(p) => ("||", p),
                };
                self.pending_after = Some(op);
                self.pipeline(pipeline, pos, parent, depth);
            }
            self.pending_after = Some(match sep {
                ast::SeparatorOperator::Async => "&",
                ast::SeparatorOperator::Sequence => ";",
            });
        }
    }

    fn pipeline(
        &mut self,
        pipeline: &ast::Pipeline,
        pos: &Positions<'_>,
        parent: Option<usize>,
        depth: usize,
    ) {
        self.pipelines += 1;
        for (position, command) in pipeline.seq.iter().enumerate() {
            if position > 0 {
                self.pending_after = Some("|");
            }
            self.command(command, position, pos, parent, depth);
        }
    }

    fn command(
        &mut self,
        command: &ast::Command,
        position: usize,
        pos: &Positions<'_>,
        parent: Option<usize>,
        depth: usize,
    ) {
        match command {
            ast::Command::Simple(simple) => self.simple(simple, position, pos, parent, depth),
            ast::Command::Compound(compound, _) => self.compound(compound, pos, parent, depth),
            ast::Command::Function(def) => self.compound(&def.body.0, pos, parent, depth),
            ast::Command::ExtendedTest(..) => {}
        }
    }

    fn compound(
        &mut self,
        compound: &ast::CompoundCommand,
        pos: &Positions<'_>,
        parent: Option<usize>,
        depth: usize,
    ) {
        use ast::CompoundCommand as C;
        match compound {
            C::BraceGroup(g) => self.compound_list(&g.list, pos, parent, depth),
            C::Subshell(s) => self.compound_list(&s.list, pos, parent, depth),
            C::ForClause(f) => self.compound_list(&f.body.list, pos, parent, depth),
            C::ArithmeticForClause(f) => self.compound_list(&f.body.list, pos, parent, depth),
            C::CaseClause(c) => {
                for item in &c.cases {
                    if let Some(cmd) = &item.cmd {
                        self.compound_list(cmd, pos, parent, depth);
                    }
                }
            }
            C::IfClause(i) => {
                self.compound_list(&i.condition, pos, parent, depth);
                self.compound_list(&i.then, pos, parent, depth);
                for e in i.elses.iter().flatten() {
                    if let Some(cond) = &e.condition {
                        self.compound_list(cond, pos, parent, depth);
                    }
                    self.compound_list(&e.body, pos, parent, depth);
                }
            }
            C::WhileClause(w) | C::UntilClause(w) => {
                self.compound_list(&w.0, pos, parent, depth);
                self.compound_list(&w.1.list, pos, parent, depth);
            }
            C::Coprocess(c) => self.command(&c.body, 0, pos, parent, depth),
            C::Arithmetic(_) => {}
        }
    }

    fn simple(
        &mut self,
        simple: &ast::SimpleCommand,
        position: usize,
        pos: &Positions<'_>,
        parent: Option<usize>,
        depth: usize,
    ) {
        let mut argv = Vec::new();
        let mut env = Vec::new();
        let mut redirects = Vec::new();
        let mut spans: Vec<Span> = Vec::new();
        let word = |w: &ast::Word, spans: &mut Vec<Span>| {
            let span = pos.span(w.loc.as_ref());
            spans.push(span);
            ShellWord {
                value: brush_parser::unquote_str(&w.value).into(),
                span,
            }
        };
        let mut pending_name: Option<&ast::Word> = simple.word_or_name.as_ref();
        for item in simple.prefix.iter().flat_map(|p| p.0.iter()) {
            match item {
                ast::CommandPrefixOrSuffixItem::AssignmentWord(assignment, w) => {
                    let span = pos.span(w.loc.as_ref());
                    spans.push(span);
                    // The value starts after the first `=` of the raw word.
                    let value_span = match w.value.find('=') {
                        Some(eq) if pos.fixed.is_none() => {
                            Span::new((span.start + eq + 1).min(span.end), span.end)
                        }
                        _ => span,
                    };
                    let name = match &assignment.name {
                        ast::AssignmentName::VariableName(n) => n.clone(),
                        ast::AssignmentName::ArrayElementName(n, i) => format!("{n}[{i}]"),
                    };
                    let value = match &assignment.value {
                        ast::AssignmentValue::Scalar(v) => brush_parser::unquote_str(&v.value),
                        ast::AssignmentValue::Array(items) => items
                            .iter()
                            .map(|(_, v)| brush_parser::unquote_str(&v.value))
                            .collect::<Vec<_>>()
                            .join(" "),
                    };
                    env.push((
                        name,
                        ShellWord {
                            value: value.into(),
                            span: value_span,
                        },
                        span,
                    ));
                }
                ast::CommandPrefixOrSuffixItem::Word(w) => argv.push(word(w, &mut spans)),
                ast::CommandPrefixOrSuffixItem::IoRedirect(r) => redirects.push(redirect(r)),
                ast::CommandPrefixOrSuffixItem::ProcessSubstitution(..) => {}
            }
        }
        if let Some(name) = pending_name.take() {
            argv.push(word(name, &mut spans));
        }
        for item in simple.suffix.iter().flat_map(|s| s.0.iter()) {
            match item {
                ast::CommandPrefixOrSuffixItem::Word(w) => argv.push(word(w, &mut spans)),
                ast::CommandPrefixOrSuffixItem::AssignmentWord(_, w) => {
                    argv.push(word(w, &mut spans))
                }
                ast::CommandPrefixOrSuffixItem::IoRedirect(r) => redirects.push(redirect(r)),
                ast::CommandPrefixOrSuffixItem::ProcessSubstitution(..) => {}
            }
        }
        if argv.is_empty() && env.is_empty() && redirects.is_empty() {
            return;
        }
        let span = match (spans.first(), spans.last()) {
            (Some(a), Some(b)) => a.cover(*b),
            _ => pos.span(None),
        };
        let raw_words: Vec<String> = simple
            .word_or_name
            .iter()
            .chain(
                simple
                    .suffix
                    .iter()
                    .flat_map(|s| s.0.iter())
                    .filter_map(|i| match i {
                        ast::CommandPrefixOrSuffixItem::Word(w) => Some(w),
                        _ => None,
                    }),
            )
            .map(|w| w.value.clone())
            .collect();
        let command = SimpleCommand {
            argv,
            env,
            redirects,
            span,
            list: self.lists.saturating_sub(1),
            pipeline: self.pipelines.saturating_sub(1),
            position,
            after: self.pending_after.take(),
            parent,
        };
        self.push(command, &raw_words, depth);
    }

    /// Records `command`, then the commands nested in its arguments: the
    /// script of `sh -c '…'` and command substitutions in `raw_words` (the
    /// words as written, quotes included).
    fn push(&mut self, command: SimpleCommand, raw_words: &[String], depth: usize) {
        let index = self.commands.len();
        let nested_script = shell_c_script(&command.argv);
        let word_spans: Vec<Span> = command.argv.iter().map(|w| w.span).collect();
        self.commands.push(command);
        if depth >= MAX_NESTING {
            return;
        }
        let saved_after = self.pending_after.take();
        if let Some((script, word_span)) = nested_script {
            let mut logical = Logical::new();
            logical.push(&script, word_span.start);
            self.script(&logical, Some((index, word_span)), depth + 1);
        }
        for (raw, span) in raw_words.iter().zip(word_spans) {
            for inner in command_substitutions(raw) {
                let mut logical = Logical::new();
                logical.push(&inner, span.start);
                self.script(&logical, Some((index, span)), depth + 1);
            }
        }
        self.pending_after = saved_after;
    }
}

/// The longest script brush is given, in bytes. Its tokens and syntax tree
/// take over a hundred bytes per byte of script (a 4 MiB line of quoted
/// words: 490 MB), so a longer script, which no real Dockerfile holds, is
/// split by [`Walker::fallback`] instead, with `shell_error` saying so.
const MAX_PARSED: usize = 1 << 20;

/// The deepest nesting a script brush is given may have, as [`nesting`]
/// counts it. Brush's tokenizer and parser recurse once or more for each
/// level: a `RUN` line of a thousand nested `{ …; }` or `if`s, or three
/// thousand `$(…)`, overflowed the stack and aborted the whole scan. Real
/// scripts stay within a handful.
const MAX_PARSE_DEPTH: usize = 100;

/// How deeply `text` nests, counted from above (never less than brush
/// recurses through). Each `(` and `{` (of `$(…)`, `$((…))`, `${…}`,
/// subshells and groups) opens a level, closed only by its own bracket;
/// `if`, `case`, `while`, `until`, `for` and `select` in a command's place
/// open one, closed only by `fi`, `esac` or `done` (so a `case` pattern's
/// `)` closes nothing); a double-quoted string opens one; a backquote opens
/// one until the next, and an escaped one (how backquotes nest) for good.
/// Single-quoted text, escaped characters and comments are passed over.
/// After a here-document (`<<`), whose body is text the scan cannot tell
/// apart, nothing closes any more.
fn nesting(text: &str) -> usize {
    #[derive(PartialEq, Clone, Copy)]
    enum Open {
        Paren,
        Brace,
        Word,
        Quote,
        Tick,
    }
    let bytes = text.as_bytes();
    let mut open: Vec<Open> = Vec::new();
    let (mut deepest, mut sealed) = (0usize, false);
    // Whether the next word is in a command's place, where a reserved word
    // is one.
    let mut at_command = true;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let quoted = open.last() == Some(&Open::Quote);
        // Closes the innermost level when it is of `kind`.
        let close = |kind: Open, open: &mut Vec<Open>, sealed: bool| {
            if !sealed && open.last() == Some(&kind) {
                open.pop();
            }
        };
        match b {
            b'\\' => {
                if bytes.get(i + 1) == Some(&b'`') {
                    open.push(Open::Tick);
                }
                i += 1;
            }
            b'"' if quoted => close(Open::Quote, &mut open, sealed),
            b'"' => open.push(Open::Quote),
            b'`' if open.last() == Some(&Open::Tick) => close(Open::Tick, &mut open, sealed),
            b'`' => open.push(Open::Tick),
            b'$' if matches!(bytes.get(i + 1), Some(b'(' | b'{')) => {}
            _ if quoted => {}
            b'\'' => {
                i += bytes[i + 1..]
                    .iter()
                    .position(|&c| c == b'\'')
                    .map_or(bytes.len(), |p| p + 1);
            }
            b'#' if i == 0
                || bytes[i - 1].is_ascii_whitespace()
                || b";&|()".contains(&bytes[i - 1]) =>
            {
                i += bytes[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .unwrap_or(bytes.len() - i);
                at_command = true;
                continue;
            }
            b'<' if bytes.get(i + 1) == Some(&b'<') => sealed = true,
            _ => {}
        }
        if !quoted {
            match b {
                b'(' => open.push(Open::Paren),
                b'{' => open.push(Open::Brace),
                b')' => close(Open::Paren, &mut open, sealed),
                b'}' => close(Open::Brace, &mut open, sealed),
                _ => {}
            }
        } else if b == b'(' || b == b'{' {
            // `$(` and `${` inside double quotes.
            if i > 0 && bytes[i - 1] == b'$' {
                open.push(if b == b'(' { Open::Paren } else { Open::Brace });
            }
        }
        if !quoted && (b.is_ascii_alphanumeric() || b == b'_') {
            let start = i;
            while bytes
                .get(i)
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
            {
                i += 1;
            }
            let word = &bytes[start..i];
            if at_command {
                match word {
                    b"if" | b"case" | b"while" | b"until" | b"for" | b"select" => {
                        open.push(Open::Word)
                    }
                    b"fi" | b"esac" | b"done" => close(Open::Word, &mut open, sealed),
                    _ => {}
                }
            }
            // After these, a command comes next.
            at_command = at_command
                && matches!(
                    word,
                    b"if" | b"then" | b"else" | b"elif" | b"do" | b"while" | b"until" | b"time"
                );
            deepest = deepest.max(open.len());
            continue;
        }
        if !b.is_ascii_whitespace() || b == b'\n' {
            at_command = b";&|(){}!\n".contains(&b);
        }
        deepest = deepest.max(open.len());
        i += 1;
    }
    deepest
}

/// Shell words that are reserved in a command's first position.
const RESERVED: [&str; 17] = [
    "if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until", "for",
    "in", "function", "select", "time", "coproc",
];

/// The byte ranges of the words of `text` when it is one simple command of
/// plain words: ASCII letters, digits and `-_./,:@%+=^` separated by spaces
/// and tabs, no `=` in the first word (which would make it an assignment)
/// and no reserved word first. Such text has no quoting, expansion,
/// operator, redirection or comment, so its words are its argv as written.
/// `None` for anything else (and for no words), which brush parses.
fn plain_words(text: &str) -> Option<Vec<(usize, usize)>> {
    let plain = |b: u8| b.is_ascii_alphanumeric() || b"-_./,:@%+=^".contains(&b);
    if !text.bytes().all(|b| plain(b) || b == b' ' || b == b'\t') {
        return None;
    }
    let mut words = Vec::new();
    let mut start = None;
    for (i, b) in text.bytes().enumerate() {
        match (b == b' ' || b == b'\t', start) {
            (true, Some(s)) => {
                words.push((s, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        words.push((s, text.len()));
    }
    let &(s, e) = words.first()?;
    let first = &text[s..e];
    (!first.contains('=') && !RESERVED.contains(&first)).then_some(words)
}

fn redirect(r: &ast::IoRedirect) -> Redirect {
    use ast::IoFileRedirectKind as K;
    match r {
        ast::IoRedirect::File(_, kind, target) => {
            let op = match kind {
                K::Read => "<",
                K::Write => ">",
                K::Append => ">>",
                K::ReadAndWrite => "<>",
                K::Clobber => ">|",
                K::DuplicateInput => "<&",
                K::DuplicateOutput => ">&",
            };
            let target = match target {
                ast::IoFileRedirectTarget::Filename(w)
                | ast::IoFileRedirectTarget::Duplicate(w) => brush_parser::unquote_str(&w.value),
                ast::IoFileRedirectTarget::Fd(fd) => fd.to_string(),
                ast::IoFileRedirectTarget::ProcessSubstitution(..) => String::new(),
            };
            Redirect {
                op,
                target,
                body: None,
            }
        }
        ast::IoRedirect::HereDocument(_, doc) => Redirect {
            op: if doc.remove_tabs { "<<-" } else { "<<" },
            target: brush_parser::unquote_str(&doc.here_end.value),
            body: Some(doc.doc.value.clone()),
        },
        ast::IoRedirect::HereString(_, w) => Redirect {
            op: "<<<",
            target: String::new(),
            body: Some(brush_parser::unquote_str(&w.value)),
        },
        ast::IoRedirect::OutputAndError(w, append) => Redirect {
            op: if *append { "&>>" } else { "&>" },
            target: brush_parser::unquote_str(&w.value),
            body: None,
        },
    }
}

/// Shell interpreters whose `-c` argument is itself a script.
const SHELLS: [&str; 6] = ["sh", "bash", "ash", "dash", "zsh", "ksh"];

/// The script of `sh -c SCRIPT` (also `bash -ec`, `/bin/sh -c`), if `argv`
/// is such a command.
fn shell_c_script(argv: &[ShellWord]) -> Option<(String, Span)> {
    let name = argv.first()?.value.rsplit('/').next()?;
    if !SHELLS.contains(&name) {
        return None;
    }
    let mut args = argv[1..].iter();
    while let Some(arg) = args.next() {
        let flag = arg.value.as_str();
        if flag.starts_with('-') && !flag.starts_with("--") && flag.contains('c') {
            return args
                .next()
                .map(|script| (script.value.to_string(), script.span));
        }
        if !flag.starts_with('-') {
            return None;
        }
    }
    None
}

/// The bodies of `$(…)` and backtick substitutions in a raw word, outside
/// single quotes.
fn command_substitutions(raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = raw.chars().collect();
    let mut i = 0;
    let mut single = false;
    while i < chars.len() {
        match chars[i] {
            '\\' if !single => i += 1,
            '\'' => single = !single,
            '$' if !single && chars.get(i + 1) == Some(&'(') && chars.get(i + 2) != Some(&'(') => {
                let mut depth = 1;
                let mut j = i + 2;
                while j < chars.len() && depth > 0 {
                    match chars[j] {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    j += 1;
                }
                if depth == 0 {
                    out.push(chars[i + 2..j - 1].iter().collect());
                }
                i = j;
                continue;
            }
            '`' if !single => {
                if let Some(end) = chars[i + 1..].iter().position(|&c| c == '`') {
                    out.push(chars[i + 1..i + 1 + end].iter().collect());
                    i += end + 2;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(s: &str) -> Script {
        let mut l = Logical::new();
        l.push(s, 100);
        parse(&l)
    }

    fn argvs(script: &Script) -> Vec<Vec<&str>> {
        script
            .commands
            .iter()
            .map(|c| c.argv.iter().map(|w| w.value.as_str()).collect())
            .collect()
    }

    /// The walk of `text` with brush, and with the plain-words path.
    fn both_ways(text: &str, offset: usize) -> (Script, Script) {
        let mut l = Logical::new();
        l.push(text, offset);
        let mut with_brush = Walker::default();
        with_brush.parsed(&l, None, 0);
        (
            Script {
                commands: with_brush.commands,
                error: with_brush.error,
            },
            parse(&l),
        )
    }

    #[test]
    fn plain_words_walk_as_brush_parses_them() {
        let cases = [
            "echo 000001 done",
            "  apt-get\tinstall -y curl=7.88.1-10+deb12u5  ",
            "sh -c echo",
            "busybox sh -c id",
            "pip install --no-cache-dir requests==2.31.0",
            "chown -R 1000:1000 /app/data,/srv",
            "x ^y %z @w a=b",
            "export A=b C=d",
            "local x=1",
            "declare -x z=3",
            "readonly y=2",
            "alias ll=ls",
            "env A=1 B=2 make",
        ];
        for text in cases {
            assert!(plain_words(text).is_some(), "{text}");
            let (brush, plain) = both_ways(text, 7);
            assert_eq!(plain, brush, "{text}");
        }
        // Random plain commands, same outcome (a fixed seed: the same every run).
        let alphabet = b"abcXYZ019-_./,:@%+=^";
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for _ in 0..300 {
            let words = 1 + next(6);
            let mut text = String::new();
            for w in 0..words {
                text.push_str(if next(3) == 0 { "\t " } else { " " });
                let len = 1 + next(5);
                for _ in 0..len {
                    text.push(char::from(alphabet[next(alphabet.len())]));
                }
                if w == 0 && next(4) == 0 {
                    text.insert_str(text.len() - len, "sh -c ");
                }
            }
            if plain_words(&text).is_none() {
                continue;
            }
            let (brush, plain) = both_ways(&text, 3);
            assert_eq!(plain, brush, "{text:?}");
        }
    }

    #[test]
    fn plain_words_leave_the_rest_to_brush() {
        for text in [
            "",
            "   ",
            "A=1 make",
            "if true",
            "time make",
            "echo $HOME",
            "echo 'a b'",
            "a && b",
            "a | b",
            "a > f",
            "echo a # note",
            "ls ~",
            "ls *.txt",
            "echo é",
            "a\nb",
        ] {
            assert_eq!(plain_words(text), None, "{text:?}");
        }
    }

    #[test]
    fn nesting_counts_every_level_brush_recurses_through() {
        let cases = [
            ("apt-get install -y curl", 0),
            ("echo $(date) ${HOME}", 1),
            ("echo $(( (1 + 2) * 3 ))", 3),
            ("{ a; } && ( b )", 1),
            ("if a; then if b; then c; fi; fi", 2),
            ("if if a; then b; fi; then c; fi", 2),
            ("for x in 1 2; do while a; do b; done; done", 2),
            // A pattern's `)` closes nothing.
            ("case x in a) b;; esac", 1),
            ("case x in a) case y in b) c;; esac;; esac", 2),
            ("! if a; then b; fi", 1),
            // Words that are not in a command's place open nothing.
            ("echo if for while case; echo done", 0),
            // Escaped backquotes open for good.
            ("echo `a \\`b\\` c`", 3),
            // Quoted and commented brackets are text.
            ("echo '(((' \"((\" \\(", 1),
            ("echo $(a \")\" $(b \")\" $(c)))", 3),
            ("$( # )\n$( # )\n", 2),
            ("a ) ) ) (", 1),
            // After a here-document, nothing closes.
            ("cat <<E\n)\nE\n$(a)$(b)", 2),
        ];
        for (text, want) in cases {
            assert_eq!(nesting(text), want, "{text}");
        }
    }

    /// Scripts nested past the bound are split approximately instead of
    /// being given to brush, whose recursion overflowed the stack on them;
    /// at the bound, brush parses them.
    #[test]
    fn a_script_nested_too_deeply_for_brush_is_split_approximately() {
        let forms: [(&str, &str, &str); 6] = [
            ("echo $(echo ", "x", ")"),
            ("{ ", "true; ", "}; "),
            ("echo ${a:-", "x", "}"),
            ("( ", "true ", ") "),
            ("if true; then ", "true; ", "fi; "),
            ("while a; do ", "b; ", "done; "),
        ];
        for (open, middle, close) in forms {
            let nest = |n: usize| format!("{}{middle}{}", open.repeat(n), close.repeat(n));
            for n in [MAX_PARSE_DEPTH + 1, 20_000] {
                let s = parse_str(&nest(n));
                let error = s.error.as_deref().unwrap_or_default();
                assert!(
                    error.contains("nests more than 100 levels"),
                    "{open}: {error}"
                );
                assert!(!s.commands.is_empty(), "{open}");
            }
            // At the bound, brush is given it (and its stack holds).
            let at = nest(MAX_PARSE_DEPTH);
            assert!(nesting(&at) <= MAX_PARSE_DEPTH, "{open}");
            assert_eq!(parse_str(&at).error, None, "{open}");
        }
        // At the bound: parsed, the innermost command found.
        let at = format!(
            "{}true; {}",
            "{ ".repeat(MAX_PARSE_DEPTH),
            "}; ".repeat(MAX_PARSE_DEPTH)
        );
        let s = parse_str(&at);
        assert_eq!((s.error.as_deref(), argvs(&s)), (None, vec![vec!["true"]]));
        // Nested scripts too: `sh -c` of a deep script is passed over.
        let deep = format!("sh -c '{}'", "( ".repeat(200) + &") ".repeat(200));
        let s = parse_str(&deep);
        assert_eq!(s.error, None);
        assert_eq!(argvs(&s)[0][0], "sh");
    }

    #[test]
    fn a_script_too_long_for_brush_is_split_approximately() {
        let words = MAX_PARSED / 4 + 1;
        let text = format!("curl -fsSL \"https://x\" | sh -s{}", " \"a\"".repeat(words));
        let s = parse_str(&text);
        let error = s.error.as_deref().unwrap_or_default();
        assert!(error.contains("split approximately"), "{error}");
        assert_eq!(s.commands.len(), 2);
        assert_eq!(argvs(&s)[0], vec!["curl", "-fsSL", "https://x"]);
        assert_eq!(s.commands[1].argv.len(), 2 + words);
        assert_eq!(s.commands[1].after, Some("|"));
        assert_eq!(s.commands[1].argv[2].value, "a");
        // One byte under the bound, brush parses it.
        let short = format!("echo{}", " \"a\"".repeat((MAX_PARSED - 4) / 4));
        assert!(short.len() <= MAX_PARSED);
        assert_eq!(parse_str(&short).error, None);
    }

    #[test]
    fn splits_and_or_lists_and_pipelines() {
        let s = parse_str(
            "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y 'curl' ; curl -fsSL https://x | sh -",
        );
        assert_eq!(s.error, None);
        assert_eq!(
            argvs(&s),
            vec![
                vec!["apt-get", "update"],
                vec!["apt-get", "install", "-y", "curl"],
                vec!["curl", "-fsSL", "https://x"],
                vec!["sh", "-"],
            ]
        );
        let c = &s.commands;
        assert_eq!(c[1].env[0].0, "DEBIAN_FRONTEND");
        assert_eq!((c[0].list, c[1].list, c[2].list), (0, 0, 1));
        assert_eq!(c[1].after, Some("&&"));
        assert_eq!(c[2].after, Some(";"));
        assert_eq!(c[3].after, Some("|"));
        assert_eq!((c[2].pipeline, c[3].pipeline, c[3].position), (2, 2, 1));
        // `'curl'` spans its quotes, offset by the script's start.
        assert_eq!(c[1].argv[3].span, Span::new(168, 174));
    }

    #[test]
    fn descends_into_compound_commands_and_nested_scripts() {
        let s = parse_str(
            "if [ -f x ]; then chmod u+s /bin/x; fi; bash -c \"curl -s u | bash\"; echo $(wget -qO- u)",
        );
        let names: Vec<&str> = s
            .commands
            .iter()
            .map(|c| c.argv[0].value.as_str())
            .collect();
        assert_eq!(
            names,
            vec!["[", "chmod", "bash", "curl", "bash", "echo", "wget"]
        );
        assert_eq!(s.commands[3].parent, Some(2));
        assert_eq!(s.commands[4].after, Some("|"));
        assert_eq!(s.commands[6].parent, Some(5));
    }

    #[test]
    fn keeps_heredoc_bodies_on_redirects() {
        let s = parse_str("cat <<EOF > /etc/x\nhello\nEOF\n");
        assert_eq!(s.commands[0].redirects[0].op, "<<");
        assert_eq!(s.commands[0].redirects[0].body.as_deref(), Some("hello\n"));
        assert_eq!(s.commands[0].redirects[1].target, "/etc/x");
    }

    #[test]
    fn falls_back_on_syntax_errors() {
        let s = parse_str("echo 'unterminated && apt-get update");
        assert!(s.error.is_some());
        assert!(!s.commands.is_empty());
    }
}
