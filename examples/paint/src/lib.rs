//! Paint on CPU pixels (`wasi-gfx:frame-buffer`) in a native window: `loop run paint.wasm`.
//! Dragging the pointer draws a stroke; C, Escape, Backspace or Delete clears the canvas.

use loop_sdk::gfx::surface::{CreateDesc, Key, PointerEvent, Surface};
use loop_sdk::gfx::surface_frame_buffer::Context;
use loop_sdk::gfx::{Event, Events};

/// Canvas colour, `0x00RRGGBB`.
const PAPER: u32 = 0x00F0_F0F0;
/// Stroke colour.
const INK: u32 = 0x0020_40C0;
/// Stroke radius in pixels (strokes are 2 × RADIUS + 1 wide).
const RADIUS: i64 = 4;
/// Redraw at least this often (in frames) even when nothing changed, so an uncovered window
/// gets its pixels back.
const REFRESH: u32 = 15;

struct Canvas {
    width: u32,
    height: u32,
    pixels: Vec<u32>,
}

impl Canvas {
    fn new(width: u32, height: u32) -> Self {
        Canvas {
            width,
            height,
            pixels: vec![PAPER; width as usize * height as usize],
        }
    }

    fn clear(&mut self) {
        self.pixels.fill(PAPER);
    }

    /// Keeps what fits of the drawing at the new size.
    fn resize(&mut self, width: u32, height: u32) {
        let mut next = Canvas::new(width, height);
        for y in 0..self.height.min(height) as usize {
            let w = self.width.min(width) as usize;
            let from = y * self.width as usize;
            let to = y * width as usize;
            next.pixels[to..to + w].copy_from_slice(&self.pixels[from..from + w]);
        }
        *self = next;
    }

    fn dot(&mut self, x: f64, y: f64) {
        let (cx, cy) = (x.round() as i64, y.round() as i64);
        for dy in -RADIUS..=RADIUS {
            for dx in -RADIUS..=RADIUS {
                let (px, py) = (cx + dx, cy + dy);
                if dx * dx + dy * dy <= RADIUS * RADIUS
                    && (0..self.width as i64).contains(&px)
                    && (0..self.height as i64).contains(&py)
                {
                    self.pixels[py as usize * self.width as usize + px as usize] = INK;
                }
            }
        }
    }

    fn line(&mut self, from: (f64, f64), to: (f64, f64)) {
        let steps = (to.0 - from.0)
            .abs()
            .max((to.1 - from.1).abs())
            .ceil()
            .max(1.0);
        for i in 0..=steps as u32 {
            let t = f64::from(i) / steps;
            self.dot(from.0 + (to.0 - from.0) * t, from.1 + (to.1 - from.1) * t);
        }
    }

    fn bytes(&self) -> Vec<u8> {
        self.pixels.iter().flat_map(|p| p.to_le_bytes()).collect()
    }
}

async fn main() -> Result<(), ()> {
    let window = Surface::new(CreateDesc {
        width: Some(640),
        height: Some(480),
    });
    let context = Context::new(&window);
    let mut canvas = Canvas::new(window.width(), window.height());
    let mut pen: Option<(f64, f64)> = None;
    let mut points = 0;
    let mut dirty = true;
    let mut idle = 0;
    let at = |p: &PointerEvent| (p.x, p.y);

    let mut events = Events::new(&window);
    while let Some(event) = events.next().await {
        match event {
            Event::PointerDown(p) => {
                canvas.dot(p.x, p.y);
                pen = Some(at(&p));
                points = 1;
                dirty = true;
            }
            Event::PointerMove(p) => {
                if let Some(last) = pen {
                    canvas.line(last, at(&p));
                    pen = Some(at(&p));
                    points += 1;
                    dirty = true;
                }
            }
            Event::PointerUp(p) => {
                if let Some(last) = pen.take() {
                    canvas.line(last, at(&p));
                    println!(
                        "stroke of {} points, ending at ({:.0}, {:.0})",
                        points + 1,
                        p.x,
                        p.y
                    );
                    dirty = true;
                }
            }
            Event::KeyDown(k)
                if matches!(
                    k.key,
                    Some(Key::KeyC | Key::Escape | Key::Backspace | Key::Delete)
                ) =>
            {
                canvas.clear();
                println!("cleared");
                dirty = true;
            }
            Event::Resize(size) => {
                canvas.resize(size.width, size.height);
                dirty = true;
            }
            Event::Frame => {
                idle += 1;
                if dirty || idle >= REFRESH {
                    let buffer = context.get_current_buffer();
                    buffer.set_with_copy(&canvas.bytes());
                    context.present();
                    dirty = false;
                    idle = 0;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

loop_sdk::gfx_app!(main);
