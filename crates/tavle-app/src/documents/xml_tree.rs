//! A small tree of an office file's XML part (DOCX's `word/document.xml`, ODT's
//! `content.xml`), built with `quick-xml` for the importers to walk. Names keep the prefixes
//! the formats use by convention (`w:p`, `text:p`); hostile input is bounded: a part over
//! [`MAX_PART`] bytes, nesting deeper than [`MAX_DEPTH`] or more than [`MAX_NODES`] nodes is
//! refused, and entities other than XML's five and character references are not expanded.

use std::io::Read;

use quick_xml::events::Event;
use quick_xml::Reader;

/// The largest XML part read (after decompression).
pub(super) const MAX_PART: u64 = 32 << 20;
const MAX_DEPTH: usize = 256;
const MAX_NODES: usize = 2_000_000;

/// An element: its name, attributes and children.
#[derive(Debug, Default)]
pub(super) struct El {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
}

#[derive(Debug)]
pub(super) enum Node {
    El(El),
    Text(String),
}

impl El {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The child elements.
    pub fn elements(&self) -> impl Iterator<Item = &El> {
        self.children.iter().filter_map(|c| match c {
            Node::El(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    pub fn child(&self, name: &str) -> Option<&El> {
        self.elements().find(|e| e.name == name)
    }
}

/// A part of a zip (an office file), read whole up to [`MAX_PART`] bytes; `None` if absent.
pub(super) fn part(zip: &mut zip::ZipArchive<std::io::Cursor<&[u8]>>, name: &str) -> Result<Option<String>, String> {
    let file = match zip.by_name(name) {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let mut text = String::new();
    file.take(MAX_PART + 1).read_to_string(&mut text).map_err(|e| e.to_string())?;
    if text.len() as u64 > MAX_PART {
        return Err(format!("{name} is larger than {} MiB", MAX_PART >> 20));
    }
    Ok(Some(text))
}

/// The XML's root element.
pub(super) fn parse(xml: &str) -> Result<El, String> {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<El> = vec![El::default()];
    let mut nodes = 0usize;
    loop {
        let event = reader.read_event().map_err(|e| e.to_string())?;
        nodes += 1;
        if nodes > MAX_NODES {
            return Err("too many XML nodes".into());
        }
        match event {
            Event::Start(s) | Event::Empty(s) if stack.len() > MAX_DEPTH => {
                let _ = s;
                return Err("XML nested too deep".into());
            }
            Event::Start(s) => stack.push(element(&s)?),
            Event::Empty(s) => {
                let el = element(&s)?;
                top(&mut stack).children.push(Node::El(el));
            }
            Event::End(_) => {
                let el = stack.pop().ok_or("an end without a start")?;
                if stack.is_empty() {
                    return Err("an end without a start".into());
                }
                top(&mut stack).children.push(Node::El(el));
            }
            Event::Text(t) => {
                let text = t.decode().map_err(|e| e.to_string())?.into_owned();
                push_text(top(&mut stack), text);
            }
            Event::CData(t) => {
                let text = String::from_utf8_lossy(&t.into_inner()).into_owned();
                push_text(top(&mut stack), text);
            }
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref().map_err(|e| e.to_string())? {
                    Some(c) => c.to_string(),
                    None => match r.decode().map_err(|e| e.to_string())?.as_ref() {
                        "amp" => "&".into(),
                        "lt" => "<".into(),
                        "gt" => ">".into(),
                        "quot" => "\"".into(),
                        "apos" => "'".into(),
                        _ => String::new(),
                    },
                };
                push_text(top(&mut stack), c);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let root = stack.pop().filter(|_| stack.is_empty()).ok_or("an element is not closed")?;
    let found = root.children.into_iter().find_map(|c| match c {
        Node::El(e) => Some(e),
        Node::Text(_) => None,
    });
    found.ok_or_else(|| "no root element".to_string())
}

fn top(stack: &mut [El]) -> &mut El {
    let n = stack.len();
    &mut stack[n - 1]
}

fn element(s: &quick_xml::events::BytesStart<'_>) -> Result<El, String> {
    let mut el = El { name: String::from_utf8_lossy(s.name().as_ref()).into_owned(), ..El::default() };
    for a in s.attributes().with_checks(false).flatten() {
        let value = a.normalized_value(quick_xml::XmlVersion::Implicit1_0).map_err(|e| e.to_string())?.into_owned();
        el.attrs.push((String::from_utf8_lossy(a.key.as_ref()).into_owned(), value));
    }
    Ok(el)
}

/// Appends text, joined to text just before it (a reference splits a run of text in events).
fn push_text(el: &mut El, text: String) {
    if let Some(Node::Text(t)) = el.children.last_mut() {
        t.push_str(&text);
    } else if !text.is_empty() {
        el.children.push(Node::Text(text));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_references_and_nesting() {
        let root = parse(r#"<a x="1&amp;2"><b>Æ&amp;&#248;<![CDATA[<c>]]></b><c/></a>"#).unwrap();
        assert_eq!(root.attr("x"), Some("1&2"));
        let b = root.child("b").unwrap();
        assert!(matches!(&b.children[0], Node::Text(t) if t == "Æ&ø<c>"));
        assert!(root.child("c").is_some());
        let deep = "<a>".repeat(300) + &"</a>".repeat(300);
        assert!(parse(&deep).is_err());
        assert!(parse("<a><b></a>").is_err());
    }
}
