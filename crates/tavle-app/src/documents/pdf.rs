//! A document as PDF, laid out here on A4 pages: headings, paragraphs with their marks and
//! links (clickable), bulleted, numbered and check lists, tables with header rows (a row too
//! tall for what is left of a page goes on, cell by cell, on the next), pictures
//! (`pdf_image.rs`; not inside a table), page numbers. It uses
//! the standard Helvetica faces every reader has (`pdf_font.rs`), so nothing is embedded or
//! installed: a character those faces cannot address (outside Windows-1252, e.g. an emoji) is
//! written as `?` and named in what the export could not write. `pdf-writer` writes the file.

use std::collections::{BTreeMap, BTreeSet};

use pdf_writer::types::{ActionType, AnnotationType};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use tavle_core::document::{Block, Cell, Document, Image, Inline, ListKind};
use tavle_core::picture::{shown_size, PictureInfo};

use super::pdf_draw::{content_of, deflate, Op};
use super::pdf_font::{encode, Face};
use super::pdf_image::PdfImage;
use super::pictures::Pictures;
use crate::error::AppResult;

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 64.0;
/// The lowest a line may reach; the page number sits below it.
const BOTTOM: f32 = MARGIN + 14.0;
const BODY: f32 = 11.0;
const LEADING: f32 = 1.4;
const INDENT: f32 = 22.0;
const PAD: f32 = 4.0;

/// The document as a PDF file titled `title`, its text marked as `lang`, with the pictures it
/// may show; and what it could not write: characters as `U+XXXX`, pictures in tables.
pub(crate) fn write(doc: &Document, title: &str, lang: &str, pictures: &Pictures) -> AppResult<(Vec<u8>, Vec<String>)> {
    let mut l = Layout::new();
    l.infos = pictures.iter().map(|(sha, p)| (sha.clone(), p.info)).collect();
    for b in &doc.blocks {
        l.block(b, MARGIN, PAGE_W - 2.0 * MARGIN, false);
    }
    let mut lost: Vec<String> = l.lost.iter().take(20).map(|c| format!("U+{:04X}", *c as u32)).collect();
    if l.pictures_in_tables > 0 {
        lost.push("picture in a table".to_string());
    }
    Ok((l.finish(title, lang, pictures)?, lost))
}

/// A run of text on a line with one face and the same marks; `x` from the line's start.
struct Piece {
    x: f32,
    width: f32,
    face: Face,
    bytes: Vec<u8>,
    underline: bool,
    strike: bool,
    link: Option<String>,
}

struct Line {
    pieces: Vec<Piece>,
    size: f32,
}

impl Line {
    fn height(&self) -> f32 {
        self.size * LEADING
    }
}

/// What goes before an item's first line.
#[derive(Clone)]
enum Marker {
    Text(Vec<u8>),
    Check(bool),
}

struct Layout {
    /// The pages before the one being filled.
    pages: Vec<Vec<Op>>,
    page: Vec<Op>,
    /// The top of what is still free on the last page.
    y: f32,
    /// A list item's marker, drawn beside the next line placed, at this x.
    marker: Option<(Marker, f32)>,
    lost: BTreeSet<char>,
    /// The pictures the document may show, by SHA-256.
    infos: BTreeMap<String, PictureInfo>,
    /// The pictures drawn, in the order first drawn.
    used: Vec<String>,
    pictures_in_tables: usize,
}

impl Layout {
    fn new() -> Layout {
        Layout {
            pages: Vec::new(),
            page: Vec::new(),
            y: PAGE_H - MARGIN,
            marker: None,
            lost: BTreeSet::new(),
            infos: BTreeMap::new(),
            used: Vec::new(),
            pictures_in_tables: 0,
        }
    }

    fn new_page(&mut self) {
        self.pages.push(std::mem::take(&mut self.page));
        self.y = PAGE_H - MARGIN;
    }

    fn at_top(&self) -> bool {
        self.y >= PAGE_H - MARGIN
    }

    /// Makes room for `h` points, on a new page if this one has less left (and is not new).
    fn room(&mut self, h: f32) {
        if self.y - h < BOTTOM && !self.at_top() {
            self.new_page();
        }
    }

