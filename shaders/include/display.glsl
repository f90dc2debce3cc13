// The display transform, applied by every pass that writes the frame: scale band tint, exposure,
// filmic tone map with the display gamma folded in, the look of reversed time, vignette. Doing it
// in the object passes, instead of in a full-screen pass over an HDR copy, saves a read and a
// write of every pixel: on a CPU rasteriser (llvmpipe) that pass cost more than the scene. The
// curve is Hejl and Burgess-Dawson's filmic fit, which includes the gamma: no pow() per pixel.
uniform vec3 u_band_tint;
uniform float u_band_tint_amount;
uniform float u_reversed;      // 0..1: how strongly the eye's own time runs backward
uniform float u_time;          // real seconds, for effects that must keep moving
uniform float u_exposure;
uniform vec4 u_viewport;       // x, y, width, height in pixels of the frame being drawn

// ``uv``: where on the frame (0..1, bottom left origin) the colour will be shown.
vec3 display_colour_at(vec3 colour, vec2 uv) {
    colour = mix(colour, colour * u_band_tint * 1.6, u_band_tint_amount);
    vec3 x = max(colour * u_exposure, 0.0);  // (the fit subtracts 0.004 first: too dark here)
    colour = x * (6.2 * x + 0.5) / (x * (6.2 * x + 1.7) + 0.06);  // linear HDR -> display
    if (u_reversed > 0.0) {
        float grey = dot(colour, vec3(0.3, 0.59, 0.11));
        // Violet shadows, pale cyan lights (display values of the linear 0.12 0.05 0.22 and
        // 0.75 1.0 0.9), and a ripple running up the frame.
        vec3 toned = mix(vec3(0.38, 0.26, 0.50), vec3(0.88, 1.0, 0.95), grey);
        float ripple = 0.03 * sin(uv.y * 180.0 + u_time * 9.0);
        colour = mix(colour, toned + ripple, 0.55 * u_reversed);
    }
    // Vignette: a linear-light 1 - 0.35 r^2.5, to first order in display values.
    float radius = length((uv * 2.0 - 1.0) * vec2(0.85, 1.0)) / 1.3;
    colour *= 1.0 - 0.16 * radius * radius * sqrt(radius);
    return clamp(colour, 0.0, 1.0);
}

#if defined FRAGMENT_SHADER
vec3 display_colour(vec3 colour) {
    return display_colour_at(colour, (gl_FragCoord.xy - u_viewport.xy) / u_viewport.zw);
}
#endif
