//! The simulated camera's subject: a made-up 常住人口登记卡 specimen page (no real person's
//! data: the name is 示例, the numbers are all zeros and marked 样张), lying slightly skewed on
//! a dark desk, as a document camera would see it from above. Rendered once per process.

use super::geometry::{point, Homography, Quad};
use super::image::RgbImage;
use crate::devices::printer::font::ReceiptFont;
use std::sync::{Arc, Mutex, Weak};

/// The simulated camera's frame size: a 5-megapixel document camera.
pub const SCENE_WIDTH: u32 = 2592;
pub const SCENE_HEIGHT: u32 = 1944;
/// Extra desk around the frame, so the simulated hand-held motion has room to move.
pub const MOTION_MARGIN: u32 = 8;

/// Where the page's corners are in the (unshifted) frame: about 3° turned, the top edge a
/// little narrower than the bottom (the camera looks slightly from the front).
pub fn page_corners() -> Quad {
    let (cx, cy) = (SCENE_WIDTH as f32 / 2.0, SCENE_HEIGHT as f32 / 2.0);
    let (top_half, bottom_half, half_height) = (625.0f32, 648.0f32, 900.0f32);
    let angle = 3.0f32.to_radians();
    let turn = |x: f32, y: f32| {
        point(
            cx + x * angle.cos() - y * angle.sin(),
            cy + x * angle.sin() + y * angle.cos(),
        )
    };
    [
        turn(-top_half, -half_height),
        turn(top_half, -half_height),
        turn(bottom_half, half_height),
        turn(-bottom_half, half_height),
    ]
}

/// The scene with its motion margin on every side, shared by the simulated cameras that
/// are open. Its 15 MB are given back when the last one closes (rendering it again takes
/// about 0.1 s on the camera's own thread).
pub fn scene() -> Arc<RgbImage> {
    static SCENE: Mutex<Weak<RgbImage>> = Mutex::new(Weak::new());
    let mut cached = SCENE.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(scene) = cached.upgrade() {
        return scene;
    }
    let scene = Arc::new(render_scene());
    *cached = Arc::downgrade(&scene);
    scene
}

/// What the camera sees of `scene`: the frame-sized window `dx`, `dy` pixels into its motion
/// margin (`MOTION_MARGIN` each way is the still camera, with no drift).
pub fn view(scene: &RgbImage, dx: usize, dy: usize) -> RgbImage {
    let (w, h) = (SCENE_WIDTH as usize, SCENE_HEIGHT as usize);
    let row = scene.width as usize * 3;
    let mut data = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        let start = (y + dy) * row + dx * 3;
        data.extend_from_slice(&scene.data[start..start + w * 3]);
    }
    RgbImage {
        width: SCENE_WIDTH,
        height: SCENE_HEIGHT,
        data,
    }
}

/// A receipt held under the camera: its QR code (carrying `text`) on white thermal paper in
/// the middle of the dark desk, with the scene's motion margin. About 1000 px across, as an
/// 80 mm receipt's code looks to a document camera 30 cm above it.
pub fn scene_with_code(text: &str) -> Option<RgbImage> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    let modules = code.width();
    let colors = code.to_colors();
    let (w, h) = (SCENE_WIDTH + 2 * MOTION_MARGIN, SCENE_HEIGHT + 2 * MOTION_MARGIN);
    let mut out = RgbImage::new(w, h);
    out.data.iter_mut().for_each(|b| *b = 55);
    let quiet = 4;
    let scale = (1000 / (modules + 2 * quiet)).max(1);
    let side = (modules + 2 * quiet) * scale;
    let (x0, y0) = ((w as usize - side) / 2, (h as usize - side) / 2);
    for y in 0..side {
        for x in 0..side {
            let (mx, my) = ((x / scale).wrapping_sub(quiet), (y / scale).wrapping_sub(quiet));
            let dark = mx < modules && my < modules && colors[my * modules + mx] == qrcode::Color::Dark;
            let i = ((y0 + y) * w as usize + x0 + x) * 3;
            out.data[i..i + 3].copy_from_slice(if dark { &[25, 25, 28] } else { &[238, 236, 230] });
        }
    }
    Some(out)
}

