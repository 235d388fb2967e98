//! The web app, built from `web/` by `build.rs` and embedded in the binary: every file with its
//! type, a gzip copy for text, and an ETag. Serving them over HTTP is `tavle-http`'s business.

/// One file of the built web app.
#[derive(Debug)]
pub struct Asset {
    /// The URL path, starting with `/`.
    pub path: &'static str,
    pub mime: &'static str,
    pub body: &'static [u8],
    /// The same bytes gzipped, for text worth compressing.
    pub gzip: Option<&'static [u8]>,
    /// A strong ETag from the content's SHA-256.
    pub etag: &'static str,
}

impl Asset {
    /// Files under `/assets/` have a content hash in their name and never change.
    pub fn immutable(&self) -> bool {
        self.path.starts_with("/assets/")
    }
}

static ASSETS: &[Asset] = include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// The file at a URL path, if the app has one.
pub fn asset(path: &str) -> Option<&'static Asset> {
    ASSETS.binary_search_by(|a| a.path.cmp(path)).ok().map(|i| &ASSETS[i])
}

/// The app's page, served for every path the app routes itself.
pub fn index() -> &'static Asset {
    asset("/index.html").unwrap_or(&MISSING)
}

static MISSING: Asset = Asset {
    path: "/index.html",
    mime: "text/html; charset=utf-8",
    body: b"<!doctype html><title>Tavle</title><p>The web app was not built.</p>",
    gzip: None,
    etag: "\"missing\"",
};

#[cfg(test)]
mod tests {
    #[test]
    fn the_table_is_sorted_and_has_the_page() {
        assert!(super::ASSETS.windows(2).all(|w| w[0].path < w[1].path));
        assert!(super::asset("/index.html").is_some());
    }
}