    fn draw(&mut self, op: Op) {
        self.page.push(op);
    }

    fn block(&mut self, b: &Block, x: f32, w: f32, tight: bool) {
        let after = if tight { 2.0 } else { 6.0 };
        match b {
            Block::Paragraph(inl) => {
                for line in self.lines(inl, BODY, false, w) {
                    self.place(&line, x);
                }
                self.y -= after;
            }
            Block::Heading(level, inl) => {
                let size = match level {
                    1 => 20.0,
                    2 => 16.0,
                    _ => 13.0,
                };
                let lines = self.lines(inl, size, true, w);
                if !self.at_top() {
                    self.y -= size * 0.6;
                }
                // A heading stays with the line after it.
                let h: f32 = lines.iter().map(Line::height).sum();
                self.room(h + BODY * LEADING);
                for line in lines {
                    self.place(&line, x);
                }
                self.y -= 4.0;
            }
            Block::List(list) => {
                for (i, item) in list.items.iter().enumerate() {
                    let marker = match list.kind {
                        ListKind::Bullet => Marker::Text(vec![0x95]),
                        ListKind::Ordered { start } => {
                            Marker::Text(format!("{}.", u64::from(start) + i as u64).into_bytes())
                        }
                        ListKind::Task => Marker::Check(item.checked),
                    };
                    self.marker = Some((marker, x));
                    for b in &item.blocks {
                        self.block(b, x + INDENT, w - INDENT, true);
                    }
                    self.marker = None;
                }
                if !tight {
                    self.y -= 4.0;
                }
            }
            Block::Table(rows) => {
                self.table(rows, x, w);
                self.y -= 8.0;
            }
            Block::Image(image) => {
                self.image(image, x, w);
                self.y -= after;
            }
        }
    }

    /// A picture the document may show, as wide as it was given (within `w`), on this page if
    /// it fits and else on the next, made smaller if it is taller than a page.
    fn image(&mut self, image: &Image, x: f32, w: f32) {
        let Some(info) = self.infos.get(&image.sha256) else { return };
        let (mut pw, mut ph) = shown_size(info, image.width, w);
        let page = PAGE_H - MARGIN - BOTTOM;
        if ph > page {
            (pw, ph) = (pw * page / ph, page);
        }
        self.room(ph);
        let n = match self.used.iter().position(|s| *s == image.sha256) {
            Some(n) => n,
            None => {
                self.used.push(image.sha256.clone());
                self.used.len() - 1
            }
        };
        self.marker = None;
        self.draw(Op::Image { x, y: self.y - ph, w: pw, h: ph, n });
        self.y -= ph;
    }

    /// Breaks `inl` into lines at most `w` wide: at spaces, or inside a word wider than a line.
    fn lines(&mut self, inl: &[Inline], size: f32, bold: bool, w: f32) -> Vec<Line> {
        let mut lines = Vec::new();
        let mut line = Line { pieces: Vec::new(), size };
        let mut x = 0.0;
        for i in inl {
            let (text, marks) = match i {
                Inline::Break => {
                    lines.push(std::mem::replace(&mut line, Line { pieces: Vec::new(), size }));
                    x = 0.0;
                    continue;
                }
                Inline::Text(t, m) => (t, m),
            };
            let face = Face::of(bold || marks.bold, marks.italic);
            let link = marks.link.clone().filter(|h| safe_uri(h));
            let bytes = self.encoded(text);
            for word in words(&bytes) {
                let space = word[0] == b' ';
                let mut width = face.width(word, size);
                if x + width > w && x > 0.0 {
                    if space {
                        continue; // spaces at a line's end are not carried to the next
                    }
                    lines.push(std::mem::replace(&mut line, Line { pieces: Vec::new(), size }));
                    x = 0.0;
                }
                let mut word = word;
                // A word wider than the line is cut where it reaches the edge.
                while width > w && word.len() > 1 {
                    let mut n = 1;
                    while n < word.len() && face.width(&word[..=n], size) <= w {
                        n += 1;
                    }
                    push(&mut line, Piece::new(0.0, face, &word[..n], size, marks, &link));
                    lines.push(std::mem::replace(&mut line, Line { pieces: Vec::new(), size }));
                    word = &word[n..];
                    width = face.width(word, size);
                }
                push(&mut line, Piece::new(x, face, word, size, marks, &link));
                x += width;
            }
        }
        lines.push(line);
        lines
    }

