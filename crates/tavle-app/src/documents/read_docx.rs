//! Reading a Word file (DOCX, Office Open XML) into the document model: paragraphs, headings
//! (by the style's name, "heading 1" to "heading 3", or its outline level; "Title" is a
//! heading 1), bold, italic, underline, strike (directly or by a character style), links,
//! line breaks and tabs, bulleted and numbered lists with their levels and start, tables
//! (header rows kept), tracked insertions kept and deletions left out, pictures (inline or
//! anchored drawings of a PNG or JPEG in the file, with their width and description). What
//! the model has no place for (footnotes, fields, ...) is named in `Document::unknown`.

use std::collections::HashMap;

use tavle_core::document::{Block, Cell, Document, Inline, ListKind, Marks};

use super::read_common::{lists, push, Found, ListLine, PictureFiles, Unknown};
use super::xml_tree::{parse, part, El, Node};

/// The model of a DOCX file's bytes, or why it could not be read.
pub(super) fn read(bytes: &[u8]) -> Result<(Document, PictureFiles), String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let body_xml = part(&mut zip, "word/document.xml")?.ok_or("it has no word/document.xml")?;
    let styles = part(&mut zip, "word/styles.xml")?.map(|x| parse(&x)).transpose()?;
    let numbering = part(&mut zip, "word/numbering.xml")?.map(|x| parse(&x)).transpose()?;
    let rels = part(&mut zip, "word/_rels/document.xml.rels")?.map(|x| parse(&x)).transpose()?;
    let root = parse(&body_xml)?;
    let body = root.child("w:body").ok_or("word/document.xml has no body")?;
    let mut r = Reader {
        styles: Styles::of(styles.as_ref()),
        numbering: Numbering::of(numbering.as_ref()),
        links: rels
            .as_ref()
            .map(|r| {
                r.elements()
                    .filter(|e| e.attr("TargetMode") == Some("External"))
                    .filter_map(|e| Some((e.attr("Id")?.to_string(), e.attr("Target")?.to_string())))
                    .collect()
            })
            .unwrap_or_default(),
        media: rels
            .as_ref()
            .map(|r| {
                r.elements()
                    .filter(|e| e.attr("Type").is_some_and(|t| t.ends_with("/image")))
                    .filter(|e| e.attr("TargetMode") != Some("External"))
                    .filter_map(|e| Some((e.attr("Id")?.to_string(), e.attr("Target")?.to_string())))
                    .collect()
            })
            .unwrap_or_default(),
        unknown: Unknown::default(),
        zip,
        found: Found::default(),
    };
    let mut blocks = r.blocks(body);
    r.found.after(&mut blocks);
    Ok((Document { blocks, unknown: r.unknown.into_names() }, r.found.files))
}

struct Reader<'a> {
    styles: Styles,
    numbering: Numbering,
    /// Relationship id → external address (links).
    links: HashMap<String, String>,
    /// Relationship id → a picture's part, relative to `word/`.
    media: HashMap<String, String>,
    unknown: Unknown,
    zip: zip::ZipArchive<std::io::Cursor<&'a [u8]>>,
    found: Found,
}

/// The first element named `name` at or below `e`.
fn find<'e>(e: &'e El, name: &str) -> Option<&'e El> {
    if e.name == name {
        return Some(e);
    }
    e.elements().find_map(|c| find(c, name))
}

