//! What the DOCX and ODT readers share: runs of text joined by their marks, list paragraphs
//! with their levels gathered into nested lists, and the names of what could not be converted.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use tavle_core::document::{Block, Image, Inline, Item, List, ListKind, Marks};
use tavle_core::picture::{sniff, MAX_PICTURE_BYTES};

/// The pictures of a file read, by SHA-256: their bytes.
pub(crate) type PictureFiles = BTreeMap<String, Vec<u8>>;

/// The most picture bytes taken from one file (a zip's entries may claim anything).
const MAX_FOUND_BYTES: usize = 64 << 20;

/// The pictures a reader met: the files, and those of the paragraph being read, which go
/// after it as blocks of their own (the model's pictures stand on their own lines).
#[derive(Default)]
pub(super) struct Found {
    pub files: PictureFiles,
    pub pending: Vec<Image>,
    bytes: usize,
    /// Each part of the zip read once: its SHA-256, or `None` when it is no picture (a file
    /// may show one part a hundred thousand times; it is not read a hundred thousand times).
    read: BTreeMap<String, Option<String>>,
}

impl Found {
    /// Takes the picture at `name` in the zip, if it is a PNG or JPEG within the limits;
    /// otherwise notes it as not converted.
    pub fn take(
        &mut self,
        zip: &mut zip::ZipArchive<std::io::Cursor<&[u8]>>,
        name: &str,
        alt: Option<String>,
        width: Option<u32>,
        unknown: &mut Unknown,
    ) {
        let sha256 = match self.read.get(name) {
            Some(known) => known.clone(),
            None if self.read.len() >= 2 * super::MAX_PICTURES => None,
            None => {
                let known = self.read_part(zip, name);
                self.read.insert(name.to_string(), known.clone());
                known
            }
        };
        match sha256 {
            Some(sha256) => self.pending.push(Image { sha256, alt: alt.filter(|a| !a.trim().is_empty()), width }),
            None => unknown.note("image"),
        }
    }

    /// Reads a part of the zip as a picture, within the limits; its SHA-256, or `None`.
    fn read_part(&mut self, zip: &mut zip::ZipArchive<std::io::Cursor<&[u8]>>, name: &str) -> Option<String> {
        let mut bytes = Vec::new();
        zip.by_name(name).ok()?.take(MAX_PICTURE_BYTES as u64 + 1).read_to_end(&mut bytes).ok()?;
        if sniff(&bytes).is_err()
            || self.bytes + bytes.len() > MAX_FOUND_BYTES
            || self.files.len() >= super::MAX_PICTURES
        {
            return None;
        }
        use sha2::Digest;
        let sha256: String = sha2::Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        if !self.files.contains_key(&sha256) {
            self.bytes += bytes.len();
            self.files.insert(sha256.clone(), bytes);
        }
        Some(sha256)
    }

    /// Puts the pictures met in a paragraph after it; a paragraph that held nothing else is
    /// left out.
    pub fn after(&mut self, out: &mut Vec<Block>) {
        if self.pending.is_empty() {
            return;
        }
        if matches!(out.last(), Some(Block::Paragraph(inl)) if inl.iter().all(|i| matches!(i, Inline::Text(t, _) if t.trim().is_empty())))
        {
            out.pop();
        }
        out.extend(self.pending.drain(..).map(Block::Image));
    }
}

/// A length in an office file (`5cm`, `20mm`, `2in`, `144pt`, `100px`) in CSS pixels.
pub(super) fn css_px(length: &str) -> Option<u32> {
    let split = length.find(|c: char| c.is_ascii_alphabetic())?;
    let (n, unit) = length.split_at(split);
    let n: f64 = n.trim().parse().ok()?;
    let px = match unit {
        "cm" => n * 96.0 / 2.54,
        "mm" => n * 96.0 / 25.4,
        "in" => n * 96.0,
        "pt" => n * 96.0 / 72.0,
        "pc" => n * 16.0,
        "px" => n,
        _ => return None,
    };
    (px.is_finite() && (1.0..100_000.0).contains(&px)).then(|| px.round() as u32)
}

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
    fn a_picture_shown_many_times_is_read_once() {
        use std::io::Write;
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x01\0\0\0\x01".to_vec();
        png.extend([8, 2, 0, 0, 0]);
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        w.start_file("media/a.png", zip::write::SimpleFileOptions::default()).unwrap();
        w.write_all(&png).unwrap();
        w.start_file("media/b.gif", zip::write::SimpleFileOptions::default()).unwrap();
        w.write_all(b"GIF89a").unwrap();
        let bytes = w.finish().unwrap().into_inner();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.as_slice())).unwrap();
        let (mut found, mut unknown) = (Found::default(), Unknown::default());
        for _ in 0..1_000 {
            found.take(&mut zip, "media/a.png", Some("x".into()), None, &mut unknown);
        }
        found.take(&mut zip, "media/b.gif", None, None, &mut unknown);
        found.take(&mut zip, "media/missing.png", None, None, &mut unknown);
        assert_eq!((found.files.len(), found.pending.len(), found.read.len()), (1, 1_000, 3));
        assert_eq!(unknown.into_names(), ["image"]);
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
