//! A document as OpenDocument Text (ODT, ISO/IEC 26300): what LibreOffice, Word and Google
//! Docs open. Written directly into a zip: for this model (headings, paragraphs, marks, links,
//! lists, tables, pictures) the format is a few elements, and the zip crate is in the tree
//! already. Pictures go in `Pictures/` as their own files, named by their SHA-256.

use std::collections::BTreeMap;

use tavle_core::document::{xml_escape as esc, Block, Document, Image, Inline, List, ListKind, Marks};

use super::pictures::Pictures;
use super::zipped;
use crate::error::AppResult;

const MIMETYPE: &str = "application/vnd.oasis.opendocument.text";

/// The document as an ODT file; `lang` is the language its text is marked as (`da`, `en`).
pub(crate) fn write(doc: &Document, title: &str, lang: &str, pictures: &Pictures) -> AppResult<Vec<u8>> {
    let mut body = Body { pictures: Some(pictures), ..Body::default() };
    for b in &doc.blocks {
        body.block(b, 0);
    }
    let mut manifest = String::new();
    let mut files = Vec::new();
    for sha in &body.used {
        let p = &pictures[sha];
        let name = format!("Pictures/{}", p.file_name(sha));
        manifest.push_str(&format!(
            " <manifest:file-entry manifest:full-path=\"{name}\" manifest:media-type=\"{}\"/>\n",
            p.info.kind.content_type()
        ));
        files.push((name, p.bytes.as_slice()));
    }
    // The mimetype comes first and uncompressed, so a reader can recognise the file.
    zipped(
        "an ODT",
        Some(("mimetype", MIMETYPE)),
        &[
            (
                "META-INF/manifest.xml",
                MANIFEST.replace("</manifest:manifest>", &format!("{manifest}</manifest:manifest>")),
            ),
            ("content.xml", content_xml(&body)),
            ("styles.xml", styles_xml(lang)),
            ("meta.xml", meta_xml(title)),
        ],
        &files,
    )
}

/// The width of the text on an A4 page with 2 cm margins, in points.
const TEXT_WIDTH_PT: f32 = 17.0 / 2.54 * 72.0;

/// The body's XML and the text styles (one per combination of marks) it uses.
#[derive(Default)]
struct Body<'a> {
    pictures: Option<&'a Pictures>,
    /// The pictures written, by SHA-256, in the order met.
    used: Vec<String>,
    xml: String,
    spans: BTreeMap<(bool, bool, bool, bool), String>,
    tables: usize,
    /// The start of each numbered list that does not start at 1 (list style `Start<n>`).
    starts: Vec<u32>,
}

