//! WebDAV properties beyond RFC 4918's own: those clients set with PROPPATCH (stored with the
//! node), and the ownCloud/Nextcloud ones the sync clients read (`oc:id`, `oc:permissions`,
//! `oc:checksums`, `oc:size`), computed from the node.

use axum::http::StatusCode;
use dav_server::fs::DavProp;
use tavle_app::drive::PropertyChange;
use tavle_core::dav::DeadProperty;
use tavle_core::drive::Node;
use tavle_core::NodeId;

use super::live::{NS_NC, NS_OC};

/// A property without its value (for status lists).
pub(crate) fn bare(p: DavProp) -> DavProp {
    DavProp { xml: None, ..p }
}

/// A stored property as `dav_server` wants it.
pub(crate) fn dead(p: DeadProperty, with_value: bool) -> DavProp {
    DavProp {
        name: p.name,
        prefix: (!p.prefix.is_empty()).then_some(p.prefix),
        namespace: (!p.namespace.is_empty()).then_some(p.namespace),
        xml: with_value.then(|| p.xml.into_bytes()),
    }
}

fn computed(ns: &str) -> bool {
    ns == NS_OC || ns == NS_NC || ns == super::live::NS_OCS || ns == super::live::NS_OCM
}

/// The changes a PROPPATCH asks for, and the status of each. Tavle's computed properties
/// cannot be set.
pub(crate) fn changes(node: NodeId, patch: Vec<(bool, DavProp)>) -> (Vec<PropertyChange>, Vec<(StatusCode, DavProp)>) {
    let mut changes = Vec::with_capacity(patch.len());
    let mut results = Vec::with_capacity(patch.len());
    for (set, p) in patch {
        let ns = p.namespace.clone().unwrap_or_default();
        if computed(&ns) {
            results.push((StatusCode::FORBIDDEN, bare(p)));
            continue;
        }
        if set {
            let xml = p.xml.clone().and_then(|x| String::from_utf8(x).ok());
            let Some(xml) = xml else {
                results.push((StatusCode::BAD_REQUEST, bare(p)));
                continue;
            };
            changes.push(PropertyChange::Set(DeadProperty {
                node_id: node,
                namespace: ns,
                name: p.name.clone(),
                prefix: p.prefix.clone().unwrap_or_default(),
                xml,
            }));
        } else {
            changes.push(PropertyChange::Remove { namespace: ns, name: p.name.clone() });
        }
        results.push((StatusCode::OK, bare(p)));
    }
    (changes, results)
}

/// A computed property of the node, as XML, or `None` when it is not one (or the node does
/// not have it).
pub(crate) fn live(node: &Node, facts: &super::live::Facts<'_>, prop: &DavProp) -> Option<String> {
    let ns = prop.namespace.as_deref()?;
    let p = super::live::Live::parse(ns, &prop.name)?;
    let mut value = String::new();
    if !super::live::value(p, node, facts, &mut value) {
        return None;
    }
    let prefix = super::live::prefix_of(ns);
    // The value may use the oc: and D: prefixes (checksums, the collection type), so the
    // element declares them too, each once.
    let mut decl = format!("xmlns:{prefix}=\"{ns}\"");
    for (p, n) in [("oc", NS_OC), ("D", "DAV:")] {
        if p != prefix {
            decl.push_str(&format!(" xmlns:{p}=\"{n}\""));
        }
    }
    Some(format!("<{prefix}:{name} {decl}>{value}</{prefix}:{name}>", name = prop.name))
}