impl Reader<'_> {
    /// A drawing: the picture its `a:blip` embeds, as wide as its extent, described by its
    /// `wp:docPr`.
    fn drawing(&mut self, d: &El) {
        let target = find(d, "a:blip").and_then(|b| b.attr("r:embed")).and_then(|id| self.media.get(id)).cloned();
        let Some(target) = target.filter(|t| !t.contains("://") && !t.contains("..")) else {
            self.unknown.note("image");
            return;
        };
        let name = match target.strip_prefix('/') {
            Some(abs) => abs.to_string(),
            None => format!("word/{target}"),
        };
        let alt = find(d, "wp:docPr").and_then(|p| p.attr("descr").or_else(|| p.attr("title"))).map(str::to_string);
        // EMU: 914,400 to the inch, 96 CSS pixels to the inch.
        let width = find(d, "wp:extent")
            .and_then(|x| x.attr("cx"))
            .and_then(|cx| cx.parse::<u64>().ok())
            .map(|emu| u32::try_from(emu * 96 / 914_400).unwrap_or(u32::MAX))
            .filter(|w| (1..100_000).contains(w));
        self.found.take(&mut self.zip, &name, alt, width, &mut self.unknown);
    }

    /// A container's blocks (the body, a cell), list paragraphs gathered into lists.
    fn blocks(&mut self, container: &El) -> Vec<Block> {
        let mut out = Vec::new();
        let mut pending: Vec<ListLine> = Vec::new();
        self.collect(container, &mut out, &mut pending);
        out.extend(lists(std::mem::take(&mut pending)));
        out
    }

    fn collect(&mut self, container: &El, out: &mut Vec<Block>, pending: &mut Vec<ListLine>) {
        for e in container.elements() {
            match e.name.as_str() {
                "w:p" => {
                    let (block, list) = self.paragraph(e);
                    match list {
                        Some((level, kind)) => pending.push(ListLine { level, kind, block }),
                        None => {
                            out.extend(lists(std::mem::take(pending)));
                            out.push(block);
                        }
                    }
                    if !self.found.pending.is_empty() {
                        out.extend(lists(std::mem::take(pending)));
                        self.found.after(out);
                    }
                }
                "w:tbl" => {
                    out.extend(lists(std::mem::take(pending)));
                    out.push(self.table(e));
                }
                // Content controls and tracked insertions hold ordinary paragraphs.
                "w:sdt" | "w:sdtContent" | "w:ins" | "w:customXml" => self.collect(e, out, pending),
                "w:sectPr" | "w:bookmarkStart" | "w:bookmarkEnd" | "w:del" | "w:proofErr" => {}
                other => self.unknown.note(other),
            }
        }
    }

    /// A paragraph, and its list level and kind if it is a list item.
    fn paragraph(&mut self, p: &El) -> (Block, Option<(usize, ListKind)>) {
        let ppr = p.child("w:pPr");
        let style = ppr.and_then(|x| x.child("w:pStyle")).and_then(|s| s.attr("w:val")).unwrap_or_default();
        let outline = ppr
            .and_then(|x| x.child("w:outlineLvl"))
            .and_then(|o| o.attr("w:val"))
            .and_then(|v| v.parse::<u8>().ok())
            .map(|l| l + 1);
        let level = outline.or_else(|| self.styles.heading(style));
        let mut inl = Vec::new();
        self.runs(p, &Marks::default(), &mut inl);
        let num = ppr.and_then(|x| x.child("w:numPr")).or_else(|| self.styles.numbering(style));
        let list = num.and_then(|n| {
            let id = n.child("w:numId")?.attr("w:val")?;
            let level = n.child("w:ilvl").and_then(|l| l.attr("w:val")).and_then(|v| v.parse().ok()).unwrap_or(0);
            self.numbering.kind(id, level).map(|kind| (usize::from(level), kind))
        });
        match level {
            Some(l) if l <= 6 && list.is_none() => (Block::Heading(l.clamp(1, 3), inl), None),
            _ => (Block::Paragraph(inl), list),
        }
    }

    /// The runs of a paragraph (or of a link or field inside it).
    fn runs(&mut self, el: &El, base: &Marks, out: &mut Vec<Inline>) {
        for e in el.elements() {
            match e.name.as_str() {
                "w:r" => self.run(e, base, out),
                "w:hyperlink" => {
                    let mut marks = base.clone();
                    marks.link = e.attr("r:id").and_then(|id| self.links.get(id)).cloned();
                    self.runs(e, &marks, out);
                }
                "w:ins" | "w:smartTag" | "w:fldSimple" | "w:sdt" | "w:sdtContent" | "w:customXml" => {
                    self.runs(e, base, out)
                }
                "w:pPr"
                | "w:del"
                | "w:bookmarkStart"
                | "w:bookmarkEnd"
                | "w:proofErr"
                | "w:commentRangeStart"
                | "w:commentRangeEnd"
                | "w:sdtPr"
                | "w:sdtEndPr" => {}
                other => self.unknown.note(other),
            }
        }
    }

    fn run(&mut self, r: &El, base: &Marks, out: &mut Vec<Inline>) {
        let mut marks = base.clone();
        if let Some(rpr) = r.child("w:rPr") {
            if let Some(style) = rpr.child("w:rStyle").and_then(|s| s.attr("w:val")) {
                if let Some(from_style) = self.styles.run_props(style) {
                    apply(from_style, &mut marks);
                }
            }
            apply(rpr, &mut marks);
        }
        for e in r.elements() {
            match e.name.as_str() {
                "w:t" => {
                    let text: String = e
                        .children
                        .iter()
                        .filter_map(|c| match c {
                            Node::Text(t) => Some(t.as_str()),
                            Node::El(_) => None,
                        })
                        .collect();
                    push(out, text, &marks);
                }
                "w:tab" => push(out, "\t".into(), &marks),
                "w:noBreakHyphen" => push(out, "-".into(), &marks),
                "w:br" | "w:cr" if e.attr("w:type").is_none_or(|t| t == "textWrapping") => out.push(Inline::Break),
                "w:rPr" | "w:br" | "w:lastRenderedPageBreak" | "w:commentReference" | "w:annotationRef" => {}
                "w:drawing" => self.drawing(e),
                "w:pict" | "w:object" => self.unknown.note("image"),
                "w:footnoteReference" | "w:endnoteReference" => self.unknown.note("footnote"),
                other => self.unknown.note(other),
            }
        }
    }

    fn table(&mut self, tbl: &El) -> Block {
        let mut rows = Vec::new();
        for tr in tbl.elements().filter(|e| e.name == "w:tr") {
            let header = tr.child("w:trPr").is_some_and(|p| p.child("w:tblHeader").is_some());
            let cells =
                tr.elements().filter(|e| e.name == "w:tc").map(|tc| Cell { header, blocks: self.blocks(tc) }).collect();
            rows.push(cells);
        }
        Block::Table(rows)
    }
}

