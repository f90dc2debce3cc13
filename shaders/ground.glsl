// The ground (y = 0) around the eye: seeded noise octaves, and a faint metric grid at the two
// powers of ten nearest the explorer's size.
// Each noise octave is a fixed pattern on the ground: the octave of wavelength 2^j m is value
// noise over its own periodic lattice (an integer hash of seed, j and cell, the same bits as
// engine/render/noise.py's ``octave_lattice``), whichever role it has; only its weight follows
// the explorer's size, smoothly (``octave_weight``: each octave fades in and out over seven
// doublings). So zooming never swaps one pattern for another. Four octaves are per pixel (the
// fine pattern, baked), up to four per vertex; the coarsest fine one, as the explorer grows
// through a doubling, hands over from the vertices to the fine pattern early in it (a fade of the
// same pattern), and the broad colour patches cross-fade between two fixed wavelengths.
// Drawn over the screen grid (``in_ndc``, a vertex every few pixels): each vertex is the point of
// the ground its pixel sees (rays above the horizon end at the plane's far edge), and everything
// smooth there is worked out per vertex: the coarse noise, light, fog, tone map and vignette, so
// each vertex hands on display colours (plain, under a grid line, and how the colour changes with
// the fine noise) and the fine noise's mipmap level (from how far the ground moves per pixel).
// Per pixel remain only the fine octaves (one texel fetched from a baked, packed mipmap chain
// laid out in one image, engine/render/noise.py, and interpolated here) and the thin grid lines,
// then a mix and a multiply-add: on a CPU rasteriser every per-pixel operation counts (hashing
// the noise per pixel cost more than the rest of the frame; the fog and tone map per pixel were
// 15 %; a bilinear, mipmapped sampler read of the four octaves was half the ground's time, and
// this fetch costs under half of that).
// The coarse octaves, per vertex, fade out where the vertices get too sparse for them.
// Where the fog changes too much across a triangle to be interpolated (near the horizon: the
// renderer picks those triangles, ``fog_varies``), the variant compiled with PIXEL_FOG is drawn:
// it hands on linear colours and the distance, and fogs and tone maps per pixel.
#if defined VERTEX_SHADER
#include "depth.glsl"
#include "atmosphere.glsl"
#include "display.glsl"
#include "noise.glsl"
#define VERTEX_OCTAVES 4
#define LATTICE_CELLS 16
uniform float u_eye_height;              // eye above the ground (m)
uniform float u_extent;                  // the plane ends this far from the eye (m)
uniform float u_vertex_angle;            // radians between neighbouring grid vertices
uniform float u_pixel_angle;             // radians between neighbouring pixels
uniform vec3 u_ground_colour;
// The octaves drawn per vertex (their weights out of all octaves' sum, the fine ones' included)
uniform vec2 u_octave_offset[VERTEX_OCTAVES];  // (eye.xz / wavelength) mod LATTICE_CELLS
uniform float u_octave_wavelength[VERTEX_OCTAVES];
uniform float u_octave_weight[VERTEX_OCTAVES];
uniform uint u_octave_key[VERTEX_OCTAVES];     // hash key of each one's lattice
uniform float u_octave_mean[VERTEX_OCTAVES];   // mean of each one's lattice
// The broad colour patches: two wavelengths, cross-faded (weights: cos, sin)
uniform vec2 u_patch_offset[2];          // (eye.xz / wavelength) mod NOISE_PERIOD
uniform float u_patch_wavelength[2];
uniform vec2 u_patch_weight;
uniform vec2 u_grid_spacing_vertex;      // the two grids' spacings (m)
uniform vec2 u_grid_weight_vertex;
in vec2 in_ndc;
uniform vec2 u_fine_offset;              // (eye.xz * u_fine_frequency) mod 1
uniform float u_fine_frequency;          // fine pattern repeats per metre
uniform float u_fine_texels;             // its finest level's texels per metre
uniform int u_fine_top_level;            // its coarsest level (1 x 1 texel)
uniform vec2 u_grid_offset[2];           // (eye.xz / spacing_k + 0.5) mod 1
uniform float u_grid_frequency[2];       // lines per metre (powers of ten, the second a tenth)
out vec2 v_noise_uv;                     // where the fine pattern is read (in its repeats)
out float v_depth;                       // view depth (the rasteriser interpolates it exactly)
out float v_texels_per_depth2;           // the pattern's texels per pixel x sqrt(2) / depth^2
out vec4 v_cells;                        // the ground point in each grid's cells (+ 0.5): xz, xz
#ifdef PIXEL_FOG
out float v_distance;                    // eye to ground point (m)
out vec3 v_colour;                       // lit colour of the ground here (linear)
out vec3 v_line_colour;                  // lit colour under a grid line
out vec3 v_fog_colour;                   // colour of the fog seen here
out float v_vignette;
#else
uniform float u_fine_amount;             // the fine octaves' weights added up
out vec3 v_ground;                       // display colour here with the fine pattern at 0 ...
out vec3 v_line;                         // ... under a grid line
out vec3 v_fine;                         // change in display colour per unit of the pattern
#endif
out vec2 v_grid_weight;                  // each grid's weight, faded where its lines get dense

