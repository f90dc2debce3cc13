// The sky: a full-screen triangle at the far plane, each pixel coloured by the direction it looks
// along. Drawn after the opaque passes, so the depth test leaves it only the pixels they left
// empty (it writes no depth itself, so the rasteriser can reject the rest before shading).
#if defined VERTEX_SHADER
uniform mat4 m_inverse_view_proj;  // clip -> world direction (rotation-only view)
out vec3 v_far_point;
void main() {
    vec2 corner = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
    vec2 ndc = corner * 2.0 - 1.0;
    vec4 far_point = m_inverse_view_proj * vec4(ndc, 0.0, 1.0);
    v_far_point = far_point.xyz / far_point.w;  // linear across the screen: interpolate, not per pixel
    gl_Position = vec4(ndc, 1.0, 1.0);  // at the far end: drawn only where nothing else is
}
#elif defined FRAGMENT_SHADER
#include "atmosphere.glsl"
#include "display.glsl"
in vec3 v_far_point;
out vec4 f_colour;
void main() {
    f_colour = vec4(display_colour(sky_colour(normalize(v_far_point))), 1.0);
}
#endif
