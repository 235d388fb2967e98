//! Pictures written into a PDF as image XObjects: a JPEG as it is (PDF reads JPEG itself), a
//! PNG decoded (with the `png` crate, within the picture limits) into 8-bit samples whose
//! colour and transparency are written apart, each compressed.

use std::io::Write;

use pdf_writer::{Chunk, Filter, Ref};
use tavle_core::picture::{PictureKind, MAX_PICTURE_PIXELS};

use super::pictures::Picture;

/// A picture ready to be written.
pub(super) struct PdfImage {
    width: i32,
    height: i32,
    colours: Colours,
    /// The samples, compressed by `filter`.
    data: Vec<u8>,
    filter: Filter,
    /// The transparency as 8-bit grey samples, deflated.
    alpha: Option<Vec<u8>>,
}

#[derive(Clone, Copy)]
enum Colours {
    Gray,
    Rgb,
    /// Adobe's JPEGs store CMYK inverted.
    Cmyk,
}

impl PdfImage {
    /// The picture as PDF takes it, or `None` when it does not decode.
    pub(super) fn of(p: &Picture) -> Option<PdfImage> {
        let (w, h) = (i32::try_from(p.info.width).ok()?, i32::try_from(p.info.height).ok()?);
        match p.info.kind {
            PictureKind::Jpeg => {
                let colours = match p.info.components {
                    1 => Colours::Gray,
                    3 => Colours::Rgb,
                    4 => Colours::Cmyk,
                    _ => return None,
                };
                Some(PdfImage {
                    width: w,
                    height: h,
                    colours,
                    data: p.bytes.clone(),
                    filter: Filter::DctDecode,
                    alpha: None,
                })
            }
            PictureKind::Png => png(&p.bytes, w, h),
        }
    }

    /// Writes the picture (and its transparency) as objects `id` (and `mask`).
    pub(super) fn write(&self, pdf: &mut Chunk, id: Ref, mask: Ref) {
        let mut x = pdf.image_xobject(id, &self.data);
        x.filter(self.filter);
        x.width(self.width).height(self.height).bits_per_component(8);
        let space = x.color_space();
        match self.colours {
            Colours::Gray => space.device_gray(),
            Colours::Rgb => space.device_rgb(),
            Colours::Cmyk => space.device_cmyk(),
        }
        if matches!(self.colours, Colours::Cmyk) {
            x.decode([1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0]);
        }
        if self.alpha.is_some() {
            x.s_mask(mask);
        }
        drop(x);
        if let Some(alpha) = &self.alpha {
            let mut m = pdf.image_xobject(mask, alpha);
            m.filter(Filter::FlateDecode);
            m.width(self.width).height(self.height).bits_per_component(8);
            m.color_space().device_gray();
        }
    }
}

fn png(bytes: &[u8], w: i32, h: i32) -> Option<PdfImage> {
    use png::{ColorType, Transformations};
    // Room for the decoded picture at 4 bytes a pixel, and no more.
    let limits = png::Limits { bytes: usize::try_from(MAX_PICTURE_PIXELS * 4 + (1 << 20)).ok()? };
    let mut decoder = png::Decoder::new_with_limits(std::io::Cursor::new(bytes), limits);
    decoder.set_transformations(Transformations::EXPAND | Transformations::STRIP_16);
    let mut reader = decoder.read_info().ok()?;
    let mut buf = vec![0; reader.output_buffer_size()?];
    let frame = reader.next_frame(&mut buf).ok()?;
    if i32::try_from(frame.width).ok()? != w || i32::try_from(frame.height).ok()? != h {
        return None;
    }
    let pixels = &buf[..frame.buffer_size()];
    let (colours, channels, alpha) = match frame.color_type {
        ColorType::Grayscale => (Colours::Gray, 1, false),
        ColorType::Rgb => (Colours::Rgb, 3, false),
        ColorType::GrayscaleAlpha => (Colours::Gray, 1, true),
        ColorType::Rgba => (Colours::Rgb, 3, true),
        // EXPAND turns a palette into RGB(A).
        ColorType::Indexed => return None,
    };
    let (data, alpha) = if alpha {
        let stride = channels + 1;
        let colour: Vec<u8> = pixels.chunks_exact(stride).flat_map(|px| px[..channels].iter().copied()).collect();
        let a: Vec<u8> = pixels.chunks_exact(stride).map(|px| px[channels]).collect();
        (deflate(&colour)?, Some(deflate(&a)?))
    } else {
        (deflate(pixels)?, None)
    };
    Some(PdfImage { width: w, height: h, colours, data, filter: Filter::FlateDecode, alpha })
}

fn deflate(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(bytes).ok()?;
    z.finish().ok()
}
