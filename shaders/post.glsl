// Screen-space effects that need the finished frame around a pixel: time fields seen as
// shimmering volumes (they need the scene's depth) and the look of reversed time (a colour fringe
// that needs the neighbouring pixels, toning and a ripple). Works on display colours (the object
// passes already applied display.glsl) and runs only over the part of the frame that needs it:
// the renderer scissors it to the fields' screen bounds, draws it over the outline of a field
// drawn alone (pixels outside cannot see the field), and skips it when no field is in view and
// time runs forward.
// Compiled in variants: TIME_FIELDS defined as the number of fields (1..8) or not at all, with
// bit masks of the fields (bit i: field i) that are boxes (BOX_FIELDS; the others are spheres),
// whose clocks run backward (BACKWARD_FIELDS) and that are frozen (FROZEN_FIELDS), and
// REVERSED_TIME defined or not. A CPU rasteriser runs both sides of a branch, and indexes uniform
// arrays lane by lane in loops it cannot unroll, so what a frame does not need is left out of
// its program, and the loop over fields has a constant count. What is the same for a whole
// field (its tint, which look it has) comes from the CPU.
#if defined VERTEX_SHADER
// m_inverse_view_proj comes from the Frame block.
#include "frame.glsl"
in vec2 in_position;                        // NDC: a field's outline, or the whole screen
out vec3 v_ray;                             // toward the pixel (unnormalised, linear on screen)
void main() {
    gl_Position = vec4(in_position, 0.0, 1.0);  // w = 1: interpolated linearly on screen
    // The far point's w is the same for every pixel (the view is a rotation, the projection a
    // perspective one), so its xyz / w is linear on screen and interpolates exactly.
    vec4 far_point = m_inverse_view_proj * gl_Position;
    v_ray = far_point.xyz / far_point.w;
}
#elif defined FRAGMENT_SHADER
// With the Frame block: u_viewport, u_reversed and u_time (real seconds).
#include "depth.glsl"
// The field arrays are exactly as long as the fields this variant shows: a compiler may keep a
// declared array whole (NVIDIA's does) or cut it to the elements read (Mesa's does), and the
// renderer writes one element per field either way.
#if defined TIME_FIELDS
#define MAX_FIELDS TIME_FIELDS
#else
#define MAX_FIELDS 1
#endif
uniform sampler2D u_scene;                  // display colours (a copy of the frame)
uniform sampler2D u_depth;                  // reversed-Z depth of the same pixels
uniform sampler2D u_noise;                  // the ground's noise (engine/render/noise.py)
uniform ivec2 u_source_origin;              // the viewport's corner inside u_scene and u_depth
uniform vec3 u_view_forward;
uniform vec3 u_field_centre[MAX_FIELDS];   // relative to the eye (m)
uniform vec3 u_field_half_size[MAX_FIELDS]; // boxes: half edge lengths; spheres: (r, r, r)
uniform float u_field_time[MAX_FIELDS];     // local clock reading (s)
uniform vec3 u_field_tint[MAX_FIELDS];      // by the clock rate (renderer.rate_tint)
in vec3 v_ray;
out vec4 f_colour;

vec2 sphere_span(vec3 origin_to_centre, float radius, vec3 direction) {
    float along = dot(origin_to_centre, direction);
    float closest_squared = dot(origin_to_centre, origin_to_centre) - along * along;
    float half_chord_squared = radius * radius - closest_squared;
    float half_chord = sqrt(max(half_chord_squared, 0.0));
    return half_chord_squared < 0.0 ? vec2(1.0, 0.0) : vec2(along - half_chord, along + half_chord);
}

vec2 box_span(vec3 centre, vec3 half_size, vec3 inverse_direction) {
    vec3 t0 = (centre - half_size) * inverse_direction;
    vec3 t1 = (centre + half_size) * inverse_direction;
    vec3 near_t = min(t0, t1);
    vec3 far_t = max(t0, t1);
    return vec2(max(max(near_t.x, near_t.y), near_t.z), min(min(far_t.x, far_t.y), far_t.z));
}

