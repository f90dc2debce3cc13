// The sky: a full-screen triangle, each pixel coloured by the direction it looks along.
#if defined VERTEX_SHADER
out vec2 v_ndc;
void main() {
    vec2 corner = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
    v_ndc = corner * 2.0 - 1.0;
    gl_Position = vec4(v_ndc, 1.0, 1.0);  // at the far end: drawn only where nothing else is
}
#elif defined FRAGMENT_SHADER
#include "atmosphere.glsl"
uniform mat4 m_inverse_view_proj;  // clip -> world direction (rotation-only view)
in vec2 v_ndc;
out vec4 f_colour;
void main() {
    vec4 far_point = m_inverse_view_proj * vec4(v_ndc, 0.0, 1.0);
    vec3 direction = normalize(far_point.xyz / far_point.w);
    f_colour = vec4(sky_colour(direction), 1.0);
}
#endif