/// A run's properties applied to `marks`: a toggle is on unless its value says off.
fn apply(rpr: &El, marks: &mut Marks) {
    let on = |name: &str| rpr.child(name).map(|e| !matches!(e.attr("w:val"), Some("0" | "false" | "none")));
    if let Some(b) = on("w:b") {
        marks.bold = b;
    }
    if let Some(i) = on("w:i") {
        marks.italic = i;
    }
    if let Some(u) = on("w:u") {
        marks.underline = u;
    }
    if let Some(s) = on("w:strike").or_else(|| on("w:dstrike")) {
        marks.strike = s;
    }
}

/// What the document's styles say: heading levels and list numbering of paragraph styles,
/// run properties of character styles.
#[derive(Default)]
struct Styles {
    /// Style id → (heading level, numbering properties, run properties), the element kept.
    by_id: HashMap<String, StyleInfo>,
}

#[derive(Default)]
struct StyleInfo {
    heading: Option<u8>,
    num: Option<El>,
    rpr: Option<El>,
}

impl Styles {
    fn of(root: Option<&El>) -> Styles {
        let mut by_id = HashMap::new();
        for s in root.into_iter().flat_map(|r| r.elements()).filter(|e| e.name == "w:style") {
            let Some(id) = s.attr("w:styleId") else { continue };
            let name = s.child("w:name").and_then(|n| n.attr("w:val")).unwrap_or_default().to_ascii_lowercase();
            let outline = s
                .child("w:pPr")
                .and_then(|p| p.child("w:outlineLvl"))
                .and_then(|o| o.attr("w:val"))
                .and_then(|v| v.parse::<u8>().ok());
            let heading = match name.strip_prefix("heading ") {
                Some(n) => n.parse().ok(),
                None if name == "title" => Some(1),
                None => outline.map(|l| l + 1),
            };
            let num = s.child("w:pPr").and_then(|p| p.child("w:numPr")).map(clone_el);
            let rpr = s.child("w:rPr").map(clone_el);
            by_id.insert(id.to_string(), StyleInfo { heading, num, rpr });
        }
        Styles { by_id }
    }

    fn heading(&self, id: &str) -> Option<u8> {
        self.by_id.get(id)?.heading
    }

    fn numbering(&self, id: &str) -> Option<&El> {
        self.by_id.get(id)?.num.as_ref()
    }

    fn run_props(&self, id: &str) -> Option<&El> {
        self.by_id.get(id)?.rpr.as_ref()
    }
}

fn clone_el(e: &El) -> El {
    El { name: e.name.clone(), attrs: e.attrs.clone(), children: e.elements().map(|c| Node::El(clone_el(c))).collect() }
}

/// Which numbering is a bullet and which counts, from where.
#[derive(Default)]
struct Numbering {
    /// numId → abstractNumId.
    nums: HashMap<String, String>,
    /// (abstractNumId, level) → the list's kind.
    levels: HashMap<(String, u8), ListKind>,
}

impl Numbering {
    fn of(root: Option<&El>) -> Numbering {
        let mut n = Numbering::default();
        for e in root.into_iter().flat_map(|r| r.elements()) {
            match e.name.as_str() {
                "w:num" => {
                    let abs = e.child("w:abstractNumId").and_then(|a| a.attr("w:val"));
                    if let (Some(id), Some(abs)) = (e.attr("w:numId"), abs) {
                        n.nums.insert(id.to_string(), abs.to_string());
                    }
                }
                "w:abstractNum" => {
                    let Some(abs) = e.attr("w:abstractNumId") else { continue };
                    for lvl in e.elements().filter(|l| l.name == "w:lvl") {
                        let Some(level) = lvl.attr("w:ilvl").and_then(|v| v.parse().ok()) else { continue };
                        let fmt = lvl.child("w:numFmt").and_then(|f| f.attr("w:val")).unwrap_or("bullet");
                        let start = lvl.child("w:start").and_then(|s| s.attr("w:val")).and_then(|v| v.parse().ok());
                        let kind = match fmt {
                            "bullet" | "none" => ListKind::Bullet,
                            _ => ListKind::Ordered { start: start.unwrap_or(1) },
                        };
                        n.levels.insert((abs.to_string(), level), kind);
                    }
                }
                _ => {}
            }
        }
        n
    }

    /// The kind of list item a paragraph with this numbering is; `None` for numbering id 0
    /// (Word's "no list").
    fn kind(&self, num_id: &str, level: u8) -> Option<ListKind> {
        if num_id == "0" {
            return None;
        }
        let abs = self.nums.get(num_id)?;
        Some(self.levels.get(&(abs.clone(), level)).copied().unwrap_or(ListKind::Bullet))
    }
}
