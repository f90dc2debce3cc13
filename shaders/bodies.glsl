// Bodies and agents: instanced meshes placed relative to the eye, coloured by the Doppler shift
// of the light that reaches the eye, animated on the clock the eye sees them by (both worked out
// per instance on the CPU: they are the same for every vertex of an instance).
// Light, rim, glow and fog are smooth over a body, so they are worked out per vertex, as two
// colours: the pixel's colour is (band) x v_banded + v_unbanded, where band is the one thing
// per pixel (the stripes drifting over the surface on the body's seen clock), before the display
// transform. On a CPU rasteriser each varying and each operation is paid for per pixel.
#if defined VERTEX_SHADER
#include "depth.glsl"
#include "atmosphere.glsl"
#include "display.glsl"
uniform float u_silhouette;  // 0 for bodies; toward 1 agents read as dark shapes with a bright rim
in vec3 in_position;     // mesh, unit sized
in vec3 in_normal;
// Per instance, worked out once on the CPU (renderer._instance_rows):
in vec3 in_offset;       // position relative to the eye (m)
in float in_scale;       // metres per mesh unit
in vec3 in_colour;       // linear RGB, Doppler shifted and brightened as seen
in float in_glow;        // pulsing on the seen clock
in float in_band;        // the stripes' phase (turns)
in vec2 in_turn;         // cos, sin of the heading
out vec3 v_banded;       // linear light the stripes scale
out vec3 v_unbanded;     // linear light they leave alone (rim, glow, fog)
out float v_band_phase;  // the stripes' phase here, in turns
out float v_vignette;
void main() {
    float c = in_turn.x;
    float s = in_turn.y;
    mat3 turn = mat3(c, 0.0, -s, 0.0, 1.0, 0.0, s, 0.0, c);
    vec3 relative = in_offset + turn * (in_position * in_scale);
    vec3 normal = turn * in_normal;
    vec3 colour = in_colour;
    float distance_metres = length(relative);
    vec3 to_eye = -relative / max(distance_metres, 1e-30);
    if (dot(normal, to_eye) < 0.0) normal = -normal;  // meshes are drawn two-sided
    float facing_away = 1.0 - max(dot(normal, to_eye), 0.0);
    float rim = facing_away * facing_away * facing_away;
    // Bodies: lit albedo, striped; agents (u_silhouette): dark, striped less, with a bright rim.
    vec3 banded = mix(lit(colour, normal), colour * 0.12, u_silhouette);
    vec3 unbanded = colour * rim * 2.2 * u_silhouette
        + u_sky_horizon * rim * 0.25 * (1.0 - u_silhouette)
        + colour * in_glow * 1.8;
    float clear = exp(-u_fog_density * distance_metres);
    v_banded = banded * clear;
    v_unbanded = mix(fog_colour(-to_eye), unbanded, clear);
    v_band_phase = in_position.y * (9.0 * 0.15915494) + in_band;  // 9 stripes per radian of y
    vec4 view_position = m_view * vec4(relative, 1.0);
    gl_Position = reversed_z(m_proj * view_position);
    v_vignette = vignette(gl_Position);
}
#elif defined FRAGMENT_SHADER
#include "display.glsl"
uniform float u_silhouette;
in vec3 v_banded;
in vec3 v_unbanded;
in float v_band_phase;
in float v_vignette;
out vec4 f_colour;
void main() {
    // 0.5 + 0.5 sin(x), as a smoothed triangle wave: sin() is costly per pixel on a CPU.
    float wave = abs(fract(v_band_phase) * 2.0 - 1.0);
    float bands = wave * wave * (3.0 - 2.0 * wave);
    float band = mix(0.82, 1.0, bands * (1.0 - u_silhouette));
    f_colour = vec4(display_colour(v_banded * band + v_unbanded, v_vignette), 1.0);
}
#endif
