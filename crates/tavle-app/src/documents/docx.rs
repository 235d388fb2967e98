//! A document as Office Open XML (DOCX, ECMA-376 / ISO/IEC 29500), what Word opens. Written
//! directly into a zip, like the ODT: the parts this model needs are a document, styles,
//! numbering (lists), the relationships of links and pictures (in `word/media/`, named by
//! their SHA-256); the DOCX crates bring a second zip and an image stack for what Tavle does
//! not write.

use tavle_core::document::{xml_escape as esc, Block, Document, Image, Inline, List, ListKind, Marks};

use super::pictures::Pictures;
use super::zipped;
use crate::error::AppResult;

/// The document as a DOCX file; `lang` is the language its text is marked as.
pub(crate) fn write(doc: &Document, title: &str, lang: &str, pictures: &Pictures) -> AppResult<Vec<u8>> {
    let mut body = Body { pictures: Some(pictures), ..Body::default() };
    for b in &doc.blocks {
        body.block(b, 0, None);
    }
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document {NS}><w:body>{}\
<w:sectPr><w:pgSz w:w=\"11906\" w:h=\"16838\"/><w:pgMar w:top=\"1417\" w:right=\"1134\" w:bottom=\"1417\" w:left=\"1134\" \
w:header=\"708\" w:footer=\"708\" w:gutter=\"0\"/></w:sectPr></w:body></w:document>\n",
        body.xml
    );
    let mut rels = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
<Relationship Id=\"rIdStyles\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>\
<Relationship Id=\"rIdNumbering\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering\" Target=\"numbering.xml\"/>",
    );
    for (i, href) in body.links.iter().enumerate() {
        rels.push_str(&format!(
            "<Relationship Id=\"rIdLink{}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink\" \
Target=\"{}\" TargetMode=\"External\"/>",
            i + 1,
            esc(href)
        ));
    }
    let mut media = Vec::new();
    for (i, sha) in body.used.iter().enumerate() {
        let p = &pictures[sha];
        let name = p.file_name(sha);
        rels.push_str(&format!(
            "<Relationship Id=\"rIdImage{}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/image\" \
Target=\"media/{name}\"/>",
            i + 1
        ));
        media.push((format!("word/media/{name}"), p.bytes.as_slice()));
    }
    rels.push_str("</Relationships>\n");

    zipped(
        "a DOCX",
        None,
        &[
            ("[Content_Types].xml", CONTENT_TYPES.to_string()),
            ("_rels/.rels", ROOT_RELS.to_string()),
            ("docProps/core.xml", core_xml(title)),
            ("word/document.xml", document),
            ("word/_rels/document.xml.rels", rels),
            ("word/styles.xml", styles_xml(lang)),
            ("word/numbering.xml", numbering_xml(&body.numbers)),
        ],
        &media,
    )
}

/// The width of the text between the page's margins (9,638 twips), in points.
const TEXT_WIDTH_PT: f32 = 9638.0 / 20.0;
/// English Metric Units in a point.
const EMU_PER_PT: f32 = 12_700.0;

/// The body, the links it points to, and its lists (each its own numbering instance, so an
/// ordered list starts at its own number).
#[derive(Default)]
struct Body<'a> {
    pictures: Option<&'a Pictures>,
    /// The pictures written, by SHA-256, in the order met (relationship `rIdImage<n>`).
    used: Vec<String>,
    xml: String,
    links: Vec<String>,
    /// Per numbering instance: numbered (or bulleted), and its start.
    numbers: Vec<(bool, u32)>,
}

