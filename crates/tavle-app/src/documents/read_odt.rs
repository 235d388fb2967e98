//! Reading an OpenDocument Text file (ODT) into the document model: headings (`text:h` and
//! its outline level), paragraphs, bold, italic, underline and strike from the text styles
//! (automatic ones and the file's own, with their parents), links, spaces (`text:s`), tabs and
//! line breaks, bulleted and numbered lists (nested, with their start) and tables (header
//! rows kept), pictures (`draw:frame` with a PNG or JPEG `draw:image`, its width and
//! description). What the model has no place for (notes, ...) is named in
//! `Document::unknown`.

use std::collections::HashMap;

use tavle_core::document::{Block, Cell, Document, Inline, ListKind, Marks};

use super::read_common::{self, css_px, lists, Found, ListLine, PictureFiles, Unknown};
use super::xml_tree::{parse, part, El, Node};

/// The model of an ODT file's bytes, or why it could not be read.
pub(super) fn read(bytes: &[u8]) -> Result<(Document, PictureFiles), String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let content = parse(&part(&mut zip, "content.xml")?.ok_or("it has no content.xml")?)?;
    let styles = part(&mut zip, "styles.xml")?.map(|x| parse(&x)).transpose()?;
    let mut r = Reader { styles: Styles::default(), unknown: Unknown::default(), zip, found: Found::default() };
    for root in styles.iter().chain(std::iter::once(&content)) {
        for section in ["office:styles", "office:automatic-styles"] {
            if let Some(s) = root.child(section) {
                r.styles.add(s);
            }
        }
    }
    let text = content.child("office:body").and_then(|b| b.child("office:text")).ok_or("content.xml has no text")?;
    let mut blocks = r.blocks(text);
    r.found.after(&mut blocks);
    Ok((Document { blocks, unknown: r.unknown.into_names() }, r.found.files))
}

struct Reader<'a> {
    styles: Styles,
    unknown: Unknown,
    zip: zip::ZipArchive<std::io::Cursor<&'a [u8]>>,
    found: Found,
}

impl Reader<'_> {
    fn blocks(&mut self, container: &El) -> Vec<Block> {
        let mut out = Vec::new();
        for e in container.elements() {
            self.block(e, &mut out);
        }
        out
    }

    fn block(&mut self, e: &El, out: &mut Vec<Block>) {
        match e.name.as_str() {
            "text:p" => {
                out.push(Block::Paragraph(self.inlines_of(e, true)));
                self.found.after(out);
            }
            "text:h" => {
                let level = e.attr("text:outline-level").and_then(|l| l.parse::<u8>().ok()).unwrap_or(1);
                // A heading's style makes it bold by nature; only its spans' marks are its own.
                out.push(Block::Heading(level.clamp(1, 3), self.inlines_of(e, false)));
                self.found.after(out);
            }
            "text:list" => {
                let mut lines = Vec::new();
                self.list(e, 0, e.attr("text:style-name"), &mut lines);
                out.extend(lists(lines));
            }
            "table:table" => out.push(self.table(e)),
            "text:section" | "text:index-body" => {
                for c in e.elements() {
                    self.block(c, out);
                }
            }
            "text:sequence-decls"
            | "office:forms"
            | "text:soft-page-break"
            | "text:tracked-changes"
            | "text:variable-decls"
            | "text:user-field-decls" => {}
            "text:table-of-content" => {
                self.unknown.note("table of contents");
                if let Some(body) = e.child("text:index-body") {
                    self.block(body, out);
                }
            }
            other => self.unknown.note(other),
        }
    }

    /// A list's paragraphs with their levels; nested lists go one level deeper and, without a
    /// style of their own, keep the outer one's.
    fn list(&mut self, list: &El, level: usize, style: Option<&str>, out: &mut Vec<ListLine>) {
        let style = list.attr("text:style-name").or(style);
        let kind = self.styles.list_kind(style, level);
        for item in list.elements().filter(|i| i.name == "text:list-item" || i.name == "text:list-header") {
            for c in item.elements() {
                match c.name.as_str() {
                    "text:list" => self.list(c, level + 1, style, out),
                    _ => {
                        let mut blocks = Vec::new();
                        self.block(c, &mut blocks);
                        out.extend(blocks.into_iter().map(|block| ListLine { level, kind, block }));
                    }
                }
            }
        }
    }

    fn table(&mut self, t: &El) -> Block {
        let mut rows = Vec::new();
        let add_rows = |r: &mut Self, container: &El, header: bool, rows: &mut Vec<Vec<Cell>>| {
            for row in container.elements().filter(|e| e.name == "table:table-row") {
                let cells = row
                    .elements()
                    .filter(|c| c.name == "table:table-cell")
                    .map(|c| Cell { header, blocks: r.blocks(c) })
                    .collect();
                rows.push(cells);
            }
        };
        for part in t.elements() {
            match part.name.as_str() {
                "table:table-header-rows" => add_rows(self, part, true, &mut rows),
                "table:table-rows" => add_rows(self, part, false, &mut rows),
                _ => {}
            }
        }
        add_rows(self, t, false, &mut rows);
        Block::Table(rows)
    }

    /// A paragraph's text with its marks: the paragraph's style (`own_style`), then each
    /// span's.
    fn inlines_of(&mut self, p: &El, own_style: bool) -> Vec<Inline> {
        let mut marks = Marks::default();
        if own_style {
            self.styles.apply(p.attr("text:style-name"), &mut marks);
        }
        let mut out = Vec::new();
        self.inlines(p, &marks, &mut out);
        out
    }

    fn inlines(&mut self, el: &El, marks: &Marks, out: &mut Vec<Inline>) {
        for c in &el.children {
            let e = match c {
                Node::Text(t) => {
                    push(out, t, marks);
                    continue;
                }
                Node::El(e) => e,
            };
            match e.name.as_str() {
                "text:span" => {
                    let mut m = marks.clone();
                    self.styles.apply(e.attr("text:style-name"), &mut m);
                    self.inlines(e, &m, out);
                }
                "text:a" => {
                    let mut m = marks.clone();
                    m.link = e.attr("xlink:href").map(str::to_string);
                    self.inlines(e, &m, out);
                }
                "text:s" => {
                    let n = e.attr("text:c").and_then(|c| c.parse::<usize>().ok()).unwrap_or(1).min(1000);
                    push(out, &" ".repeat(n), marks);
                }
                "text:tab" => push(out, "\t", marks),
                "text:line-break" => out.push(Inline::Break),
                "text:bookmark"
                | "text:bookmark-start"
                | "text:bookmark-end"
                | "text:soft-page-break"
                | "text:reference-mark"
                | "text:reference-mark-start"
                | "text:reference-mark-end"
                | "office:annotation"
                | "office:annotation-end"
                | "text:change-start"
                | "text:change-end" => {}
                "draw:frame" => self.frame(e),
                "draw:image" => self.unknown.note("image"),
                "text:note" => self.unknown.note("footnote"),
                // Fields and other inline elements: their text, with what they were named.
                other => {
                    self.unknown.note(other);
                    self.inlines(e, marks, out);
                }
            }
        }
    }
}

