// The display transform, applied by every pass that writes the frame: scale band tint, exposure,
// filmic tone map with the display gamma folded in, vignette (the look of reversed time is the
// effects pass's, shaders/post.glsl, which covers the whole frame then anyway). Doing it
// in the object passes, instead of in a full-screen pass over an HDR copy, saves a read and a
// write of every pixel: on a CPU rasteriser (llvmpipe) that pass cost more than the scene.
// Every operation here runs for every pixel of every frame, and llvmpipe runs both sides of a
// branch, even one on a uniform: so no branches, no pow(), no sin(), no division by uniforms.
// u_colour_scale (the Frame block): exposure x scale band tint (1 where no band tints).
#include "frame.glsl"

// Linear HDR -> display values, gamma included: a rational curve in the form of Hejl and
// Burgess-Dawson's filmic fit, its coefficients fitted (least squares, x in 1e-4..16) to the
// filmic (Narkowicz ACES) curve followed by gamma 1/2.2 that this renderer used to apply in a
// full-screen pass; within 0.021 of it, with no pow().
vec3 tone_map(vec3 colour) {
    vec3 x = max(colour, 0.0);
    return x * (12.5765 * x + 0.0318) / (x * (12.1966 * x + 1.9644) + 0.0002);
}

// The vignette's darkening where a vertex lands (``clip``: its gl_Position): smooth over the frame,
// so vertex shaders work it out and pass it on (reading gl_FragCoord per pixel cost llvmpipe more
// than the tone map; ``noperspective`` would be exact, but llvmpipe's clipper made NaNs of it).
// A linear-light 1 - 0.35 r^2.5 is about 1 - 0.16 r^2.5 in display values, and r^2.5 about
// r^2 (1 + r^2) / 2 over the frame.
float vignette(vec4 clip) {
    vec2 from_centre = clip.xy / max(clip.w, 1e-30) * vec2(0.85 / 1.3, 1.0 / 1.3);
    float radius_squared = dot(from_centre, from_centre);
    return clamp(1.0 - 0.08 * radius_squared * (1.0 + radius_squared), 0.8, 1.0);
}

// Display values of linear HDR ``colour``, darkened by ``vignette``.
vec3 display_colour(vec3 colour, float vignette) {
    return clamp(tone_map(colour * u_colour_scale) * vignette, 0.0, 1.0);
}
