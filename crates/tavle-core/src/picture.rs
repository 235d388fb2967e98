//! Pictures in documents: which files are pictures a document may hold (PNG and JPEG, known by
//! their first bytes, not by a name or a header a client sends), their size in pixels, and the
//! size they are shown at on a page. No I/O and no decoding here.

/// The largest picture file a document takes.
pub const MAX_PICTURE_BYTES: usize = 10 << 20;
/// The most pixels a picture may have (a PNG is decoded whole to be written into a PDF).
pub const MAX_PICTURE_PIXELS: u64 = 25_000_000;
/// The widest or tallest a picture may be, in pixels.
pub const MAX_PICTURE_SIDE: u32 = 12_000;

/// The kinds of picture a document holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PictureKind {
    Png,
    Jpeg,
}

impl PictureKind {
    pub fn content_type(self) -> &'static str {
        match self {
            PictureKind::Png => "image/png",
            PictureKind::Jpeg => "image/jpeg",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            PictureKind::Png => "png",
            PictureKind::Jpeg => "jpg",
        }
    }

    pub fn from_content_type(t: &str) -> Option<PictureKind> {
        match t {
            "image/png" => Some(PictureKind::Png),
            "image/jpeg" => Some(PictureKind::Jpeg),
            _ => None,
        }
    }
}

/// What a picture file is, read from its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PictureInfo {
    pub kind: PictureKind,
    pub width: u32,
    pub height: u32,
    /// A JPEG's colour components (1 grey, 3 colour, 4 CMYK); 0 for a PNG.
    pub components: u8,
}

/// Why a file is not a picture a document takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotAPicture {
    /// Not a PNG or JPEG, or one whose header does not read.
    Unknown,
    /// Larger than [`MAX_PICTURE_BYTES`].
    TooLarge,
    /// More pixels, or a longer side, than a document takes.
    TooManyPixels,
}

/// Reads what a picture file is. Only the header is read; whether the rest decodes is for
/// whoever decodes it.
pub fn sniff(bytes: &[u8]) -> Result<PictureInfo, NotAPicture> {
    if bytes.len() > MAX_PICTURE_BYTES {
        return Err(NotAPicture::TooLarge);
    }
    let info = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        png(bytes)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        jpeg(bytes)
    } else {
        None
    }
    .ok_or(NotAPicture::Unknown)?;
    if info.width == 0 || info.height == 0 {
        return Err(NotAPicture::Unknown);
    }
    let pixels = u64::from(info.width) * u64::from(info.height);
    if info.width > MAX_PICTURE_SIDE || info.height > MAX_PICTURE_SIDE || pixels > MAX_PICTURE_PIXELS {
        return Err(NotAPicture::TooManyPixels);
    }
    Ok(info)
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

/// A PNG's first chunk is IHDR: width and height.
fn png(b: &[u8]) -> Option<PictureInfo> {
    if b.get(12..16)? != b"IHDR" {
        return None;
    }
    Some(PictureInfo { kind: PictureKind::Png, width: be32(b, 16)?, height: be32(b, 20)?, components: 0 })
}

/// A JPEG's frame header (SOF0–SOF15 but DHT, JPG and DAC) gives height, width and components.
fn jpeg(b: &[u8]) -> Option<PictureInfo> {
    let mut at = 2;
    loop {
        // Markers may be padded with 0xFF bytes.
        while *b.get(at)? == 0xFF && *b.get(at + 1)? == 0xFF {
            at += 1;
        }
        if *b.get(at)? != 0xFF {
            return None;
        }
        let marker = *b.get(at + 1)?;
        match marker {
            // Markers without a length.
            0x01 | 0xD0..=0xD7 => at += 2,
            0xD9 | 0xDA => return None,
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                let height = u32::from(be16(b, at + 5)?);
                let width = u32::from(be16(b, at + 7)?);
                let components = *b.get(at + 9)?;
                return Some(PictureInfo { kind: PictureKind::Jpeg, width, height, components });
            }
            _ => at += 2 + usize::from(be16(b, at + 2)?),
        }
    }
}

/// The size a picture is shown at on a page, in points (1/72 inch): the width the person gave
/// it (CSS pixels, 96 to the inch) or its own, never wider than `max_width` points, with its
/// proportions kept.
pub fn shown_size(info: &PictureInfo, width_px: Option<u32>, max_width: f32) -> (f32, f32) {
    let px = width_px.filter(|w| *w > 0).unwrap_or(info.width) as f32;
    let w = (px * 0.75).min(max_width).max(1.0);
    let h = w * info.height as f32 / info.width.max(1) as f32;
    (w, h)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 3 × 2 RGB PNG (its header; the rest is not read here).
    fn png_header(w: u32, h: u32) -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        b.extend(w.to_be_bytes());
        b.extend(h.to_be_bytes());
        b.extend([8, 2, 0, 0, 0]);
        b
    }

    #[test]
    fn knows_png_and_jpeg_by_their_bytes() {
        let i = sniff(&png_header(3, 2)).unwrap();
        assert_eq!((i.kind, i.width, i.height), (PictureKind::Png, 3, 2));
        // SOI, an APP0 of 16 bytes, then SOF2 (progressive): 480 high, 640 wide, 3 components.
        let mut j = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16];
        j.extend([0u8; 14]);
        j.extend([0xFF, 0xC2, 0, 17, 8, 0x01, 0xE0, 0x02, 0x80, 3]);
        let i = sniff(&j).unwrap();
        assert_eq!((i.kind, i.width, i.height, i.components), (PictureKind::Jpeg, 640, 480, 3));
        assert_eq!(sniff(b"GIF89a...."), Err(NotAPicture::Unknown));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF]), Err(NotAPicture::Unknown));
        assert_eq!(sniff(&png_header(0, 2)), Err(NotAPicture::Unknown));
        assert_eq!(sniff(&png_header(20_000, 2)), Err(NotAPicture::TooManyPixels));
        assert_eq!(sniff(&png_header(10_000, 10_000)), Err(NotAPicture::TooManyPixels));
    }

    #[test]
    fn shown_size_keeps_proportions_within_the_page() {
        let i = PictureInfo { kind: PictureKind::Png, width: 800, height: 400, components: 0 };
        assert_eq!(shown_size(&i, None, 400.0), (400.0, 200.0));
        assert_eq!(shown_size(&i, Some(200), 400.0), (150.0, 75.0));
    }
}
