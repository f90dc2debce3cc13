// The uniforms every pass of a frame shares, in one std140 block: the renderer writes them to
// one buffer once a frame (engine/render/renderer.py, FRAME_LAYOUT gives each member's place),
// instead of setting each in each program. Members are read by their names, as plain uniforms.
#ifndef FRAME_GLSL
#define FRAME_GLSL
layout(std140) uniform Frame {
    mat4 m_proj;               // rotation-only view -> clip (its z replaced by reversed_z)
    mat4 m_view;               // world directions -> view (no translation: camera-relative)
    mat4 m_inverse_view_proj;  // clip -> world direction (rotation-only view)
    vec4 u_viewport;           // x, y, width, height of the frame being drawn
    vec3 u_colour_scale;       // exposure x scale band tint (1 where no band tints)
    float u_depth_near;        // metres: the near plane
    vec3 u_sky_zenith;         // linear RGB
    float u_fog_density;       // 1/m
    vec3 u_sky_horizon;
    float u_seed_offset;       // from the world seed: moves every noise pattern
    vec3 u_fog_colour;
    float u_ambient;
    vec3 u_sun_direction;      // unit, toward the sun (world space)
    float u_reversed;          // 0..1: how strongly the eye's own time runs backward
    vec3 u_sun_colour;
    float u_time;              // real seconds (wrapped to an hour)
    vec2 u_depth_ndc;          // stored depth -> NDC z (= near / distance): scale, offset
};
#endif
