//! A WebGPU triangle in a native window: `loop run triangle.wasm`. A click toggles its colour
//! between orange and teal; Escape quits.
//!
//! `--bench N` draws N frames as fast as the host hands them out (run it with
//! `LOOP_GFX_FPS=max`), then prints frame-time statistics as one JSON line and quits; the
//! native program in `benches/gfx` draws the same triangle the same way.

use std::time::Instant;

use loop_sdk::gfx::surface::{CreateDesc, Key, Surface};
use loop_sdk::gfx::surface_webgpu::{Context, ContextConfiguration};
use loop_sdk::gfx::webgpu::{self, *};
use loop_sdk::gfx::{Event, Events};

/// The shader, shared with the native benchmark.
const SHADER: &str = include_str!("triangle.wgsl");
/// The clear colour: a dark blue-grey, (26, 51, 77) in 8-bit.
const CLEAR: GpuColor = GpuColor {
    r: 0.1,
    g: 0.2,
    b: 0.3,
    a: 1.0,
};

async fn main() -> Result<(), ()> {
    let args: Vec<String> = std::env::args().collect();
    let bench = match args.iter().position(|a| a == "--bench") {
        Some(i) => match args.get(i + 1).and_then(|n| n.parse::<usize>().ok()) {
            Some(n) if n > 0 => Some(n),
            _ => {
                eprintln!("triangle: --bench needs a number of frames");
                return Err(());
            }
        },
        None => None,
    };

    let gpu = webgpu::get_gpu();
    let Some(adapter) = gpu.request_adapter(None).await else {
        eprintln!("triangle: no GPU adapter");
        return Err(());
    };
    let Ok(device) = adapter.request_device(None).await else {
        eprintln!("triangle: cannot open the GPU device");
        return Err(());
    };
    let window = Surface::new(CreateDesc {
        width: Some(640),
        height: Some(480),
    });
    let context = Context::new(&window);
    let format = gpu.get_preferred_canvas_format();
    context.configure(&ContextConfiguration {
        device: &device,
        format,
        usage: None,
        view_formats: None,
        color_space: None,
        tone_mapping: None,
        alpha_mode: None,
    });

    let module = device.create_shader_module(&GpuShaderModuleDescriptor {
        code: SHADER.to_string(),
        label: None,
        compilation_hints: None,
    });
    let layout = device.create_pipeline_layout(&GpuPipelineLayoutDescriptor {
        label: None,
        bind_group_layouts: vec![],
        immediate_size: None,
    });
    let pipeline = |fragment: &str| {
        device.create_render_pipeline(GpuRenderPipelineDescriptor {
            label: None,
            vertex: GpuVertexState {
                module: &module,
                entry_point: Some("vs_main".into()),
                buffers: None,
                constants: None,
            },
            fragment: Some(GpuFragmentState {
                module: &module,
                entry_point: Some(fragment.into()),
                targets: vec![Some(GpuColorTargetState {
                    format,
                    blend: None,
                    write_mask: None,
                })],
                constants: None,
            }),
            primitive: Some(GpuPrimitiveState {
                topology: Some(GpuPrimitiveTopology::TriangleList),
                strip_index_format: None,
                front_face: None,
                cull_mode: None,
                unclipped_depth: None,
            }),
            depth_stencil: None,
            multisample: None,
            layout: GpuLayoutMode::Specific(&layout),
        })
    };
    let pipelines = [pipeline("fs_orange"), pipeline("fs_teal")];
    let mut colour = 0;

    let mut events = Events::new(&window);
    let mut frames: Vec<Instant> = Vec::new();
    while let Some(event) = events.next().await {
        match event {
            Event::Frame => {
                let texture = context.get_current_texture();
                let view = texture.create_view(None);
                let encoder = device.create_command_encoder(None);
                let pass = encoder.begin_render_pass(&GpuRenderPassDescriptor {
                    label: None,
                    color_attachments: vec![Some(GpuRenderPassColorAttachment {
                        view: &view,
                        depth_slice: None,
                        resolve_target: None,
                        clear_value: Some(CLEAR),
                        load_op: GpuLoadOp::Clear,
                        store_op: GpuStoreOp::Store,
                    })],
                    depth_stencil_attachment: None,
                    occlusion_query_set: None,
                    timestamp_writes: None,
                    max_draw_count: None,
                });
                pass.set_pipeline(&pipelines[colour]);
                pass.draw(3, None, None, None);
                pass.end();
                device.queue().submit(&[&encoder.finish(None)]);
                context.present();
                if let Some(n) = bench {
                    frames.push(Instant::now());
                    if frames.len() > n {
                        report(&frames);
                        return Ok(());
                    }
                }
            }
            Event::PointerUp(p) => {
                colour = 1 - colour;
                let name = ["orange", "teal"][colour];
                println!("click at ({:.0}, {:.0}): {name}", p.x, p.y);
            }
            Event::KeyDown(k) if k.key == Some(Key::Escape) => return Ok(()),
            _ => {}
        }
    }
    Ok(())
}

/// Prints frame times (between consecutive presents, in order) and their statistics as one
/// JSON line.
fn report(presents: &[Instant]) {
    let mut ms: Vec<f64> = presents
        .windows(2)
        .map(|w| (w[1] - w[0]).as_secs_f64() * 1000.0)
        .collect();
    let seconds = (presents[presents.len() - 1] - presents[0]).as_secs_f64();
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    let times: Vec<String> = presents
        .windows(2)
        .map(|w| format!("{:.3}", (w[1] - w[0]).as_secs_f64() * 1000.0))
        .collect();
    println!(
        "{{\"frames\":{},\"seconds\":{seconds:.3},\"fps\":{:.1},\"median_ms\":{:.3},\"p99_ms\":{:.3},\"times_ms\":[{}]}}",
        ms.len(),
        ms.len() as f64 / seconds,
        at(0.5),
        at(0.99),
        times.join(",")
    );
}

loop_sdk::gfx_app!(main);
