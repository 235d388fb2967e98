//! Reading a Yjs document's tree (an `XmlFragment` named `default`, in the editor's
//! ProseMirror schema, as y-tiptap writes it) into the document model of `tavle-core`.

use tavle_core::document::{Block, Cell, Document, Image, Inline, Item, List, ListKind, Marks};
use yrs::types::text::Diff;
use yrs::{Any, Doc, Number, Out, ReadTxn, Text, Transact, Xml, XmlElementRef, XmlFragment, XmlOut};

/// The document's content as the model holds it.
pub(crate) fn read(doc: &Doc) -> Document {
    let txn = doc.transact();
    let mut out = Document::default();
    if let Some(root) = txn.get_xml_fragment("default") {
        let children: Vec<XmlOut> = root.children(&txn).collect();
        out.blocks = blocks(&txn, children, &mut out.unknown);
    }
    out.unknown.sort();
    out.unknown.dedup();
    out
}

fn blocks<T: ReadTxn>(txn: &T, nodes: Vec<XmlOut>, unknown: &mut Vec<String>) -> Vec<Block> {
    let mut out = Vec::new();
    for n in nodes {
        match n {
            XmlOut::Element(e) => block(txn, &e, &mut out, unknown),
            // Text directly in a block container: keep it as a paragraph.
            XmlOut::Text(t) => out.push(Block::Paragraph(inlines_of_text(txn, &t, unknown))),
            XmlOut::Fragment(f) => {
                let children: Vec<XmlOut> = f.children(txn).collect();
                out.extend(blocks(txn, children, unknown));
            }
        }
    }
    out
}

fn block<T: ReadTxn>(txn: &T, e: &XmlElementRef, out: &mut Vec<Block>, unknown: &mut Vec<String>) {
    let children = || -> Vec<XmlOut> { e.children(txn).collect() };
    match e.tag().as_ref() {
        "paragraph" => out.push(Block::Paragraph(inlines(txn, children(), unknown))),
        "heading" => {
            let level = number(e.get_attribute(txn, "level")).unwrap_or(1).clamp(1, 3);
            out.push(Block::Heading(u8::try_from(level).unwrap_or(1), inlines(txn, children(), unknown)));
        }
        "bulletList" => out.push(Block::List(list(txn, children(), ListKind::Bullet, unknown))),
        "orderedList" => {
            let start = number(e.get_attribute(txn, "start")).unwrap_or(1);
            let start = u32::try_from(start.max(0)).unwrap_or(1);
            out.push(Block::List(list(txn, children(), ListKind::Ordered { start }, unknown)));
        }
        "taskList" => out.push(Block::List(list(txn, children(), ListKind::Task, unknown))),
        "table" => {
            let rows = children()
                .into_iter()
                .filter_map(|r| match r {
                    XmlOut::Element(row) => Some(
                        row.children(txn)
                            .filter_map(|c| match c {
                                XmlOut::Element(cell) => Some(Cell {
                                    header: cell.tag().as_ref() == "tableHeader",
                                    blocks: blocks(txn, cell.children(txn).collect(), unknown),
                                }),
                                _ => None,
                            })
                            .collect(),
                    ),
                    _ => None,
                })
                .collect();
            out.push(Block::Table(rows));
        }
        "image" => {
            // A picture is named by the SHA-256 of its file; anything else is not one of ours.
            let text = |name| match e.get_attribute(txn, name) {
                Some(Out::Any(Any::String(s))) if !s.is_empty() => Some(s.to_string()),
                _ => None,
            };
            match text("image").filter(|h| is_sha256(h)) {
                Some(sha256) => out.push(Block::Image(Image {
                    sha256,
                    alt: text("alt"),
                    width: number(e.get_attribute(txn, "width")).and_then(|w| u32::try_from(w).ok()).filter(|w| *w > 0),
                })),
                None => unknown.push("image".to_string()),
            }
        }
        other => {
            // A node this model does not know: its blocks, or its text as a paragraph.
            unknown.push(other.to_string());
            let inner = blocks(txn, children(), unknown);
            out.extend(inner);
        }
    }
}

fn list<T: ReadTxn>(txn: &T, items: Vec<XmlOut>, kind: ListKind, unknown: &mut Vec<String>) -> List {
    let items = items
        .into_iter()
        .filter_map(|i| match i {
            XmlOut::Element(item) => Some(Item {
                checked: matches!(item.get_attribute(txn, "checked"), Some(Out::Any(Any::Bool(true)))),
                blocks: blocks(txn, item.children(txn).collect(), unknown),
            }),
            _ => None,
        })
        .collect();
    List { kind, items }
}

fn inlines<T: ReadTxn>(txn: &T, nodes: Vec<XmlOut>, unknown: &mut Vec<String>) -> Vec<Inline> {
    let mut out = Vec::new();
    for n in nodes {
        match n {
            XmlOut::Text(t) => out.extend(inlines_of_text(txn, &t, unknown)),
            XmlOut::Element(e) if e.tag().as_ref() == "hardBreak" => out.push(Inline::Break),
            XmlOut::Element(e) => {
                unknown.push(e.tag().to_string());
                out.extend(inlines(txn, e.children(txn).collect(), unknown));
            }
            XmlOut::Fragment(_) => {}
        }
    }
    out
}

fn inlines_of_text<T: ReadTxn>(txn: &T, t: &yrs::XmlTextRef, unknown: &mut Vec<String>) -> Vec<Inline> {
    let diff: Vec<Diff<()>> = t.diff(txn, |_| ());
    let mut out = Vec::new();
    for d in diff {
        let Out::Any(Any::String(s)) = &d.insert else { continue };
        let mut marks = Marks::default();
        for (name, value) in d.attributes.iter().flat_map(|a| a.iter()) {
            match name.as_ref() {
                "bold" => marks.bold = true,
                "italic" => marks.italic = true,
                "underline" => marks.underline = true,
                "strike" => marks.strike = true,
                "link" => {
                    if let Any::Map(m) = value {
                        if let Some(Any::String(href)) = m.get("href") {
                            marks.link = Some(href.to_string());
                        }
                    }
                }
                other => unknown.push(other.to_string()),
            }
        }
        out.push(Inline::Text(s.to_string(), marks));
    }
    out
}

/// Whether `s` is a SHA-256 in lower-case hex.
pub(crate) fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A number attribute, whether y-tiptap wrote it as a number or as text.
fn number(v: Option<Out>) -> Option<i64> {
    match v? {
        Out::Any(Any::Number(Number::Int(n))) => Some(n),
        Out::Any(Any::Number(Number::Float(f))) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 => {
            Some(f as i64)
        }
        Out::Any(Any::String(s)) => s.parse().ok(),
        _ => None,
    }
}
