// The ground (y = 0) around the eye: seeded noise at octaves tied to the explorer's size, and a
// faint metric grid at the two powers of ten nearest that size.
// Drawn over the screen grid (``in_ndc``, a vertex every few pixels): each vertex is the point of
// the ground its pixel sees (rays above the horizon end at the plane's far edge), and everything
// smooth there is worked out per vertex: the coarse noise, light, fog, tone map and vignette, so
// each vertex hands on display colours (plain, under a grid line, and how the colour changes with
// the fine noise). Per pixel remain only the fine octaves (one mipmapped read of a baked texture,
// engine/render/noise.py, four octaves in its four channels) and the thin grid lines, then a
// mix and a multiply-add: on a CPU rasteriser every per-pixel operation counts (hashing the noise
// per pixel cost more than the rest of the frame; the fog and tone map per pixel were 15 %).
// The coarse octaves, per vertex, fade out where the vertices get too sparse for them.
// Where the fog changes too much across a triangle to be interpolated (near the horizon: the
// renderer picks those triangles, ``fog_varies``), the variant compiled with PIXEL_FOG is drawn:
// it hands on linear colours and the distance, and fogs and tone maps per pixel.
#if defined VERTEX_SHADER
#include "depth.glsl"
#include "atmosphere.glsl"
#include "display.glsl"
#include "noise.glsl"
#define OCTAVES 8
#define FINE_OCTAVES 4
uniform float u_eye_height;              // eye above the ground (m)
uniform float u_extent;                  // the plane ends this far from the eye (m)
uniform float u_vertex_angle;            // radians between neighbouring grid vertices
uniform float u_pixel_angle;             // radians between neighbouring pixels
uniform vec3 u_ground_colour;
uniform vec2 u_octave_offset[OCTAVES];   // (eye.xz / wavelength_k) mod NOISE_PERIOD
uniform float u_octave_wavelength[OCTAVES];
uniform float u_octave_weight[OCTAVES];  // normalised: they add up to 1
uniform vec2 u_grid_spacing_vertex;      // the two grids' spacings (m)
uniform vec2 u_grid_weight_vertex;
in vec2 in_ndc;
uniform vec2 u_fine_offset;              // (eye.xz * u_fine_frequency) mod 1
uniform float u_fine_frequency;          // noise texture repeats per metre
uniform vec2 u_grid_offset[2];           // (eye.xz / spacing_k + 0.5) mod 1
uniform float u_grid_frequency[2];       // lines per metre (powers of ten, the second a tenth)
out vec2 v_noise_uv;                     // where the fine noise texture is read
out vec4 v_cells;                        // the ground point in each grid's cells (+ 0.5): xz, xz
#ifdef PIXEL_FOG
out float v_distance;                    // eye to ground point (m)
out vec3 v_colour;                       // lit colour of the ground here (linear)
out vec3 v_line_colour;                  // lit colour under a grid line
out vec3 v_fog_colour;                   // colour of the fog seen here
out float v_vignette;
#else
uniform vec4 u_fine_weight;              // the weights of octaves 1..4 (the fragment's)
out vec3 v_ground;                       // display colour here with no fine noise
out vec3 v_line;                         // ... under a grid line
out vec3 v_fine;                         // change in display colour per unit of fine noise
#endif
out vec2 v_grid_weight;                  // each grid's weight, faded where its lines get dense
void main() {
    vec4 far_point = m_inverse_view_proj * vec4(in_ndc, 0.0, 1.0);
    vec3 direction = normalize(far_point.xyz / far_point.w);
    float across = max(length(direction.xz), 1e-6);
    float along = direction.y < 0.0 ? u_eye_height / -direction.y : 1e30;
    along = min(along, u_extent / across);  // beyond the edge, or above the horizon: the edge
    vec3 relative = vec3(direction.x * along, -u_eye_height, direction.z * along);
    vec2 local = relative.xz;
    float distance_metres = length(relative);
    // Ground metres between neighbouring vertices here (stretched where the view grazes it).
    float footprint = u_vertex_angle * distance_metres * distance_metres
        / max(u_eye_height, distance_metres * 1e-3);

    float detail = 0.0;
    for (int k = FINE_OCTAVES + 1; k < OCTAVES; ++k) {  // octaves 1..4 are the per-pixel ones
        // Fade each octave out before it aliases (under ~2 vertices per cell), and skip it then.
        float visible = 1.0 - smoothstep(0.25, 0.5, footprint / u_octave_wavelength[k]);
        if (u_octave_weight[k] * visible <= 0.0) continue;
        vec2 p = u_octave_offset[k] + local / u_octave_wavelength[k];
        detail += u_octave_weight[k] * visible * (value_noise(p) - 0.5);
    }
    vec2 broad = u_octave_offset[OCTAVES - 1] * 0.37 + local / (u_octave_wavelength[OCTAVES - 1] * 2.7);
    float patch = value_noise(broad + 17.0);
    vec3 albedo = u_ground_colour * (1.0 + 1.6 * detail) * mix(0.8, 1.15, patch);
    albedo = mix(albedo, albedo.gbr * 0.9 + albedo * 0.1, 0.12 * smoothstep(0.55, 0.85, patch));
    vec3 colour = lit(albedo, vec3(0.0, 1.0, 0.0));
    vec3 line_colour = colour * 0.55 + u_sky_horizon * 0.12;
    vec3 seen = relative / distance_metres;
    vec4 view_position = m_view * vec4(relative, 1.0);
    gl_Position = reversed_z(m_proj * view_position);
    float darken = vignette(gl_Position);
    vec3 fog = fog_colour(seen);
    vec3 line_mix = mix(colour, line_colour, 0.6);
#ifdef PIXEL_FOG
    v_distance = distance_metres;
    v_colour = colour;
    v_line_colour = line_mix;
    v_fog_colour = fog;
    v_vignette = darken;
#else
    // Fog mixes in linear light, before the tone map: a bright haze over a dark ground.
    float clear = exp(-u_fog_density * distance_metres);
    v_ground = display_colour(mix(fog, colour, clear), darken);
    v_line = display_colour(mix(fog, line_mix, clear), darken);
    // The fine noise n (in -s/2..s/2) scales the colour by 1 + 1.6 n: the display colour's
    // secant over that range stands in for the tone map's curve.
    float s = dot(u_fine_weight, vec4(1.0));
    vec3 darkest = display_colour(mix(fog, colour * (1.0 - 0.8 * s), clear), darken);
    vec3 lightest = display_colour(mix(fog, colour * (1.0 + 0.8 * s), clear), darken);
    v_fine = (lightest - darkest) / max(s, 1e-6);
#endif
    // Grid lines fade out before they crowd (over ~a fifth of a pixel between lines).
    vec2 line_footprint = footprint * (u_pixel_angle / u_vertex_angle) / u_grid_spacing_vertex;
    v_grid_weight = u_grid_weight_vertex * (1.0 - smoothstep(0.05, 0.3, line_footprint));
    v_noise_uv = u_fine_offset + local * u_fine_frequency;
    v_cells = vec4(u_grid_offset[0] + local * u_grid_frequency[0],
                   u_grid_offset[1] + local * u_grid_frequency[1]);
}
#elif defined FRAGMENT_SHADER
uniform sampler2D u_noise;               // RGBA: octaves 1..4 (engine/render/noise.py)
uniform vec4 u_fine_weight;              // the weights of octaves 1..4
in vec2 v_noise_uv;
in vec4 v_cells;
in vec2 v_grid_weight;
#ifdef PIXEL_FOG
#include "display.glsl"
// u_fog_density (1/m) comes from the Frame block.
#include "frame.glsl"
in float v_distance;
in vec3 v_colour;
in vec3 v_line_colour;
in vec3 v_fog_colour;
in float v_vignette;
#else
in vec3 v_ground;
in vec3 v_line;
in vec3 v_fine;
#endif
out vec4 f_colour;

void main() {
    // Distance to the nearest line in pixels: (cells) x (pixels per cell); the second grid's
    // cells are ten of the first's. Multiplications by a reciprocal worked out once: divisions
    // cost a CPU rasteriser per pixel.
    vec2 pixels_per_cell = 1.0 / max(fwidth(v_cells.xy), vec2(1e-30));
    vec4 to_line = abs(fract(v_cells) - 0.5) * vec4(pixels_per_cell, pixels_per_cell * 10.0);
    vec2 line = max(1.0 - min(to_line.xz, to_line.yw), 0.0) * v_grid_weight;
    float lines = max(line.x, line.y);
    float fine = dot(texture(u_noise, v_noise_uv) - 0.5, u_fine_weight);
#ifdef PIXEL_FOG
    vec3 colour = mix(v_colour, v_line_colour, lines) * (1.0 + 1.6 * fine);
    float clear = exp(-u_fog_density * v_distance);
    f_colour = vec4(display_colour(mix(v_fog_colour, colour, clear), v_vignette), 1.0);
#else
    f_colour = vec4(mix(v_ground, v_line, lines) + v_fine * fine, 1.0);
#endif
}
#endif