fn render_scene() -> RgbImage {
    let page = render_page();
    let (w, h) = (SCENE_WIDTH + 2 * MOTION_MARGIN, SCENE_HEIGHT + 2 * MOTION_MARGIN);
    let mut out = RgbImage::new(w, h);
    // A dark desk, lighter towards the lamp in the top-left corner.
    for y in 0..h {
        for x in 0..w {
            let shade = 70.0 - 30.0 * ((x as f32 / w as f32) + (y as f32 / h as f32)) / 2.0;
            let grain = ((x / 3 + y * 7) % 11) as f32 * 0.8;
            let i = (y as usize * w as usize + x as usize) * 3;
            out.data[i] = (shade + grain) as u8;
            out.data[i + 1] = (shade * 0.92 + grain) as u8;
            out.data[i + 2] = (shade * 0.85 + grain) as u8;
        }
    }
    let m = MOTION_MARGIN as f32;
    let corners = page_corners().map(|p| point(p.x + m, p.y + m));
    // Frame → page: the inverse of placing the page rectangle on the corners.
    let Some(to_page) = Homography::between(
        &corners,
        &[
            point(0.0, 0.0),
            point(page.width as f32, 0.0),
            point(page.width as f32, page.height as f32),
            point(0.0, page.height as f32),
        ],
    ) else {
        return out;
    };
    let (min_x, max_x) = corners
        .iter()
        .fold((f32::MAX, f32::MIN), |(a, b), p| (a.min(p.x), b.max(p.x)));
    let (min_y, max_y) = corners
        .iter()
        .fold((f32::MAX, f32::MIN), |(a, b), p| (a.min(p.y), b.max(p.y)));
    for y in (min_y.floor().max(0.0) as u32)..(max_y.ceil() as u32).min(h) {
        for x in (min_x.floor().max(0.0) as u32)..(max_x.ceil() as u32).min(w) {
            let p = to_page.apply(point(x as f32 + 0.5, y as f32 + 0.5));
            if p.x >= 0.0 && p.y >= 0.0 && p.x < page.width as f32 && p.y < page.height as f32 {
                let i = (y as usize * w as usize + x as usize) * 3;
                out.data[i..i + 3].copy_from_slice(&page.sample(p.x - 0.5, p.y - 0.5));
            }
        }
    }
    out
}

/// The specimen page, flat: 1300 × 1838 px (A4 proportions).
pub fn render_page() -> RgbImage {
    let (w, h) = (1300u32, 1838u32);
    let mut page = RgbImage::new(w, h);
    // Off-white paper with a faint fall-off towards the bottom edge.
    for y in 0..h {
        let tone = 242.0 - 10.0 * y as f32 / h as f32;
        for x in 0..w {
            let i = (y as usize * w as usize + x as usize) * 3;
            page.data[i] = tone as u8;
            page.data[i + 1] = (tone - 2.0) as u8;
            page.data[i + 2] = (tone - 8.0) as u8;
        }
    }
    let ink = [30u8, 30, 40];
    let red = [190u8, 40, 40];
    let font = ReceiptFont::shared();
    let mut pen = Pen {
        page: &mut page,
        font: font.as_deref(),
    };
    pen.text(330, 110, 72.0, "常住人口登记卡", ink);
    pen.text(490, 200, 40.0, "样张 仅供演示", red);
    // The form's table: labels on the left, made-up values on the right.
    let rows = [
        ("户主或与户主关系", "户主"),
        ("姓名", "示例"),
        ("性别", "男"),
        ("民族", "汉"),
        ("出生日期", "0000年00月00日"),
        ("出生地", "浙江省 示例县"),
        ("籍贯", "浙江省 示例县"),
        ("公民身份号码", "000000000000000000"),
        ("文化程度", "大学"),
        ("服务处所", "示例乡镇派出所"),
        ("何时由何地迁来本址", "本县 示例村"),
    ];
    let (left, right, top, row_h) = (90u32, 1210u32, 300u32, 118u32);
    for (n, (label, value)) in rows.iter().enumerate() {
        let y = top + n as u32 * row_h;
        pen.rule(left, y, right - left, 3, ink);
        pen.text(left + 24, y + 36, 40.0, label, ink);
        pen.text(left + 520, y + 36, 40.0, value, ink);
    }
    let bottom = top + rows.len() as u32 * row_h;
    pen.rule(left, bottom, right - left, 3, ink);
    pen.rule(left, top, 3, bottom - top, ink);
    pen.rule(right, top, 3, bottom - top + 3, ink);
    pen.rule(left + 490, top, 3, bottom - top, ink);
    pen.text(
        left + 24,
        bottom + 80,
        34.0,
        "承办人签章：        登记日期：0000年00月00日",
        ink,
    );
    // A round red seal, as the registration office stamps.
    pen.ring(1010, bottom as i64 + 150, 100, 9, red);
    pen.text(930, bottom + 130, 40.0, "样张专用", red);
    page
}

