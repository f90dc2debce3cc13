// The sky, at the far plane over the screen grid (``in_ndc``, a vertex every few pixels). The
// sun's glow is smooth, so it is worked out per vertex and interpolated; the gradient (steep at
// the horizon), the sun's disc (a sharp edge) and the display transform are per pixel. Drawn
// after the opaque passes, so the depth test leaves it only the pixels they left empty (it
// writes no depth, so the rasteriser rejects the rest before shading them).
#if defined VERTEX_SHADER
#include "atmosphere.glsl"
#include "display.glsl"
uniform mat4 m_inverse_view_proj;  // clip -> world direction (rotation-only view)
in vec2 in_ndc;
out vec3 v_direction;
out vec3 v_glow;
out float v_vignette;
void main() {
    vec4 far_point = m_inverse_view_proj * vec4(in_ndc, 0.0, 1.0);
    v_direction = far_point.xyz / far_point.w;
    v_glow = sun_glow(normalize(v_direction));
    gl_Position = vec4(in_ndc, 1.0, 1.0);  // at the far end: drawn only where nothing else is
    v_vignette = vignette(gl_Position);
}
#elif defined FRAGMENT_SHADER
#include "atmosphere.glsl"
#include "display.glsl"
in vec3 v_direction;
in vec3 v_glow;
in float v_vignette;
out vec4 f_colour;
void main() {
    vec3 direction = normalize(v_direction);
    float disc = smoothstep(0.9993, 0.9996, dot(direction, u_sun_direction));
    vec3 sky = sky_gradient(direction) + v_glow + u_sun_colour * (disc * 4.0);
    f_colour = vec4(display_colour(sky, v_vignette), 1.0);
}
#endif