// An integer hash (engine/render/noise.py's ``_mix32``: the same bits).
uint mix32(uint value) {
    value ^= value >> 16u;
    value *= 0x7FEB352Du;
    value ^= value >> 15u;
    value *= 0x846CA68Bu;
    return value ^ (value >> 16u);
}

float lattice_value(uint key, ivec2 cell) {
    return float(mix32(key + uint(cell.y * LATTICE_CELLS + cell.x)) >> 8u) * (1.0 / 16777216.0);
}

// Value noise over an octave's periodic lattice, at ``position`` in its cells.
float lattice_noise(vec2 position, uint key) {
    vec2 corner = floor(position);
    vec2 f = position - corner;
    vec2 u = f * f * (3.0 - 2.0 * f);
    ivec2 low = ivec2(corner) & (LATTICE_CELLS - 1);
    ivec2 high = (low + 1) & (LATTICE_CELLS - 1);
    float a = lattice_value(key, low);
    float b = lattice_value(key, ivec2(high.x, low.y));
    float c = lattice_value(key, ivec2(low.x, high.y));
    float d = lattice_value(key, high);
    return mix(mix(a, b, u.x), mix(c, d, u.x), u.y);
}

void main() {
    vec4 far_point = m_inverse_view_proj * vec4(in_ndc, 0.0, 1.0);
    vec3 direction = normalize(far_point.xyz / far_point.w);
    float across = max(length(direction.xz), 1e-6);
    float along = direction.y < 0.0 ? u_eye_height / -direction.y : 1e30;
    along = min(along, u_extent / across);  // beyond the edge, or above the horizon: the edge
    vec3 relative = vec3(direction.x * along, -u_eye_height, direction.z * along);
    vec2 local = relative.xz;
    // How far the ground point moves to the next pixel across and up: the differences a
    // rasteriser's derivatives would take (for the fine noise's mipmap level), worked out here
    // once per vertex. A ray (x, y, z) below the horizon meets the ground at h (x, z) / -y.
    vec2 pixel = 2.0 / u_viewport.zw;  // NDC
    vec4 far_x = far_point + m_inverse_view_proj[0] * pixel.x;
    vec4 far_y = far_point + m_inverse_view_proj[1] * pixel.y;
    vec2 hit = far_point.xz * (u_eye_height / -far_point.y);
    vec2 step_x = far_x.xz * (u_eye_height / -far_x.y) - hit;
    vec2 step_y = far_y.xz * (u_eye_height / -far_y.y) - hit;
    float distance_metres = length(relative);
    // Ground metres between neighbouring vertices here (stretched where the view grazes it).
    float footprint = u_vertex_angle * distance_metres * distance_metres
        / max(u_eye_height, distance_metres * 1e-3);

    float detail = 0.0;
    for (int k = 0; k < VERTEX_OCTAVES; ++k) {
        // Fade each octave out before it aliases (under ~2 vertices per cell), and skip it then.
        float visible = 1.0 - smoothstep(0.25, 0.5, footprint / u_octave_wavelength[k]);
        if (u_octave_weight[k] * visible <= 0.0) continue;
        vec2 p = u_octave_offset[k] + local / u_octave_wavelength[k];
        float noise = lattice_noise(p, u_octave_key[k]) - u_octave_mean[k];
        detail += u_octave_weight[k] * visible * noise;
    }
    float broad = value_noise(u_patch_offset[0] + local / u_patch_wavelength[0]);
    float broader = value_noise(u_patch_offset[1] + local / u_patch_wavelength[1]);
    float patch = 0.5 + dot(u_patch_weight, vec2(broad, broader) - 0.5);
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
    // secant over that range stands in for the tone map's curve. The fragment reads the pattern
    // p = n / s + 0.5 (0..1): so the display colour is v_ground + v_fine * p.
    float s = u_fine_amount;
    vec3 darkest = display_colour(mix(fog, colour * (1.0 - 0.8 * s), clear), darken);
    vec3 lightest = display_colour(mix(fog, colour * (1.0 + 0.8 * s), clear), darken);
    v_fine = lightest - darkest;
    v_ground -= 0.5 * v_fine;
    v_line -= 0.5 * v_fine;
#endif
    // Grid lines fade out before they crowd (over ~a fifth of a pixel between lines).
    vec2 line_footprint = footprint * (u_pixel_angle / u_vertex_angle) / u_grid_spacing_vertex;
    v_grid_weight = u_grid_weight_vertex * (1.0 - smoothstep(0.05, 0.3, line_footprint));
    v_noise_uv = u_fine_offset + local * u_fine_frequency;
    // The fine pattern's texels per pixel (finest level, the longer step), for the fragment's
    // mipmap level. Over the ground it grows about as the view depth squared, and the depth is
    // interpolated exactly, so what is left (texels / depth^2) changes slowly enough to be
    // interpolated (the level itself, interpolated, lagged far behind toward the horizon).
    // Where the plane has ended (a point held at its edge barely moves from pixel to pixel)
    // the coarsest level: the pattern is far finer than a pixel there.
    float texels = max(length(step_x), length(step_y)) * u_fine_texels;
    float coarsest = exp2(float(u_fine_top_level + 1));
    texels = dot(local, local) < 0.998 * u_extent * u_extent ? min(texels, coarsest) : coarsest;
    v_depth = gl_Position.w;
    v_texels_per_depth2 = texels * 1.41421356 / max(v_depth * v_depth, 1e-30);
    v_cells = vec4(u_grid_offset[0] + local * u_grid_frequency[0],
                   u_grid_offset[1] + local * u_grid_frequency[1]);
}
#elif defined FRAGMENT_SHADER
uniform sampler2D u_noise;               // the fine pattern's packed levels (render/noise.py)
uniform int u_fine_size;                 // texels a side of its finest level (a power of two);
                                         // level k (n texels a side) starts at (2 this - 2 n, 0)
