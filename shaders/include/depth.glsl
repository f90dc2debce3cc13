// Reversed-Z depth (engine/render/depth.py): clip z is the near plane's distance, so after the
// divide by w (the view distance) depth is near / distance, 1 at the near plane and toward 0 at
// infinity, in a float depth buffer compared with GREATER. The rasteriser interpolates it, so no
// fragment shader writes gl_FragDepth and hidden fragments are rejected before they are shaded.
// From the Frame block: u_depth_near (m, the near plane) and u_depth_ndc (stored depth -> NDC z,
// scale and offset).
#include "frame.glsl"

// ``clip`` (a perspective projection's output, w = view distance) with reversed-Z depth.
vec4 reversed_z(vec4 clip) {
    return vec4(clip.xy, u_depth_near, clip.w);
}

// The NDC z of infinity: what depth is cleared to, and where the sky is drawn.
float far_ndc() {
    return u_depth_ndc.y;
}

// View distance (m) of a stored depth; 1e30 where nothing was drawn.
float view_depth_from_depth(float depth) {
    float ndc = depth * u_depth_ndc.x + u_depth_ndc.y;
    return ndc > 0.0 ? u_depth_near / ndc : 1e30;
}
