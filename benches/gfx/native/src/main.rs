//! examples/triangle as a native program: the same shader (examples/triangle/src/triangle.wgsl),
//! the same 640 × 480 window, the same WebGPU calls per frame (a view of the swap chain texture,
//! a command encoder, one render pass that clears and draws 3 vertices, submit, present), and the
//! same statistics. Frames run back to back (as `loop run` with `LOOP_GFX_FPS=max`), with the
//! `AutoNoVsync` present mode loop-host picks for unpaced frames.
//!
//!   triangle-native --bench N     draw N frames, print one JSON line, exit

use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use winit::application::ApplicationHandler;
use winit::dpi::{PhysicalPosition, PhysicalSize};
use winit::event::WindowEvent;
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop};
use winit::window::{Window, WindowId};

const SHADER: &str = include_str!("../../../../examples/triangle/src/triangle.wgsl");
const CLEAR: wgpu::Color = wgpu::Color {
    r: 0.1,
    g: 0.2,
    b: 0.3,
    a: 1.0,
};

/// wgpu's futures are ready at once on native backends.
fn ready<T>(future: impl Future<Output = T>) -> T {
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return value;
        }
        std::thread::yield_now();
    }
}

struct Gpu {
    window: Arc<Window>,
    surface: wgpu::Surface<'static>,
    device: wgpu::Device,
    queue: wgpu::Queue,
    config: wgpu::SurfaceConfiguration,
    pipeline: wgpu::RenderPipeline,
}

struct App {
    frames: usize,
    gpu: Option<Gpu>,
    presents: Vec<Instant>,
}

impl App {
    fn open(&mut self, event_loop: &ActiveEventLoop) {
        let window = Arc::new(
            event_loop
                .create_window(
                    Window::default_attributes()
                        .with_title("triangle-native")
                        .with_inner_size(PhysicalSize::new(640, 480))
                        .with_position(PhysicalPosition::new(0, 0)),
                )
                .expect("window"),
        );
        let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
        desc.backends = wgpu::Backends::VULKAN;
        let instance = wgpu::Instance::new(desc);
        let surface = instance.create_surface(window.clone()).expect("surface");
        let adapter =
            ready(instance.request_adapter(&wgpu::RequestAdapterOptions::default())).expect("adapter");
        let (device, queue) =
            ready(adapter.request_device(&wgpu::DeviceDescriptor::default())).expect("device");
        let size = window.inner_size();
        let config = wgpu::SurfaceConfiguration {
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT,
            format: wgpu::TextureFormat::Bgra8Unorm,
            width: size.width,
            height: size.height,
            present_mode: wgpu::PresentMode::AutoNoVsync,
            desired_maximum_frame_latency: 2,
            alpha_mode: wgpu::CompositeAlphaMode::Opaque,
            view_formats: vec![],
        };
        surface.configure(&device, &config);
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: None,
            source: wgpu::ShaderSource::Wgsl(SHADER.into()),
        });
        let layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: None,
            bind_group_layouts: &[],
            immediate_size: 0,
        });
        let pipeline = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: None,
            layout: Some(&layout),
            vertex: wgpu::VertexState {
                module: &module,
                entry_point: Some("vs_main"),
                buffers: &[],
                compilation_options: Default::default(),
            },
            primitive: wgpu::PrimitiveState::default(),
            depth_stencil: None,
            multisample: wgpu::MultisampleState::default(),
            fragment: Some(wgpu::FragmentState {
                module: &module,
                entry_point: Some("fs_orange"),
                targets: &[Some(wgpu::ColorTargetState {
                    format: config.format,
                    blend: None,
                    write_mask: wgpu::ColorWrites::ALL,
                })],
                compilation_options: Default::default(),
            }),
            multiview_mask: None,
            cache: None,
        });
        self.gpu = Some(Gpu {
            window,
            surface,
            device,
            queue,
            config,
            pipeline,
        });
    }

    fn frame(&mut self) {
        let Some(gpu) = &self.gpu else { return };
        let size = gpu.window.inner_size();
        if (size.width, size.height) != (gpu.config.width, gpu.config.height) {
            let mut config = gpu.config.clone();
            (config.width, config.height) = (size.width.max(1), size.height.max(1));
            gpu.surface.configure(&gpu.device, &config);
        }
        let frame = match gpu.surface.get_current_texture() {
            wgpu::CurrentSurfaceTexture::Success(t) | wgpu::CurrentSurfaceTexture::Suboptimal(t) => t,
            _ => {
                gpu.surface.configure(&gpu.device, &gpu.config);
                return;
            }
        };
        let view = frame.texture.create_view(&wgpu::TextureViewDescriptor::default());
        let mut encoder = gpu
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor::default());
        {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: None,
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(CLEAR),
                        store: wgpu::StoreOp::Store,
                    },
                })],
                depth_stencil_attachment: None,
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            pass.set_pipeline(&gpu.pipeline);
            pass.draw(0..3, 0..1);
        }
        gpu.queue.submit([encoder.finish()]);
        frame.present();
        self.presents.push(Instant::now());
    }
}

impl ApplicationHandler for App {
    fn resumed(&mut self, event_loop: &ActiveEventLoop) {
        if self.gpu.is_none() {
            self.open(event_loop);
        }
    }

    fn window_event(&mut self, event_loop: &ActiveEventLoop, _: WindowId, event: WindowEvent) {
        if let WindowEvent::CloseRequested = event {
            event_loop.exit();
        }
    }

    fn about_to_wait(&mut self, event_loop: &ActiveEventLoop) {
        event_loop.set_control_flow(ControlFlow::Poll);
        self.frame();
        if self.presents.len() > self.frames {
            report(&self.presents);
            event_loop.exit();
        }
    }
}

/// Prints frame times (between consecutive presents) as one JSON line, as examples/triangle.
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

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let frames = args
        .iter()
        .position(|a| a == "--bench")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(600);
    let event_loop = EventLoop::new().expect("event loop");
    let mut app = App {
        frames,
        gpu: None,
        presents: Vec::new(),
    };
    event_loop.run_app(&mut app).expect("run");
}
