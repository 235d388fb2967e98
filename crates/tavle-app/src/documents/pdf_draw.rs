//! A PDF page's drawing operations (text, rules, boxes, link areas, pictures) as the content
//! stream that draws them, compressed.

use std::io::Write;

use pdf_writer::{Content, Name, Rect, Ref, Str};

use super::pdf_font::Face;
use super::pdf_image::PdfImage;
use crate::error::{AppError, AppResult};

/// The colour of a link's text.
const LINK_BLUE: (f32, f32, f32) = (0.05, 0.3, 0.7);

/// What is drawn on a page.
pub(super) enum Op {
    Text {
        x: f32,
        y: f32,
        face: Face,
        size: f32,
        bytes: Vec<u8>,
        link: bool,
    },
    Rule {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
    },
    Box {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<f32>,
    },
    Link {
        rect: Rect,
        uri: String,
    },
    /// The `n`th picture of the document (from 0) in the box at (x, y), w × h.
    Image {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        n: usize,
    },
}

pub(super) fn content_of(page: &[Op], images: &[(Option<PdfImage>, Ref, Ref)]) -> Vec<u8> {
    let mut c = Content::new();
    for op in page {
        match op {
            Op::Text { x, y, face, size, bytes, link } => {
                let bytes: Vec<u8> = bytes.iter().map(|b| if *b == b'\t' { b' ' } else { *b }).collect();
                if *link {
                    c.set_fill_rgb(LINK_BLUE.0, LINK_BLUE.1, LINK_BLUE.2);
                }
                c.begin_text().set_font(Name(face.resource()), *size).next_line(*x, *y).show(Str(&bytes)).end_text();
                if *link {
                    c.set_fill_gray(0.0);
                }
            }
            Op::Rule { x1, y1, x2, y2, width } => {
                c.set_line_width(*width).move_to(*x1, *y1).line_to(*x2, *y2).stroke();
            }
            Op::Box { x, y, w, h, fill } => {
                if let Some(g) = fill {
                    c.set_fill_gray(*g).rect(*x, *y, *w, *h).fill_nonzero().set_fill_gray(0.0);
                }
                c.set_line_width(0.5).rect(*x, *y, *w, *h).stroke();
            }
            Op::Link { .. } => {}
            Op::Image { x, y, w, h, n } => {
                if images.get(*n).is_some_and(|i| i.0.is_some()) {
                    c.save_state().transform([*w, 0.0, 0.0, *h, *x, *y]);
                    c.x_object(Name(format!("Im{n}").as_bytes())).restore_state();
                } else {
                    c.set_line_width(0.5).rect(*x, *y, *w, *h).stroke();
                }
            }
        }
    }
    c.finish().into_vec()
}

pub(super) fn deflate(bytes: &[u8]) -> AppResult<Vec<u8>> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(bytes).and_then(|()| z.finish()).map_err(|e| AppError::Internal(format!("writing a PDF: {e}")))
}
