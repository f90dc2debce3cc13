// Logarithmic depth: depth = log2(d / near) / log2(far / near), d the view-space depth in metres.
// Keeps precision relative to distance at every scale; write it from every fragment shader.
uniform vec2 u_depth_range;  // (near, far) in metres for the logarithmic mapping
// (1 / near, 1 / log2(far / near)): worked out once on the CPU, not per pixel (a CPU rasteriser
// evaluates expressions of uniforms for every pixel).
uniform vec2 u_depth_scale;

float log_depth(float view_depth) {
    return clamp(log2(max(view_depth * u_depth_scale.x, 1.0)) * u_depth_scale.y, 0.0, 1.0);
}

float view_depth_from_log(float depth) {
    return u_depth_range.x * exp2(depth / u_depth_scale.y);
}
