// The display transform, applied by every pass that writes the frame: scale band tint, exposure,
// filmic tone map with the display gamma folded in, vignette (the look of reversed time is the
// effects pass's, shaders/post.glsl, which covers the whole frame then anyway). Doing it
// in the object passes, instead of in a full-screen pass over an HDR copy, saves a read and a
// write of every pixel: on a CPU rasteriser (llvmpipe) that pass cost more than the scene.
// Every operation here runs for every pixel of every frame, and llvmpipe runs both sides of a
// branch, even one on a uniform: so no branches, no pow(), no sin(), no division by uniforms.
uniform vec3 u_colour_scale;   // exposure x scale band tint (1 where no band tints)
uniform vec4 u_viewport_uv;    // pixel -> 0..1 over the viewport: uv = pixel * zw + xy

// ``uv``: where on the frame (0..1, bottom left origin) the colour will be shown.
vec3 display_colour_at(vec3 colour, vec2 uv) {
    // Hejl and Burgess-Dawson's filmic fit (linear HDR -> display, gamma included), without
    // its 0.004 black offset, which crushed the darkest worlds.
    vec3 x = max(colour * u_colour_scale, 0.0);
    colour = x * (6.2 * x + 0.5) / (x * (6.2 * x + 1.7) + 0.06);
    // Vignette: a linear-light 1 - 0.35 r^2.5 is about 1 - 0.16 r^2.5 in display values, and
    // r^2.5 about r^2 (1 + r^2) / 2 over the frame.
    vec2 from_centre = (uv * 2.0 - 1.0) * vec2(0.85 / 1.3, 1.0 / 1.3);
    float radius_squared = dot(from_centre, from_centre);
    colour *= 1.0 - 0.08 * radius_squared * (1.0 + radius_squared);
    return clamp(colour, 0.0, 1.0);
}

#if defined FRAGMENT_SHADER
vec3 display_colour(vec3 colour) {
    return display_colour_at(colour, gl_FragCoord.xy * u_viewport_uv.zw + u_viewport_uv.xy);
}
#endif
