//! Small conversions from the view layer's plain values to Slint values.

use crate::app::view::{Photo, Picture};
use slint::{Image, ModelRc, Rgba8Pixel, SharedPixelBuffer, SharedString, VecModel};

pub fn s(text: impl AsRef<str>) -> SharedString {
    SharedString::from(text.as_ref())
}

pub fn model<T: Clone + 'static>(items: Vec<T>) -> ModelRc<T> {
    ModelRc::new(VecModel::from(items))
}

/// A count for an `int` property (saturating; counts on a page are small).
pub fn int(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// A black-and-white picture as a Slint image (black on white).
pub fn image_of(picture: &Picture) -> Image {
    let mut buffer = SharedPixelBuffer::<Rgba8Pixel>::new(picture.width, picture.height.max(1));
    for (pixel, dot) in buffer.make_mut_slice().iter_mut().zip(picture.dots.iter()) {
        let v = if *dot { 0 } else { 255 };
        *pixel = Rgba8Pixel {
            r: v,
            g: v,
            b: v,
            a: 255,
        };
    }
    Image::from_rgba8(buffer)
}

/// The picture, or an empty image.
pub fn image_or_empty(picture: Option<&Picture>) -> Image {
    picture.map(image_of).unwrap_or_default()
}

/// A colour photo (RGBA) as a Slint image.
pub fn photo_image(photo: &Photo) -> Image {
    let mut buffer = SharedPixelBuffer::<Rgba8Pixel>::new(photo.width, photo.height.max(1));
    let bytes = buffer.make_mut_bytes();
    let n = bytes.len().min(photo.rgba.len());
    bytes[..n].copy_from_slice(&photo.rgba[..n]);
    Image::from_rgba8(buffer)
}
