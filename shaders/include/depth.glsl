// Logarithmic depth: depth = log2(d / near) / log2(far / near), d the view-space depth in metres.
// Keeps precision relative to distance at every scale; write it from every fragment shader.
uniform vec2 u_depth_range;  // (near, far) in metres for the logarithmic mapping

float log_depth(float view_depth) {
    float ratio = max(view_depth, u_depth_range.x) / u_depth_range.x;
    return clamp(log2(ratio) / log2(u_depth_range.y / u_depth_range.x), 0.0, 1.0);
}

float view_depth_from_log(float depth) {
    return u_depth_range.x * exp2(depth * log2(u_depth_range.y / u_depth_range.x));
}
