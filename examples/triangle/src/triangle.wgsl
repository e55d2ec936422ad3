// The triangle of examples/triangle, shared with the native benchmark (benches/gfx).

@vertex
fn vs_main(@builtin(vertex_index) i: u32) -> @builtin(position) vec4<f32> {
    let x = f32(i32(i) - 1) * 0.8;
    let y = f32(i32(i & 1u) * 2 - 1) * 0.8;
    return vec4<f32>(x, y, 0.0, 1.0);
}

@fragment
fn fs_orange() -> @location(0) vec4<f32> {
    return vec4<f32>(1.0, 0.5, 0.0, 1.0);
}

@fragment
fn fs_teal() -> @location(0) vec4<f32> {
    return vec4<f32>(0.0, 0.6, 0.8, 1.0);
}
