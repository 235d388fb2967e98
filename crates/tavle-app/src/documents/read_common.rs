//! What the DOCX and ODT readers share: runs of text joined by their marks, list paragraphs
//! with their levels gathered into nested lists, and the names of what could not be converted.

use std::collections::BTreeSet;

use tavle_core::document::{Block, Inline, Item, List, ListKind, Marks};

/// A paragraph that is a list item, at a level (0 the outermost).
pub(super) struct ListLine {
    pub level: usize,
    pub kind: ListKind,
    pub block: Block,
}

/// Consecutive list paragraphs as nested lists: a deeper paragraph goes into the item before
/// it, a change of kind at one level begins a new list.
pub(super) fn lists(lines: Vec<ListLine>) -> Vec<Block> {
    let base = lines.iter().map(|l| l.level).min().unwrap_or(0);
    let mut out: Vec<Block> = Vec::new();
    let mut deeper: Vec<ListLine> = Vec::new();
    let flush = |out: &mut Vec<Block>, deeper: &mut Vec<ListLine>| {
        if deeper.is_empty() {
            return;
        }
        let nested = lists(std::mem::take(deeper));
        match out.last_mut() {
            Some(Block::List(l)) => match l.items.last_mut() {
                Some(item) => item.blocks.extend(nested),
                None => out.extend(nested),
            },
            _ => out.extend(nested),
        }
    };
    for line in lines {
        if line.level > base {
            deeper.push(line);
            continue;
        }
        flush(&mut out, &mut deeper);
        let item = Item { blocks: vec![line.block], checked: false };
        match out.last_mut() {
            Some(Block::List(l)) if same_kind(l.kind, line.kind) => l.items.push(item),
            _ => out.push(Block::List(List { kind: line.kind, items: vec![item] })),
        }
    }
    flush(&mut out, &mut deeper);
    out
}

fn same_kind(a: ListKind, b: ListKind) -> bool {
    matches!(
        (a, b),
        (ListKind::Bullet, ListKind::Bullet)
            | (ListKind::Ordered { .. }, ListKind::Ordered { .. })
            | (ListKind::Task, ListKind::Task)
    )
}

/// Appends text to a paragraph's inlines, joined to the run before it when the marks match.
pub(super) fn push(out: &mut Vec<Inline>, text: String, marks: &Marks) {
    if text.is_empty() {
        return;
    }
    if let Some(Inline::Text(t, m)) = out.last_mut() {
        if m == marks {
            t.push_str(&text);
            return;
        }
    }
    out.push(Inline::Text(text, marks.clone()));
}

/// What a reader met and could not convert, by a name a person understands where there is
/// one ("image", "footnote"), else the element's.
#[derive(Default)]
pub(super) struct Unknown(BTreeSet<String>);

impl Unknown {
    pub fn note(&mut self, name: &str) {
        if self.0.len() < 50 {
            self.0.insert(name.to_string());
        }
    }

    pub fn into_names(self) -> Vec<String> {
        self.0.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(level: usize, kind: ListKind, text: &str) -> ListLine {
        ListLine { level, kind, block: Block::Paragraph(vec![Inline::Text(text.into(), Marks::default())]) }
    }

    #[test]
    fn levels_nest_and_kinds_split() {
        let out = lists(vec![
            line(0, ListKind::Bullet, "a"),
            line(1, ListKind::Ordered { start: 1 }, "a.1"),
            line(1, ListKind::Ordered { start: 1 }, "a.2"),
            line(0, ListKind::Bullet, "b"),
            line(0, ListKind::Ordered { start: 4 }, "c"),
        ]);
        assert_eq!(out.len(), 2, "{out:?}");
        let Block::List(first) = &out[0] else { panic!() };
        assert_eq!(first.items.len(), 2);
        assert!(matches!(&first.items[0].blocks[1], Block::List(l) if l.items.len() == 2));
        assert!(matches!(&out[1], Block::List(List { kind: ListKind::Ordered { start: 4 }, .. })));
    }
}