impl Reader<'_> {
    /// A frame: a picture stored in the file (not one linked from elsewhere), with its width
    /// and description; anything else in a frame (text boxes, objects) is noted.
    fn frame(&mut self, frame: &El) {
        let href = frame.child("draw:image").and_then(|i| i.attr("xlink:href"));
        let Some(href) = href.filter(|h| !h.contains("://") && !h.starts_with('/') && !h.contains("..")) else {
            self.unknown.note("image");
            return;
        };
        let alt = frame.child("svg:desc").or_else(|| frame.child("svg:title")).map(|d| {
            d.children.iter().filter_map(|c| if let Node::Text(t) = c { Some(t.as_str()) } else { None }).collect()
        });
        let width = frame.attr("svg:width").and_then(css_px);
        self.found.take(&mut self.zip, href.trim_start_matches("./"), alt, width, &mut self.unknown);
    }
}

fn push(out: &mut Vec<Inline>, text: &str, marks: &Marks) {
    // Whitespace in ODT text is collapsed by the format's rules; runs of spaces come as text:s.
    let text: String = text.chars().map(|c| if c == '\n' || c == '\r' || c == '\t' { ' ' } else { c }).collect();
    read_common::push(out, text, marks);
}

/// The text and list styles of the file (its own and the automatic ones).
#[derive(Default)]
struct Styles {
    /// Style name → (parent, the marks it sets: bold, italic, underline, strike).
    text: HashMap<String, (Option<String>, [Option<bool>; 4])>,
    /// List style name → the kind of each level (from 0).
    lists: HashMap<String, Vec<ListKind>>,
}

impl Styles {
    fn add(&mut self, section: &El) {
        for s in section.elements() {
            let Some(name) = s.attr("style:name") else { continue };
            match s.name.as_str() {
                "style:style" => {
                    let props = s.child("style:text-properties");
                    let get = |attr: &str, on: &dyn Fn(&str) -> bool| props.and_then(|p| p.attr(attr)).map(on);
                    let marks = [
                        get("fo:font-weight", &|v| v == "bold" || v.parse::<u32>().is_ok_and(|w| w >= 600)),
                        get("fo:font-style", &|v| v == "italic" || v == "oblique"),
                        get("style:text-underline-style", &|v| v != "none"),
                        get("style:text-line-through-style", &|v| v != "none"),
                    ];
                    let parent = s.attr("style:parent-style-name").map(str::to_string);
                    self.text.insert(name.to_string(), (parent, marks));
                }
                "text:list-style" => {
                    let mut levels: Vec<(usize, ListKind)> = s
                        .elements()
                        .filter_map(|l| {
                            let level = l.attr("text:level")?.parse::<usize>().ok()?.checked_sub(1)?;
                            let kind = match l.name.as_str() {
                                "text:list-level-style-number" => ListKind::Ordered {
                                    start: l.attr("text:start-value").and_then(|v| v.parse().ok()).unwrap_or(1),
                                },
                                _ => ListKind::Bullet,
                            };
                            Some((level, kind))
                        })
                        .collect();
                    levels.sort_by_key(|(l, _)| *l);
                    self.lists.insert(name.to_string(), levels.into_iter().map(|(_, k)| k).collect());
                }
                _ => {}
            }
        }
    }

    /// Applies a text style (and its parents, nearest last) to `marks`.
    fn apply(&self, name: Option<&str>, marks: &mut Marks) {
        let mut chain = Vec::new();
        let mut next = name.map(str::to_string);
        while let Some(n) = next.take() {
            if chain.len() > 10 {
                break;
            }
            if let Some((parent, set)) = self.text.get(&n) {
                chain.push(*set);
                next = parent.clone();
            }
        }
        for [bold, italic, underline, strike] in chain.into_iter().rev() {
            marks.bold = bold.unwrap_or(marks.bold);
            marks.italic = italic.unwrap_or(marks.italic);
            marks.underline = underline.unwrap_or(marks.underline);
            marks.strike = strike.unwrap_or(marks.strike);
        }
    }

    fn list_kind(&self, style: Option<&str>, level: usize) -> ListKind {
        style.and_then(|s| self.lists.get(s)).and_then(|l| l.get(level)).copied().unwrap_or(ListKind::Bullet)
    }
}