void main() {
    ivec2 pixel = ivec2(gl_FragCoord.xy) - ivec2(u_viewport.xy) + u_source_origin;
#if defined TIME_FIELDS
    // Where each field's span along the ray lies, before anything else: a pixel that sees no
    // field keeps the frame's colour (discarded: the target holds the frame already), and a
    // CPU rasteriser skips the rest of the shader for a block of pixels that all miss.
    vec3 direction = normalize(v_ray);
    vec3 inverse_direction = 1.0 / direction;
    float depth = texelFetch(u_depth, pixel, 0).r;
    float scene_distance = view_depth_from_depth(depth)
        / max(dot(direction, u_view_forward), 1e-4);
    vec2 spans[TIME_FIELDS];
    float seen = 0.0;  // 1 if the ray meets a field before the scene (no || : it branches)
    for (int i = 0; i < TIME_FIELDS; ++i) {  // a constant count: unrolled, constant indices
        spans[i] = ((BOX_FIELDS >> i) & 1) == 1
            ? box_span(u_field_centre[i], u_field_half_size[i], inverse_direction)
            : sphere_span(u_field_centre[i], u_field_half_size[i].x, direction);
        seen = max(seen, step(max(spans[i].x, 0.0), min(spans[i].y, scene_distance)));
    }
#endif
    vec3 colour = texelFetch(u_scene, pixel, 0).rgb;
#if defined REVERSED_TIME
    vec2 uv = (gl_FragCoord.xy - u_viewport.xy) / u_viewport.zw;
    // A colour fringe that splits against the flow of time.
    ivec2 shift = ivec2(round((uv - 0.5) * 0.006 * u_reversed * u_viewport.zw));
    ivec2 low = u_source_origin;
    ivec2 high = u_source_origin + ivec2(u_viewport.zw) - 1;
    colour.r = mix(colour.r, texelFetch(u_scene, clamp(pixel + shift, low, high), 0).r, u_reversed);
    colour.b = mix(colour.b, texelFetch(u_scene, clamp(pixel - shift, low, high), 0).b, u_reversed);
#endif
#if defined TIME_FIELDS
    colour = colour * colour * sqrt(colour);  // back to (about) linear light: gamma 2.5
    for (int i = 0; i < TIME_FIELDS; ++i) {
        vec3 centre = u_field_centre[i];
        vec3 half_size = u_field_half_size[i];
        vec2 span = spans[i];
        float enter = max(span.x, 0.0);
        float leave = min(span.y, scene_distance);
        float hit = leave > enter ? 1.0 : 0.0;  // 0: the ray misses the field, or it is hidden
        float size = max(max(half_size.x, half_size.y), half_size.z);
        float through = clamp((leave - enter) / (2.0 * size), 0.0, 1.0);
        // Shimmer: noise drifting on the field's own clock, so slow fields shimmer slowly
        // and reversed ones drift the other way.
        vec3 middle = direction * (0.5 * (enter + leave)) - centre;
        vec2 p = middle.xz / size * 6.0 + middle.y / size * 3.0 + vec2(u_field_time[i] * 0.7);
        // Two octaves in one read: channel 0 has 128 cells per repeat, channel 1 half as many.
        vec4 noise = textureLod(u_noise, p / 128.0, 0.0);
        float shimmer = noise.r * 0.6 + noise.g * 0.4;
        float skin = (1.0 - through) * (1.0 - through) * (1.0 - through);
        float edge = skin * skin * step(0.0, span.x) * 0.6 * hit;  // the bright skin: (1 - through)^6
        vec3 tint = u_field_tint[i];
        float amount = clamp(through * (0.35 + 0.4 * shimmer) + edge, 0.0, 0.85) * hit;
        vec3 inside = colour * tint * 1.25;
        if (((BACKWARD_FIELDS >> i) & 1) == 1) {  // known when compiling: no branch at run time
            inside = mix(inside, tint * (1.0 / (1.0 + colour)), 0.45);
        }
        if (((FROZEN_FIELDS >> i) & 1) == 1) {
            inside = mix(vec3(dot(colour, vec3(0.3, 0.55, 0.15))), tint, 0.35) * 1.2;
        }
        colour = mix(colour, inside, amount) + tint * edge * 0.25;
    }
    colour = pow(clamp(colour, 0.0, 1.0), vec3(0.4));
#if !defined REVERSED_TIME
    if (seen == 0.0) discard;  // here, not above: a discard up there stops the loops unrolling
#endif
#endif
#if defined REVERSED_TIME
    // Violet shadows, pale cyan lights (display values of the linear 0.12 0.05 0.22 and
    // 0.75 1.0 0.9), and a ripple running up the frame.
    float grey = dot(colour, vec3(0.3, 0.59, 0.11));
    vec3 toned = mix(vec3(0.38, 0.26, 0.50), vec3(0.88, 1.0, 0.95), grey);
    float ripple = 0.03 * sin(uv.y * 180.0 + u_time * 9.0);
    colour = mix(colour, toned + ripple, 0.55 * u_reversed);
#endif
    f_colour = vec4(clamp(colour, 0.0, 1.0), 1.0);
}
#endif
