//! Writing the document model of `tavle-core` into a Yjs tree, as the editor's y-tiptap
//! binding would (the reverse of `model.rs`): what an imported ODT or DOCX becomes.

use std::collections::HashMap;
use std::sync::Arc;

use tavle_core::document::{Block, Cell, Document, Inline, List, ListKind, Marks};
use yrs::{Any, Doc, Text, Transact, TransactionMut, Xml, XmlElementPrelim, XmlElementRef, XmlFragment, XmlTextPrelim};

use super::new_doc;

/// A new Yjs document holding `content`.
pub(crate) fn write(content: &Document) -> Doc {
    let doc = new_doc();
    let root = doc.get_or_insert_xml_fragment("default");
    {
        let mut txn = doc.transact_mut();
        for b in &content.blocks {
            let el = root.push_back(&mut txn, XmlElementPrelim::empty(tag_of(b)));
            block(&mut txn, &el, b);
        }
    }
    doc
}

fn tag_of(b: &Block) -> &'static str {
    match b {
        Block::Paragraph(_) => "paragraph",
        Block::Heading(..) => "heading",
        Block::List(List { kind: ListKind::Bullet, .. }) => "bulletList",
        Block::List(List { kind: ListKind::Ordered { .. }, .. }) => "orderedList",
        Block::List(List { kind: ListKind::Task, .. }) => "taskList",
        Block::Table(_) => "table",
        Block::Image(_) => "image",
    }
}

/// Fills `el` (made with `b`'s tag) with `b`'s attributes and content.
fn block(txn: &mut TransactionMut, el: &XmlElementRef, b: &Block) {
    match b {
        Block::Paragraph(inl) => inlines(txn, el, inl),
        Block::Heading(level, inl) => {
            el.insert_attribute(txn, "level", Any::from(f64::from(*level)));
            inlines(txn, el, inl);
        }
        Block::List(list) => {
            if let ListKind::Ordered { start } = list.kind {
                el.insert_attribute(txn, "start", Any::from(f64::from(start)));
            }
            let item_tag = if list.kind == ListKind::Task { "taskItem" } else { "listItem" };
            for item in &list.items {
                let li = el.push_back(txn, XmlElementPrelim::empty(item_tag));
                if list.kind == ListKind::Task {
                    li.insert_attribute(txn, "checked", Any::Bool(item.checked));
                }
                children(txn, &li, &item.blocks);
            }
        }
        Block::Table(rows) => {
            for row in rows {
                let tr = el.push_back(txn, XmlElementPrelim::empty("tableRow"));
                for Cell { header, blocks } in row {
                    let td =
                        tr.push_back(txn, XmlElementPrelim::empty(if *header { "tableHeader" } else { "tableCell" }));
                    children(txn, &td, blocks);
                }
            }
        }
        Block::Image(image) => {
            el.insert_attribute(txn, "image", Any::from(image.sha256.as_str()));
            if let Some(alt) = &image.alt {
                el.insert_attribute(txn, "alt", Any::from(alt.as_str()));
            }
            if let Some(w) = image.width {
                el.insert_attribute(txn, "width", Any::from(f64::from(w)));
            }
        }
    }
}

/// A container's blocks; an empty one gets an empty paragraph (the editor's schema wants one).
fn children(txn: &mut TransactionMut, parent: &XmlElementRef, blocks: &[Block]) {
    if blocks.is_empty() {
        parent.push_back(txn, XmlElementPrelim::empty("paragraph"));
    }
    for b in blocks {
        let el = parent.push_back(txn, XmlElementPrelim::empty(tag_of(b)));
        block(txn, &el, b);
    }
}

/// A paragraph's text runs with their marks, a hard break element between lines.
fn inlines(txn: &mut TransactionMut, el: &XmlElementRef, inl: &[Inline]) {
    let mut text: Option<yrs::XmlTextRef> = None;
    let mut at = 0u32;
    for i in inl {
        match i {
            Inline::Break => {
                el.push_back(txn, XmlElementPrelim::empty("hardBreak"));
                text = None;
            }
            Inline::Text(s, marks) if !s.is_empty() => {
                let t = match &text {
                    Some(t) => t.clone(),
                    None => {
                        at = 0;
                        let t = el.push_back(txn, XmlTextPrelim::new(""));
                        text = Some(t.clone());
                        t
                    }
                };
                t.insert_with_attributes(txn, at, s, attributes(marks));
                at += u32::try_from(s.encode_utf16().count()).unwrap_or(u32::MAX);
            }
            Inline::Text(..) => {}
        }
    }
}

/// The marks as y-tiptap stores them: each mark's name with its attributes.
fn attributes(m: &Marks) -> HashMap<Arc<str>, Any> {
    let empty = || Any::from(HashMap::<String, Any>::new());
    let mut out = HashMap::new();
    for (on, name) in [(m.bold, "bold"), (m.italic, "italic"), (m.underline, "underline"), (m.strike, "strike")] {
        if on {
            out.insert(Arc::from(name), empty());
        }
    }
    if let Some(href) = &m.link {
        let attrs = HashMap::from([("href".to_string(), Any::from(href.clone()))]);
        out.insert(Arc::from("link"), Any::from(attrs));
    }
    out
}

#[cfg(test)]
mod tests {
    use tavle_core::document::{Item, List};

    use super::*;

    #[test]
    fn what_is_written_reads_back_the_same() {
        let bold = Marks { bold: true, ..Marks::default() };
        let link = Marks { link: Some("https://tavle.example".into()), ..Marks::default() };
        let content = Document {
            blocks: vec![
                Block::Heading(2, vec![Inline::Text("Ærø".into(), Marks::default())]),
                Block::Paragraph(vec![
                    Inline::Text("fed 🦊 ".into(), bold),
                    Inline::Text("link".into(), link),
                    Inline::Break,
                    Inline::Text("næste".into(), Marks::default()),
                ]),
                Block::List(List {
                    kind: ListKind::Ordered { start: 3 },
                    items: vec![Item {
                        blocks: vec![Block::Paragraph(vec![Inline::Text("tre".into(), Marks::default())])],
                        checked: false,
                    }],
                }),
                Block::List(List { kind: ListKind::Task, items: vec![Item { blocks: vec![], checked: true }] }),
                Block::Table(vec![vec![Cell {
                    header: true,
                    blocks: vec![Block::Paragraph(vec![Inline::Text("Navn".into(), Marks::default())])],
                }]]),
            ],
            unknown: vec![],
        };
        let back = super::super::model::read(&write(&content));
        let mut want = content.clone();
        // An empty item gets the empty paragraph the editor's schema asks for.
        if let Block::List(l) = &mut want.blocks[3] {
            l.items[0].blocks = vec![Block::Paragraph(vec![])];
        }
        assert_eq!(back, want);
    }
}