impl Body<'_> {
    fn block(&mut self, b: &Block, depth: usize) {
        match b {
            Block::Paragraph(inl) => {
                self.xml.push_str("<text:p text:style-name=\"Standard\">");
                self.inlines(inl);
                self.xml.push_str("</text:p>");
            }
            Block::Heading(level, inl) => {
                self.xml.push_str(&format!(
                    "<text:h text:style-name=\"Heading_20_{level}\" text:outline-level=\"{level}\">"
                ));
                self.inlines(inl);
                self.xml.push_str("</text:h>");
            }
            Block::List(list) => self.list(list, depth),
            Block::Table(rows) => {
                self.tables += 1;
                let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
                self.xml.push_str(&format!(
                    "<table:table table:name=\"Tabel{}\" table:style-name=\"Table\"><table:table-column table:number-columns-repeated=\"{}\"/>",
                    self.tables,
                    cols.max(1)
                ));
                // Header cells are plain rows whose paragraphs have the "Table Heading" style
                // (bold): readers that skip `table-header-rows` (pandoc) would lose their text.
                for row in rows {
                    self.xml.push_str("<table:table-row>");
                    for cell in row {
                        self.xml.push_str("<table:table-cell table:style-name=\"Cell\" office:value-type=\"string\">");
                        if cell.blocks.is_empty() {
                            self.xml.push_str("<text:p/>");
                        }
                        for b in &cell.blocks {
                            match (b, cell.header) {
                                (Block::Paragraph(inl), true) => {
                                    self.xml.push_str("<text:p text:style-name=\"Table_20_Heading\">");
                                    self.inlines(inl);
                                    self.xml.push_str("</text:p>");
                                }
                                _ => self.block(b, depth),
                            }
                        }
                        self.xml.push_str("</table:table-cell>");
                    }
                    for _ in row.len()..cols {
                        self.xml.push_str("<table:table-cell><text:p/></table:table-cell>");
                    }
                    self.xml.push_str("</table:table-row>");
                }
                self.xml.push_str("</table:table>");
            }
            Block::Image(image) => self.image(image),
        }
    }

    /// A picture in a paragraph of its own, as a character (it moves with the text); one the
    /// document may not show is left out (the caller names it).
    fn image(&mut self, image: &Image) {
        let Some(p) = self.pictures.and_then(|p| p.get(&image.sha256)) else { return };
        if !self.used.contains(&image.sha256) {
            self.used.push(image.sha256.clone());
        }
        let (w, h) = p.shown(image, TEXT_WIDTH_PT);
        let n = self.xml.matches("<draw:frame").count() + 1;
        let desc = image.alt.as_deref().map(|a| format!("<svg:desc>{}</svg:desc>", esc(a))).unwrap_or_default();
        self.xml.push_str(&format!(
            "<text:p text:style-name=\"Standard\"><draw:frame draw:name=\"Billede{n}\" text:anchor-type=\"as-char\" \
svg:width=\"{w:.2}pt\" svg:height=\"{h:.2}pt\" draw:z-index=\"0\"><draw:image xlink:href=\"Pictures/{}\" xlink:type=\"simple\" \
xlink:show=\"embed\" xlink:actuate=\"onLoad\"/>{desc}</draw:frame></text:p>",
            p.file_name(&image.sha256)
        ));
    }

    fn list(&mut self, list: &List, depth: usize) {
        let style = match list.kind {
            // A numbered list that starts elsewhere than 1 gets a list style of its own that
            // says so (readers honour the style's start value more than an item's).
            ListKind::Ordered { start } if start != 1 => {
                self.starts.push(start);
                format!("Start{}", self.starts.len())
            }
            ListKind::Ordered { .. } => "Numbering".to_string(),
            ListKind::Bullet | ListKind::Task => "Bullets".to_string(),
        };
        if depth == 0 || style.starts_with("Start") {
            self.xml.push_str(&format!("<text:list text:style-name=\"{style}\">"));
        } else {
            self.xml.push_str("<text:list>");
        }
        for item in &list.items {
            self.xml.push_str("<text:list-item>");
            let mut first = true;
            for b in &item.blocks {
                match b {
                    // A check list's box is its first paragraph's first character.
                    Block::Paragraph(inl) if first && list.kind == ListKind::Task => {
                        self.xml.push_str("<text:p text:style-name=\"Standard\">");
                        self.xml.push_str(if item.checked { "☑ " } else { "☐ " });
                        self.inlines(inl);
                        self.xml.push_str("</text:p>");
                    }
                    Block::List(inner) => self.list(inner, depth + 1),
                    other => self.block(other, depth + 1),
                }
                first = false;
            }
            if item.blocks.is_empty() {
                self.xml.push_str("<text:p/>");
            }
            self.xml.push_str("</text:list-item>");
        }
        self.xml.push_str("</text:list>");
    }

    fn inlines(&mut self, inl: &[Inline]) {
        let mut at_start = true;
        for i in inl {
            match i {
                Inline::Break => {
                    self.xml.push_str("<text:line-break/>");
                    at_start = true;
                }
                Inline::Text(t, marks) => {
                    let text = spaced(t, at_start);
                    at_start = t.ends_with(' ');
                    self.run(&text, marks);
                }
            }
        }
    }

    fn run(&mut self, text: &str, marks: &Marks) {
        if let Some(href) = &marks.link {
            self.xml.push_str(&format!("<text:a xlink:type=\"simple\" xlink:href=\"{}\">", esc(href)));
        }
        let key = (marks.bold, marks.italic, marks.underline, marks.strike);
        if key == (false, false, false, false) {
            self.xml.push_str(text);
        } else {
            let n = self.spans.len();
            let name = self.spans.entry(key).or_insert_with(|| format!("T{}", n + 1)).clone();
            self.xml.push_str(&format!("<text:span text:style-name=\"{name}\">{text}</text:span>"));
        }
        if marks.link.is_some() {
            self.xml.push_str("</text:a>");
        }
    }
}

