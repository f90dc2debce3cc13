// Particle fields: points read straight from the simulation's GPU buffer (vec4 per particle,
// xyz metres from the field's float64 origin), made eye-relative with the eye's position from
// that origin split into two float32 (high + low) for precision.
#if defined VERTEX_SHADER
#include "depth.glsl"
uniform mat4 m_proj;
uniform mat4 m_view;
uniform vec3 u_eye_high;
uniform vec3 u_eye_low;
uniform float u_size;          // particle diameter (m)
uniform float u_pixels_per_radian;
uniform float u_phase_rate;    // twinkle speed as seen (temporal Doppler of the field)
uniform float u_time;
in vec4 in_particle;
out float v_view_depth;
out float v_distance;
out float v_twinkle;
out float v_coverage;
void main() {
    vec3 relative = (in_particle.xyz - u_eye_high) - u_eye_low;
    vec4 view_position = m_view * vec4(relative, 1.0);
    v_view_depth = -view_position.z;
    v_distance = length(relative);
    float diameter_pixels = u_size / max(v_view_depth, 1e-30) * u_pixels_per_radian;
    gl_PointSize = clamp(diameter_pixels, 1.5, 48.0);
    v_coverage = clamp(diameter_pixels / 1.5, 0.05, 1.0);  // tiny particles fade, not flicker
    float seed = fract(sin(float(gl_VertexID) * 12.9898) * 43758.5453);
    v_twinkle = 0.7 + 0.3 * sin(u_time * u_phase_rate * (1.0 + seed) + seed * 40.0);
    gl_Position = m_proj * view_position;
    // A point has one depth: write the logarithmic depth here, not per fragment, so the
    // rasteriser can still reject hidden fragments before shading them.
    gl_Position.z = (2.0 * log_depth(v_view_depth) - 1.0) * gl_Position.w;
}
#elif defined FRAGMENT_SHADER
#include "atmosphere.glsl"
#include "display.glsl"
uniform vec3 u_colour;
in float v_distance;
in float v_twinkle;
in float v_coverage;
out vec4 f_colour;
void main() {
    vec2 from_centre = gl_PointCoord * 2.0 - 1.0;
    float radius_squared = dot(from_centre, from_centre);
    if (radius_squared > 1.0) discard;
    float alpha = (1.0 - radius_squared) * v_coverage;
    vec3 colour = u_colour * v_twinkle * 1.4;
    vec3 direction = vec3(0.0, 0.0, -1.0);
    colour = apply_fog(colour, v_distance, direction);
    f_colour = vec4(display_colour(colour), alpha);
}
#endif