    fn encoded(&mut self, text: &str) -> Vec<u8> {
        text.chars()
            .filter(|c| !c.is_control() || *c == '\t')
            .map(|c| {
                encode(c).unwrap_or_else(|| {
                    self.lost.insert(c);
                    b'?'
                })
            })
            .collect()
    }

    /// Places a line at `x`, on a new page if it does not fit.
    fn place(&mut self, line: &Line, x: f32) {
        self.room(line.height());
        let base = self.y - line.size * 1.05;
        if let Some((marker, mx)) = self.marker.take() {
            self.draw_marker(marker, mx, base);
        }
        self.draw_line(line, x, base);
        self.y -= line.height();
    }

    fn draw_line(&mut self, line: &Line, x: f32, base: f32) {
        let size = line.size;
        for p in &line.pieces {
            let px = x + p.x;
            self.draw(Op::Text { x: px, y: base, face: p.face, size, bytes: p.bytes.clone(), link: p.link.is_some() });
            let width = size / 18.0;
            if p.underline || p.link.is_some() {
                self.draw(Op::Rule { x1: px, y1: base - size * 0.12, x2: px + p.width, y2: base - size * 0.12, width });
            }
            if p.strike {
                self.draw(Op::Rule { x1: px, y1: base + size * 0.3, x2: px + p.width, y2: base + size * 0.3, width });
            }
            if let Some(uri) = &p.link {
                let rect = Rect::new(px, base - size * 0.25, px + p.width, base + size * 0.85);
                self.draw(Op::Link { rect, uri: uri.clone() });
            }
        }
    }

    fn draw_marker(&mut self, marker: Marker, x: f32, base: f32) {
        match marker {
            Marker::Text(bytes) => {
                let w = Face::Regular.width(&bytes, BODY);
                let x = x + INDENT - 6.0 - w;
                self.draw(Op::Text { x, y: base, face: Face::Regular, size: BODY, bytes, link: false });
            }
            Marker::Check(checked) => {
                let (s, bx) = (8.0, x + INDENT - 6.0 - 8.0);
                self.draw(Op::Box { x: bx, y: base, w: s, h: s, fill: None });
                if checked {
                    self.draw(Op::Rule { x1: bx + 1.5, y1: base + 4.0, x2: bx + 3.5, y2: base + 1.5, width: 1.2 });
                    self.draw(Op::Rule { x1: bx + 3.5, y1: base + 1.5, x2: bx + 7.0, y2: base + 7.0, width: 1.2 });
                }
            }
        }
    }

    /// A table: equal columns, each row as high as its tallest cell; a row that does not fit
    /// what is left of the page starts on the next, and one taller than a page goes on there.
    fn table(&mut self, rows: &[Vec<Cell>], x: f32, w: f32) {
        let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
        if cols == 0 {
            return;
        }
        let cw = w / cols as f32;
        for row in rows {
            let mut cells: Vec<(bool, Vec<Line>)> =
                row.iter().map(|c| (c.header, self.cell_lines(c, cw - 2.0 * PAD))).collect();
            let whole = cells.iter().map(|(_, l)| l.iter().map(Line::height).sum::<f32>()).fold(0.0, f32::max);
            if self.y - whole - 2.0 * PAD < BOTTOM && whole + 2.0 * PAD <= PAGE_H - MARGIN - BOTTOM {
                self.new_page();
            }
            loop {
                let avail = self.y - BOTTOM - 2.0 * PAD;
                let mut slice_h: f32 = BODY * LEADING;
                let mut taken = Vec::new();
                for (_, lines) in &cells {
                    let (mut h, mut n) = (0.0, 0);
                    while n < lines.len() && (h + lines[n].height() <= avail || (n == 0 && self.at_top())) {
                        h += lines[n].height();
                        n += 1;
                    }
                    slice_h = slice_h.max(h);
                    taken.push(n);
                }
                let top = self.y;
                let h = slice_h + 2.0 * PAD;
                for (i, (header, lines)) in cells.iter_mut().enumerate() {
                    let cx = x + i as f32 * cw;
                    self.draw(Op::Box { x: cx, y: top - h, w: cw, h, fill: header.then_some(0.9) });
                    let mut y = top - PAD;
                    for line in lines.drain(..taken[i]) {
                        self.draw_line(&line, cx + PAD, y - line.size * 1.05);
                        y -= line.height();
                    }
                }
                self.y = top - h;
                if cells.iter().all(|(_, l)| l.is_empty()) {
                    break;
                }
                self.new_page();
            }
        }
    }

