//! A Tavle document's content as blocks and inlines, between the editor's Yjs tree and every
//! file format (ODT, DOCX, plain text): what the exporters write and the importers read.
//! No I/O here. The editor's schema (docs/design/documents.md, "The schema the editor
//! writes") names its nodes and marks as [`NODES`] and [`MARKS`] do; a node the model does
//! not know is kept as its text and named in [`Document::unknown`], never dropped silently.

/// The ProseMirror node names the editor writes, as the model reads them.
pub const NODES: &[&str] = &[
    "paragraph",
    "heading",
    "bulletList",
    "orderedList",
    "listItem",
    "taskList",
    "taskItem",
    "table",
    "tableRow",
    "tableHeader",
    "tableCell",
    "hardBreak",
    "image",
];

/// The ProseMirror mark names the editor writes.
pub const MARKS: &[&str] = &["bold", "italic", "underline", "strike", "link"];

/// A comment on a passage of a document, or a reply in its thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    pub id: crate::CommentId,
    /// The thread's first comment (its own id for the first).
    pub thread_id: crate::CommentId,
    pub on: CommentOn,
    pub author_id: crate::PersonId,
    /// The author's name as the school has it.
    pub author_name: String,
    pub body: String,
    /// Where the passage is, as the editor encodes it (opaque here); the first comment only.
    pub anchor: Option<String>,
    /// The passage's text when the thread began.
    pub quote: Option<String>,
    pub created_at: i64,
    /// Set on a thread's first comment when the thread is resolved.
    pub resolved_at: Option<i64>,
    pub resolved_by: Option<crate::PersonId>,
}

/// What a comment is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommentOn {
    /// A live document.
    Document(crate::NodeId),
    /// A document handed in: the hand-in and the file's position in it.
    HandIn(crate::HandInId, u32),
}

/// The longest a comment may be, in characters.
pub const MAX_COMMENT: usize = 5_000;

/// A whole document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Document {
    pub blocks: Vec<Block>,
    /// Node or mark names met that the model does not know (their text is kept).
    pub unknown: Vec<String>,
}

/// A block of the page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    Paragraph(Vec<Inline>),
    /// A heading of level 1 to 3.
    Heading(u8, Vec<Inline>),
    List(List),
    Table(Vec<Vec<Cell>>),
    Image(Image),
}

/// A picture on its own line. The tree names it by the SHA-256 of its file; which pictures a
/// document may show is kept beside the tree (a client may write any hash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    /// The SHA-256 of the picture's file, in lower-case hex.
    pub sha256: String,
    /// What the picture shows, for those who cannot see it.
    pub alt: Option<String>,
    /// The width it was given in the editor, in CSS pixels.
    pub width: Option<u32>,
}

impl Document {
    /// The SHA-256s of the pictures the document shows, each once.
    pub fn image_hashes(&self) -> Vec<String> {
        fn walk(blocks: &[Block], out: &mut Vec<String>) {
            for b in blocks {
                match b {
                    Block::Image(i) => out.push(i.sha256.clone()),
                    Block::List(l) => l.items.iter().for_each(|i| walk(&i.blocks, out)),
                    Block::Table(rows) => rows.iter().flatten().for_each(|c| walk(&c.blocks, out)),
                    Block::Paragraph(_) | Block::Heading(..) => {}
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.blocks, &mut out);
        out.sort();
        out.dedup();
        out
    }
}

/// A bulleted, numbered or check list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct List {
    pub kind: ListKind,
    pub items: Vec<Item>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListKind {
    Bullet,
    /// Numbered from `start`.
    Ordered {
        start: u32,
    },
    Task,
}

/// A list item: its blocks (paragraphs, nested lists), and for a check list whether it is
/// ticked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Item {
    pub blocks: Vec<Block>,
    pub checked: bool,
}

/// A table cell.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cell {
    pub header: bool,
    pub blocks: Vec<Block>,
}

/// A run of text with the same marks, or a line break inside a paragraph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inline {
    Text(String, Marks),
    Break,
}

/// The marks on a run of text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Marks {
    pub bold: bool,
    pub italic: bool,
    pub underline: bool,
    pub strike: bool,
    /// The address of a link.
    pub link: Option<String>,
}

impl Marks {
    pub fn is_plain(&self) -> bool {
        *self == Marks::default()
    }
}

impl Document {
    /// The text, a line per paragraph, heading, list item or table cell.
    pub fn plain_text(&self) -> String {
        let mut out = String::new();
        for b in &self.blocks {
            block_text(b, &mut out);
        }
        out.trim_end_matches('\n').to_string()
    }

    /// How many words the text has (what the editor's counter shows).
    pub fn words(&self) -> usize {
        self.plain_text().split_whitespace().count()
    }
}

fn block_text(b: &Block, out: &mut String) {
    match b {
        Block::Paragraph(inl) | Block::Heading(_, inl) => {
            inline_text(inl, out);
            out.push('\n');
        }
        Block::List(l) => {
            for item in &l.items {
                for b in &item.blocks {
                    block_text(b, out);
                }
            }
        }
        Block::Table(rows) => {
            for row in rows {
                for cell in row {
                    for b in &cell.blocks {
                        block_text(b, out);
                    }
                }
            }
        }
        Block::Image(_) => {}
    }
}

fn inline_text(inl: &[Inline], out: &mut String) {
    for i in inl {
        match i {
            Inline::Text(t, _) => out.push_str(t),
            Inline::Break => out.push('\n'),
        }
    }
}

/// `s` with `&`, `<`, `>`, `"` and `'` escaped, and characters XML 1.0 forbids (control
/// characters a paste can carry) left out: safe as XML text or attribute value.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_and_words() {
        let d = Document {
            blocks: vec![
                Block::Heading(1, vec![Inline::Text("Ærø".into(), Marks::default())]),
                Block::List(List {
                    kind: ListKind::Bullet,
                    items: vec![Item {
                        blocks: vec![Block::Paragraph(vec![
                            Inline::Text("en ".into(), Marks { bold: true, ..Marks::default() }),
                            Inline::Break,
                            Inline::Text("to".into(), Marks::default()),
                        ])],
                        checked: false,
                    }],
                }),
            ],
            unknown: vec![],
        };
        assert_eq!(d.plain_text(), "Ærø\nen \nto");
        assert_eq!(d.words(), 3);
    }

    #[test]
    fn xml_escape_drops_what_xml_forbids() {
        assert_eq!(xml_escape("a<b>&\"'\u{1}\u{b}ø"), "a&lt;b&gt;&amp;&quot;&apos;ø");
    }
}
