// Bodies and agents: instanced meshes placed relative to the eye, coloured by the Doppler shift
// of the light that reaches the eye, animated on the clock the eye sees them by.
#if defined VERTEX_SHADER
#include "depth.glsl"
#include "relativity.glsl"
#include "display.glsl"
uniform mat4 m_proj;
uniform mat4 m_view;
uniform bool u_doppler_colour;
uniform bool u_brightening;
in vec3 in_position;     // mesh, unit sized
in vec3 in_normal;
in vec3 in_offset;       // instance position relative to the eye (m)
in float in_scale;       // metres per mesh unit
in vec3 in_colour;       // linear RGB
in float in_glow;
in float in_doppler;     // Doppler factor of the light reaching the eye
in float in_phase;       // animation clock as seen (s), temporal Doppler included
in float in_yaw;         // heading (radians)
out vec3 v_normal;
out vec3 v_relative;
out vec3 v_local;
out vec3 v_colour;
out float v_glow;
out float v_phase;
out float v_vignette;
void main() {
    float c = cos(in_yaw);
    float s = sin(in_yaw);
    mat3 turn = mat3(c, 0.0, -s, 0.0, 1.0, 0.0, s, 0.0, c);
    v_local = in_position;
    v_relative = in_offset + turn * (in_position * in_scale);
    v_normal = turn * in_normal;
    vec3 colour = in_colour;
    if (u_doppler_colour) {
        colour = doppler_shifted(colour, in_doppler, u_brightening);
    } else if (u_brightening) {
        colour *= min(in_doppler * in_doppler * in_doppler, MAX_BRIGHTENING);
    }
    v_colour = colour;
    v_glow = in_glow * (0.75 + 0.25 * sin(in_phase * 3.0));  // pulsing on the seen clock
    v_phase = in_phase;
    vec4 view_position = m_view * vec4(v_relative, 1.0);
    gl_Position = reversed_z(m_proj * view_position);
    v_vignette = vignette(gl_Position);
}
#elif defined FRAGMENT_SHADER
#include "atmosphere.glsl"
#include "display.glsl"
uniform float u_silhouette;  // 0 for bodies; toward 1 agents read as dark shapes with a bright rim
in vec3 v_normal;
in vec3 v_relative;
in vec3 v_local;
in vec3 v_colour;
in float v_glow;
in float v_phase;
in float v_vignette;
out vec4 f_colour;
void main() {
    vec3 normal = normalize(v_normal);
    float distance_metres = length(v_relative);
    vec3 to_eye = -v_relative / max(distance_metres, 1e-30);
    if (dot(normal, to_eye) < 0.0) normal = -normal;  // meshes are drawn two-sided
    // Bands that drift over the surface on the body's own (seen) clock.
    // 0.5 + 0.5 sin(x), as a smoothed triangle wave: sin() is costly per pixel on a CPU.
    float wave = abs(fract((v_local.y * 9.0 - v_phase * 2.4) * 0.15915494 + 0.25) * 2.0 - 1.0);
    float bands = wave * wave * (3.0 - 2.0 * wave);
    vec3 albedo = v_colour * mix(0.82, 1.0, bands * (1.0 - u_silhouette));
    vec3 colour = lit(albedo, normal);
    float facing_away = 1.0 - max(dot(normal, to_eye), 0.0);
    float rim = facing_away * facing_away * facing_away;
    colour = mix(colour, albedo * 0.12 + v_colour * rim * 2.2, u_silhouette);
    colour += u_sky_horizon * rim * 0.25 * (1.0 - u_silhouette);
    colour += v_colour * v_glow * 1.8;
    colour = apply_fog(colour, distance_metres, -to_eye);
    f_colour = vec4(display_colour(colour, v_vignette), 1.0);
}
#endif
