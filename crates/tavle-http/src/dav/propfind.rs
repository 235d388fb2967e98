//! The PROPFIND the sync clients send all day, answered without `dav_server`: Depth 0 or 1,
//! asking for named properties that Tavle computes (every live property of `live.rs`: those
//! of RFC 4918 and everything the Nextcloud and ownCloud clients ask for). The
//! XML is written straight into one buffer from the cached folder listing, which makes a
//! folder of 10,000 files several times faster than through `dav_server`'s element tree.
//! Anything else (allprop, propname, properties set with PROPPATCH, locks) goes to
//! `dav_server` as before, so litmus sees the same server.

use std::collections::HashMap;
use std::fmt::Write;

use axum::body::Bytes;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use tavle_core::drive::Node;
use tavle_core::drive::{Access, NodeKind};
use tavle_core::NodeId;
use xmltree::Element;

use super::context::Context;
use super::live::{self, escape, Facts, Live, NS_DAV};

/// The properties asked for, when the request is one the fast path answers: a `prop` list
/// of live properties only (dead ones set with PROPPATCH, `allprop` and `propname` go to
/// `dav_server`). Text between the elements is ignored (ownCloud's desktop client 2.9–2.11
/// sends a stray "M").
pub(crate) fn wanted(body: &[u8]) -> Option<Vec<Live>> {
    let root = Element::parse(body).ok()?;
    if root.name != "propfind" || root.namespace.as_deref() != Some(NS_DAV) {
        return None;
    }
    let children: Vec<&Element> = root.children.iter().filter_map(|c| c.as_element()).collect();
    let [prop] = children.as_slice() else { return None };
    if prop.name != "prop" || prop.namespace.as_deref() != Some(NS_DAV) {
        return None;
    }
    prop.children
        .iter()
        .filter_map(|c| c.as_element())
        .map(|p| Live::parse(p.namespace.as_deref().unwrap_or(""), &p.name))
        .collect()
}

fn response(href: &str, n: &Node, props: &[Live], f: &Facts<'_>, out: &mut String) {
    out.push_str("<D:response><D:href>");
    escape(href, out);
    out.push_str("</D:href><D:propstat><D:prop>");
    let mut missing = Vec::new();
    for p in props {
        let start = out.len();
        let (prefix, name) = p.name();
        let _ = write!(out, "<{prefix}:{name}>");
        if live::value(*p, n, f, out) {
            let _ = write!(out, "</{prefix}:{name}>");
        } else {
            out.truncate(start);
            missing.push(*p);
        }
    }
    out.push_str("</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>");
    if !missing.is_empty() {
        out.push_str("<D:propstat><D:prop>");
        for p in missing {
            let (prefix, name) = p.name();
            let _ = write!(out, "<{prefix}:{name}/>");
        }
        out.push_str("</D:prop><D:status>HTTP/1.1 404 Not Found</D:status></D:propstat>");
    }
    out.push_str("</D:response>");
}

/// Answers the PROPFIND if it is one the fast path serves; `None` sends it to `dav_server`.
/// `prefix` is the URL up to and including the username; `segs` the decoded path below it.
pub(crate) async fn answer(cx: &Context, prefix: &str, segs: &[String], depth: &str, body: &Bytes) -> Option<Response> {
    if depth != "0" && depth != "1" {
        return None;
    }
    let props = wanted(body)?;
    let reached = match cx.reach(segs).await {
        Ok(r) => r,
        Err(e) => return Some(super::fs_status(e, cx.take_failure())),
    };
    let node = reached.node().clone();
    let mut href = String::from(prefix);
    for s in segs {
        href.push('/');
        href.extend(percent_encoding::utf8_percent_encode(s, super::SEGMENT));
    }
    let folder = node.kind == NodeKind::Folder;
    if folder || segs.is_empty() {
        href.push('/');
    }
    // Share types are read (one query for the folder and what is in it) only when asked for
    // and only for those who may share here.
    let wants_shares = props.contains(&Live::OcShareTypes) && cx.space.access() == Access::Edit;
    let (children, kinds) = if depth == "1" && folder {
        match cx.app.drive().folder_for_sync(&cx.session, node.id, wants_shares).await {
            Ok((_, c, k)) => (Some(c), k),
            Err(e) => return Some(super::app_error(&e)),
        }
    } else if wants_shares {
        match cx.app.drive().share_kinds(&cx.session, node.id).await {
            Ok(k) => (None, k),
            Err(e) => return Some(super::app_error(&e)),
        }
    } else {
        (None, Vec::new())
    };
    let mut by_node: HashMap<NodeId, Vec<String>> = HashMap::new();
    for (n, kind) in kinds {
        // Several shares of one kind are one share type to the clients.
        let on = by_node.entry(n).or_default();
        if !on.contains(&kind) {
            on.push(kind);
        }
    }
    let mut facts = cx.facts();
    // What may be done here: less than in the rest of the drive below a working folder whose
    // assignment closed, so the sync clients show it read-only.
    facts.access = facts.access.min(reached.access());
    let mut out = String::with_capacity(512);
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:multistatus ");
    out.push_str(live::DECLARATIONS);
    out.push('>');
    facts.share_kinds = wants_shares.then(|| by_node.get(&node.id).map_or(&[][..], Vec::as_slice));
    response(&href, &node, &props, &facts, &mut out);
    if let Some(children) = children {
        out.reserve(children.len() * 300);
        // A Tavle document is listed as its file form, `<name>.odt` (see fs.rs).
        for c in super::fs::shown(&children) {
            let start = href.len();
            href.extend(percent_encoding::utf8_percent_encode(&c.client_name(), super::SEGMENT));
            if c.kind == NodeKind::Folder {
                href.push('/');
            }
            facts.share_kinds = wants_shares.then(|| by_node.get(&c.id).map_or(&[][..], Vec::as_slice));
            response(&href, c, &props, &facts, &mut out);
            href.truncate(start);
        }
    }
    out.push_str("</D:multistatus>\n");
    Some((StatusCode::MULTI_STATUS, [(header::CONTENT_TYPE, "application/xml; charset=utf-8")], out).into_response())
}