struct Pen<'a> {
    page: &'a mut RgbImage,
    font: Option<&'a ReceiptFont>,
}

impl Pen<'_> {
    fn blend(&mut self, x: i64, y: i64, colour: [u8; 3], alpha: u8) {
        if x < 0 || y < 0 || x >= self.page.width as i64 || y >= self.page.height as i64 {
            return;
        }
        let i = (y as usize * self.page.width as usize + x as usize) * 3;
        for (channel, value) in self.page.data[i..i + 3].iter_mut().zip(colour) {
            *channel = ((*channel as u32 * (255 - alpha as u32) + value as u32 * alpha as u32) / 255) as u8;
        }
    }

    fn rule(&mut self, x: u32, y: u32, w: u32, h: u32, colour: [u8; 3]) {
        for yy in y..y + h {
            for xx in x..x + w {
                self.blend(xx as i64, yy as i64, colour, 255);
            }
        }
    }

    fn ring(&mut self, cx: i64, cy: i64, radius: i64, thickness: i64, colour: [u8; 3]) {
        for y in cy - radius..=cy + radius {
            for x in cx - radius..=cx + radius {
                let d = (((x - cx).pow(2) + (y - cy).pow(2)) as f64).sqrt() as i64;
                if d <= radius && d > radius - thickness {
                    self.blend(x, y, colour, 220);
                }
            }
        }
    }

    /// Text with its top at `y`; without a font, grey bars stand in for the words.
    fn text(&mut self, x: u32, y: u32, px: f32, text: &str, colour: [u8; 3]) {
        let mut pen_x = x as i64;
        let baseline = y as i64 + (px * 0.85) as i64;
        for c in text.chars() {
            let advance = if c.is_ascii() { (px * 0.55) as i64 } else { px as i64 };
            match self.font {
                Some(font) if c != ' ' => {
                    let (w, h, left, top, coverage) = font.rasterize(c, px);
                    for gy in 0..h {
                        for gx in 0..w {
                            let alpha = coverage[gy * w + gx];
                            if alpha > 0 {
                                self.blend(
                                    pen_x + left as i64 + gx as i64,
                                    baseline + top as i64 + gy as i64,
                                    colour,
                                    alpha,
                                );
                            }
                        }
                    }
                }
                None if c != ' ' => {
                    for yy in 0..(px * 0.7) as i64 {
                        for xx in 0..advance - 4 {
                            self.blend(pen_x + xx, y as i64 + (px * 0.15) as i64 + yy, colour, 140);
                        }
                    }
                }
                _ => {}
            }
            pen_x += advance;
        }
    }
}
