// The ground (y = 0): a plane drawn around the eye, textured by seeded noise at octaves tied to
// the explorer's size, and a faint metric grid at the powers of ten nearest that size.
// The noise is baked once per world into a tiling RGBA texture (engine/render/noise.py: four
// independent octaves, one per channel), so each pixel takes two mipmapped texture reads where
// it used to hash 36 lattice cells; the mipmaps fade octaves out before they alias.
#if defined VERTEX_SHADER
#include "depth.glsl"
uniform mat4 m_proj;
uniform mat4 m_view;
uniform float u_eye_height;  // eye above the ground (m)
uniform float u_extent;      // half-width of the drawn plane (m)
out vec3 v_relative;         // fragment position relative to the eye (m)
out float v_view_depth;
void main() {
    vec2 corner = vec2(float(gl_VertexID & 1), float((gl_VertexID >> 1) & 1)) * 2.0 - 1.0;
    v_relative = vec3(corner.x * u_extent, -u_eye_height, corner.y * u_extent);
    vec4 view_position = m_view * vec4(v_relative, 1.0);
    v_view_depth = -view_position.z;
    gl_Position = m_proj * view_position;
}
#elif defined FRAGMENT_SHADER
#include "depth.glsl"
#include "atmosphere.glsl"
#include "display.glsl"
uniform sampler2D u_noise;               // RGBA: octaves k..k+3, each in 0..1 around 0.5
uniform vec3 u_ground_colour;
uniform vec2 u_fine_offset;              // (eye.xz / fine texture period) mod 1
uniform float u_fine_period;             // metres per texture repeat, octaves 0..3
uniform vec4 u_fine_weight;
uniform vec2 u_coarse_offset;            // the same for octaves 4..7
uniform float u_coarse_period;
uniform vec4 u_coarse_weight;
uniform vec2 u_grid_offset[3];           // (eye.xz / spacing_k) mod 1
uniform float u_grid_spacing[3];         // metres (powers of ten)
uniform float u_grid_weight[3];
in vec3 v_relative;
in float v_view_depth;
out vec4 f_colour;

void main() {
    vec2 local = v_relative.xz;
    vec4 fine = texture(u_noise, u_fine_offset + local / u_fine_period) - 0.5;
    vec4 coarse = texture(u_noise, u_coarse_offset + local / u_coarse_period) - 0.5;
    float detail = dot(fine, u_fine_weight) + dot(coarse, u_coarse_weight);
    float patch = coarse.w + 0.5;  // the broadest octave also sets the colour of large patches
    vec3 albedo = u_ground_colour * (1.0 + 1.6 * detail) * mix(0.8, 1.15, patch);
    albedo = mix(albedo, albedo.gbr * 0.9 + albedo * 0.1, 0.12 * smoothstep(0.55, 0.85, patch));

    float lines = 0.0;
    vec2 footprint = fwidth(local);  // metres per pixel; each grid's is this over its spacing
    for (int k = 0; k < 3; ++k) {
        vec2 g = u_grid_offset[k] + local / u_grid_spacing[k];
        vec2 width = footprint / u_grid_spacing[k];
        vec2 distance_to_line = abs(fract(g + 0.5) - 0.5) / max(width, vec2(1e-6));
        float line = 1.0 - min(min(distance_to_line.x, distance_to_line.y), 1.0);
        float fade = 1.0 - smoothstep(0.05, 0.3, max(width.x, width.y));
        lines = max(lines, line * fade * u_grid_weight[k]);
    }
    vec3 colour = lit(albedo, vec3(0.0, 1.0, 0.0));
    colour = mix(colour, colour * 0.55 + u_sky_horizon * 0.12, lines * 0.6);
    float distance_metres = length(v_relative);
    colour = apply_fog(colour, distance_metres, v_relative / distance_metres);
    f_colour = vec4(display_colour(colour), 1.0);
    gl_FragDepth = log_depth(v_view_depth);
}
#endif