uniform int u_fine_top_level;            // its coarsest level (1 x 1 texel)
in vec2 v_noise_uv;
in float v_depth;
in float v_texels_per_depth2;
in vec4 v_cells;
in vec2 v_grid_weight;
#ifdef PIXEL_FOG
#include "display.glsl"
// u_fog_density (1/m) comes from the Frame block.
#include "frame.glsl"
uniform float u_fine_amount;             // the fine octaves' weights added up
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
    // cost a CPU rasteriser per pixel. (Pixels per cell from the vertices, as the mipmap level
    // below, were no faster than fwidth.)
    vec2 pixels_per_cell = 1.0 / max(fwidth(v_cells.xy), vec2(1e-30));
    vec4 to_line = abs(fract(v_cells) - 0.5) * vec4(pixels_per_cell, pixels_per_cell * 10.0);
    vec2 line = max(1.0 - min(to_line.xz, to_line.yw), 0.0) * v_grid_weight;
    float lines = max(line.x, line.y);
    // The fine pattern, bilinear between texel centres of one mipmap level: each texel holds
    // the four values around it (this row: R, G; the next: B, A), so one fetch serves. The
    // levels lie side by side in one image: finding a level's corner costs less per pixel
    // than a fetch from a mipmap level chosen per pixel.
    // The level a NEAREST mipmap filter picks: log2 of the texels per pixel, rounded (the
    // factor holds a sqrt(2)), read off the float's exponent bits: no log per pixel.
    float texels = v_texels_per_depth2 * v_depth * v_depth;
    int level = clamp((floatBitsToInt(texels) >> 23) - 127, 0, u_fine_top_level);
    int size = u_fine_size >> level;
    vec2 texel = v_noise_uv * float(size) - 0.5;
    vec2 corner = floor(texel);
    vec2 across = texel - corner;
    ivec2 at = ivec2(corner) & (size - 1);
    vec4 around = texelFetch(u_noise, ivec2(at.x + ((u_fine_size - size) << 1), at.y), 0);
    vec2 rows = mix(around.rb, around.ga, across.x);
    float pattern = mix(rows.x, rows.y, across.y);  // 0..1, 0.5 on average
#ifdef PIXEL_FOG
    float fine = u_fine_amount * (pattern - 0.5);
    vec3 colour = mix(v_colour, v_line_colour, lines) * (1.0 + 1.6 * fine);
    float clear = exp(-u_fog_density * v_distance);
    f_colour = vec4(display_colour(mix(v_fog_colour, colour, clear), v_vignette), 1.0);
#else
    f_colour = vec4(mix(v_ground, v_line, lines) + v_fine * pattern, 1.0);
#endif
}
#endif
