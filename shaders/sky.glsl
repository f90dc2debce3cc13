// The sky, at the far plane over the screen grid (``in_ndc``, a vertex every few pixels): its
// gradient, sun glow and display transform are smooth, so they are worked out per vertex and
// interpolated; only the sun's disc, a sharp edge, is found per pixel. Drawn after the opaque
// passes, so the depth test leaves it only the pixels they left empty (it writes no depth, so
// the rasteriser rejects the rest before shading them).
#if defined VERTEX_SHADER
#include "atmosphere.glsl"
#include "display.glsl"
uniform mat4 m_inverse_view_proj;  // clip -> world direction (rotation-only view)
in vec2 in_ndc;
out vec3 v_direction;
out vec3 v_colour;                 // display colour of the sky here
out vec3 v_disc_colour;            // display colour of the sun's disc seen here
void main() {
    vec4 far_point = m_inverse_view_proj * vec4(in_ndc, 0.0, 1.0);
    v_direction = far_point.xyz / far_point.w;
    vec3 sky = sky_colour(normalize(v_direction));
    vec2 uv = in_ndc * 0.5 + 0.5;
    v_colour = display_colour_at(sky, uv);
    v_disc_colour = display_colour_at(sky + u_sun_colour * 4.0, uv);
    gl_Position = vec4(in_ndc, 1.0, 1.0);  // at the far end: drawn only where nothing else is
}
#elif defined FRAGMENT_SHADER
uniform vec3 u_sun_direction;
in vec3 v_direction;
in vec3 v_colour;
in vec3 v_disc_colour;
out vec4 f_colour;
void main() {
    float toward_sun = dot(normalize(v_direction), u_sun_direction);
    f_colour = vec4(mix(v_colour, v_disc_colour, smoothstep(0.9993, 0.9996, toward_sun)), 1.0);
}
#endif