/// Text as ODT keeps it: spaces after the first of a run, and a leading one, as `text:s`
/// (ODT collapses white space otherwise), tabs as `text:tab`, escaped.
fn spaced(t: &str, at_start: bool) -> String {
    let mut out = String::with_capacity(t.len());
    let mut spaces = 0usize;
    let mut start = at_start;
    let flush = |out: &mut String, spaces: &mut usize, start: bool| {
        if *spaces == 0 {
            return;
        }
        let (literal, extra) = if start { (0, *spaces) } else { (1, *spaces - 1) };
        if literal == 1 {
            out.push(' ');
        }
        match extra {
            0 => {}
            1 => out.push_str("<text:s/>"),
            n => out.push_str(&format!("<text:s text:c=\"{n}\"/>")),
        }
        *spaces = 0;
    };
    for c in t.chars() {
        match c {
            ' ' => spaces += 1,
            '\t' => {
                flush(&mut out, &mut spaces, start);
                out.push_str("<text:tab/>");
                start = false;
            }
            c => {
                flush(&mut out, &mut spaces, start);
                out.push_str(&esc(&c.to_string()));
                start = false;
            }
        }
    }
    flush(&mut out, &mut spaces, start);
    out
}

const NS: &str = "xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
xmlns:style=\"urn:oasis:names:tc:opendocument:xmlns:style:1.0\" \
xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" \
xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" \
xmlns:fo=\"urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0\" \
xmlns:xlink=\"http://www.w3.org/1999/xlink\" \
xmlns:draw=\"urn:oasis:names:tc:opendocument:xmlns:drawing:1.0\" \
xmlns:svg=\"urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0\" \
xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
xmlns:meta=\"urn:oasis:names:tc:opendocument:xmlns:meta:1.0\" \
xmlns:loext=\"urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0\" office:version=\"1.3\"";

const MANIFEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">
 <manifest:file-entry manifest:full-path="/" manifest:version="1.3" manifest:media-type="application/vnd.oasis.opendocument.text"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
 <manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>
 <manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"#;

