// Particle fields: points read straight from the simulation's GPU buffer (vec4 per particle,
// xyz metres from the field's float64 origin), made eye-relative with the eye's position from
// that origin split into two float32 (high + low) for precision. A point's colour (twinkle, fog,
// vignette) is the same over all its pixels: worked out once, per vertex. Points add light to a
// frame already in display values: blended as (1 - frame) x light + frame, which, like adding
// light before the tone curve, brightens dark pixels most and saturates smoothly to white.
#if defined VERTEX_SHADER
#include "depth.glsl"
#include "atmosphere.glsl"
#include "display.glsl"
uniform vec3 u_eye_high;
uniform vec3 u_eye_low;
uniform float u_size;          // particle diameter (m)
uniform float u_pixels_per_radian;
uniform float u_phase_rate;    // twinkle speed as seen (temporal Doppler of the field)
uniform float u_world_time;    // world seconds (wrapped to an hour)
uniform vec3 u_colour;
// The tone curve's slope near black (display units per unit of linear light), roughly: how much
// a little added light shows on a dark frame.
const float LIGHT_TO_DISPLAY = 4.5;
in vec4 in_particle;
out vec3 v_colour;             // display light the disc's centre adds (vignette, coverage in)
void main() {
    vec3 relative = (in_particle.xyz - u_eye_high) - u_eye_low;
    vec4 view_position = m_view * vec4(relative, 1.0);
    float view_depth = -view_position.z;
    float diameter_pixels = u_size / max(view_depth, 1e-30) * u_pixels_per_radian;
    gl_PointSize = clamp(diameter_pixels, 1.5, 48.0);
    float coverage = clamp(diameter_pixels / 1.5, 0.05, 1.0);  // tiny particles fade, not flicker
    // Each particle's own seed from an integer hash of its index (cheaper than fract(sin)).
    uint hash = uint(gl_VertexID) * 2654435761u;
    hash ^= hash >> 15u;
    hash *= 2246822519u;
    hash ^= hash >> 13u;
    float seed = float(hash >> 8u) * (1.0 / 16777216.0);
    // Twinkle, 0.7 + 0.3 sin(x) as a smoothed triangle wave (sin() costs a CPU per vertex).
    float turn = (u_world_time * u_phase_rate * (1.0 + seed) + seed * 40.0) * 0.15915494 + 0.25;
    float wave = abs(fract(turn) * 2.0 - 1.0);
    float twinkle = 0.4 + 0.6 * wave * wave * (3.0 - 2.0 * wave);
    gl_Position = reversed_z(m_proj * view_position);
    vec3 colour = apply_fog(u_colour * twinkle * 1.4, length(relative), vec3(0.0, 0.0, -1.0));
    v_colour = colour * u_colour_scale * (coverage * vignette(gl_Position) * LIGHT_TO_DISPLAY);
}
#elif defined FRAGMENT_SHADER
in vec3 v_colour;
out vec4 f_colour;
void main() {
    vec2 from_centre = gl_PointCoord * 2.0 - 1.0;
    float inside = max(1.0 - dot(from_centre, from_centre), 0.0);  // 0 outside the disc
    f_colour = vec4(v_colour * inside, 1.0);
}
#endif