    /// A cell's lines: its paragraphs and headings (bold in a header cell), list items after
    /// their bullet or number.
    fn cell_lines(&mut self, cell: &Cell, w: f32) -> Vec<Line> {
        let mut out = Vec::new();
        let mut blocks: Vec<(Option<String>, &Block)> = cell.blocks.iter().map(|b| (None, b)).collect();
        blocks.reverse();
        while let Some((prefix, b)) = blocks.pop() {
            match b {
                Block::Paragraph(inl) | Block::Heading(_, inl) => {
                    let mut inl = inl.clone();
                    if let Some(p) = prefix {
                        inl.insert(0, Inline::Text(p, Default::default()));
                    }
                    out.extend(self.lines(&inl, BODY, cell.header || matches!(b, Block::Heading(..)), w));
                }
                Block::List(list) => {
                    for (i, item) in list.items.iter().enumerate().rev() {
                        let mark = match list.kind {
                            ListKind::Bullet => "• ".to_string(),
                            ListKind::Ordered { start } => format!("{}. ", u64::from(start) + i as u64),
                            ListKind::Task => if item.checked { "[x] " } else { "[ ] " }.to_string(),
                        };
                        for (j, b) in item.blocks.iter().enumerate().rev() {
                            blocks.push(((j == 0).then(|| mark.clone()), b));
                        }
                    }
                }
                Block::Table(rows) => {
                    for b in rows.iter().rev().flat_map(|r| r.iter().rev()).flat_map(|c| c.blocks.iter().rev()) {
                        blocks.push((None, b));
                    }
                }
                Block::Image(_) => self.pictures_in_tables += 1,
            }
        }
        out
    }

    /// The PDF file: the pages with their numbers, the four faces, links as annotations.
    fn finish(mut self, title: &str, lang: &str, pictures: &Pictures) -> AppResult<Vec<u8>> {
        self.pages.push(std::mem::take(&mut self.page));
        let total = self.pages.len();
        for (i, page) in self.pages.iter_mut().enumerate() {
            let bytes = format!("{} / {}", i + 1, total).into_bytes();
            let x = (PAGE_W - Face::Regular.width(&bytes, 9.0)) / 2.0;
            page.push(Op::Text { x, y: MARGIN - 20.0, face: Face::Regular, size: 9.0, bytes, link: false });
        }
        let mut pdf = Pdf::new();
        let mut next = 1;
        let mut alloc = || {
            next += 1;
            Ref::new(next - 1)
        };
        let (catalog, tree, info) = (alloc(), alloc(), alloc());
        let fonts: Vec<(Face, Ref)> = Face::ALL.iter().map(|f| (*f, alloc())).collect();
        // Each picture and its transparency; one that does not decode is drawn as an empty box.
        let images: Vec<(Option<PdfImage>, Ref, Ref)> =
            self.used.iter().map(|sha| (pictures.get(sha).and_then(PdfImage::of), alloc(), alloc())).collect();
        let mut page_refs = Vec::new();
        for page in &self.pages {
            let (id, content) = (alloc(), alloc());
            let links: Vec<(Ref, &Rect, &str)> = page
                .iter()
                .filter_map(|op| match op {
                    Op::Link { rect, uri } => Some((alloc(), rect, uri.as_str())),
                    _ => None,
                })
                .collect();
            let mut p = pdf.page(id);
            p.parent(tree).media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H)).contents(content);
            {
                let mut resources = p.resources();
                let mut fonts_dict = resources.fonts();
                for (face, r) in &fonts {
                    fonts_dict.pair(Name(face.resource()), *r);
                }
                fonts_dict.finish();
                if images.iter().any(|i| i.0.is_some()) {
                    let mut xo = resources.x_objects();
                    for (n, (image, r, _)) in images.iter().enumerate() {
                        if image.is_some() {
                            xo.pair(Name(format!("Im{n}").as_bytes()), *r);
                        }
                    }
                }
            }
            if !links.is_empty() {
                p.annotations(links.iter().map(|l| l.0));
            }
            p.finish();
            for (r, rect, uri) in links {
                let mut a = pdf.annotation(r);
                a.subtype(AnnotationType::Link).rect(*rect).border(0.0, 0.0, 0.0, None);
                a.action().action_type(ActionType::Uri).uri(Str(uri.as_bytes()));
            }
            let stream = deflate(&content_of(page, &images))?;
            pdf.stream(content, &stream).filter(Filter::FlateDecode);
            page_refs.push(id);
        }
        for (image, id, mask) in &images {
            if let Some(image) = image {
                image.write(&mut pdf, *id, *mask);
            }
        }
        for (face, r) in &fonts {
            pdf.type1_font(*r).base_font(Name(face.base_font())).encoding_predefined(Name(b"WinAnsiEncoding"));
        }
        pdf.pages(tree).kids(page_refs.iter().copied()).count(page_refs.len() as i32);
        pdf.catalog(catalog).pages(tree).lang(TextStr(lang));
        pdf.document_info(info).title(TextStr(title)).producer(TextStr("Tavle"));
        Ok(pdf.finish())
    }
}