fn content_xml(body: &Body) -> String {
    let mut styles = String::new();
    for ((b, i, u, s), name) in &body.spans {
        styles.push_str(&format!("<style:style style:name=\"{name}\" style:family=\"text\"><style:text-properties"));
        if *b {
            styles.push_str(" fo:font-weight=\"bold\"");
        }
        if *i {
            styles.push_str(" fo:font-style=\"italic\"");
        }
        if *u {
            styles.push_str(
                " style:text-underline-style=\"solid\" style:text-underline-width=\"auto\" style:text-underline-color=\"font-color\"",
            );
        }
        if *s {
            styles.push_str(" style:text-line-through-style=\"solid\"");
        }
        styles.push_str("/></style:style>");
    }
    for (i, start) in body.starts.iter().enumerate() {
        styles.push_str(&format!(
            "<text:list-style style:name=\"Start{}\">{}</text:list-style>",
            i + 1,
            levels(true, *start)
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-content {NS}><office:automatic-styles>\
<style:style style:name=\"Table\" style:family=\"table\"><style:table-properties style:width=\"17cm\" table:align=\"margins\"/></style:style>\
<style:style style:name=\"Cell\" style:family=\"table-cell\"><style:table-cell-properties fo:padding=\"0.1cm\" fo:border=\"0.5pt solid #000000\"/></style:style>\
{styles}</office:automatic-styles><office:body><office:text>{}</office:text></office:body></office:document-content>\n",
        body.xml
    )
}

fn styles_xml(lang: &str) -> String {
    let (language, country) = match lang {
        "en" => ("en", "GB"),
        _ => ("da", "DK"),
    };
    let mut headings = String::new();
    for (level, size) in [(1, "20pt"), (2, "16pt"), (3, "13pt")] {
        headings.push_str(&format!(
            "<style:style style:name=\"Heading_20_{level}\" style:display-name=\"Heading {level}\" style:family=\"paragraph\" \
style:parent-style-name=\"Standard\" style:next-style-name=\"Standard\" style:default-outline-level=\"{level}\" style:class=\"text\">\
<style:paragraph-properties fo:margin-top=\"0.4cm\" fo:margin-bottom=\"0.2cm\" fo:keep-with-next=\"always\"/>\
<style:text-properties fo:font-size=\"{size}\" fo:font-weight=\"bold\"/></style:style>"
        ));
    }
    let (bullets, numbers) = (levels(false, 1), levels(true, 1));
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-styles {NS}><office:styles>\
<style:default-style style:family=\"paragraph\"><style:text-properties fo:language=\"{language}\" fo:country=\"{country}\" fo:font-size=\"11pt\"/></style:default-style>\
<style:style style:name=\"Standard\" style:family=\"paragraph\" style:class=\"text\"><style:paragraph-properties fo:margin-bottom=\"0.2cm\"/></style:style>\
{headings}<style:style style:name=\"Table_20_Heading\" style:display-name=\"Table Heading\" style:family=\"paragraph\" \
style:parent-style-name=\"Standard\" style:class=\"extra\"><style:text-properties fo:font-weight=\"bold\"/></style:style>\
<text:list-style style:name=\"Bullets\">{bullets}</text:list-style><text:list-style style:name=\"Numbering\">{numbers}</text:list-style>\
</office:styles></office:document-styles>\n"
    )
}

/// The ten levels of a bulleted or numbered list style, the first numbered from `start`.
fn levels(numbered: bool, start: u32) -> String {
    let mut out = String::new();
    for level in 1..=10 {
        let indent = format!("{:.2}cm", 0.635 * f64::from(level));
        let props = format!(
            "<style:list-level-properties text:list-level-position-and-space-mode=\"label-alignment\">\
<style:list-level-label-alignment text:label-followed-by=\"listtab\" fo:text-indent=\"-0.635cm\" fo:margin-left=\"{indent}\"/></style:list-level-properties>"
        );
        if numbered {
            let from = if level == 1 { start } else { 1 };
            out.push_str(&format!(
                "<text:list-level-style-number text:level=\"{level}\" text:start-value=\"{from}\" style:num-suffix=\".\" style:num-format=\"1\">{props}</text:list-level-style-number>"
            ));
        } else {
            out.push_str(&format!(
                "<text:list-level-style-bullet text:level=\"{level}\" text:bullet-char=\"•\">{props}</text:list-level-style-bullet>"
            ));
        }
    }
    out
}

fn meta_xml(title: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-meta {NS}><office:meta><meta:generator>Tavle</meta:generator>\
<dc:title>{}</dc:title></office:meta></office:document-meta>\n",
        esc(title)
    )
}

#[cfg(test)]
mod tests {
    use super::spaced;

    #[test]
    fn spaces_are_kept_as_odt_keeps_them() {
        assert_eq!(spaced("a  b", false), "a <text:s/>b");
        assert_eq!(spaced(" a", true), "<text:s/>a");
        assert_eq!(spaced("a   b\tc<", false), "a <text:s text:c=\"2\"/>b<text:tab/>c&lt;");
        assert_eq!(spaced("Ærø", false), "Ærø");
    }
}