impl Body<'_> {
    /// A block; `list` is the numbering instance and level when it is inside a list.
    fn block(&mut self, b: &Block, depth: usize, list: Option<(usize, usize)>) {
        match b {
            Block::Paragraph(inl) => self.paragraph(None, list, inl, None),
            Block::Heading(level, inl) => self.paragraph(Some(&format!("Heading{level}")), None, inl, None),
            Block::List(l) => self.list(l, depth),
            Block::Image(image) => self.image(image),
            Block::Table(rows) => {
                let cols = rows.iter().map(Vec::len).max().unwrap_or(0).max(1);
                self.xml.push_str(
                    "<w:tbl><w:tblPr><w:tblW w:w=\"5000\" w:type=\"pct\"/><w:tblBorders>\
<w:top w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/><w:left w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>\
<w:bottom w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/><w:right w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>\
<w:insideH w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/><w:insideV w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>\
</w:tblBorders></w:tblPr><w:tblGrid>",
                );
                let width = 9638 / cols;
                for _ in 0..cols {
                    self.xml.push_str(&format!("<w:gridCol w:w=\"{width}\"/>"));
                }
                self.xml.push_str("</w:tblGrid>");
                for row in rows {
                    let header = !row.is_empty() && row.iter().all(|c| c.header);
                    self.xml.push_str("<w:tr>");
                    if header {
                        self.xml.push_str("<w:trPr><w:tblHeader/></w:trPr>");
                    }
                    for cell in row {
                        self.xml.push_str(&format!("<w:tc><w:tcPr><w:tcW w:w=\"{width}\" w:type=\"dxa\"/></w:tcPr>"));
                        let before = self.xml.len();
                        for b in &cell.blocks {
                            match (b, cell.header) {
                                (Block::Paragraph(inl), true) => {
                                    let bold: Vec<Inline> = inl
                                        .iter()
                                        .map(|i| match i {
                                            Inline::Text(t, m) => {
                                                Inline::Text(t.clone(), Marks { bold: true, ..m.clone() })
                                            }
                                            Inline::Break => Inline::Break,
                                        })
                                        .collect();
                                    self.paragraph(None, None, &bold, None);
                                }
                                _ => self.block(b, depth, None),
                            }
                        }
                        // A cell holds at least one paragraph, and ends with one.
                        if self.xml.len() == before || self.xml.ends_with("</w:tbl>") {
                            self.xml.push_str("<w:p/>");
                        }
                        self.xml.push_str("</w:tc>");
                    }
                    for _ in row.len()..cols {
                        self.xml.push_str("<w:tc><w:p/></w:tc>");
                    }
                    self.xml.push_str("</w:tr>");
                }
                self.xml.push_str("</w:tbl>");
            }
        }
    }

    /// A picture in a paragraph of its own, inline (it moves with the text); one the document
    /// may not show is left out (the caller names it).
    fn image(&mut self, image: &Image) {
        let Some(p) = self.pictures.and_then(|p| p.get(&image.sha256)) else { return };
        let n = match self.used.iter().position(|s| *s == image.sha256) {
            Some(i) => i + 1,
            None => {
                self.used.push(image.sha256.clone());
                self.used.len()
            }
        };
        let (w, h) = p.shown(image, TEXT_WIDTH_PT);
        let (cx, cy) = ((w * EMU_PER_PT).round() as u64, (h * EMU_PER_PT).round() as u64);
        let id = self.xml.matches("<wp:docPr").count() + 1;
        let alt = esc(image.alt.as_deref().unwrap_or(""));
        self.xml.push_str(&format!(
            "<w:p><w:r><w:drawing><wp:inline distT=\"0\" distB=\"0\" distL=\"0\" distR=\"0\"><wp:extent cx=\"{cx}\" cy=\"{cy}\"/>\
<wp:docPr id=\"{id}\" name=\"Billede {id}\" descr=\"{alt}\"/><wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect=\"1\"/></wp:cNvGraphicFramePr>\
<a:graphic><a:graphicData uri=\"http://schemas.openxmlformats.org/drawingml/2006/picture\"><pic:pic>\
<pic:nvPicPr><pic:cNvPr id=\"{id}\" name=\"{}\" descr=\"{alt}\"/><pic:cNvPicPr/></pic:nvPicPr>\
<pic:blipFill><a:blip r:embed=\"rIdImage{n}\"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>\
<pic:spPr><a:xfrm><a:off x=\"0\" y=\"0\"/><a:ext cx=\"{cx}\" cy=\"{cy}\"/></a:xfrm><a:prstGeom prst=\"rect\"><a:avLst/></a:prstGeom></pic:spPr>\
</pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>",
            p.file_name(&image.sha256)
        ));
    }

    fn list(&mut self, l: &List, depth: usize) {
        let numbered = matches!(l.kind, ListKind::Ordered { .. });
        let start = match l.kind {
            ListKind::Ordered { start } => start,
            _ => 1,
        };
        self.numbers.push((numbered, start));
        let num = self.numbers.len();
        let level = depth.min(8);
        for item in &l.items {
            let mut first = true;
            for b in &item.blocks {
                match b {
                    Block::Paragraph(inl) => {
                        let task = (first && l.kind == ListKind::Task).then_some(item.checked);
                        self.paragraph(None, Some((num, level)), inl, task);
                    }
                    Block::List(inner) => self.list(inner, depth + 1),
                    other => self.block(other, depth + 1, None),
                }
                first = false;
            }
            if item.blocks.is_empty() {
                self.paragraph(None, Some((num, level)), &[], None);
            }
        }
    }

    fn paragraph(&mut self, style: Option<&str>, list: Option<(usize, usize)>, inl: &[Inline], task: Option<bool>) {
        self.xml.push_str("<w:p>");
        if style.is_some() || list.is_some() {
            self.xml.push_str("<w:pPr>");
            match (style, list) {
                (Some(s), _) => self.xml.push_str(&format!("<w:pStyle w:val=\"{s}\"/>")),
                (None, Some(_)) => self.xml.push_str("<w:pStyle w:val=\"ListParagraph\"/>"),
                _ => {}
            }
            if let Some((num, level)) = list {
                self.xml.push_str(&format!("<w:numPr><w:ilvl w:val=\"{level}\"/><w:numId w:val=\"{num}\"/></w:numPr>"));
            }
            self.xml.push_str("</w:pPr>");
        }
        if let Some(checked) = task {
            self.run(if checked { "☑ " } else { "☐ " }, &Marks::default());
        }
        for i in inl {
            match i {
                Inline::Break => self.xml.push_str("<w:r><w:br/></w:r>"),
                Inline::Text(t, marks) => match &marks.link {
                    Some(href) => {
                        self.links.push(href.clone());
                        let id = self.links.len();
                        self.xml.push_str(&format!("<w:hyperlink r:id=\"rIdLink{id}\">"));
                        self.run(t, marks);
                        self.xml.push_str("</w:hyperlink>");
                    }
                    None => self.run(t, marks),
                },
            }
        }
        self.xml.push_str("</w:p>");
    }

    fn run(&mut self, text: &str, m: &Marks) {
        self.xml.push_str("<w:r>");
        if !m.is_plain() {
            self.xml.push_str("<w:rPr>");
            if m.link.is_some() {
                self.xml.push_str("<w:rStyle w:val=\"Hyperlink\"/>");
            }
            if m.bold {
                self.xml.push_str("<w:b/>");
            }
            if m.italic {
                self.xml.push_str("<w:i/>");
            }
            if m.strike {
                self.xml.push_str("<w:strike/>");
            }
            if m.underline {
                self.xml.push_str("<w:u w:val=\"single\"/>");
            }
            self.xml.push_str("</w:rPr>");
        }
        // Tabs are their own element; the rest is text with its spaces kept.
        for (i, part) in text.split('\t').enumerate() {
            if i > 0 {
                self.xml.push_str("<w:tab/>");
            }
            if !part.is_empty() {
                self.xml.push_str(&format!("<w:t xml:space=\"preserve\">{}</w:t>", esc(part)));
            }
        }
        self.xml.push_str("</w:r>");
    }
}