/// Appends a piece to a line, joined to the last one when it looks the same.
fn push(line: &mut Line, p: Piece) {
    if let Some(last) = line.pieces.last_mut() {
        if last.face == p.face
            && last.underline == p.underline
            && last.strike == p.strike
            && last.link == p.link
            && (last.x + last.width - p.x).abs() < 0.01
        {
            last.bytes.extend_from_slice(&p.bytes);
            last.width += p.width;
            return;
        }
    }
    line.pieces.push(p);
}

impl Piece {
    fn new(
        x: f32,
        face: Face,
        bytes: &[u8],
        size: f32,
        marks: &tavle_core::document::Marks,
        link: &Option<String>,
    ) -> Piece {
        Piece {
            x,
            width: face.width(bytes, size),
            face,
            bytes: bytes.to_vec(),
            underline: marks.underline,
            strike: marks.strike,
            link: link.clone(),
        }
    }
}

/// `bytes` cut into words and runs of spaces (a tab counts as a space).
fn words(bytes: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=bytes.len() {
        let cut = i == bytes.len() || is_space(bytes[i]) != is_space(bytes[i - 1]);
        if cut {
            out.push(&bytes[start..i]);
            start = i;
        }
    }
    out.into_iter().filter(|w| !w.is_empty()).collect()
}

fn is_space(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Only web and mail addresses become clickable links.
fn safe_uri(h: &str) -> bool {
    let l = h.to_ascii_lowercase();
    (l.starts_with("https://") || l.starts_with("http://") || l.starts_with("mailto:")) && h.is_ascii()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tavle_core::document::Marks;

    #[test]
    fn long_words_are_cut_and_spaces_do_not_start_a_line() {
        let mut l = Layout::new();
        let text = format!("{} en to", "x".repeat(300));
        let lines = l.lines(&[Inline::Text(text, Marks::default())], BODY, false, 100.0);
        assert!(lines.len() > 3);
        for line in &lines {
            let w: f32 = line.pieces.iter().map(|p| p.width).sum();
            assert!(w <= 100.01, "{w}");
            assert_ne!(line.pieces.first().map(|p| p.bytes[0]), Some(b' '));
        }
    }

    #[test]
    fn a_long_document_has_numbered_pages() {
        let para = Block::Paragraph(vec![Inline::Text("Ærø og Åse løb 🦊. ".repeat(40), Marks::default())]);
        let doc = Document { blocks: vec![para; 60], unknown: vec![] };
        let (bytes, lost) = write(&doc, "Prøve", "da", &Pictures::new()).expect("pdf");
        assert!(bytes.starts_with(b"%PDF-"));
        assert_eq!(lost, vec!["U+1F98A".to_string()]);
        assert!(String::from_utf8_lossy(&bytes).contains("/Count 1"), "more than 9 pages expected");
    }
}
