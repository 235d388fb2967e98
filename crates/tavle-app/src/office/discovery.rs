//! An office server's WOPI discovery (`hosting/discovery`): which application opens which file
//! extension, with which action and at which address, and the proof keys its requests are
//! signed with. Read with `quick-xml`; kept as JSON in the database, so every node agrees.

use quick_xml::events::Event;
use quick_xml::Reader;
use serde::{Deserialize, Serialize};

/// What a discovery says.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discovery {
    pub actions: Vec<Action>,
    pub proof: Option<ProofKeys>,
}

/// One action of an application: `edit` or `view` of files with extension `ext`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    pub app: String,
    pub name: String,
    pub ext: String,
    /// The address to open, without its placeholders; `WOPISrc` is added to it.
    pub urlsrc: String,
}

/// The proof keys (RSA modulus and exponent, base64), the current and the one before.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofKeys {
    pub modulus: String,
    pub exponent: String,
    pub old_modulus: Option<String>,
    pub old_exponent: Option<String>,
}

/// The extensions Tavle offers to open in an office server.
pub const OFFICE_EXTENSIONS: &[&str] = &["docx", "xlsx", "pptx", "odt", "ods", "odp"];

impl Discovery {
    /// The action to open a file with: `edit` when the person may change it (and the server
    /// offers it), else `view`.
    pub fn action_for(&self, ext: &str, edit: bool) -> Option<&Action> {
        let ext = ext.to_ascii_lowercase();
        let of = |name: &str| self.actions.iter().find(|a| a.ext == ext && a.name == name);
        if edit {
            of("edit").or_else(|| of("view"))
        } else {
            of("view").or_else(|| of("edit"))
        }
    }

    /// The extensions (of Tavle's list) this server opens.
    pub fn extensions(&self) -> Vec<String> {
        OFFICE_EXTENSIONS
            .iter()
            .filter(|e| self.actions.iter().any(|a| a.ext == **e))
            .map(|e| (*e).to_string())
            .collect()
    }
}

/// The discovery in `xml`, or why it is not one.
pub fn parse(xml: &str) -> Result<Discovery, String> {
    let mut reader = Reader::from_str(xml);
    let mut out = Discovery::default();
    let mut app = String::new();
    let mut seen_root = false;
    loop {
        let event = reader.read_event().map_err(|e| e.to_string())?;
        let (Event::Start(e) | Event::Empty(e)) = event else {
            if matches!(event, Event::Eof) {
                break;
            }
            continue;
        };
        let attr = |name: &[u8]| -> Option<String> {
            e.attributes()
                .flatten()
                .find(|a| a.key.as_ref() == name)
                .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(|v| v.into_owned()))
        };
        match e.local_name().as_ref() {
            b"wopi-discovery" => seen_root = true,
            b"app" => app = attr(b"name").unwrap_or_default(),
            b"action" => {
                if let (Some(name), Some(ext), Some(urlsrc)) = (attr(b"name"), attr(b"ext"), attr(b"urlsrc")) {
                    out.actions.push(Action {
                        app: app.clone(),
                        name,
                        ext: ext.to_ascii_lowercase(),
                        urlsrc: without_placeholders(&urlsrc),
                    });
                }
            }
            b"proof-key" => {
                if let (Some(modulus), Some(exponent)) = (attr(b"modulus"), attr(b"exponent")) {
                    out.proof = Some(ProofKeys {
                        modulus,
                        exponent,
                        old_modulus: attr(b"oldmodulus").filter(|m| !m.is_empty()),
                        old_exponent: attr(b"oldexponent").filter(|m| !m.is_empty()),
                    });
                }
            }
            _ => {}
        }
    }
    if !seen_root {
        return Err("it is not a WOPI discovery (no wopi-discovery element)".into());
    }
    if out.actions.is_empty() {
        return Err("it names no actions".into());
    }
    Ok(out)
}

/// An action address without the discovery's optional placeholders (`<ui=UI_LLCC&>`), ready
/// for query parameters to be added.
fn without_placeholders(urlsrc: &str) -> String {
    let mut out = String::with_capacity(urlsrc.len());
    let mut depth = 0;
    for c in urlsrc.chars() {
        match c {
            '<' => depth += 1,
            '>' if depth > 0 => depth -= 1,
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    if !out.contains('?') {
        out.push('?');
    } else if !out.ends_with('?') && !out.ends_with('&') {
        out.push('&');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collabora_discovery() {
        let xml = r#"<?xml version="1.0" encoding="utf-8"?>
<wopi-discovery><net-zone name="external-http">
<app name="writer"><action default="true" ext="odt" name="edit" urlsrc="https://office.example/browser/dist/cool.html?"/>
<action ext="docx" name="edit" urlsrc="https://office.example/browser/dist/cool.html?&lt;ui=UI_LLCC&amp;&gt;"/></app>
<app name="Capabilities"><action ext="" name="getinfo" urlsrc="https://office.example/hosting/capabilities"/></app>
</net-zone><proof-key exponent="AQAB" modulus="uK8=" oldexponent="AQAB" oldmodulus="" value="BgIA"/></wopi-discovery>"#;
        let d = parse(xml).unwrap();
        assert_eq!(d.action_for("DOCX", true).unwrap().urlsrc, "https://office.example/browser/dist/cool.html?");
        assert_eq!(d.extensions(), ["docx", "odt"]);
        assert_eq!(d.proof.as_ref().unwrap().old_modulus, None);
        assert!(parse("<html/>").is_err());
    }
}