const NS: &str = "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" \
xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" \
xmlns:wp=\"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing\" \
xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" \
xmlns:pic=\"http://schemas.openxmlformats.org/drawingml/2006/picture\"";

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="png" ContentType="image/png"/><Default Extension="jpg" ContentType="image/jpeg"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>
"#;

const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>
"#;

fn core_xml(title: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<cp:coreProperties \
xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\
<dc:title>{}</dc:title><dc:creator>Tavle</dc:creator></cp:coreProperties>\n",
        esc(title)
    )
}

fn styles_xml(lang: &str) -> String {
    let lang = if lang == "en" { "en-GB" } else { "da-DK" };
    let mut headings = String::new();
    for (level, half_points) in [(1, 40), (2, 32), (3, 26)] {
        headings.push_str(&format!(
            "<w:style w:type=\"paragraph\" w:styleId=\"Heading{level}\"><w:name w:val=\"heading {level}\"/><w:basedOn w:val=\"Normal\"/>\
<w:next w:val=\"Normal\"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before=\"240\" w:after=\"120\"/><w:outlineLvl w:val=\"{}\"/></w:pPr>\
<w:rPr><w:b/><w:sz w:val=\"{half_points}\"/></w:rPr></w:style>",
            level - 1
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:styles {NS}><w:docDefaults><w:rPrDefault><w:rPr>\
<w:sz w:val=\"22\"/><w:lang w:val=\"{lang}\"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after=\"120\"/></w:pPr></w:pPrDefault></w:docDefaults>\
<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/><w:qFormat/></w:style>{headings}\
<w:style w:type=\"paragraph\" w:styleId=\"ListParagraph\"><w:name w:val=\"List Paragraph\"/><w:basedOn w:val=\"Normal\"/><w:pPr><w:spacing w:after=\"40\"/></w:pPr></w:style>\
<w:style w:type=\"character\" w:styleId=\"Hyperlink\"><w:name w:val=\"Hyperlink\"/><w:rPr><w:color w:val=\"0563C1\"/><w:u w:val=\"single\"/></w:rPr></w:style>\
</w:styles>\n"
    )
}

fn numbering_xml(numbers: &[(bool, u32)]) -> String {
    let mut levels_bullet = String::new();
    let mut levels_decimal = String::new();
    for level in 0..9 {
        let left = 720 * (level + 1);
        let ind = format!("<w:pPr><w:ind w:left=\"{left}\" w:hanging=\"360\"/></w:pPr>");
        levels_bullet.push_str(&format!(
            "<w:lvl w:ilvl=\"{level}\"><w:start w:val=\"1\"/><w:numFmt w:val=\"bullet\"/><w:lvlText w:val=\"•\"/><w:lvlJc w:val=\"left\"/>{ind}</w:lvl>"
        ));
        levels_decimal.push_str(&format!(
            "<w:lvl w:ilvl=\"{level}\"><w:start w:val=\"1\"/><w:numFmt w:val=\"decimal\"/><w:lvlText w:val=\"%{}.\"/><w:lvlJc w:val=\"left\"/>{ind}</w:lvl>",
            level + 1
        ));
    }
    let mut nums = String::new();
    for (i, (numbered, start)) in numbers.iter().enumerate() {
        let abs = if *numbered { 1 } else { 0 };
        nums.push_str(&format!("<w:num w:numId=\"{}\"><w:abstractNumId w:val=\"{abs}\"/>", i + 1));
        if *numbered {
            nums.push_str(&format!("<w:lvlOverride w:ilvl=\"0\"><w:startOverride w:val=\"{start}\"/></w:lvlOverride>"));
        }
        nums.push_str("</w:num>");
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:numbering {NS}>\
<w:abstractNum w:abstractNumId=\"0\"><w:multiLevelType w:val=\"hybridMultilevel\"/>{levels_bullet}</w:abstractNum>\
<w:abstractNum w:abstractNumId=\"1\"><w:multiLevelType w:val=\"hybridMultilevel\"/>{levels_decimal}</w:abstractNum>{nums}</w:numbering>\n"
    )
}
